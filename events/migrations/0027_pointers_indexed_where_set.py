"""The optional pointers of attributions and casualty figures (who is responsible, who said so, who reported a
figure, the reaction it was said in) are indexed only where set (events.models.base.indexed_where_set): indexed
whole, the empty rows made SQLite's planner expect 25,000 attributions per person and walk the whole table for
a person's page. ANALYZE so that SQLite's planner knows the new indexes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0026_postgresql_admin_incident_order"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attribution",
            name="by_country",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                limit_choices_to={"kind": "country"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attributions_made",
                to="events.place",
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="by_organization",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attributions_made",
                to="events.organization",
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="by_person",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attributions_made",
                to="events.person",
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="reaction",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The reaction in which this was said, if it was a public statement (an accusation, a denial). Its summary and quote are then the reaction's: leave them empty here (a date, if given, is the reaction's).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attributions",
                to="events.reaction",
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="responsible_country",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                limit_choices_to={"kind": "country"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attributed_incidents",
                to="events.place",
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="responsible_organization",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attributed_incidents",
                to="events.organization",
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="responsible_person",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attributed_incidents",
                to="events.person",
            ),
        ),
        migrations.AlterField(
            model_name="casualtyfigure",
            name="reported_by_organization",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reported_figures",
                to="events.organization",
            ),
        ),
        migrations.AlterField(
            model_name="casualtyfigure",
            name="reported_by_person",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reported_figures",
                to="events.person",
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("responsible_organization__isnull", False)),
                fields=["responsible_organization"],
                name="attribution_resp_org_set",
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("responsible_person__isnull", False)),
                fields=["responsible_person"],
                name="attribution_resp_person_set",
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("responsible_country__isnull", False)),
                fields=["responsible_country"],
                name="attribution_resp_country_set",
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("by_organization__isnull", False)),
                fields=["by_organization"],
                name="attribution_by_org_set",
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("by_person__isnull", False)), fields=["by_person"], name="attribution_by_person_set"
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("by_country__isnull", False)),
                fields=["by_country"],
                name="attribution_by_country_set",
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("reaction__isnull", False)), fields=["reaction"], name="attribution_reaction_set"
            ),
        ),
        migrations.AddIndex(
            model_name="casualtyfigure",
            index=models.Index(
                condition=models.Q(("reported_by_organization__isnull", False)),
                fields=["reported_by_organization"],
                name="figure_by_org_set",
            ),
        ),
        migrations.AddIndex(
            model_name="casualtyfigure",
            index=models.Index(
                condition=models.Q(("reported_by_person__isnull", False)),
                fields=["reported_by_person"],
                name="figure_by_person_set",
            ),
        ),
        migrations.RunSQL("ANALYZE", reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
