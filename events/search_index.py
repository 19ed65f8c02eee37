"""Search reads a stored index instead of folding every field of every row on every request.

One table per kind of record (`events_search_incident`, ...), keyed by the record's primary key, holding the
record's SEARCH_FIELDS (related names only while the related record is published, public_names.searched_value)
folded by events.folding and joined by newlines in `body`. A query word never holds whitespace, so no match
can straddle two fields.

- SQLite: an FTS5 table with the trigram tokenizer, `rowid` the key. Every word is a substring: a word of
  three characters or more is looked up through the index, a shorter one with LIKE over the table (about
  100 ms for 300,000 reactions). SQLite 3.40's trigram tokenizer cannot drop accents, which is why the text
  is stored folded, and it is case-sensitive because fold() has already lowered both sides.
- PostgreSQL: a plain table (`id`, `body`, `vector`) with a GIN index on `vector`, a tsvector of the folded
  fields under the `archive` configuration (migration 0004: unaccent, no stop words), the first field weighted
  A, the second B, the rest C; the accents are dropped when the row is written, not per query. A word of
  three characters or more must begin a word of the record (`erdo` finds "Erdoğan", `ogan` does not): its
  lexemes are looked up as prefixes (`erdo:*`) in the GIN index, and the rows found are checked against
  `body` with LIKE, so that punctuation typed counts as on SQLite ('"red"' finds the quoted name only).
  Shorter words, and words without a letter or digit ("%"), are matched anywhere with LIKE alone, as on
  SQLite ("raid 2" finds "Raid on the K2 camp"). Ranking (events/search.py) reads `vector`.

The receivers in events/signals.py keep the index in step through the functions below, in the transaction
of the write: saving or deleting a record re-indexes it, and changing a name that another kind's search
reads (a place's name, in its incidents and the reactions of its country; a person's or organization's, in
their reactions), or the status that decides whether it is read, re-indexes those records too. Writes that
send no signals (QuerySet.update(), bulk_create, raw SQL) are brought into step by
events.signals.after_bulk_write(). Changing a type's search fields in events/registry.py needs a migration
that calls `rebuild_search_index()`; a new searchable type needs one that creates its table
(`rebuild_search_index(models=[...])` does both), since nothing here creates tables outside migrations.
"""

from collections import defaultdict
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, F, FloatField, Func, TextField, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from . import registry, statements
from .folding import Fold, PostgresFold, fold
from .public_names import searched_value
from .registry import SEARCH_FIELDS

# The trigram tokenizer indexes every run of three characters; a shorter word cannot be looked up in it.
TRIGRAM = 3
TABLE_OPTIONS = "tokenize='trigram case_sensitive 1', columnsize=0"
# The text search configuration of migration 0004: the simple parser and dictionary after unaccent.
CONFIG = "archive"
BACKENDS = ("sqlite", "postgresql")


def table_name(kind):
    return f"events_search_{kind}"


def key_column(using):
    """The column holding the record's primary key: FTS5's rowid on SQLite, `id` on PostgreSQL."""
    return "rowid" if connections[using].vendor == "sqlite" else "id"


@cache
def indexed_kinds():
    """{model: kind} for every kind of record the index covers: the searchable types of events/registry.py."""
    return {record_type.model: record_type.key for record_type in registry.searchable()}


def uses_index(using):
    return connections[using].vendor in BACKENDS


def covers(model, fields):
    """Whether a search of `model` in `fields` can be answered from the index."""
    kind = indexed_kinds().get(model)
    return kind is not None and tuple(fields) == tuple(SEARCH_FIELDS[kind])


def weights(fields):
    """The first field (title or name) weighs most, the second (summary, short name) next, the rest least."""
    return (["A", "B"] + ["C"] * len(fields))[: len(fields)]


# Querying ---------------------------------------------------------------------------------------------


def fts_string(word):
    """The word as an FTS5 string, so nothing a visitor types (quotes, AND, NEAR, *, ^) is query syntax."""
    return '"' + word.replace('"', '""') + '"'


