"""Migrations 0001-0019 in one: the schema as they left it, built in one step.

Each migration of the chain rebuilt Django's picture of every related model once per operation: migrating a new
database took about 22 s of CPU, nearly all of it in those rebuilds, in every test process, every `make run` on
a new machine and every deploy. Here each table is created whole (its indexes and constraints in its
CreateModel), in an order where every table a column points to already exists: about 5 s.

A database that has applied 0001-0019 counts this as applied; a new one runs only this. The chain stays until
no database half-way through it is left; then it can be deleted and this file stays as it is. What the chain
did outside the models is written out below as it stands at 0019, for an empty database: the editorial
groups (0003, 0012), the search index (SQLite 0008 and 0011, PostgreSQL 0004 and 0014) and PostgreSQL's
list indexes (0016). The data steps of 0011, 0014 and 0017 change rows, and a new database has none.

Made by running makemigrations with the migrations folder emptied, then moving each AddIndex, AddConstraint
and AddField into its CreateModel and ordering the models so that every model a field points to comes first;
checked by migrating a new database both ways and comparing their schemas, permissions and groups.
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import events.models.base
import simple_history.models
from django.conf import settings
from django.db import migrations, models


# 0003 and 0012: Editors add, change and view the archive's records and the rows hanging off them, and view
# their history; Reviewers also delete them and publish records. The bookkeeping tables of later migrations
# (revisions, cache tags, stored counts, the archive state) were never granted.
PUBLISHABLE = ("place", "organization", "person", "incident", "reaction")
GROUPS = ("Editor", "Reviewer")
NOT_GRANTED = ("archivestate", "cachetag", "facetcount", "revision")


def editor_and_reviewer_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the last migration; the groups need them now.
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = [
        p
        for p in Permission.objects.filter(content_type__app_label="events").select_related("content_type")
        if p.content_type.model not in NOT_GRANTED
    ]
    historical = [p for p in permissions if p.content_type.model.startswith("historical")]
    records = [p for p in permissions if not p.content_type.model.startswith("historical")]

    def named(*actions):
        return [p for p in records if p.codename.split("_", 1)[0] in actions]

    editor = named("add", "change", "view") + [p for p in historical if p.codename.startswith("view_")]
    reviewer = editor + named("delete") + [p for p in records if p.codename in {f"publish_{m}" for m in PUBLISHABLE}]
    for name, granted in zip(GROUPS, (editor, reviewer), strict=True):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(granted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


# The search index's tables (events/search_index.py keeps them in step with the rows): SQLite's FTS5 tables
# (0008, 0011); PostgreSQL's unaccent, the `archive` text search configuration (0004) and a table per kind
# with a GIN index over its weighted tsvector (0014).
SEARCHED = ("incident", "person", "organization", "place", "reaction")
SQLITE_INDEX = [
    f"CREATE VIRTUAL TABLE events_search_{kind} USING fts5(body, tokenize='trigram case_sensitive 1', columnsize=0)"
    for kind in SEARCHED
]
POSTGRESQL_INDEX = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'archive') THEN
            CREATE TEXT SEARCH CONFIGURATION archive (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION archive
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        END IF;
    END
    $$
    """,
]
for kind in SEARCHED:
    POSTGRESQL_INDEX += [
        f"CREATE TABLE events_search_{kind} (id bigint PRIMARY KEY, body text NOT NULL, vector tsvector NOT NULL)",
        f"CREATE INDEX events_search_{kind}_vector ON events_search_{kind} USING gin (vector)",
    ]


def search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_INDEX, "postgresql": POSTGRESQL_INDEX}.get(vendor, []):
        schema_editor.execute(statement)


def drop_search_index(apps, schema_editor):
    for kind in SEARCHED:
        schema_editor.execute(f"DROP TABLE IF EXISTS events_search_{kind}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS archive")


# 0016: the incident lists sort `date DESC NULLS LAST`; PostgreSQL's plain DESC index puts NULL first, and
# SQLite refuses NULLS LAST in an index, so these exist on PostgreSQL alone, beside the models' own indexes.
POSTGRESQL_LIST_INDEXES = {
    "incident_pg_newest_idx": "status, date DESC NULLS LAST, title",
    "incident_pg_oldest_idx": "status, date, title",
    "incident_pg_killed_idx": "status, killed DESC NULLS LAST, date DESC NULLS LAST, title",
    "incident_pg_injured_idx": "status, injured DESC NULLS LAST, date DESC NULLS LAST, title",
    "incident_pg_kind_idx": "status, kind, date DESC NULLS LAST, title",
    "incident_pg_place_idx": "status, place_id, date DESC NULLS LAST, title",
}


def postgresql_list_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in POSTGRESQL_LIST_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX {name} ON events_incident ({columns})")


