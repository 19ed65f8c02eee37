"""Django's PostgreSQL backend, with a health check that costs no round trip while the connection is quiet.

Production checks a persistent connection before a request reuses it (CONN_HEALTH_CHECKS), so the site
reconnects by itself after a database restart. Django's check is a `SELECT 1`: a second round trip on every
request, where a cached page needs one (its tag versions; events/caching.py). A server that ends a connection
(a restart, pg_terminate_backend, an idle timeout) sends a message saying so and closes the socket, and while
no query is in flight nothing else arrives. So a connection outside any transaction, not known to be broken,
with nothing to read, is usable; any other gets Django's own check.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
