"""PostgreSQL only: an index in the admin's order of incidents (date DESC NULLS LAST, title, then the key
Django adds to make it total), which no status narrows. Without it the incident changelist sorted every
incident for each page: 69 of its 118 ms of SQL at 100,000 incidents (docs/benchmarks.md). SQLite refuses
NULLS LAST in an index and reads its date index there (NULL sorts lowest), as in 0016.
"""

from django.db import migrations

NAME = "incident_pg_admin_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON events_incident (date DESC NULLS LAST, title, id DESC)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("events", "0025_reaction_category_index_covers_the_facets")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
