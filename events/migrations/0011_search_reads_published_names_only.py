"""SQLite only: rebuild the search index so that a related record's name (an incident's place, a reaction's
person, organization or country) is indexed only while that record is published. Before, searching a
draft person's name found the published reactions that name them.

Written against the schema of its time, as 0008 is; on PostgreSQL search reads the rows directly and
needs nothing here.
"""

from django.db import migrations
from django.db.models import Case, CharField, F, Func, TextField, Value, When
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


def value(field):
    relation, _, rest = field.partition("__")
    if not rest:
        return F(field)
    return Case(When(**{f"{relation}__status": "published"}, then=F(field)), default=Value(""), output_field=CharField())


def rebuild(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    from events.search import register_sqlite_function

    register_sqlite_function(connection)
    for kind, fields in FIELDS.items():
        parts = []
        for field in fields:
            parts += [Coalesce(value(field), Value("")), Value("\n")]
        joined = Func(*parts[:-1], template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())
        body = Func(joined, function="unaccent_fold", output_field=TextField())
        rows = apps.get_model("events", kind)._base_manager.order_by().annotate(_body=body).values_list("pk", "_body")
        sql, params = rows.query.get_compiler(connection=connection).as_sql()
        schema_editor.execute(f"DROP TABLE IF EXISTS events_search_{kind}")
        schema_editor.execute(CREATE.format(kind=kind))
        schema_editor.execute(f"INSERT INTO events_search_{kind}(rowid, body) {sql}", params)


class Migration(migrations.Migration):
    dependencies = [("events", "0010_whole_record_revisions")]

    # Going back leaves the index as it is: the older code reads it the same way.
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
