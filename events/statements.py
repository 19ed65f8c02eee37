"""Statements run for one record again and again, compiled once per process instead of on every run.

Building and compiling a Django query costs far more than running it when the query is elaborate and touches
a few rows: re-indexing a record for search (each field folded and joined, with its related names), copying an
incident's preferred figures into its headline columns (two subqueries per figure kind), or reading a record
page's relations (an actor's attributions join nine tables and name 60 columns: 3 ms to compile, 0.2 ms to
run). Such a statement is compiled once per database with a mark where the record's key goes, and each run
uses it with its own key.
"""

import copy
from functools import cache

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.sql import Query

# A key no record has, put where the real key goes when the statement is compiled; a text key (a slug) for
# the querysets keyed by one.
KEY_MARK = -7_304_118_262_939
TEXT_KEY_MARK = "\x00key-mark-7304118262939"
_compiled = {}


def compiled(name, build, using):
    """The statement `build(mark)` returns as (sql, params), compiled once per `name` and database and kept as
    (sql, params, the index of the key in params); None if the mark is not found exactly once in params."""
    connection = connections[using]
    cache_key = (name, connection.alias, connection.vendor)
    if cache_key not in _compiled:
        sql, params = build(KEY_MARK)
        params = list(params)
        places = _mark_places(params, KEY_MARK)
        _compiled[cache_key] = (sql, params, places[0]) if len(places) == 1 else None
    return _compiled[cache_key]


def run_keyed(name, build, key, using):
    """Run `build`'s statement (see `compiled`) for the key `key`; the rows it changed. None, with nothing
    run, where it cannot be keyed: a key that is not an integer, or a statement whose mark was not found."""
    statement = compiled(name, build, using) if _is_integer(key) else None
    if statement is None:
        return None
    sql, params, place = statement
    params = list(params)
    params[place] = key
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


_MISSING = object()


def keyed_queryset(name, build, key, using):
    """The queryset `build(key)` returns, on the database `using`, whose statement was compiled once per `name`
    and database from `build(mark)`: evaluating it runs that statement with `key` in the mark's place and makes
    its rows into instances as Django does (joined records, nested prefetches, post_init). Anything that
    changes it (filter(), count() before it is read...) works on `build(key)`'s own query. `build` must make
    the same query for every key, as a record page's relations do. The key is an integer (KEY_MARK) or a text
    (TEXT_KEY_MARK), which may appear more than once ("links from or to this incident"); where the mark is not
    found in the statement's parameters, or the key is neither, it is `build(key)` itself."""
    mark = KEY_MARK if _is_integer(key) else TEXT_KEY_MARK if isinstance(key, str) else None
    if mark is None:
        return build(key).using(using)
    connection = connections[using]
    cache_key = ("queryset", name, type(mark), connection.alias, connection.vendor)
    entry = _compiled.get(cache_key, _MISSING)
    if entry is _MISSING:
        entry = _compiled[cache_key] = _compile_queryset(build, mark, using)
    if entry is None:
        return build(key).using(using)
    template, compiler, sql, params, places = entry
    params = list(params)
    for place in places:
        params[place] = key
    answering = copy.copy(compiler)
    answering.__class__ = _answering(type(compiler))
    answering.connection = connection  # this thread's: the compiled one may belong to another thread
    answering.answer = (sql, params)
    queryset = template._chain()
    query = queryset.query
    query.__class__ = CompiledQuery
    query.compiled = (using, answering, lambda: build(key).using(using).query)
    return queryset


def _is_integer(key):
    return isinstance(key, int) and not isinstance(key, bool)


def _compile_queryset(build, mark, using):
    try:
        template = build(mark).using(using)
    except (TypeError, ValueError):  # a text mark where the key must be a number
        return None
    if type(template.query) is not Query:
        return None
    compiler = template.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    places = _mark_places(params, mark)
    return (template, compiler, sql, tuple(params), places) if places else None


def _mark_places(params, mark):
    """Where `mark` stands in `params` (of its own type: True is not the key 1)."""
    return [index for index, param in enumerate(params) if type(param) is type(mark) and param == mark]


@cache
def _answering(compiler_class):
    """`compiler_class` answering with a statement compiled before; the columns it reads, their converters and
    how rows become instances are the compiled compiler's, copied with it."""

    def as_sql(self, with_limits=True, with_col_aliases=False):
        return self.answer

    return type(f"Answering{compiler_class.__name__}", (compiler_class,), {"as_sql": as_sql})


class CompiledQuery(Query):
    """A keyed queryset's query (see keyed_queryset): it hands out the compiler holding its statement, and any
    change or other database starts from the query `build(key)` makes."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiled_using, compiler, _ = self.compiled
        if connection is None and using == compiled_using and elide_empty:
            return compiler
        return self.compiled[2]().get_compiler(using, connection, elide_empty)

    def chain(self, klass=None):
        return self.compiled[2]().chain(klass)

    def clone(self):
        return self.compiled[2]().clone()

    def __reduce_ex__(self, protocol):  # pickled (a record with its relations, say) as the query it stands for
        return _as_is, (self.compiled[2](),)


def _as_is(query):
    return query
