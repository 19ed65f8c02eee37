"""PostgreSQL only: the stored search index, one table per kind of record, built from the rows already there.

Each row holds a record's search fields folded (unaccent, lower case, one kind of dash) as `body` and as a
weighted tsvector under the `archive` configuration (migration 0004) with a GIN index, so that search looks
words up instead of folding and ranking every row per query. See events/search_index.py, which keeps the
tables in step. The fields are copied here as they stood (as in 0008 and 0011), so this migration keeps
working on the schema of its time; a related record's name is indexed only while that record is published.
On SQLite it does nothing: its FTS5 index is migrations 0008 and 0011.
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
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
CREATE = "CREATE TABLE events_search_{kind} (id bigint PRIMARY KEY, body text NOT NULL, vector tsvector NOT NULL)"
INDEX = "CREATE INDEX events_search_{kind}_vector ON events_search_{kind} USING gin (vector)"


def value(field):
    relation, _, rest = field.partition("__")
    if not rest:
        return Coalesce(F(field), Value(""))
    published = Case(
        When(**{f"{relation}__status": "published"}, then=F(field)), default=Value(""), output_field=CharField()
    )
    return Coalesce(published, Value(""))


def folded(expression):
    lowered = Func(expression, function="lower", output_field=TextField())
    unaccented = Func(lowered, function="unaccent", output_field=TextField())
    return Func(unaccented, Value(DASHES), Value("-" * len(DASHES)), function="translate", output_field=TextField())


def joined(parts):
    return Func(*parts, template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    for kind, fields in FIELDS.items():
        parts = []
        for field in fields:
            parts += [value(field), Value("\n")]
        weights = (["A", "B"] + ["C"] * len(fields))[: len(fields)]
        vector = joined(
            [
                Func(
                    folded(value(field)),
                    template=f"setweight(to_tsvector('archive', translate(%(expressions)s, '<>', '  ')), '{weight}')",
                    output_field=TextField(),
                )
                for field, weight in zip(fields, weights, strict=True)
            ]
        )
        rows = (
            apps.get_model("events", kind)
            ._base_manager.order_by()
            .annotate(_body=folded(joined(parts[:-1])), _vector=vector)
            .values_list("pk", "_body", "_vector")
        )
        sql, params = rows.query.get_compiler(connection=connection).as_sql()
        schema_editor.execute(f"DROP TABLE IF EXISTS events_search_{kind}")
        schema_editor.execute(CREATE.format(kind=kind))
        schema_editor.execute(f"INSERT INTO events_search_{kind}(id, body, vector) {sql}", params)
        schema_editor.execute(INDEX.format(kind=kind))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in FIELDS:
        schema_editor.execute(f"DROP TABLE IF EXISTS events_search_{kind}")


class Migration(migrations.Migration):
    dependencies = [("events", "0013_facts")]

    operations = [migrations.RunPython(create_index, drop_index)]
