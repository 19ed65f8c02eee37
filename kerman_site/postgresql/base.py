"""Django's PostgreSQL backend, with a health check that costs no round trip while the connection is quiet, and
timestamps read at C speed.

Production checks a persistent connection before a request reuses it (CONN_HEALTH_CHECKS), so the site
reconnects by itself after a database restart. Django's check is a `SELECT 1`: a second round trip on every
request, where a cached page needs one (its tag versions; events/caching.py). A server that ends a connection
(a restart, pg_terminate_backend, an idle timeout) sends a message saying so and closes the socket, and while
no query is in flight nothing else arrives. So a connection outside any transaction, not known to be broken,
with nothing to read, is usable; any other gets Django's own check.

Django reads every `timestamptz` with a loader of its own that subclasses psycopg's pure-Python one, so the
C loader psycopg ships is never used: 12 us a value, 1.25 s of the 100,000-incident export's 14 s for the
`updated_at` column alone. `TimestamptzLoader` below gives the same datetime from Python's C parser.
"""

import functools
import select
from datetime import datetime, timedelta

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import adapt, pq

ZERO = timedelta(0)


class TimestamptzLoader(BaseTzLoader):
    """Django's loader (the instant, labelled with the connection's `timezone`), reading the text PostgreSQL
    writes with datetime.fromisoformat. The connection's TimeZone is UTC (Django sets it), so PostgreSQL writes
    an offset of +00; a value it writes otherwise (BC, past year 9999, 'infinity', another offset) goes the old
    way, which gives the same value or the same error as before."""

    def load(self, data):
        try:
            value = datetime.fromisoformat(str(data, "ascii"))
        except ValueError:
            return super().load(data)
        # An offset of +00 is parsed as the `timezone.utc` Django labels with: nothing to replace (replace()
        # costs three times the parsing).
        if value.tzinfo is self.timezone:
            return value
        if value.utcoffset() != ZERO:
            return super().load(data)
        return value.replace(tzinfo=self.timezone)


@functools.cache
def timestamptz_loader(timezone):
    return type("TimestamptzLoader", (TimestamptzLoader,), {"timezone": timezone})


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        # A copy: Django's map is shared by every connection (get_adapters_template() is cached).
        params["context"] = adapt.AdaptersMap(params["context"])
        # Django's own registers its loader for self.timezone in this map; create_cursor() puts Django's back on
        # a cursor only when the connection's timezone changes (it compares `timezone`).
        params["context"].register_loader("timestamptz", timestamptz_loader(self.timezone))
        return params

    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE:
            # poll(), not select(): a worker's descriptors can number past select()'s 1,024. A hang-up or an
            # error is reported even though only input was asked for.
            socket = select.poll()
            socket.register(connection.fileno(), select.POLLIN)
            if not socket.poll(0):
                return True
        return super().is_usable()
