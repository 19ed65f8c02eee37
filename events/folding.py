"""Text folded for comparison: accents dropped, lower case, every kind of dash turned into "-".

The same folding in Python (`fold()`), in SQLite (`unaccent_fold()`, which the archive registers on every
connection; `Fold`) and in PostgreSQL (`unaccent`; `PostgresFold`). events/search.py and the SQLite index
(events/search_index.py) both build on it, so neither needs the other to fold.
"""

import unicodedata

from django.db.models import CharField, Func, Value
from django.db.models.functions import Lower

SQL_FUNCTION = "unaccent_fold"

DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def fold(text):
    """'Erdoğan' → 'erdogan', 'ISIS–K' → 'isis-k': the form both the query and the columns are compared in."""
    if text is None:
        return None
    text = str(text)
    if text.isascii():  # nothing to decompose and no dash variants: the common case, and 100 times faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return stripped.translate(DASHES).casefold()


def register_sqlite_function(connection):
    """Teach one SQLite connection `unaccent_fold()`; a no-op for other databases (events.signals calls this
    for every connection)."""
    if connection.vendor != "sqlite" or connection.connection is None:
        return
    raw = connection.connection
    if getattr(connection, "_unaccent_fold_registered_on", None) is raw:
        return
    raw.create_function(SQL_FUNCTION, 1, fold, deterministic=True)
    connection._unaccent_fold_registered_on = raw


class Fold(Func):
    """The folded form of a column, on SQLite only (other backends get their own condition builders)."""

    function = SQL_FUNCTION
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # Belt and braces: a connection opened before events.signals.connect() ran.
        register_sqlite_function(connection)
        return super().as_sql(compiler, connection, **extra_context)


class PostgresFold(Func):
    """unaccent(), lower case and one kind of dash: PostgreSQL's side of `fold()`."""

    output_field = CharField()

    def __init__(self, expression):
        dashes = "".join(chr(code) for code in DASHES)
        unaccented = Func(Lower(expression), function="unaccent", output_field=CharField())
        super().__init__(unaccented, Value(dashes), Value("-" * len(dashes)), function="translate")
