"""The reaction category index holds status, incident and country after it (replacing the category column's own
index): a list filtered by category finds its rows, and what its incident and country facets count, without
reading the table. ANALYZE so that SQLite's planner knows it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0024_facet_indexes_cover_killed'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalreaction',
            name='category',
            field=models.CharField(choices=[('domestic', 'Domestic'), ('country', 'International: countries'), ('supranational', 'International: supranational organizations'), ('non_state', 'International: non-state entities')], max_length=15),
        ),
        migrations.AlterField(
            model_name='reaction',
            name='category',
            field=models.CharField(choices=[('domestic', 'Domestic'), ('country', 'International: countries'), ('supranational', 'International: supranational organizations'), ('non_state', 'International: non-state entities')], max_length=15),
        ),
        migrations.AddIndex(
            model_name='reaction',
            index=models.Index(fields=['category', 'status', 'incident', 'country'], name='reaction_category_idx'),
        ),
        migrations.RunSQL("ANALYZE", reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