def like_pattern(word):
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def has_lexeme(word):
    """Whether PostgreSQL's parser finds a word in it: a letter or a digit (punctuation alone is no word)."""
    return any(char.isalnum() for char in word)


def tsquery_operand(word, whole_word_too=False):
    """The word as one quoted to_tsquery() operand, a prefix: the parser splits it as it split the stored text
    (isis-k → 'isis-k':* <-> 'isis':* <-> 'k':*), and nothing typed (&, |, !, quotes) is query syntax.
    `whole_word_too` adds the word itself, `('w' | 'w':*)`: the same rows (a word begins with itself), which
    PostgreSQL can count (see prefix_query)."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return f"({quoted} | {quoted}:*)" if whole_word_too else f"{quoted}:*"


def prefix_query(words, to_match=False):
    """(sql, params) of the tsquery the lexemes of every word of three characters or more must match as
    prefixes; None if no word has any. Shorter words are matched anywhere, as on SQLite (LIKE).

    `to_match`: for finding rows rather than ranking them, each word is also asked for whole. PostgreSQL
    estimates a whole word from the column's statistics, but a prefix only when they hold 100 common words or
    more; else it guesses 2% of the rows (a young archive, or the benchmark's uniform synthetic one). Guessing
    so for a word in all 300,000 reactions, it read every match through a bitmap of the GIN index before the
    LIMIT could stop it (28 ms); knowing the word is everywhere, it reads the table until the LIMIT is met
    (0.4 ms). A word typed in part (`synth`) is still a guess. Ranking keeps the prefixes alone, as ts_rank
    would weigh a word matched by both branches twice."""
    worded = [word for word in words if has_lexeme(word) and len(word) >= TRIGRAM]
    if not worded:
        return None
    # A constant the planner folds and estimates from the column's statistics: a subquery building the
    # query hid how many rows match, and a word in all 60,000 reactions was joined row by row (690 ms).
    operands = [tsquery_operand(word, whole_word_too=to_match) for word in worded]
    return f"to_tsquery('{CONFIG}', %s)", [" & ".join(operands)]


def matching(model, words, using=DEFAULT_DB_ALIAS):
    """The primary keys of the records of `model` whose indexed fields hold every word, as a subquery."""
    table = table_name(indexed_kinds()[model])
    folded = [word for word in map(fold, words) if word]
    conditions, params = [], []
    if connections[using].vendor == "postgresql":
        query = prefix_query(folded, to_match=True)
        if query:
            conditions.append(f"vector @@ {query[0]}")
            params += query[1]
        checked = folded  # every word again, as typed, on the few rows the GIN index found
    else:
        long_words = [word for word in folded if len(word) >= TRIGRAM]
        if long_words:
            conditions.append(f"{table} MATCH %s")
            params.append(" AND ".join(map(fts_string, long_words)))
        checked = [word for word in folded if len(word) < TRIGRAM]
    for word in checked:
        conditions.append("body LIKE %s ESCAPE '\\'")
        params.append(like_pattern(word))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return Matching(f"SELECT {key_column(using)} FROM {table}{where}", params)


def joined_match(queryset, words):
    """SQLite: `queryset` joined to its kind's FTS5 table and narrowed to the rows holding every word.

    A join, not `pk IN (SELECT rowid ... MATCH ...)`: SQLite builds an IN list whole before it reads a row, so
    every match of a common word was read whatever the LIMIT (730 ms for "synthetic" in 100,000 incidents).
    Joined, the index drives the loop and a LIMIT stops it: the first 1,001 matches cost 1–25 ms."""
    table = table_name(indexed_kinds()[queryset.model])
    where, params = [], []
    long_words = [word for word in map(fold, words) if len(word) >= TRIGRAM]
    short_words = [word for word in map(fold, words) if word and len(word) < TRIGRAM]
    if long_words:
        where.append(f'"{table}" MATCH %s')
        params.append(" AND ".join(map(fts_string, long_words)))
    for word in short_words:
        where.append(f"\"{table}\".body LIKE %s ESCAPE '\\'")
        params.append(like_pattern(word))
    joined = queryset.extra(tables=[table], where=where, params=params)
    return joined.filter(OnKey(f'"{table}".rowid = {{key}}', [], output_field=BooleanField()))


def in_index_order(queryset):
    """(`queryset` read in the order of its records' keys, True) for a search of the index, else (`queryset`
    unordered, False). In that order its first matches are those with the lowest keys, so a read that stops at
    the first thousand depends only on the records up to its last key (events.caching.search_read_tags).

    It costs nothing: on SQLite the FTS5 table drives the plan and yields matches by rowid; on PostgreSQL a
    common word's matches were already read by merging the two tables' key indexes in order (0.7 ms for the
    first 1,001 of 100,000 incidents), and a rarer word's few are sorted."""
    vendor = connections[queryset.db].vendor
    tables = [table for table in queryset.query.extra_tables if table.startswith("events_search_")]
    if vendor == "sqlite" and len(tables) == 1:
        return queryset.order_by().extra(order_by=[f'"{tables[0]}".rowid']), True
    if vendor == "postgresql" and _reads_index(queryset.query.where):
        return queryset.order_by("pk"), True
    return queryset.order_by(), False


def _reads_index(node):
    """Whether a WHERE tree holds a matching() subquery (PostgreSQL's search: `pk IN (SELECT id FROM ...)`)."""
    for child in getattr(node, "children", ()):
        if _reads_index(child) or isinstance(getattr(child, "rhs", None), Matching):
            return True
    return False


class Matching(RawSQL):
    """The keys of the records matching a search, from the index (matching())."""


class OnKey(Func):
    """Raw SQL around the record's primary key, `{key}` in `sql`, compiled as the column of whatever query it
    lands in: a table name written out would point a subquery at its outer query's rows."""

    def __init__(self, sql, params, output_field):
        super().__init__(F("pk"), output_field=output_field)
        self.raw_sql, self.raw_params = sql, list(params)

    def as_sql(self, compiler, connection, **extra_context):
        key, key_params = compiler.compile(self.source_expressions[0])
        return self.raw_sql.replace("{key}", key), (*self.raw_params, *key_params)


def rank(model, words, using=DEFAULT_DB_ALIAS):
    """PostgreSQL: how well each record of `model` matches `words` (ts_rank over its stored vector), as an
    expression; None on SQLite, or when no word has a lexeme to rank by."""
    query = prefix_query([word for word in map(fold, words) if word])
    if connections[using].vendor != "postgresql" or query is None:
        return None
    table = table_name(indexed_kinds()[model])
    sql = f"(SELECT ts_rank(ranked.vector, {query[0]}) FROM {table} ranked WHERE ranked.id = {{key}})"
    return OnKey(sql, query[1], output_field=FloatField())


# Writing ----------------------------------------------------------------------------------------------


def _joined(parts):
    # Flat `a || b || c`: Concat() nests a pair per field, deeper than SQLite's parser allows.
    return Func(*parts, template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())


def _field_values(model, fields):
    return [Coalesce(searched_value(model, field), Value("")) for field in fields]


def _body(model, fields, vendor):
    parts = []
    for value in _field_values(model, fields):
        parts += [value, Value("\n")]
    # One call of the fold function per row, since folding the joined text equals joining the folded fields.
    return (PostgresFold if vendor == "postgresql" else Fold)(_joined(parts[:-1]))


def _vector(model, fields):
    vectors = [
        Func(
            PostgresFold(value),
            # PostgreSQL's parser reads "<script>alert(1)</script>" as two XML tags around a blank, so the text
            # is stored with the brackets as spaces: every word in it is a lexeme (the body keeps them).
            template=f"setweight(to_tsvector('{CONFIG}', translate(%(expressions)s, '<>', '  ')), '{weight}')",
            output_field=TextField(),
        )
        for value, weight in zip(_field_values(model, fields), weights(fields), strict=True)
    ]
    return _joined(vectors)


def _execute(using, sql, params=()):
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)


