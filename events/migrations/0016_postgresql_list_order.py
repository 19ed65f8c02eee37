"""PostgreSQL only: the incident lists' indexes in the order the lists ask for.

The lists sort `date DESC NULLS LAST` (an undated incident goes last). SQLite sorts NULL lowest, so its
`date DESC` index (Meta.indexes) already gives that order; PostgreSQL's `DESC` puts NULL first, so it could not
use those indexes and sorted every incident for each page: 256 of the incident list's 288 ms at 100,000
incidents (docs/benchmarks.md). SQLite refuses NULLS LAST in an index, so these exist on PostgreSQL alone,
beside the Meta indexes.
"""

from django.db import migrations

INDEXES = {
    "incident_pg_newest_idx": "status, date DESC NULLS LAST, title",
    "incident_pg_oldest_idx": "status, date, title",
    "incident_pg_killed_idx": "status, killed DESC NULLS LAST, date DESC NULLS LAST, title",
    "incident_pg_injured_idx": "status, injured DESC NULLS LAST, date DESC NULLS LAST, title",
    "incident_pg_kind_idx": "status, kind, date DESC NULLS LAST, title",
    "incident_pg_place_idx": "status, place_id, date DESC NULLS LAST, title",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON events_incident ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("events", "0015_facet_counts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
