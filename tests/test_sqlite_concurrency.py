"""Editors saving different records at the same moment on SQLite: every save waits its turn, none is refused.

SQLite lets one connection write at a time. A deferred transaction that reads and then writes cannot wait
for the lock (SQLite refuses it at once, to avoid a deadlock), so before `transaction_mode: IMMEDIATE`
five reviewers saving five incidents lost about a third of their saves to "database is locked". The test
runs real processes against a database file, as gunicorn's workers do: the lock is the thing tested, and
an in-memory test database has no file to lock.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

WORKERS = 5
ROUNDS = 20

SCRIPT = textwrap.dedent(
    """
    import json, multiprocessing, sys, time
    import django
    django.setup()
    from django.db import connections, transaction
    from events.models import Incident
    from tests import factories

    WORKERS, ROUNDS = int(sys.argv[1]), int(sys.argv[2])
    PAUSE = 0.01  # between the read and the write: an editor's form being checked

    def save_again_and_again(pk, barrier, results):
        saved, failures = 0, []
        barrier.wait()
        for n in range(ROUNDS):
            try:
                with transaction.atomic():
                    incident = Incident.objects.get(pk=pk)
                    time.sleep(PAUSE)
                    incident.summary = f"Saved in round {n}."
                    incident.save()
                saved += 1
            except Exception as error:
                failures.append(f"{type(error).__name__}: {error}")
        results.put({"pk": pk, "saved": saved, "failures": failures})

    def read_until_told(stop):
        # The load: public pages reading while the editors write.
        while not stop.is_set():
            list(Incident.objects.published().order_by("-date")[:20])
            Incident.objects.count()

    pks = [factories.IncidentFactory().pk for _ in range(WORKERS)]
    connections.close_all()  # each process opens its own connection
    context = multiprocessing.get_context("fork")
    barrier, results, stop = context.Barrier(WORKERS), context.Queue(), context.Event()
    readers = [context.Process(target=read_until_told, args=(stop,)) for _ in range(2)]
    writers = [context.Process(target=save_again_and_again, args=(pk, barrier, results)) for pk in pks]
    started = time.monotonic()
    for process in readers + writers:
        process.start()
    outcomes = [results.get(timeout=120) for _ in writers]
    seconds = time.monotonic() - started
    stop.set()
    for process in readers + writers:
        process.join(timeout=30)
    summaries = {str(pk): summary for pk, summary in Incident.objects.filter(pk__in=pks).values_list("pk", "summary")}
    print(json.dumps({"outcomes": outcomes, "summaries": summaries, "seconds": seconds}))
    """
)


@pytest.fixture
def database_file(tmp_path, migrated_sqlite):
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, database)
    return database


def run_saves(database, *, settings_module="kerman_site.settings.test"):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(WORKERS), str(ROUNDS)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform == "win32", reason="forks worker processes")
def test_five_editors_saving_different_records_at_once_lose_no_save(database_file):
    report = run_saves(database_file)
    failures = [failure for outcome in report["outcomes"] for failure in outcome["failures"]]
    assert failures == [], f"{len(failures)} of {WORKERS * ROUNDS} saves refused: {failures[:3]}"
    assert sum(outcome["saved"] for outcome in report["outcomes"]) == WORKERS * ROUNDS
    # Each record holds its own worker's last save: no save was lost or crossed over to another record.
    assert set(report["summaries"].values()) == {f"Saved in round {ROUNDS - 1}."}
    assert len(report["summaries"]) == WORKERS
