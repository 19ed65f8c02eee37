"""On SQLite, search reads a stored index instead of folding every field of every row on every request.

One FTS5 table per kind of record (`events_search_incident`, ...): the rowid is the record's primary key and
the one column, `body`, holds the record's SEARCH_FIELDS (related names included) folded by
events.folding.fold() and joined by newlines. A query word never holds whitespace, so no match can straddle
two fields. The trigram tokenizer finds a substring of three characters or more through the index; shorter
words are matched with LIKE, which reads the whole table (about 100 ms for 300,000 reactions).
SQLite 3.40's trigram tokenizer cannot drop accents, which is why the text is stored folded, and it is
case-sensitive because fold() has already lowered both sides.

The receivers in events/signals.py keep the index in step through the functions below, in the transaction
of the write: saving or deleting a record re-indexes it, and changing a name that another kind's search
reads (a place's name, in its incidents and the reactions of its country; a person's or organization's, in
their reactions) re-indexes those records too. Writes that send no signals (QuerySet.update(),
bulk_create, raw SQL) are brought into step by events.signals.after_bulk_write(). Changing a type's
search fields in events/registry.py needs a migration that calls `rebuild_search_index()`; a new searchable
type needs one that creates its table (`rebuild_search_index(models=[...])` does both), since nothing here
creates tables outside migrations.
"""

from collections import defaultdict
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func, TextField, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from . import registry
from .folding import Fold, fold
from .public_names import searched_value
from .registry import SEARCH_FIELDS

# The trigram tokenizer indexes every run of three characters; a shorter word cannot be looked up in it.
TRIGRAM = 3
TABLE_OPTIONS = "tokenize='trigram case_sensitive 1', columnsize=0"


def table_name(kind):
    return f"events_search_{kind}"


@cache
def indexed_kinds():
    """{model: kind} for every kind of record the index covers: the searchable types of events/registry.py."""
    return {record_type.model: record_type.key for record_type in registry.searchable()}


def uses_index(using):
    return connections[using].vendor == "sqlite"


def covers(model, fields):
    """Whether a search of `model` in `fields` can be answered from the index."""
    kind = indexed_kinds().get(model)
    return kind is not None and tuple(fields) == tuple(SEARCH_FIELDS[kind])


# Querying ---------------------------------------------------------------------------------------------


def fts_string(word):
    """The word as an FTS5 string, so nothing a visitor types (quotes, AND, NEAR, *, ^) is query syntax."""
    return '"' + word.replace('"', '""') + '"'


def like_pattern(word):
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching(model, words):
    """The primary keys of the records of `model` whose folded fields contain every word, as a subquery."""
    table = table_name(indexed_kinds()[model])
    folded = [word for word in map(fold, words) if word]
    long_words = [word for word in folded if len(word) >= TRIGRAM]
    conditions, params = [], []
    if long_words:
        conditions.append(f"{table} MATCH %s")
        params.append(" AND ".join(map(fts_string, long_words)))
    for word in folded:
        if len(word) < TRIGRAM:
            conditions.append("body LIKE %s ESCAPE '\\'")
            params.append(like_pattern(word))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return RawSQL(f"SELECT rowid FROM {table}{where}", params)


# Writing ----------------------------------------------------------------------------------------------


def _body(model, fields):
    parts = []
    for field in fields:
        parts += [Coalesce(searched_value(model, field), Value("")), Value("\n")]
    # Flat `a || b || c`: Concat() nests a pair per field, deeper than SQLite's parser allows. One call of
    # the fold function per row, since folding the joined text equals joining the folded fields.
    joined = Func(*parts[:-1], template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())
    return Fold(joined)


def _execute(using, sql, params=()):
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)


def _insert_rows(kind, queryset, using, replace=False):
    rows = (
        queryset.order_by()
        .annotate(_search_body=_body(queryset.model, SEARCH_FIELDS[kind]))
        .values_list("pk", "_search_body")
    )
    sql, params = rows.query.get_compiler(using=using).as_sql()
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    _execute(using, f"{verb} INTO {table_name(kind)}(rowid, body) {sql}", params)


def reindex(model, using, **lookup):
    """Index again the records of `model` that match `lookup` (pk=..., place__in=...).

    One statement: FTS5 replaces the row under an existing rowid (a DELETE first cost a query per save)."""
    if uses_index(using):
        _insert_rows(indexed_kinds()[model], model._base_manager.using(using).filter(**lookup), using, replace=True)