def drop_postgresql_list_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRESQL_LIST_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ('events', '0001_initial'),
        ('events', '0002_history_workflow_versions'),
        ('events', '0003_editor_and_reviewer_groups'),
        ('events', '0004_postgresql_search'),
        ('events', '0005_archive_state_and_list_indexes'),
        ('events', '0006_figure_order_undated_first'),
        ('events', '0007_timeline_place_date_index'),
        ('events', '0008_sqlite_search_index'),
        ('events', '0009_facet_and_kind_indexes'),
        ('events', '0010_whole_record_revisions'),
        ('events', '0011_search_reads_published_names_only'),
        ('events', '0012_claims'),
        ('events', '0013_facts'),
        ('events', '0014_search_tsvector'),
        ('events', '0015_facet_counts'),
        ('events', '0016_postgresql_list_order'),
        ('events', '0017_place_gazetteer'),
        ('events', '0018_cache_tags'),
        ('events', '0019_geo_region_gazetteer_id'),
    ]

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArchiveState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveBigIntegerField(default=0)),
                ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'archive state',
            },
        ),
        migrations.CreateModel(
            name='CacheTag',
            fields=[
                ('name', models.CharField(max_length=200, primary_key=True, serialize=False)),
                ('version', models.PositiveBigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'cache tag',
            },
        ),
        migrations.CreateModel(
            name='Source',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('title', models.CharField(max_length=300)),
                ('slug', models.SlugField(help_text='Stable identifier used in fixtures and URLs.', max_length=120, unique=True)),
                ('publisher', models.CharField(blank=True, help_text='Who published it (agency, outlet, ministry), as the citation gives it.', max_length=200)),
                ('url', models.URLField(blank=True, help_text='Leave empty when no address is known.')),
                ('published_on', models.DateField(blank=True, null=True)),
                ('note', models.TextField(blank=True)),
                ('reported_in', models.ForeignKey(blank=True, help_text='The source through which this one is known (e.g. a statement quoted in the seed article).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reports_cited', to='events.source')),
            ],
            options={
                'ordering': ['title'],
                'constraints': [models.CheckConstraint(condition=models.Q(('reported_in', models.F('pk')), _negated=True), name='source_not_reported_in_itself', violation_error_message='A source cannot be reported in itself.')],
            },
        ),
        migrations.CreateModel(
            name='Place',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('name', models.CharField(max_length=200)),
                ('slug', models.SlugField(max_length=120, unique=True)),
                ('kind', models.CharField(choices=[('country', 'Country'), ('region', 'Region'), ('province', 'Province'), ('city', 'City'), ('site', 'Site'), ('street', 'Street'), ('other', 'Other')], db_index=True, max_length=10)),
                ('native_name', models.CharField(blank=True, help_text='The name in its own script, if known.', max_length=200)),
                ('native_name_lang', models.CharField(blank=True, help_text="Language code of the native name, e.g. 'fa' for Persian.", max_length=12)),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(-90), django.core.validators.MaxValueValidator(90)])),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(-180), django.core.validators.MaxValueValidator(180)])),
                ('geo_precision', models.CharField(blank=True, choices=[('exact', 'Exact site'), ('city', 'City'), ('region', 'Region'), ('country', 'Country')], help_text='What the point stands for: the exact site, or somewhere in the city, region or country. Required with coordinates.', max_length=10, verbose_name='precision')),
                ('gazetteer_id', models.CharField(blank=True, help_text='The gazetteer\'s entry for the point, e.g. "geonames:128234" (a GeoNames id) or "naturalearth:364" (a Natural Earth country by ISO number); "naturalearth:368+760" is the centre of area of those countries together, for a region no gazetteer has. Empty for a point from another kind of source.', max_length=120, validators=[django.core.validators.RegexValidator('^[a-z]+:[A-Za-z0-9._-]+(\\+[A-Za-z0-9._-]+)*$', message='Write the gazetteer and its identifier for the entry, e.g. "geonames:128234", or Natural Earth countries joined by "+" for a region, e.g. "naturalearth:368+760".')], verbose_name='gazetteer identifier')),
                ('coordinates_from_parent', models.BooleanField(default=False, help_text="Tick when the gazetteer has no entry for this place (a street, a cemetery): the place takes its parent's point, source and precision, and the page says so. Leave the coordinates empty to have them copied.", verbose_name='point taken from the parent')),
                ('description', models.TextField(blank=True)),
                ('parent', models.ForeignKey(blank=True, help_text="The place this one lies in (a site's city, a city's province, a province's country).", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='events.place')),
                ('coordinates_source', models.ForeignKey(blank=True, help_text='The gazetteer (GeoNames, Natural Earth) or other source the point is taken from. Required with coordinates: a point is never guessed.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='located_places', to='events.source', verbose_name='coordinates from')),
                ('sources', models.ManyToManyField(blank=True, related_name='places', to='events.source')),
            ],
            options={
                'ordering': ['name'],
                'permissions': [('publish_place', 'Can publish and unpublish places')],
                'indexes': [models.Index(fields=['status', 'name'], name='place_list_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('latitude__isnull', True), ('longitude__isnull', True), ('geo_precision', '')), models.Q(('latitude__isnull', False), ('longitude__isnull', False), models.Q(('geo_precision', ''), _negated=True)), _connector='OR'), name='place_coordinates_complete', violation_error_message='Give latitude, longitude and their precision together, or none of them.'), models.CheckConstraint(condition=models.Q(('coordinates_from_parent', False), models.Q(('latitude__isnull', False), ('parent__isnull', False)), _connector='OR'), name='place_point_from_parent_has_a_parent', violation_error_message="Only a place that lies in another can take its parent's point."), models.CheckConstraint(condition=models.Q(('latitude__isnull', True), models.Q(('latitude__gte', -90), ('latitude__lte', 90)), _connector='OR'), name='place_latitude_range', violation_error_message='Latitude must lie between -90 and 90.'), models.CheckConstraint(condition=models.Q(('longitude__isnull', True), models.Q(('longitude__gte', -180), ('longitude__lte', 180)), _connector='OR'), name='place_longitude_range', violation_error_message='Longitude must lie between -180 and 180.'), models.CheckConstraint(condition=models.Q(('parent', models.F('pk')), _negated=True), name='place_not_own_parent', violation_error_message='A place cannot lie inside itself.'), models.CheckConstraint(condition=models.Q(models.Q(('coordinates_source__isnull', True), ('latitude__isnull', True)), models.Q(('coordinates_source__isnull', False), ('latitude__isnull', False)), _connector='OR'), name='place_coordinates_cite_a_source', violation_error_message='A point needs the source it is taken from, and a source of coordinates needs a point.'), models.CheckConstraint(condition=models.Q(('gazetteer_id', ''), ('coordinates_source__isnull', False), _connector='OR'), name='place_gazetteer_entry_with_its_source', violation_error_message='A gazetteer identifier needs the point and the gazetteer it is from.')],
            },
        ),
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('title', models.CharField(max_length=200)),
                ('slug', models.SlugField(max_length=120, unique=True)),
                ('kind', models.CharField(choices=[('bombing', 'Bombing'), ('suicide_bombing', 'Suicide bombing'), ('mass_shooting', 'Mass shooting'), ('stampede', 'Stampede'), ('targeted_killing', 'Targeted killing'), ('air_strike', 'Air or drone strike'), ('missile_strike', 'Missile strike'), ('arson', 'Arson'), ('other', 'Other')], db_index=True, max_length=20)),
                ('date', models.DateField(blank=True, db_index=True, help_text='Leave empty when the sources give no date.', null=True)),
                ('date_precision', models.CharField(blank=True, choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], help_text='How precisely the date is known. A year-only date is entered as 1 January and shown as the year.', max_length=5)),
                ('end_date', models.DateField(blank=True, help_text='Last day, for incidents spanning several days.', null=True)),
                ('start_time', models.DateTimeField(blank=True, help_text='Local time at the place, in its zone below.', null=True)),
                ('end_time', models.DateTimeField(blank=True, help_text='Local time at the place, like the start.', null=True)),
                ('time_zone', models.CharField(blank=True, help_text="IANA zone of the place, e.g. 'Asia/Tehran'. Times are shown in it.", max_length=64)),
                ('time_zone_abbreviation', models.CharField(blank=True, help_text="Abbreviation the sources use, e.g. 'IRST'.", max_length=10)),
                ('target', models.CharField(blank=True, max_length=300)),
                ('method', models.CharField(blank=True, help_text='Method and weapons, as the sources report them.', max_length=300)),
                ('summary', models.TextField(help_text="Two or three sentences in the archive's own words.")),
                ('description', models.TextField(blank=True)),
                ('killed', models.PositiveIntegerField(blank=True, db_index=True, editable=False, null=True)),
                ('injured', models.PositiveIntegerField(blank=True, db_index=True, editable=False, null=True)),
                ('perpetrators_killed', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('killed_qualifier', models.CharField(blank=True, editable=False, max_length=10)),
                ('injured_qualifier', models.CharField(blank=True, editable=False, max_length=10)),
                ('perpetrators_killed_qualifier', models.CharField(blank=True, editable=False, max_length=10)),
                ('place', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='events.place')),
                ('sources', models.ManyToManyField(blank=True, related_name='incidents', to='events.source')),
            ],
            options={
                'ordering': [models.OrderBy(models.F('date'), descending=True, nulls_last=True), 'title'],
                'permissions': [('publish_incident', 'Can publish and unpublish incidents')],
                'indexes': [models.Index(fields=['status', '-date', 'title'], name='incident_list_newest_idx'), models.Index(fields=['status', '-killed', '-date', 'title'], name='incident_list_killed_idx'), models.Index(fields=['status', '-injured', '-date', 'title'], name='incident_list_injured_idx'), models.Index(fields=['status', 'title'], name='incident_list_title_idx'), models.Index(fields=['status', 'kind', '-date', 'title'], name='incident_status_kind_idx'), models.Index(fields=['status', 'place', '-date', 'title'], name='incident_status_place_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('date__isnull', True), ('date_precision', '')), models.Q(('date__isnull', False), models.Q(('date_precision', ''), _negated=True)), _connector='OR'), name='incident_date_precision_pair', violation_error_message='Give the date and its precision together, or neither.'), models.CheckConstraint(condition=models.Q(models.Q(('date_precision', 'month'), _negated=True), ('date__day', 1), _connector='OR'), name='incident_date_month_precision_is_first', violation_error_message='A date known only to the month is entered as the 1st of that month.'), models.CheckConstraint(condition=models.Q(models.Q(('date_precision', 'year'), _negated=True), models.Q(('date__day', 1), ('date__month', 1)), _connector='OR'), name='incident_date_year_precision_is_first_of_january', violation_error_message='A date known only to the year is entered as 1 January of that year.'), models.CheckConstraint(condition=models.Q(('end_date__isnull', True), ('date__isnull', False), _connector='OR'), name='incident_end_date_needs_date', violation_error_message='Give the first day before giving a last day.'), models.CheckConstraint(condition=models.Q(('end_date__isnull', True), ('date__isnull', True), ('end_date__gte', models.F('date')), _connector='OR'), name='incident_end_date_after_date', violation_error_message='The last day cannot be before the first day.'), models.CheckConstraint(condition=models.Q(('start_time__isnull', True), ('end_time__isnull', True), ('end_time__gte', models.F('start_time')), _connector='OR'), name='incident_end_time_after_start', violation_error_message='The end time cannot be before the start time.'), models.CheckConstraint(condition=models.Q(('start_time__isnull', True), models.Q(('time_zone', ''), _negated=True), _connector='OR'), name='incident_time_has_zone', violation_error_message='Give the local time zone with the times.')],
            },
        ),
        migrations.CreateModel(
            name='Person',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('name', models.CharField(db_index=True, max_length=200)),
                ('slug', models.SlugField(max_length=120, unique=True)),
                ('name_is_alias', models.BooleanField(default=False, help_text="Tick when the only name known is an alias (e.g. 'Abdollah Tajiki').")),
                ('aliases', models.TextField(blank=True, help_text='Other names and spellings, one per line.')),
                ('native_name', models.CharField(blank=True, help_text='The name in its own script, if known.', max_length=200)),
                ('native_name_lang', models.CharField(blank=True, help_text="Language code, e.g. 'fa'.", max_length=12)),
                ('born_on', models.DateField(blank=True, null=True)),
                ('born_precision', models.CharField(blank=True, choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], max_length=5)),
                ('died_on', models.DateField(blank=True, null=True)),
                ('died_precision', models.CharField(blank=True, choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], max_length=5)),
                ('description', models.TextField(blank=True)),
                ('nationalities', models.ManyToManyField(blank=True, help_text='Every nationality the sources give; a person can have more than one.', limit_choices_to={'kind': 'country'}, related_name='nationals', to='events.place')),
                ('sources', models.ManyToManyField(blank=True, related_name='people', to='events.source')),
            ],
            options={
                'verbose_name_plural': 'people',
                'ordering': ['name'],
                'permissions': [('publish_person', 'Can publish and unpublish people')],
                'indexes': [models.Index(fields=['status', 'name'], name='person_list_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('born_on__isnull', True), ('born_precision', '')), models.Q(('born_on__isnull', False), models.Q(('born_precision', ''), _negated=True)), _connector='OR'), name='person_born_precision_pair', violation_error_message='Give the date of birth and its precision together, or neither.'), models.CheckConstraint(condition=models.Q(models.Q(('died_on__isnull', True), ('died_precision', '')), models.Q(('died_on__isnull', False), models.Q(('died_precision', ''), _negated=True)), _connector='OR'), name='person_died_precision_pair', violation_error_message='Give the date of death and its precision together, or neither.'), models.CheckConstraint(condition=models.Q(models.Q(('born_precision', 'month'), _negated=True), ('born_on__day', 1), _connector='OR'), name='person_born_month_precision_is_first', violation_error_message='A date known only to the month is entered as the 1st of that month.'), models.CheckConstraint(condition=models.Q(models.Q(('born_precision', 'year'), _negated=True), models.Q(('born_on__day', 1), ('born_on__month', 1)), _connector='OR'), name='person_born_year_precision_is_first_of_january', violation_error_message='A date known only to the year is entered as 1 January of that year.'), models.CheckConstraint(condition=models.Q(models.Q(('died_precision', 'month'), _negated=True), ('died_on__day', 1), _connector='OR'), name='person_died_month_precision_is_first', violation_error_message='A date known only to the month is entered as the 1st of that month.'), models.CheckConstraint(condition=models.Q(models.Q(('died_precision', 'year'), _negated=True), models.Q(('died_on__day', 1), ('died_on__month', 1)), _connector='OR'), name='person_died_year_precision_is_first_of_january', violation_error_message='A date known only to the year is entered as 1 January of that year.'), models.CheckConstraint(condition=models.Q(('born_on__isnull', True), ('died_on__isnull', True), ('died_on__gte', models.F('born_on')), _connector='OR'), name='person_died_after_born', violation_error_message='The date of death cannot be before the date of birth.')],
            },
        ),
        migrations.CreateModel(
            name='Stance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('name', models.CharField(max_length=60, unique=True)),
                ('slug', models.SlugField(max_length=60, unique=True)),
                ('description', models.CharField(blank=True, max_length=300)),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='FacetCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model_label', models.CharField(help_text="The list's model, e.g. events.incident.", max_length=40)),
                ('facet', models.CharField(blank=True, help_text="The list's filter counted; empty for the total.", max_length=40)),
                ('value', models.CharField(blank=True, help_text='The value counted, as text; empty for a summary.', max_length=64)),
                ('count', models.IntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['model_label', 'facet', '-count'], name='facet_count_top_idx')],
                'constraints': [models.UniqueConstraint(fields=('model_label', 'facet', 'value'), name='facet_count_unique_value')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalIncidentLink',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('kind', models.CharField(choices=[('commemorates', 'Commemorates'), ('retaliation_for', 'Retaliation for'), ('context', 'Context'), ('deadliest_since', 'Deadliest since'), ('previous_deadliest', 'Overtook as deadliest'), ('same_perpetrator', 'Same perpetrator'), ('see_also', 'See also')], max_length=20)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('from_incident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
                ('to_incident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
            ],
            options={
                'verbose_name': 'historical incident link',
                'verbose_name_plural': 'historical incident links',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPerson',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('name', models.CharField(db_index=True, max_length=200)),
                ('slug', models.SlugField(max_length=120)),
                ('name_is_alias', models.BooleanField(default=False, help_text="Tick when the only name known is an alias (e.g. 'Abdollah Tajiki').")),
                ('aliases', models.TextField(blank=True, help_text='Other names and spellings, one per line.')),
                ('native_name', models.CharField(blank=True, help_text='The name in its own script, if known.', max_length=200)),
                ('native_name_lang', models.CharField(blank=True, help_text="Language code, e.g. 'fa'.", max_length=12)),
                ('born_on', models.DateField(blank=True, null=True)),
                ('born_precision', models.CharField(blank=True, choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], max_length=5)),
                ('died_on', models.DateField(blank=True, null=True)),
                ('died_precision', models.CharField(blank=True, choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], max_length=5)),
                ('description', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical person',
                'verbose_name_plural': 'historical people',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalStance',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(db_index=True, max_length=60)),
                ('slug', models.SlugField(max_length=60)),
                ('description', models.CharField(blank=True, max_length=300)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical stance',
                'verbose_name_plural': 'historical stances',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Organization',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('name', models.CharField(max_length=200)),
                ('slug', models.SlugField(max_length=120, unique=True)),
                ('short_name', models.CharField(blank=True, help_text='Acronym or short name, e.g. IRGC, ISIS–K.', max_length=60)),
                ('aliases', models.TextField(blank=True, help_text='Other names the organization is known by, one per line.')),
                ('native_name', models.CharField(blank=True, max_length=200)),
                ('native_name_lang', models.CharField(blank=True, max_length=12)),
                ('kind', models.CharField(choices=[('state_government', 'State government'), ('ministry', 'Ministry or agency'), ('military', 'Military or security force'), ('intelligence', 'Intelligence'), ('militant', 'Militant group'), ('political', 'Political or legislative body'), ('media', 'News agency or media'), ('humanitarian', 'Humanitarian'), ('supranational', 'Supranational'), ('religious', 'Religious'), ('other', 'Other')], db_index=True, max_length=20)),
                ('description', models.TextField(blank=True)),
                ('parent', models.ForeignKey(blank=True, help_text='The organization this one is part of (Quds Force → IRGC).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='branches', to='events.organization')),
                ('country', models.ForeignKey(blank=True, help_text='The country the organization belongs to; empty for international ones.', limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='organizations', to='events.place')),
                ('sources', models.ManyToManyField(blank=True, related_name='organizations', to='events.source')),
            ],
            options={
                'ordering': ['name'],
                'permissions': [('publish_organization', 'Can publish and unpublish organizations')],
                'indexes': [models.Index(fields=['status', 'name'], name='organization_list_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('parent', models.F('pk')), _negated=True), name='organization_not_own_parent', violation_error_message='An organization cannot be its own parent.')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalCasualtyFigure',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('kind', models.CharField(choices=[('killed', 'Killed'), ('injured', 'Injured'), ('perpetrators_killed', 'Perpetrators killed'), ('arrested', 'Arrested')], db_index=True, max_length=20)),
                ('group', models.CharField(blank=True, help_text="Leave empty for the whole incident; otherwise who is counted, e.g. 'students'.", max_length=100)),
                ('value', models.PositiveIntegerField()),
                ('qualifier', models.CharField(choices=[('exact', 'exactly'), ('at_least', 'at least'), ('more_than', 'more than'), ('about', 'about')], default='exact', max_length=10)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('superseded', 'Superseded')], default='reported', help_text='One preferred figure per incident, kind and group sets the headline. Superseded figures stay on record.', max_length=10)),
                ('reported_on', models.DateField(blank=True, help_text='When the figure was reported, if known.', null=True)),
                ('reported_by_label', models.CharField(blank=True, help_text="Who reported it when no record fits, as the source words it, e.g. 'Iranian officials'.", max_length=200)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
                ('reported_by_organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('reported_by_person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
            ],
            options={
                'verbose_name': 'historical casualty figure',
                'verbose_name_plural': 'historical casualty figures',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='CasualtyFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('kind', models.CharField(choices=[('killed', 'Killed'), ('injured', 'Injured'), ('perpetrators_killed', 'Perpetrators killed'), ('arrested', 'Arrested')], db_index=True, max_length=20)),
                ('group', models.CharField(blank=True, help_text="Leave empty for the whole incident; otherwise who is counted, e.g. 'students'.", max_length=100)),
                ('value', models.PositiveIntegerField()),
                ('qualifier', models.CharField(choices=[('exact', 'exactly'), ('at_least', 'at least'), ('more_than', 'more than'), ('about', 'about')], default='exact', max_length=10)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('superseded', 'Superseded')], default='reported', help_text='One preferred figure per incident, kind and group sets the headline. Superseded figures stay on record.', max_length=10)),
                ('reported_on', models.DateField(blank=True, help_text='When the figure was reported, if known.', null=True)),
                ('reported_by_label', models.CharField(blank=True, help_text="Who reported it when no record fits, as the source words it, e.g. 'Iranian officials'.", max_length=200)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='casualty_figures', to='events.incident')),
                ('reported_by_organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reported_figures', to='events.organization')),
                ('reported_by_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reported_figures', to='events.person')),
                ('sources', models.ManyToManyField(blank=True, related_name='casualty_figures', to='events.source')),
            ],
            options={
                'ordering': ['incident_id', 'kind', 'group', models.OrderBy(models.F('reported_on'), nulls_first=True), '-value'],
                'abstract': False,
                'constraints': [models.CheckConstraint(condition=models.Q(('value__gte', 0)), name='figure_value_not_negative', violation_error_message='A figure cannot be negative.'), models.UniqueConstraint(condition=models.Q(('rank', 'preferred')), fields=('incident', 'kind', 'group'), name='figure_one_preferred_per_kind_and_group', violation_error_message='This incident already has a preferred figure of this kind and group; mark the other one as reported or superseded first.')],
            },
            bases=(events.models.base.SourcedStatement, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTimelineEntry',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('date', models.DateField()),
                ('date_precision', models.CharField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5)),
                ('sequence', models.PositiveSmallIntegerField(default=0, help_text='Orders entries that share a date.')),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
                ('place', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical timeline entry',
                'verbose_name_plural': 'historical timeline entries',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalRole',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('title', models.CharField(help_text="The position as the source names it, e.g. 'Commander'.", max_length=200)),
                ('start_date', models.DateField(blank=True, null=True)),
                ('end_date', models.DateField(blank=True, null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(blank=True, db_constraint=False, help_text='The organization the position is in. Give this or a country, or both.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('country', models.ForeignKey(blank=True, db_constraint=False, help_text='For offices of a state (president, foreign minister) with no organization on record.', limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical role',
                'verbose_name_plural': 'historical roles',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalReaction',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('slug', models.SlugField(max_length=120)),
                ('category', models.CharField(choices=[('domestic', 'Domestic'), ('country', 'International: countries'), ('supranational', 'International: supranational organizations'), ('non_state', 'International: non-state entities')], db_index=True, max_length=15)),
                ('actor_label', models.CharField(blank=True, help_text="Who reacted, as the source words it, when it is a body with no record of its own (e.g. 'Foreign ministry', 'Iranian clerics'); give its country too.", max_length=200)),
                ('date', models.DateField(blank=True, db_index=True, null=True)),
                ('channel', models.CharField(blank=True, help_text="How it was made, if the source says: 'social media post', 'telegram'.", max_length=100)),
                ('summary', models.TextField(help_text="What was said or done, in the archive's own words.")),
                ('quote', models.TextField(blank=True, help_text='The exact words, only where the source quotes them.')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
                ('organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('country', models.ForeignKey(blank=True, db_constraint=False, help_text='The country that reacted, or the country of the person or body that did.', limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical reaction',
                'verbose_name_plural': 'historical reactions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPlace',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('name', models.CharField(max_length=200)),
                ('slug', models.SlugField(max_length=120)),
                ('kind', models.CharField(choices=[('country', 'Country'), ('region', 'Region'), ('province', 'Province'), ('city', 'City'), ('site', 'Site'), ('street', 'Street'), ('other', 'Other')], db_index=True, max_length=10)),
                ('native_name', models.CharField(blank=True, help_text='The name in its own script, if known.', max_length=200)),
                ('native_name_lang', models.CharField(blank=True, help_text="Language code of the native name, e.g. 'fa' for Persian.", max_length=12)),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(-90), django.core.validators.MaxValueValidator(90)])),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(-180), django.core.validators.MaxValueValidator(180)])),
                ('geo_precision', models.CharField(blank=True, choices=[('exact', 'Exact site'), ('city', 'City'), ('region', 'Region'), ('country', 'Country')], help_text='What the point stands for: the exact site, or somewhere in the city, region or country. Required with coordinates.', max_length=10, verbose_name='precision')),
                ('gazetteer_id', models.CharField(blank=True, help_text='The gazetteer\'s entry for the point, e.g. "geonames:128234" (a GeoNames id) or "naturalearth:364" (a Natural Earth country by ISO number); "naturalearth:368+760" is the centre of area of those countries together, for a region no gazetteer has. Empty for a point from another kind of source.', max_length=120, validators=[django.core.validators.RegexValidator('^[a-z]+:[A-Za-z0-9._-]+(\\+[A-Za-z0-9._-]+)*$', message='Write the gazetteer and its identifier for the entry, e.g. "geonames:128234", or Natural Earth countries joined by "+" for a region, e.g. "naturalearth:368+760".')], verbose_name='gazetteer identifier')),
                ('coordinates_from_parent', models.BooleanField(default=False, help_text="Tick when the gazetteer has no entry for this place (a street, a cemetery): the place takes its parent's point, source and precision, and the page says so. Leave the coordinates empty to have them copied.", verbose_name='point taken from the parent')),
                ('description', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, help_text="The place this one lies in (a site's city, a city's province, a province's country).", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
                ('coordinates_source', models.ForeignKey(blank=True, db_constraint=False, help_text='The gazetteer (GeoNames, Natural Earth) or other source the point is taken from. Required with coordinates: a point is never guessed.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source', verbose_name='coordinates from')),
            ],
            options={
                'verbose_name': 'historical place',
                'verbose_name_plural': 'historical places',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPersonClaim',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('about', models.CharField(choices=[('attack_type', 'Attack type'), ('method', 'Method'), ('location', 'Location'), ('nationality', 'Nationality'), ('identity', 'Identity'), ('role', 'Role')], db_index=True, max_length=20, verbose_name='what the claim is about')),
                ('value', models.CharField(blank=True, help_text="The statement in a few words, as the source reports it, e.g. 'suicide bombers'.", max_length=300)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('disputed', 'Disputed')], default='reported', help_text='Preferred: the account the archive follows; disputed: another source contradicts it.', max_length=10)),
                ('by_label', models.CharField(blank=True, help_text="Who made the claim when no record fits, as the source words it, e.g. 'Iranian media'.", max_length=200)),
                ('stated_on', models.DateField(blank=True, help_text='When the claim was made, if known.', null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('by_organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('place', models.ForeignKey(blank=True, db_constraint=False, help_text='When the claim names a place or a country (a nationality, where it happened).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical claim about the person',
                'verbose_name_plural': 'historical claims about the person',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPerson_nationalities',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalperson')),
                ('person', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('place', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'HistoricalPerson_nationalities',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOrganizationClaim',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('about', models.CharField(choices=[('attack_type', 'Attack type'), ('method', 'Method'), ('location', 'Location'), ('nationality', 'Nationality'), ('identity', 'Identity'), ('role', 'Role')], db_index=True, max_length=20, verbose_name='what the claim is about')),
                ('value', models.CharField(blank=True, help_text="The statement in a few words, as the source reports it, e.g. 'suicide bombers'.", max_length=300)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('disputed', 'Disputed')], default='reported', help_text='Preferred: the account the archive follows; disputed: another source contradicts it.', max_length=10)),
                ('by_label', models.CharField(blank=True, help_text="Who made the claim when no record fits, as the source words it, e.g. 'Iranian media'.", max_length=200)),
                ('stated_on', models.DateField(blank=True, help_text='When the claim was made, if known.', null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('by_organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('place', models.ForeignKey(blank=True, db_constraint=False, help_text='When the claim names a place or a country (a nationality, where it happened).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical claim about the organization',
                'verbose_name_plural': 'historical claims about the organization',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOrganization',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('name', models.CharField(max_length=200)),
                ('slug', models.SlugField(max_length=120)),
                ('short_name', models.CharField(blank=True, help_text='Acronym or short name, e.g. IRGC, ISIS–K.', max_length=60)),
                ('aliases', models.TextField(blank=True, help_text='Other names the organization is known by, one per line.')),
                ('native_name', models.CharField(blank=True, max_length=200)),
                ('native_name_lang', models.CharField(blank=True, max_length=12)),
                ('kind', models.CharField(choices=[('state_government', 'State government'), ('ministry', 'Ministry or agency'), ('military', 'Military or security force'), ('intelligence', 'Intelligence'), ('militant', 'Militant group'), ('political', 'Political or legislative body'), ('media', 'News agency or media'), ('humanitarian', 'Humanitarian'), ('supranational', 'Supranational'), ('religious', 'Religious'), ('other', 'Other')], db_index=True, max_length=20)),
                ('description', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, help_text='The organization this one is part of (Quds Force → IRGC).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('country', models.ForeignKey(blank=True, db_constraint=False, help_text='The country the organization belongs to; empty for international ones.', limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical organization',
                'verbose_name_plural': 'historical organizations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalIncidentClaim',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('about', models.CharField(choices=[('attack_type', 'Attack type'), ('method', 'Method'), ('location', 'Location'), ('nationality', 'Nationality'), ('identity', 'Identity'), ('role', 'Role')], db_index=True, max_length=20, verbose_name='what the claim is about')),
                ('value', models.CharField(blank=True, help_text="The statement in a few words, as the source reports it, e.g. 'suicide bombers'.", max_length=300)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('disputed', 'Disputed')], default='reported', help_text='Preferred: the account the archive follows; disputed: another source contradicts it.', max_length=10)),
                ('by_label', models.CharField(blank=True, help_text="Who made the claim when no record fits, as the source words it, e.g. 'Iranian media'.", max_length=200)),
                ('stated_on', models.DateField(blank=True, help_text='When the claim was made, if known.', null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
                ('by_organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('place', models.ForeignKey(blank=True, db_constraint=False, help_text='When the claim names a place or a country (a nationality, where it happened).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical claim about the incident',
                'verbose_name_plural': 'historical claims about the incident',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalIncident',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('title', models.CharField(max_length=200)),
                ('slug', models.SlugField(max_length=120)),
                ('kind', models.CharField(choices=[('bombing', 'Bombing'), ('suicide_bombing', 'Suicide bombing'), ('mass_shooting', 'Mass shooting'), ('stampede', 'Stampede'), ('targeted_killing', 'Targeted killing'), ('air_strike', 'Air or drone strike'), ('missile_strike', 'Missile strike'), ('arson', 'Arson'), ('other', 'Other')], db_index=True, max_length=20)),
                ('date', models.DateField(blank=True, db_index=True, help_text='Leave empty when the sources give no date.', null=True)),
                ('date_precision', models.CharField(blank=True, choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], help_text='How precisely the date is known. A year-only date is entered as 1 January and shown as the year.', max_length=5)),
                ('end_date', models.DateField(blank=True, help_text='Last day, for incidents spanning several days.', null=True)),
                ('start_time', models.DateTimeField(blank=True, help_text='Local time at the place, in its zone below.', null=True)),
                ('end_time', models.DateTimeField(blank=True, help_text='Local time at the place, like the start.', null=True)),
                ('time_zone', models.CharField(blank=True, help_text="IANA zone of the place, e.g. 'Asia/Tehran'. Times are shown in it.", max_length=64)),
                ('time_zone_abbreviation', models.CharField(blank=True, help_text="Abbreviation the sources use, e.g. 'IRST'.", max_length=10)),
                ('target', models.CharField(blank=True, max_length=300)),
                ('method', models.CharField(blank=True, help_text='Method and weapons, as the sources report them.', max_length=300)),
                ('summary', models.TextField(help_text="Two or three sentences in the archive's own words.")),
                ('description', models.TextField(blank=True)),
                ('killed', models.PositiveIntegerField(blank=True, db_index=True, editable=False, null=True)),
                ('injured', models.PositiveIntegerField(blank=True, db_index=True, editable=False, null=True)),
                ('perpetrators_killed', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('killed_qualifier', models.CharField(blank=True, editable=False, max_length=10)),
                ('injured_qualifier', models.CharField(blank=True, editable=False, max_length=10)),
                ('perpetrators_killed_qualifier', models.CharField(blank=True, editable=False, max_length=10)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('place', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
            ],
            options={
                'verbose_name': 'historical incident',
                'verbose_name_plural': 'historical incidents',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Reaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('unpublished', 'Unpublished')], db_index=True, default='draft', help_text='Only published records appear on the public site. Editors submit drafts for review; reviewers publish them.', max_length=12)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('slug', models.SlugField(max_length=120, unique=True)),
                ('category', models.CharField(choices=[('domestic', 'Domestic'), ('country', 'International: countries'), ('supranational', 'International: supranational organizations'), ('non_state', 'International: non-state entities')], db_index=True, max_length=15)),
                ('actor_label', models.CharField(blank=True, help_text="Who reacted, as the source words it, when it is a body with no record of its own (e.g. 'Foreign ministry', 'Iranian clerics'); give its country too.", max_length=200)),
                ('date', models.DateField(blank=True, db_index=True, null=True)),
                ('channel', models.CharField(blank=True, help_text="How it was made, if the source says: 'social media post', 'telegram'.", max_length=100)),
                ('summary', models.TextField(help_text="What was said or done, in the archive's own words.")),
                ('quote', models.TextField(blank=True, help_text='The exact words, only where the source quotes them.')),
                ('country', models.ForeignKey(blank=True, help_text='The country that reacted, or the country of the person or body that did.', limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reactions', to='events.place')),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reactions', to='events.incident')),
                ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reactions', to='events.organization')),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reactions', to='events.person')),
                ('sources', models.ManyToManyField(blank=True, related_name='reactions', to='events.source')),
                ('stances', models.ManyToManyField(related_name='reactions', to='events.stance')),
            ],
            options={
                'ordering': ['incident_id', 'category', 'slug'],
                'permissions': [('publish_reaction', 'Can publish and unpublish reactions')],
                'indexes': [models.Index(fields=['incident', 'status', 'category', 'country'], name='reaction_facets_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('person__isnull', False), ('organization__isnull', False), ('country__isnull', False), _connector='OR'), name='reaction_has_actor', violation_error_message='A reaction needs an actor: a person, an organization or a country.')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAttribution',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120)),
                ('kind', models.CharField(choices=[('claimed', 'Claimed responsibility'), ('assessed', 'Assessed responsible'), ('stated', 'Stated as responsible'), ('accused', 'Accused'), ('denied', 'Denied involvement'), ('doubted', 'Involvement doubted'), ('identified', 'Identified as involved'), ('arrested', 'Arrested')], db_index=True, max_length=12)),
                ('responsible_label', models.CharField(blank=True, help_text="Who is held responsible when no record fits, e.g. '35 people believed to be involved'.", max_length=200)),
                ('role', models.CharField(blank=True, help_text="Their part, as the source says: 'mastermind', 'suicide bomber'.", max_length=100)),
                ('mode', models.CharField(blank=True, help_text="How a claim was made, e.g. 'statement on Telegram'.", max_length=150)),
                ('date', models.DateField(blank=True, null=True)),
                ('summary', models.TextField(blank=True)),
                ('quote', models.TextField(blank=True, help_text='The exact words, only where the source quotes them.')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
                ('by_organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('responsible_organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('responsible_person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('by_country', models.ForeignKey(blank=True, db_constraint=False, limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
                ('responsible_country', models.ForeignKey(blank=True, db_constraint=False, limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
                ('reaction', models.ForeignKey(blank=True, db_constraint=False, help_text="The reaction in which this was said, if it was a public statement (an accusation, a denial). Its summary and quote are then the reaction's: leave them empty here (a date, if given, is the reaction's).", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.reaction')),
            ],
            options={
                'verbose_name': 'historical attribution',
                'verbose_name_plural': 'historical attributions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Attribution',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('kind', models.CharField(choices=[('claimed', 'Claimed responsibility'), ('assessed', 'Assessed responsible'), ('stated', 'Stated as responsible'), ('accused', 'Accused'), ('denied', 'Denied involvement'), ('doubted', 'Involvement doubted'), ('identified', 'Identified as involved'), ('arrested', 'Arrested')], db_index=True, max_length=12)),
                ('responsible_label', models.CharField(blank=True, help_text="Who is held responsible when no record fits, e.g. '35 people believed to be involved'.", max_length=200)),
                ('role', models.CharField(blank=True, help_text="Their part, as the source says: 'mastermind', 'suicide bomber'.", max_length=100)),
                ('mode', models.CharField(blank=True, help_text="How a claim was made, e.g. 'statement on Telegram'.", max_length=150)),
                ('date', models.DateField(blank=True, null=True)),
                ('summary', models.TextField(blank=True)),
                ('quote', models.TextField(blank=True, help_text='The exact words, only where the source quotes them.')),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attributions', to='events.incident')),
                ('by_organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attributions_made', to='events.organization')),
                ('responsible_organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attributed_incidents', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attributions_made', to='events.person')),
                ('responsible_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attributed_incidents', to='events.person')),
                ('by_country', models.ForeignKey(blank=True, limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attributions_made', to='events.place')),
                ('responsible_country', models.ForeignKey(blank=True, limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attributed_incidents', to='events.place')),
                ('reaction', models.ForeignKey(blank=True, help_text="The reaction in which this was said, if it was a public statement (an accusation, a denial). Its summary and quote are then the reaction's: leave them empty here (a date, if given, is the reaction's).", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attributions', to='events.reaction')),
                ('sources', models.ManyToManyField(blank=True, related_name='attributions', to='events.source')),
            ],
            options={
                'ordering': ['incident_id', models.OrderBy(models.F('date'), nulls_last=True), 'kind', 'key'],
                'abstract': False,
                'constraints': [models.CheckConstraint(condition=models.Q(('reaction__isnull', True), models.Q(('summary', ''), ('quote', '')), _connector='OR'), name='attribution_words_are_its_reactions', violation_error_message="This was said in a reaction: its summary and quote are the reaction's, so leave them empty here and edit the reaction."), models.CheckConstraint(condition=models.Q(('responsible_organization__isnull', False), ('responsible_person__isnull', False), ('responsible_country__isnull', False), models.Q(('responsible_label', ''), _negated=True), _connector='OR'), name='attribution_names_who_is_responsible', violation_error_message='Say who is held responsible: an organization, a person, a country or a description.')],
            },
            bases=(events.models.base.SourcedStatement, models.Model),
        ),
        migrations.CreateModel(
            name='Role',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('title', models.CharField(help_text="The position as the source names it, e.g. 'Commander'.", max_length=200)),
                ('start_date', models.DateField(blank=True, null=True)),
                ('end_date', models.DateField(blank=True, null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('country', models.ForeignKey(blank=True, help_text='For offices of a state (president, foreign minister) with no organization on record.', limit_choices_to={'kind': 'country'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='roles', to='events.place')),
                ('organization', models.ForeignKey(blank=True, help_text='The organization the position is in. Give this or a country, or both.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='roles', to='events.organization')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='roles', to='events.person')),
                ('sources', models.ManyToManyField(blank=True, related_name='roles', to='events.source')),
            ],
            options={
                'ordering': ['person__name', 'start_date', 'title'],
                'abstract': False,
                'constraints': [models.CheckConstraint(condition=models.Q(('organization__isnull', False), ('country__isnull', False), _connector='OR'), name='role_has_organization_or_country', violation_error_message='A role needs an organization or a country.'), models.CheckConstraint(condition=models.Q(('start_date__isnull', True), ('end_date__isnull', True), ('end_date__gte', models.F('start_date')), _connector='OR'), name='role_ends_after_start', violation_error_message='A role cannot end before it starts.')],
            },
        ),
        migrations.CreateModel(
            name='PersonClaim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('about', models.CharField(choices=[('attack_type', 'Attack type'), ('method', 'Method'), ('location', 'Location'), ('nationality', 'Nationality'), ('identity', 'Identity'), ('role', 'Role')], db_index=True, max_length=20, verbose_name='what the claim is about')),
                ('value', models.CharField(blank=True, help_text="The statement in a few words, as the source reports it, e.g. 'suicide bombers'.", max_length=300)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('disputed', 'Disputed')], default='reported', help_text='Preferred: the account the archive follows; disputed: another source contradicts it.', max_length=10)),
                ('by_label', models.CharField(blank=True, help_text="Who made the claim when no record fits, as the source words it, e.g. 'Iranian media'.", max_length=200)),
                ('stated_on', models.DateField(blank=True, help_text='When the claim was made, if known.', null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('by_organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.person')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='events.person')),
                ('place', models.ForeignKey(blank=True, help_text='When the claim names a place or a country (a nationality, where it happened).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.place')),
                ('sources', models.ManyToManyField(blank=True, related_name='person_claims', to='events.source')),
            ],
            options={
                'verbose_name': 'claim about the person',
                'verbose_name_plural': 'claims about the person',
                'ordering': ['person_id', 'about', models.OrderBy(models.F('stated_on'), nulls_first=True), 'key'],
                'abstract': False,
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('value', ''), _negated=True), ('place__isnull', False), _connector='OR'), name='person_claim_states_something', violation_error_message='Say what is claimed: a few words, a place, or both.'), models.CheckConstraint(condition=models.Q(('by_organization__isnull', False), ('by_person__isnull', False), models.Q(('by_label', ''), _negated=True), _connector='OR'), name='person_claim_says_who', violation_error_message='Say who makes the claim: an organization, a person or a description.')],
            },
            bases=(events.models.base.SourcedStatement, models.Model),
        ),
        migrations.CreateModel(
            name='OrganizationClaim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('about', models.CharField(choices=[('attack_type', 'Attack type'), ('method', 'Method'), ('location', 'Location'), ('nationality', 'Nationality'), ('identity', 'Identity'), ('role', 'Role')], db_index=True, max_length=20, verbose_name='what the claim is about')),
                ('value', models.CharField(blank=True, help_text="The statement in a few words, as the source reports it, e.g. 'suicide bombers'.", max_length=300)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('disputed', 'Disputed')], default='reported', help_text='Preferred: the account the archive follows; disputed: another source contradicts it.', max_length=10)),
                ('by_label', models.CharField(blank=True, help_text="Who made the claim when no record fits, as the source words it, e.g. 'Iranian media'.", max_length=200)),
                ('stated_on', models.DateField(blank=True, help_text='When the claim was made, if known.', null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('by_organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.organization')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.person')),
                ('place', models.ForeignKey(blank=True, help_text='When the claim names a place or a country (a nationality, where it happened).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.place')),
                ('sources', models.ManyToManyField(blank=True, related_name='organization_claims', to='events.source')),
            ],
            options={
                'verbose_name': 'claim about the organization',
                'verbose_name_plural': 'claims about the organization',
                'ordering': ['organization_id', 'about', models.OrderBy(models.F('stated_on'), nulls_first=True), 'key'],
                'abstract': False,
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('value', ''), _negated=True), ('place__isnull', False), _connector='OR'), name='organization_claim_states_something', violation_error_message='Say what is claimed: a few words, a place, or both.'), models.CheckConstraint(condition=models.Q(('by_organization__isnull', False), ('by_person__isnull', False), models.Q(('by_label', ''), _negated=True), _connector='OR'), name='organization_claim_says_who', violation_error_message='Say who makes the claim: an organization, a person or a description.')],
            },
            bases=(events.models.base.SourcedStatement, models.Model),
        ),
        migrations.CreateModel(
            name='IncidentLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('kind', models.CharField(choices=[('commemorates', 'Commemorates'), ('retaliation_for', 'Retaliation for'), ('context', 'Context'), ('deadliest_since', 'Deadliest since'), ('previous_deadliest', 'Overtook as deadliest'), ('same_perpetrator', 'Same perpetrator'), ('see_also', 'See also')], max_length=20)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('from_incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links_out', to='events.incident')),
                ('to_incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links_in', to='events.incident')),
                ('sources', models.ManyToManyField(blank=True, related_name='incident_links', to='events.source')),
            ],
            options={
                'ordering': ['from_incident_id', 'kind', 'to_incident_id'],
                'abstract': False,
                'constraints': [models.CheckConstraint(condition=models.Q(('from_incident', models.F('to_incident')), _negated=True), name='link_not_to_itself', violation_error_message='An incident cannot be linked to itself.'), models.UniqueConstraint(fields=('from_incident', 'to_incident', 'kind'), name='link_unique', violation_error_message='These incidents are already linked this way.')],
            },
        ),
        migrations.CreateModel(
            name='IncidentClaim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('about', models.CharField(choices=[('attack_type', 'Attack type'), ('method', 'Method'), ('location', 'Location'), ('nationality', 'Nationality'), ('identity', 'Identity'), ('role', 'Role')], db_index=True, max_length=20, verbose_name='what the claim is about')),
                ('value', models.CharField(blank=True, help_text="The statement in a few words, as the source reports it, e.g. 'suicide bombers'.", max_length=300)),
                ('rank', models.CharField(choices=[('preferred', 'Preferred'), ('reported', 'Reported'), ('disputed', 'Disputed')], default='reported', help_text='Preferred: the account the archive follows; disputed: another source contradicts it.', max_length=10)),
                ('by_label', models.CharField(blank=True, help_text="Who made the claim when no record fits, as the source words it, e.g. 'Iranian media'.", max_length=200)),
                ('stated_on', models.DateField(blank=True, help_text='When the claim was made, if known.', null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='events.incident')),
                ('by_organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.organization')),
                ('by_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.person')),
                ('place', models.ForeignKey(blank=True, help_text='When the claim names a place or a country (a nationality, where it happened).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.place')),
                ('sources', models.ManyToManyField(blank=True, related_name='incident_claims', to='events.source')),
            ],
            options={
                'verbose_name': 'claim about the incident',
                'verbose_name_plural': 'claims about the incident',
                'ordering': ['incident_id', 'about', models.OrderBy(models.F('stated_on'), nulls_first=True), 'key'],
                'abstract': False,
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('value', ''), _negated=True), ('place__isnull', False), _connector='OR'), name='incident_claim_states_something', violation_error_message='Say what is claimed: a few words, a place, or both.'), models.CheckConstraint(condition=models.Q(('by_organization__isnull', False), ('by_person__isnull', False), models.Q(('by_label', ''), _negated=True), _connector='OR'), name='incident_claim_says_who', violation_error_message='Say who makes the claim: an organization, a person or a description.')],
            },
            bases=(events.models.base.SourcedStatement, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalSource',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=300)),
                ('slug', models.SlugField(help_text='Stable identifier used in fixtures and URLs.', max_length=120)),
                ('publisher', models.CharField(blank=True, help_text='Who published it (agency, outlet, ministry), as the citation gives it.', max_length=200)),
                ('url', models.URLField(blank=True, help_text='Leave empty when no address is known.')),
                ('published_on', models.DateField(blank=True, null=True)),
                ('note', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('reported_in', models.ForeignKey(blank=True, db_constraint=False, help_text='The source through which this one is known (e.g. a statement quoted in the seed article).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'historical source',
                'verbose_name_plural': 'historical sources',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalRole_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalrole')),
                ('role', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.role')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalRole_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalReaction_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalreaction')),
                ('reaction', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.reaction')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalReaction_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPlace_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalplace')),
                ('place', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.place')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalPlace_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPersonClaim_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalpersonclaim')),
                ('personclaim', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.personclaim')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalPersonClaim_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPerson_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalperson')),
                ('person', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.person')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalPerson_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOrganizationClaim_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalorganizationclaim')),
                ('organizationclaim', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organizationclaim')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalOrganizationClaim_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOrganization_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalorganization')),
                ('organization', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.organization')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalOrganization_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalIncidentLink_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalincidentlink')),
                ('incidentlink', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incidentlink')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalIncidentLink_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalIncidentClaim_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalincidentclaim')),
                ('incidentclaim', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incidentclaim')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalIncidentClaim_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalIncident_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalincident')),
                ('incident', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.incident')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalIncident_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalCasualtyFigure_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('casualtyfigure', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.casualtyfigure')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalcasualtyfigure')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalCasualtyFigure_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalAttribution_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('attribution', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.attribution')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalattribution')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
            ],
            options={
                'verbose_name': 'HistoricalAttribution_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalReaction_stances',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicalreaction')),
                ('reaction', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.reaction')),
                ('stance', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.stance')),
            ],
            options={
                'verbose_name': 'HistoricalReaction_stances',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='TimelineEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, help_text='Counts saves; a form based on an older version cannot overwrite a newer one.')),
                ('key', models.SlugField(blank=True, help_text='Stable identifier used by fixtures; filled in automatically when left empty.', max_length=120, unique=True)),
                ('date', models.DateField()),
                ('date_precision', models.CharField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5)),
                ('sequence', models.PositiveSmallIntegerField(default=0, help_text='Orders entries that share a date.')),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='timeline', to='events.incident')),
                ('place', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='timeline_entries', to='events.place')),
                ('sources', models.ManyToManyField(blank=True, related_name='timeline_entries', to='events.source')),
            ],
            options={
                'verbose_name_plural': 'timeline entries',
                'ordering': ['incident_id', 'date', 'sequence'],
                'abstract': False,
                'indexes': [models.Index(fields=['date', 'sequence'], name='timeline_date_idx'), models.Index(fields=['place', 'date', 'sequence'], name='timeline_place_date_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('date_precision', 'month'), _negated=True), ('date__day', 1), _connector='OR'), name='timeline_month_precision_is_first', violation_error_message='A date known only to the month is entered as the 1st of that month.'), models.CheckConstraint(condition=models.Q(models.Q(('date_precision', 'year'), _negated=True), models.Q(('date__day', 1), ('date__month', 1)), _connector='OR'), name='timeline_year_precision_is_first_of_january', violation_error_message='A date known only to the year is entered as 1 January of that year.')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalTimelineEntry_sources',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='events.historicaltimelineentry')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.source')),
                ('timelineentry', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.timelineentry')),
            ],
            options={
                'verbose_name': 'HistoricalTimelineEntry_sources',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Revision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField()),
                ('object_repr', models.CharField(max_length=200)),
                ('number', models.PositiveIntegerField(help_text="Counts the record's revisions, pending ones included.")),
                ('state', models.CharField(choices=[('live', 'Saved'), ('pending', 'Pending review'), ('published', 'Published by a reviewer'), ('rejected', 'Rejected')], default='live', max_length=10)),
                ('public', models.BooleanField(default=False, help_text='The record was published in this revision.')),
                ('snapshot', models.JSONField()),
                ('summary', models.CharField(blank=True, max_length=600)),
                ('reason', models.CharField(blank=True, help_text="What changed and why, in the editor's words.", max_length=300)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('record_version', models.PositiveIntegerField(blank=True, help_text="The record's save counter at this revision: what its forms carry.", null=True)),
                ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                ('review_note', models.TextField(blank=True)),
                ('base', models.ForeignKey(blank=True, help_text='For a pending revision: the live revision it was proposed against.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='events.revision')),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['content_type', 'object_id', '-number'],
                'indexes': [models.Index(fields=['state', 'created_at'], name='revision_state_idx')],
                'constraints': [models.UniqueConstraint(fields=('content_type', 'object_id', 'number'), name='revision_number_unique_per_record')],
            },
        ),
        migrations.RunPython(editor_and_reviewer_groups, remove_groups),
        migrations.RunPython(search_index, drop_search_index),
        migrations.RunPython(postgresql_list_indexes, drop_postgresql_list_indexes),
    ]
