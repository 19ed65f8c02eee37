"""SQLite only: the stored search index, one FTS5 table per kind of record, built from the rows already there.

See events/search_index.py. The fields and table definition are copied here as they stood when the index
was introduced, so this migration keeps working on the schema of its time whatever they become later. On
PostgreSQL it does nothing (search there uses unaccent and full-text search, migration 0004).
"""

from django.db import migrations
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Coalesce

FIELDS = {
    "incident": ("title", "summary", "description", "target", "method", "place__name", "place__native_name"),
    "person": ("name", "aliases", "native_name", "description"),
    "organization": ("name", "short_name", "aliases", "native_name", "description"),
    "place": ("name", "native_name", "description"),
    "reaction": (
        "summary",
        "quote",
        "actor_label",
        "person__name",
        "person__aliases",
        "organization__name",
        "organization__short_name",
        "organization__aliases",
        "country__name",
    ),
}
CREATE = "CREATE VIRTUAL TABLE events_search_{kind} USING fts5(body, tokenize='trigram case_sensitive 1', columnsize=0)"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    from events.search import register_sqlite_function

    register_sqlite_function(connection)
    for kind, fields in FIELDS.items():
        parts = []
        for field in fields:
            parts += [Coalesce(F(field), Value("")), Value("\n")]
        joined = Func(*parts[:-1], template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())
        body = Func(joined, function="unaccent_fold", output_field=TextField())
        rows = apps.get_model("events", kind)._base_manager.order_by().annotate(_body=body).values_list("pk", "_body")
        sql, params = rows.query.get_compiler(connection=connection).as_sql()
        schema_editor.execute(CREATE.format(kind=kind))
        schema_editor.execute(f"INSERT INTO events_search_{kind}(rowid, body) {sql}", params)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for kind in FIELDS:
        schema_editor.execute(f"DROP TABLE IF EXISTS events_search_{kind}")


class Migration(migrations.Migration):
    dependencies = [("events", "0007_timeline_place_date_index")]

    operations = [migrations.RunPython(create_index, drop_index)]