def rebuild_search_index(using=DEFAULT_DB_ALIAS, models=None):
    """Build the index again from the records: after bulk writes, or to check the kept one against.

    `models` limits it to their kinds and the kinds whose search reads them (all kinds by default). A no-op
    except on SQLite. Dropping and refilling a table is faster than deleting its rows one by one.
    """
    if not uses_index(using):
        return
    kinds = indexed_kinds()
    if models is not None:
        models = set(models)
        readers = {reader for model in models for reader, _relation, _fields in dependents().get(model, [])}
        kinds = {model: kind for model, kind in kinds.items() if model in models | readers}
    for model, kind in kinds.items():
        table = table_name(kind)
        _execute(using, f"DROP TABLE IF EXISTS {table}")
        _execute(using, f"CREATE VIRTUAL TABLE {table} USING fts5(body, {TABLE_OPTIONS})")
        _insert_rows(kind, model._base_manager.using(using), using)


def reindex_rows(model, pks, using=DEFAULT_DB_ALIAS):
    """Index again the records of `model` whose primary key is in `pks` (a list or a values("pk") queryset),
    and the records whose search reads their names."""
    if not uses_index(using):
        return
    if model in indexed_kinds():
        reindex(model, using, pk__in=pks)
    for reader, relation, _fields in dependents().get(model, []):
        reindex(reader, using, **{f"{relation}__in": pks})


# Keeping the index in step -------------------------------------------------------------------------


@cache
def dependents():
    """{related model: [(indexed model, foreign key, {the related model's fields its search reads})]}."""
    found = defaultdict(list)
    for model, kind in indexed_kinds().items():
        read = defaultdict(set)
        for path in SEARCH_FIELDS[kind]:
            relation, _, field = path.partition(LOOKUP_SEP)
            if not field:
                continue
            if LOOKUP_SEP in field:
                raise ImproperlyConfigured(f"The SQLite search index follows one relation only, not {path!r}.")
            read[relation].add(field)
        for relation, fields in read.items():
            related = model._meta.get_field(relation).related_model
            # A related record's name is searched only while it is published (search.searched_value).
            if any(f.name == "status" for f in related._meta.concrete_fields):
                fields.add("status")
            found[related].append((model, relation, frozenset(fields)))
    return dict(found)


def read_fields(model):
    return sorted(set().union(*(fields for _model, _relation, fields in dependents().get(model, []))))


def names_before_save(model, instance, using=DEFAULT_DB_ALIAS):
    """What other kinds' search reads of this record as stored, to re-index them only when it changes (None
    for a new record)."""
    if instance.pk is None or not uses_index(using):
        return None
    return model._base_manager.using(using).filter(pk=instance.pk).values(*read_fields(model)).first()


def index_saved(model, instance, using=DEFAULT_DB_ALIAS, names_before=None, raw=False):
    """Index the saved record again, and the records whose search reads a name of it that changed."""
    # A raw save (loaddata) is indexed like any other: the row is in the database either way.
    if not uses_index(using):
        return
    if model in indexed_kinds():
        reindex(model, using, pk=instance.pk)
    for reader, relation, fields in dependents().get(model, []):
        # A new record has no referrers yet, unless loaddata saved the rows referring to it first.
        renamed = raw if names_before is None else any(names_before[f] != getattr(instance, f) for f in fields)
        if renamed:
            reindex(reader, using, **{relation: instance.pk})


def unindex(model, pk, using=DEFAULT_DB_ALIAS):
    # What refers to a place, person or organization protects it from deletion, so only its own row goes.
    if uses_index(using):
        _execute(using, f"DELETE FROM {table_name(indexed_kinds()[model])} WHERE rowid = %s", [pk])


def rebuild_if_out_of_step(using=DEFAULT_DB_ALIAS):
    """Rebuild when the index holds a different number of rows than its records: after `flush`, which
    empties the tables but not the index."""
    if not uses_index(using):
        return
    with connections[using].cursor() as cursor:
        existing = set(connections[using].introspection.table_names(cursor))
        for model, kind in indexed_kinds().items():
            if table_name(kind) not in existing:  # not migrated yet, or migrated back
                return
            cursor.execute(f"SELECT count(*) FROM {table_name(kind)}")
            if cursor.fetchone()[0] != model._base_manager.using(using).count():
                rebuild_search_index(using)
                return
