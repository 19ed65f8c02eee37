"""Error answers: the site's own 400, 403, 404, 500 and 503 pages, and a 503 (never a traceback) while the
database is down, recovering by itself when it returns."""

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from events import models
from events.admin_site import BUSY_FORM, BUSY_OTHER
from kerman_site import database
from kerman_site.views import server_error
from tests import factories
from tests.test_admin import listed_now, page_data

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(message="could not connect to the database"):
    """Every query fails as it does when the database is unreachable, on SQLite and PostgreSQL alike."""

    def fail(*args, **kwargs):
        raise OperationalError(message)

    with (
        mock.patch.object(CursorWrapper, "execute", fail),
        mock.patch.object(CursorWrapper, "executemany", fail),
    ):
        yield


def assert_site_page(response, heading):
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert heading in body
    assert 'class="site-header"' in body, "the page is in the site's design"
    assert "Traceback" not in body
    assert "<style" not in body and "style=" not in body, "inline style would be blocked by the CSP"
    assert "Content-Security-Policy" in response


# Database down --------------------------------------------------------------------------------------------


@pytest.fixture
def records(db):
    incident = factories.IncidentFactory()
    return [reverse("events:home"), reverse("events:incident-list"), incident.get_absolute_url()]


def test_pages_answer_503_while_the_database_is_down(client, records):
    with database_down():
        for path in records:
            response = client.get(path)
            assert response.status_code == 503, path
            assert response["Retry-After"] == "30"
            assert "no-store" in response["Cache-Control"]
            assert_site_page(response, "The archive is briefly unavailable")


def test_the_site_recovers_by_itself_when_the_database_returns(client, records):
    with database_down():
        assert client.get(records[-1]).status_code == 503
    for path in records:
        assert client.get(path).status_code == 200, path


def test_the_admin_answers_503_too_while_the_database_is_down(staff_client):
    with database_down():
        response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 503
    assert staff_client.get(reverse("admin:index")).status_code == 200


def test_a_database_error_outside_a_view_is_a_503_not_a_500():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_a_file_that_is_not_a_database_is_a_503_outside_a_view_too(tmp_path):
    # The page cache reads the content version before any view; Django raises SQLite's "file is not a
    # database" as a bare DatabaseError, which used to make this a 500.
    garbage = tmp_path / "db.sqlite3"
    garbage.write_bytes(b"This is not an SQLite database. " * 200)
    request = RequestFactory().get("/")
    try:
        try:
            sqlite3.connect(garbage).execute("SELECT name FROM sqlite_master")
        except sqlite3.DatabaseError as error:
            raise DatabaseError(*error.args) from error  # as django.db.utils wraps it
        raise AssertionError("SQLite read the garbage file")
    except DatabaseError:
        response = server_error(request)
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()


def test_the_503_and_500_pages_need_no_database(django_assert_num_queries):
    with database_down(), django_assert_num_queries(0):
        assert "briefly unavailable" in render_to_string("503.html")
        assert "Something went wrong" in render_to_string("500.html")


def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]

    with database_down():
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}

    assert client.get(reverse("healthz")).status_code == 200


def test_healthz_counts_an_archive_without_records_as_healthy(client):
    # A new deployment before its first load is a working site: editors fill it through the admin.
    assert not models.Incident.objects.exists()
    assert client.get(reverse("healthz")).json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_a_table_of_the_archive_is_missing(client):
    present = connection.introspection.table_names
    incidents = models.Incident._meta.db_table
    with mock.patch.object(
        type(connection.introspection), "table_names", lambda self, *args: [t for t in present(*args) if t != incidents]
    ):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "tables missing"}


def test_healthz_is_503_when_the_code_has_a_migration_the_database_lacks(client):
    ahead = database.expected_migrations() | {("events", "9999_from_the_next_release")}
    with mock.patch.object(database, "expected_migrations", return_value=ahead):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "not migrated"}


def test_healthz_counts_a_database_migrated_before_the_squash_as_migrated(client):
    # A database that ran 0001-0019 one by one holds the squashed migration's schema; `migrate` records the
    # squash only when it next runs, and the site must not answer 503 until then while the squash is the
    # latest migration (as it was when made, and as the next squash will be).
    from django.db.migrations.recorder import MigrationRecorder

    (squash, replaced), *_ = database.squashed_migrations().items()
    assert len(replaced) == 19 and squash not in replaced
    with mock.patch.object(database, "expected_migrations", return_value=frozenset({squash})):
        MigrationRecorder.Migration.objects.filter(app=squash[0], name=squash[1]).delete()
        assert client.get(reverse("healthz")).json() == {"status": "ok", "database": "ok"}

        # One of the replaced migrations missing too: the database is half-way and needs `migrate`.
        MigrationRecorder.Migration.objects.filter(app="events", name="0019_geo_region_gazetteer_id").delete()
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "not migrated"}


def test_healthz_answers_only_reads(client):
    assert client.post(reverse("healthz")).status_code == 405
    assert client.head(reverse("healthz")).status_code == 200


