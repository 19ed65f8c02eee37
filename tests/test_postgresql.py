"""kerman_site/postgresql: the health check of a persistent connection sends nothing while the connection is
quiet, and still finds one the server has ended."""

import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql import base as django_postgresql

from kerman_site.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections")


@pytest.fixture
def checks(monkeypatch):
    """The `SELECT 1` checks Django's own is_usable() sent."""
    sent = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        sent.append(self.connection.info.backend_pid)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return sent


@pytest.fixture
def other(django_db_blocker):
    """A second connection to the test database, outside the test's transaction."""
    with django_db_blocker.unblock():
        wrapper = connection.copy()
        wrapper.ensure_connection()
        yield wrapper
        wrapper.close()


def test_the_site_talks_to_postgresql_through_this_backend():
    assert isinstance(connections[DEFAULT_DB_ALIAS], DatabaseWrapper)


@pytest.mark.django_db
def test_a_quiet_connection_is_usable_without_a_query(other, checks):
    with other.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert other.is_usable()
    assert checks == []


@pytest.mark.django_db
def test_a_connection_the_server_ended_is_unusable_and_the_next_query_reconnects(other, checks):
    ended = other.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
        assert cursor.fetchone() == (True,)
    # The server's goodbye reaches the socket within moments.
    deadline = time.monotonic() + 5
    while other.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not other.is_usable()
    assert checks and set(checks) == {ended}
    other.health_check_enabled, other.health_check_done = True, False
    other.close_if_health_check_failed()
    assert other.connection is None
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != ended


@pytest.mark.django_db
def test_a_connection_inside_a_transaction_gets_djangos_own_check(other, checks):
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert other.is_usable()
    assert len(checks) == 1
    other.rollback()
    other.set_autocommit(True)


def test_timestamps_are_read_by_the_fast_loader_as_djangos_would_read_them(db):
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
    from psycopg.pq import Format

    from kerman_site.postgresql.base import TimestamptzLoader

    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    assert issubclass(connection.connection.adapters.get_loader(oid, Format.TEXT), TimestamptzLoader)
    djangos = type("DjangosLoader", (BaseTzLoader,), {"timezone": connection.timezone})(oid, connection.connection)
    ours = connection.connection.adapters.get_loader(oid, Format.TEXT)(oid, connection.connection)
    written = [
        "2024-01-03 14:45:00+00",
        "2024-01-03 14:45:00.5+00",
        "2024-01-03 14:45:00.123456+03:30",
        "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999+00",
        "2000-02-29 12:00:00-08",
    ]
    with connection.cursor() as cursor:
        texts = []
        for value in written:
            cursor.execute("SELECT %s::timestamptz::text", [value])
            texts.append(cursor.fetchone()[0].encode())
        # What PostgreSQL writes that fromisoformat cannot read: the old way gives the value or the error.
        cursor.execute("SELECT '0044-03-15 12:00:00+00 BC'::timestamptz::text, 'infinity'::timestamptz::text")
        texts.extend(text.encode() for text in cursor.fetchone())
    for text in texts:
        try:
            expected = djangos.load(text)
        except Exception as error:  # noqa: BLE001 (the same error, whatever it is)
            with pytest.raises(type(error)):
                ours.load(text)
            continue
        got = ours.load(text)
        assert (got, got.tzinfo, got.utcoffset()) == (expected, expected.tzinfo, expected.utcoffset()), text
    assert ours.load(texts[1]).microsecond == 500000


@pytest.mark.django_db
def test_a_saved_time_reads_back_the_same(seeded):
    import datetime

    from events.models import Incident

    written = datetime.datetime(2024, 1, 3, 14, 45, 7, 250001, tzinfo=datetime.UTC)
    Incident.objects.filter(slug="2024-kerman-bombings").update(updated_at=written)
    read = Incident.objects.values_list("updated_at", flat=True).get(slug="2024-kerman-bombings")
    assert read == written and read.tzinfo is datetime.UTC
