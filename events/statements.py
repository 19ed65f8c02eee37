"""Statements every save runs, compiled once per process instead of built and compiled on each save.

Building and compiling a Django query costs far more than running it when the query is elaborate and touches
one row: re-indexing a record for search (each field folded and joined, with its related names) or copying an
incident's preferred figures into its headline columns (two subqueries per figure kind). Such a statement is
compiled once per database with a mark where the record's key goes, and each save runs it with its own key.
"""

from django.db import connections

# A key no record has, put where the real key goes when the statement is compiled.
KEY_MARK = -7_304_118_262_939
_compiled = {}


def compiled(name, build, using):
    """The statement `build(mark)` returns as (sql, params), compiled once per `name` and database and kept as
    (sql, params, the index of the key in params); None if the mark is not found exactly once in params."""
    connection = connections[using]
    cache_key = (name, connection.alias, connection.vendor)
    if cache_key not in _compiled:
        sql, params = build(KEY_MARK)
        params = list(params)
        places = [index for index, param in enumerate(params) if param == KEY_MARK]
        _compiled[cache_key] = (sql, params, places[0]) if len(places) == 1 else None
    return _compiled[cache_key]


def run_keyed(name, build, key, using):
    """Run `build`'s statement (see `compiled`) for the key `key`; the rows it changed. None, with nothing
    run, where it cannot be keyed: a key that is not an integer, or a statement whose mark was not found."""
    statement = compiled(name, build, using) if isinstance(key, int) and not isinstance(key, bool) else None
    if statement is None:
        return None
    sql, params, place = statement
    params = list(params)
    params[place] = key
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
