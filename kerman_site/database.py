"""The database's faults, named honestly: missing, not a database, behind on migrations, or busy.

SQLite creates a missing database file on connect. `migrate` on a new machine should; a web process must
not, or a moved or deleted archive is replaced by an empty one that the site goes on serving. So the web
entry points (kerman_site/wsgi.py and asgi.py, which runserver loads too) call `serve_existing_files_only()`:
from then on a connection opens the file read-write but never creates it, and a connection whose file has
gone or been replaced since it opened is closed before the next request uses it.
"""

import functools
import logging
import os
from contextlib import contextmanager
from urllib.parse import quote

from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.migrations.loader import MigrationLoader

logger = logging.getLogger(__name__)

# What SQLite says of a file that cannot be opened, is not a database or is damaged. Django raises the last
# two as a bare DatabaseError, which would otherwise be a 500 (Python 3.11's sqlite3 errors carry the name).
BROKEN_FILE = {"SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_IOERR"}


def sqlite_error_name(error):
    return getattr(error.__cause__, "sqlite_errorname", "") or ""


def is_busy(error):
    """A write that waited the whole busy timeout for another connection's write (SQLite's "database is locked")."""
    return isinstance(error, OperationalError) and (
        sqlite_error_name(error).startswith("SQLITE_BUSY") or "database is locked" in str(error)
    )


def is_down(error):
    """The database cannot answer at all: unreachable, missing, not a database, damaged, or busy past waiting."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    name = sqlite_error_name(error)
    return isinstance(error, DatabaseError) and any(name == code or name.startswith(f"{code}_") for code in BROKEN_FILE)


def log_fault(request, error):
    if is_busy(error):
        logger.warning(
            "Database is locked: %s %s waited for another write longer than the busy timeout; nothing was saved",
            request.method if request else "-",
            request.path if request else "-",
        )
    else:
        logger.error(
            "Database unavailable for %s %s: %s: %s",
            request.method if request else "-",
            request.path if request else "-",
            type(error.__cause__ or error).__name__,
            error,
        )


def drop_idle_connections():
    """Close this thread's connections outside a transaction, so the next request opens the database afresh.

    Django keeps a persistent SQLite connection after an error (it cannot tell a broken one), so one opened on
    an empty or wrong file kept answering 503 for the rest of CONN_MAX_AGE (~55 s) after the real file was back.
    """
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            connection.close()


@contextmanager
def reading_only(using="default"):
    """A transaction that never asks for SQLite's write lock and is always rolled back.

    For showing an editor their form again while another connection still holds the lock: the view's own
    atomic() would otherwise wait the whole busy timeout a second time.
    """
    connection = connections[using]
    mode = getattr(connection, "transaction_mode", None)
    if hasattr(connection, "transaction_mode"):
        connection.transaction_mode = None  # a deferred BEGIN: reads need no lock under WAL
    try:
        with transaction.atomic(using=using):
            yield
            transaction.set_rollback(True, using=using)
    finally:
        if hasattr(connection, "transaction_mode"):
            connection.transaction_mode = mode


# What /healthz checks --------------------------------------------------------------------------------------


@functools.cache
def expected_migrations():
    """The latest migration of every app, as the code on disk has them (read once per process)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


@functools.cache
def squashed_migrations():
    """{a squashed migration: the migrations it replaces}. A database that applied all of those before the squash
    existed holds the same schema; `migrate` records the squash itself only when it next runs."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: frozenset(migration.replaces) for key, migration in loader.replacements.items()}


def schema_problem(connection):
    """Why the database does not hold the archive this code expects, or "" if it does. Raises DatabaseError
    when the database cannot be read at all."""
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return "not migrated"
    missing = set(connection.introspection.django_table_names(only_existing=False, include_views=False)) - tables
    if missing:
        return "tables missing"
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = set(cursor.fetchall())
    squashed = squashed_migrations()
    if any(key not in applied and not squashed.get(key, {key}) <= applied for key in expected_migrations()):
        return "not migrated"
    return ""


# The web process: open existing files only, and notice when one goes ---------------------------------------


def is_sqlite_file(settings_dict):
    name = str(settings_dict.get("NAME") or "")
    return (
        settings_dict.get("ENGINE") == "django.db.backends.sqlite3"
        and name != ":memory:"
        and "mode=memory" not in name
        and not name.startswith("file:")
    )


def serve_existing_files_only():
    """Make this process open its SQLite files read-write, never creating one, and drop a connection whose
    file is gone or replaced at the start of each request (a stat: a few microseconds)."""
    for alias in connections:
        settings_dict = connections.settings[alias]
        if is_sqlite_file(settings_dict):
            path = os.path.abspath(settings_dict["NAME"])
            settings_dict["NAME"] = f"file:{quote(path)}?mode=rw"
            settings_dict["EXISTING_FILE"] = path
    # The receivers that notice a moved or replaced file are connected in events/signals.py, where every
    # receiver is: the entry points call events.signals.follow_the_database_files() after this.


def _identity(path):
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def remember_the_file(sender, connection, **kwargs):
    path = connection.settings_dict.get("EXISTING_FILE")
    if path:
        connection.opened_file = _identity(path)


def connections_follow_their_file(**kwargs):
    for connection in connections.all(initialized_only=True):
        path = connection.settings_dict.get("EXISTING_FILE")
        idle = connection.connection is not None and not connection.in_atomic_block
        if path and idle and _identity(path) != getattr(connection, "opened_file", None):
            connection.close()