def _insert_statement(kind, queryset, using, replace=False):
    """The statement that (re-)indexes the rows of `queryset`: (sql, params)."""
    vendor = connections[using].vendor
    fields = SEARCH_FIELDS[kind]
    columns = {"_search_body": _body(queryset.model, fields, vendor)}
    if vendor == "postgresql":
        columns["_search_vector"] = _vector(queryset.model, fields)
    rows = queryset.order_by().annotate(**columns).values_list("pk", *columns)
    sql, params = rows.query.get_compiler(using=using).as_sql()
    table = table_name(kind)
    if vendor == "postgresql":
        upsert = " ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, vector = EXCLUDED.vector" if replace else ""
        return f"INSERT INTO {table}(id, body, vector) {sql}{upsert}", list(params)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    return f"{verb} INTO {table}(rowid, body) {sql}", list(params)


def _insert_rows(kind, queryset, using, replace=False):
    _execute(using, *_insert_statement(kind, queryset, using, replace))


def _keyed_build(model, field, using):
    """The re-index statement of the records of `model` whose `field` is one key (events/statements.py)."""

    def build(key):
        queryset = model._base_manager.using(using).filter(**{field: key})
        return _insert_statement(indexed_kinds()[model], queryset, using, replace=True)

    return build


def create_table(kind, using):
    table = table_name(kind)
    if connections[using].vendor == "postgresql":
        _execute(using, f"CREATE TABLE {table} (id bigint PRIMARY KEY, body text NOT NULL, vector tsvector NOT NULL)")
    else:
        _execute(using, f"CREATE VIRTUAL TABLE {table} USING fts5(body, {TABLE_OPTIONS})")