RECOVERY_SCRIPT = textwrap.dedent(
    """
    import io, json, os, sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    # A connection per request, as after CONN_MAX_AGE expires: each request must reach the database anew.
    connections["default"].settings_dict["CONN_MAX_AGE"] = 0
    call_command("migrate", verbosity=0)
    connections.close_all()
    app = get_wsgi_application()

    def get(path):
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http", "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "wsgi.version": (1, 0),
        }
        started = []
        result = app(environ, lambda status, headers, exc_info=None: started.append(status))
        body = b"".join(result)
        result.close()  # sends request_finished, which drops a broken connection
        return int(started[0].split()[0]), body.decode()

    database = sys.argv[1]
    answers = {"up": [get("/"), get("/healthz")]}
    os.rename(database, database + ".away")
    os.mkdir(database)  # SQLite cannot open a directory: the database is down
    answers["down"] = [get("/"), get("/incidents/"), get("/healthz")]
    os.rmdir(database)
    os.rename(database + ".away", database)
    answers["back"] = [get("/"), get("/incidents/"), get("/healthz")]
    print(json.dumps({state: [[status, body[:2000]] for status, body in pages] for state, pages in answers.items()}))
    """
)


def test_a_real_outage_and_recovery(tmp_path, migrated_sqlite):
    """No mocks: the database file goes away under a running WSGI application, then comes back."""
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, database)  # so the script's migrate has nothing left to do (~10 s)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kerman_site.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    result = subprocess.run(
        [sys.executable, "-c", RECOVERY_SCRIPT, str(database)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert [status for status, _ in answers["up"]] == [200, 200]
    assert [status for status, _ in answers["down"]] == [503, 503, 503]
    assert "briefly unavailable" in answers["down"][0][1]
    assert json.loads(answers["down"][2][1])["database"] == "unavailable"
    assert [status for status, _ in answers["back"]] == [200, 200, 200]


# A write that waited past the busy timeout ------------------------------------------------------------------
# The real lock, with the editor's form kept, is in tests/test_db_faults.py; these take the other roads.


def database_log(caplog):
    return [record.getMessage() for record in caplog.records if record.name == "kerman_site.database"]


@pytest.mark.urls("tests.error_urls")
def test_a_lock_timeout_outside_the_admin_is_a_503_saying_the_archive_was_busy(client, caplog):
    with database_down("database is locked"), caplog.at_level(logging.WARNING, logger="kerman_site.database"):
        response = client.get("/test-errors/query/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert_site_page(response, "The archive is busy")
    assert "send it again" in response.content.decode()
    assert database_log(caplog) == [
        "Database is locked: GET /test-errors/query/ waited for another write longer than the busy timeout; "
        "nothing was saved"
    ]


def test_an_outage_is_logged_with_what_failed(client, records, caplog):
    with database_down(), caplog.at_level(logging.WARNING, logger="kerman_site.database"):
        client.get(records[1])
    assert database_log(caplog) == [
        f"Database unavailable for GET {records[1]}: OperationalError: could not connect to the database"
    ]


def test_a_change_form_refused_for_a_busy_database_comes_back_as_the_editor_filled_it_in(staff_client):
    incident = factories.IncidentFactory(title="Kerman cemetery bombing")
    change = reverse("admin:events_incident_change", args=[incident.pk])
    data = page_data(staff_client.get(change))
    data["title"] = "A title typed while another save ran"
    with mock.patch("events.admin_site.revisions.reviewed_write", side_effect=OperationalError("database is locked")):
        response = staff_client.post(change, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert BUSY_FORM in body
    assert 'value="A title typed while another save ran"' in body
    assert models.Incident.objects.get(pk=incident.pk).title == "Kerman cemetery bombing"


def test_an_admin_action_refused_for_a_busy_database_is_asked_for_again(staff_client, caplog):
    draft = factories.IncidentFactory(status=models.Status.DRAFT)
    changelist = reverse("admin:events_incident_changelist")
    with (
        mock.patch("events.admin_site.revisions.reviewed_write", side_effect=OperationalError("database is locked")),
        caplog.at_level(logging.WARNING, logger="kerman_site.database"),
    ):
        response = staff_client.post(
            changelist, {"action": "publish", "_selected_action": [draft.pk], "index": 0, "listed_at": listed_now()}
        )
    assert response.status_code == 302
    assert response["Location"] == changelist
    assert BUSY_OTHER in staff_client.get(changelist).content.decode()
    assert models.Incident.objects.get(pk=draft.pk).status == models.Status.DRAFT
    assert database_log(caplog)[0].startswith(f"Database is locked: POST {changelist} waited")


# The site's own error pages -------------------------------------------------------------------------------


@pytest.mark.urls("tests.error_urls")
def test_a_bug_gives_the_plain_500_page_not_a_traceback(db):
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/boom/")
    assert response.status_code == 500
    assert_site_page(response, "Something went wrong")
    assert "A bug in a view" not in response.content.decode()


@pytest.mark.urls("tests.error_urls")
def test_a_database_error_in_a_view_is_a_503(client):
    with database_down():
        response = client.get("/test-errors/query/")
    assert response.status_code == 503


@pytest.mark.urls("tests.error_urls")
def test_permission_denied_gives_the_403_page(client):
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    assert_site_page(response, "Not allowed")


def test_a_forged_form_gives_the_csrf_403_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "editor", "password": "x"})
    assert response.status_code == 403
    assert_site_page(response, "This form could not be accepted")


def test_an_unknown_address_gives_the_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_site_page(response, "Page not found")


def test_an_unknown_host_gives_the_400_page(client):
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert_site_page(response, "Bad request")
