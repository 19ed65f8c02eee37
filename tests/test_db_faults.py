"""SQLite faults under a running web process, answered honestly: a missing, garbage or empty database file is a
503 everywhere (and /healthz says so), the web process never creates a database file, the site answers from
the real file on the first request after it returns, and a save that waited past the busy timeout gives the
editor their form back, logged as a lock timeout.

No mocks: one subprocess loads the site as gunicorn does (kerman_site.wsgi, persistent connections as in
production) on a database file, and the file is moved, replaced and locked under it. The process boundary
is the point: the test database is in memory and has no file to lose.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

from events.admin_site import BUSY_FORM

SCRIPT = textwrap.dedent(
    """
    import io, json, logging, os, sqlite3, sys, time
    from kerman_site.wsgi import application  # sets Django up, as gunicorn does
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from events.models import Incident
    from tests import factories
    from tests.test_admin import page_data

    database = sys.argv[1]
    folder, name = os.path.split(database)
    log = []

    class Kept(logging.Handler):
        def emit(self, record):
            log.append(f"{record.levelname} {record.name}: {record.getMessage()}")

    logging.getLogger("kerman_site.database").addHandler(Kept())

    def get(path):
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http", "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "wsgi.version": (1, 0),
        }
        started = []
        result = application(environ, lambda status, headers, exc_info=None: started.append(status))
        body = b"".join(result)
        result.close()
        return [int(started[0].split()[0]), body.decode()[:4000]]

    def files():
        return sorted(f for f in os.listdir(folder) if f.startswith(name))

    incident = factories.IncidentFactory(title="Kerman cemetery bombing")
    page = incident.get_absolute_url()
    out = {"name": connections["default"].settings_dict["NAME"]}
    out["up"] = [get(page), get("/healthz")]  # the connection stays open, as CONN_MAX_AGE keeps it

    # The file goes, as after a mistaken `mv`. Its write-ahead log is emptied first: the log stays behind under
    # the old name, and the empty and garbage files put there below would otherwise be read with it.
    checkpoint = sqlite3.connect(database)
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint.close()
    os.rename(database, database + ".away")
    out["missing"] = [get(page), get("/incidents/"), get("/healthz")]
    out["missing_files"] = files()

    garbage = b"This is not an SQLite database. " * 200
    with open(database, "wb") as file:
        file.write(garbage)
    out["garbage"] = [get(page), get("/healthz")]
    with open(database, "rb") as file:
        out["garbage_intact"] = file.read() == garbage

    os.remove(database)
    sqlite3.connect(database).close()  # an empty database, as SQLite re-creates a missing file
    out["empty"] = [get(page), get("/healthz")]

    for leftover in files():
        if not leftover.endswith(".away"):
            os.remove(os.path.join(folder, leftover))
    os.rename(database + ".away", database)
    started = time.monotonic()
    out["back"] = [get(page), get("/incidents/"), get("/healthz")]
    out["back_seconds"] = time.monotonic() - started

    # A restore: another file put in place while the site holds a connection to the old one.
    restored = sqlite3.connect(database + ".restored")
    sqlite3.connect(database).backup(restored)
    restored.execute("UPDATE events_incident SET title = 'Kerman bombings, restored' WHERE id = ?", (incident.pk,))
    restored.commit()
    restored.close()
    out["before_restore"] = get(page)
    os.replace(database + ".restored", database)
    out["after_restore"] = get(page)

    # A save that waits for another connection's write longer than the busy timeout.
    setup_test_environment()  # so the test client sees the admin page's forms
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "correct horse battery")
    client = Client()
    client.force_login(editor)
    change = f"/admin/events/incident/{incident.pk}/change/"
    data = page_data(client.get(change))
    data["title"] = "A title typed while another save ran"
    data["description"] = "Three paragraphs the editor would hate to type again."
    connections["default"].settings_dict["OPTIONS"]["timeout"] = 0.5
    connections.close_all()
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    busy = client.post(change, data)
    waited = time.monotonic() - started
    holder.execute("ROLLBACK")
    holder.close()
    out["busy"] = {"status": busy.status_code, "body": busy.content.decode(), "waited": waited}
    out["busy_title"] = Incident.objects.get(pk=incident.pk).title
    again = client.post(change, data)
    out["again"] = [again.status_code, Incident.objects.get(pk=incident.pk).title]
    out["log"] = log
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def faults(migrated_sqlite, tmp_path_factory):
    database = tmp_path_factory.mktemp("faults") / "db.sqlite3"
    shutil.copy(migrated_sqlite, database)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(database)],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kerman_site.settings.test",
            "DATABASE_URL": f"sqlite:///{database}",
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def statuses(answers):
    return [status for status, _ in answers]


def test_the_web_process_opens_its_database_file_without_creating_it(faults):
    assert faults["name"].startswith("file:") and faults["name"].endswith("?mode=rw")
    assert statuses(faults["up"]) == [200, 200]


def test_a_missing_database_file_is_a_503_everywhere_and_is_not_recreated(faults):
    assert statuses(faults["missing"]) == [503, 503, 503]
    assert "briefly unavailable" in faults["missing"][0][1]
    assert json.loads(faults["missing"][2][1]) == {"status": "unavailable", "database": "unavailable"}
    assert "db.sqlite3.away" in faults["missing_files"]
    assert "db.sqlite3" not in faults["missing_files"], "the web process made a new database file"


def test_a_file_that_is_not_a_database_is_a_503_not_a_500(faults):
    assert statuses(faults["garbage"]) == [503, 503]
    assert "briefly unavailable" in faults["garbage"][0][1]
    assert faults["garbage_intact"], "the web process wrote over the file"


def test_an_empty_database_is_a_503_and_healthz_says_it_is_not_migrated(faults):
    assert statuses(faults["empty"]) == [503, 503]
    assert json.loads(faults["empty"][1][1]) == {"status": "unavailable", "database": "not migrated"}


def test_the_first_request_after_the_file_returns_is_answered_from_it(faults):
    assert statuses(faults["back"]) == [200, 200, 200]
    assert "Kerman cemetery bombing" in faults["back"][0][1]
    assert faults["back_seconds"] < 5


def test_a_file_put_in_place_of_the_open_one_is_read_at_once(faults):
    assert "Kerman cemetery bombing" in faults["before_restore"][1]
    assert faults["after_restore"][0] == 200
    assert "Kerman bombings, restored" in faults["after_restore"][1]


def test_a_save_that_waits_past_the_busy_timeout_gives_the_editor_their_form_back(faults):
    busy = faults["busy"]
    assert busy["status"] == 200
    assert busy["waited"] < 5, "it waited the busy timeout once, not again to show the form"
    assert BUSY_FORM in busy["body"]
    assert 'value="A title typed while another save ran"' in busy["body"]
    assert "Three paragraphs the editor would hate to type again." in busy["body"]
    assert faults["busy_title"] == "Kerman bombings, restored", "nothing was saved"
    assert faults["again"] == [302, "A title typed while another save ran"]


def test_a_lock_timeout_is_logged_as_such_and_an_outage_as_what_failed(faults):
    locked = [line for line in faults["log"] if "locked" in line]
    assert len(locked) == 1, faults["log"]
    assert locked[0].startswith("WARNING kerman_site.database: Database is locked: POST /admin/events/incident/")
    assert "longer than the busy timeout; nothing was saved" in locked[0]
    missing = [line for line in faults["log"] if "unable to open database file" in line]
    assert missing and missing[0].startswith("ERROR kerman_site.database: Database unavailable for GET /incidents/")
    assert any("file is not a database" in line for line in faults["log"])