def create_lookup_index(kind, using):
    """PostgreSQL: the GIN index words are looked up in (built once the table is filled: faster)."""
    if connections[using].vendor == "postgresql":
        table = table_name(kind)
        _execute(using, f"CREATE INDEX {table}_vector ON {table} USING gin (vector)")


def reindex(model, using, **lookup):
    """Index again the records of `model` that match `lookup` (pk=..., place__in=...).

    One statement: the row under an existing key is replaced (a DELETE first cost a query per save)."""
    if not uses_index(using):
        return
    if len(lookup) == 1:
        [(field, key)] = lookup.items()
        if statements.run_keyed(("reindex", model, field), _keyed_build(model, field, using), key, using) is not None:
            return
    _insert_rows(indexed_kinds()[model], model._base_manager.using(using).filter(**lookup), using, replace=True)


def rebuild_search_index(using=DEFAULT_DB_ALIAS, models=None):
    """Build the index again from the records: after bulk writes, or to check the kept one against.

    `models` limits it to their kinds and the kinds whose search reads them (all kinds by default). A no-op
    on other databases. Dropping and refilling a table is faster than deleting its rows one by one.
    """
    if not uses_index(using):
        return
    kinds = indexed_kinds()
    if models is not None:
        models = set(models)
        readers = {reader for model in models for reader, _relation, _fields in dependents().get(model, [])}
        kinds = {model: kind for model, kind in kinds.items() if model in models | readers}
    for model, kind in kinds.items():
        _execute(using, f"DROP TABLE IF EXISTS {table_name(kind)}")
        create_table(kind, using)
        _insert_rows(kind, model._base_manager.using(using), using)
        create_lookup_index(kind, using)


def stored_rows(kind, using=DEFAULT_DB_ALIAS):
    """{key: body} as the index holds it now; on PostgreSQL {key: (body, the vector as text)}."""
    postgresql = connections[using].vendor == "postgresql"
    columns = "id, body, vector::text" if postgresql else "rowid, body"
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table_name(kind)}")
        return {row[0]: tuple(row[1:]) if postgresql else row[1] for row in cursor.fetchall()}


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
                raise ImproperlyConfigured(f"The search index follows one relation only, not {path!r}.")
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
        table = table_name(indexed_kinds()[model])
        _execute(using, f"DELETE FROM {table} WHERE {key_column(using)} = %s", [pk])


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
