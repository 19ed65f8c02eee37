"""The production settings and stack: `check --deploy` is clean, secrets are required, HTTPS and cookies are
locked down, whitenoise serves hashed and compressed files, gunicorn serves the site; and the load test script.

Production settings are read once per process, so these run manage.py, a probe and gunicorn in subprocesses,
on a temporary database and static root.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import resolve

from benchmarks import loadtest
from events.models import Incident
from kerman_site.settings.base import postgres_tuned

ROOT = Path(settings.BASE_DIR)


def prod_env(tmp_path, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in {"DATABASE_URL", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kerman_site.settings.prod",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="archive.example.org,testserver,127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def run(args, env, timeout=300):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def manage(env, *args):
    return run([sys.executable, "manage.py", *args], env)


@pytest.fixture(scope="module")
def prod_site(tmp_path_factory, migrated_sqlite):
    """A migrated database and collected static files, made under the production settings. The database
    starts as a copy of a migrated one, so `migrate` checks it rather than building it (~10 s)."""
    tmp_path = tmp_path_factory.mktemp("prod")
    shutil.copy(migrated_sqlite, tmp_path / "db.sqlite3")
    env = prod_env(tmp_path)
    for command in (["migrate", "--noinput", "--verbosity", "0"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        result = manage(env, *command)
        assert result.returncode == 0, result.stderr
    return tmp_path, env


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = manage(prod_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without(tmp_path, missing):
    env = prod_env(tmp_path)
    del env[missing]
    result = manage(env, "check")
    assert result.returncode != 0
    assert f"Set {missing}" in result.stderr


def test_the_production_stack_answers_as_it_should(prod_site):
    tmp_path, env = prod_site
    result = run([sys.executable, "-m", "tests.prod_probe"], env)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])

    assert probe["debug"] is False
    assert probe["database"] == str(tmp_path / "db.sqlite3"), "the database comes from DATABASE_URL"
    assert probe["cache_works"]
    # Plain HTTP is sent to HTTPS; the health check answers on either for the load balancer.
    assert probe["http_home"] == [301, "https://testserver/"]
    assert probe["http_health"] == 200
    assert probe["home"] == 200
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"
    # Static files: hashed names, compressed, cached for good.
    assert probe["stylesheet"].startswith("/static/events/site.") and probe["stylesheet"] != "/static/events/site.css"
    status, encoding, cache_control = probe["css"]
    assert (status, encoding) == (200, "gzip")
    assert "immutable" in cache_control
    # Logging in sets only secure, HttpOnly cookies.
    assert probe["login"] == 302
    assert set(probe["cookies"]) == {"sessionid", "csrftoken"}
    assert all(flags == {"secure": True, "httponly": True} for flags in probe["cookies"].values()), probe["cookies"]


def test_postgres_connections_prepare_the_statements_they_repeat_unless_told_not_to():
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "kerman"}
    assert postgres_tuned(dict(postgres), {})["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    assert postgres_tuned(dict(postgres), {})["ENGINE"] == "kerman_site.postgresql"  # tests/test_postgresql.py
    assert postgres_tuned(dict(postgres), {"DATABASE_PREPARE_THRESHOLD": "2"})["OPTIONS"]["prepare_threshold"] == 2
    # A pooler that moves transactions between server connections cannot keep prepared statements.
    assert "OPTIONS" not in postgres_tuned(dict(postgres), {"DATABASE_PREPARE_THRESHOLD": "0"})
    with pytest.raises(ValueError, match="DATABASE_PREPARE_THRESHOLD must be a whole number"):
        postgres_tuned(dict(postgres), {"DATABASE_PREPARE_THRESHOLD": "yes"})
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}
    assert postgres_tuned(dict(sqlite), {}) == sqlite


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_query_run_again_and_again_is_prepared_once_on_postgres():
    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%events_incident%"])
            return cursor.fetchone()[0]

    before = prepared()
    for slug in ["a", "b", "c", "d", "e", "f"]:  # the same SQL with another value each time
        assert not Incident.objects.filter(slug=slug).exists()
    assert prepared() == before + 1


def test_the_cache_comes_from_the_environment(tmp_path):
    env = prod_env(
        tmp_path,
        DJANGO_CACHE_BACKEND="django.core.cache.backends.filebased.FileBasedCache",
        DJANGO_CACHE_LOCATION=str(tmp_path / "cache"),
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default'])"
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    assert "FileBasedCache" in result.stdout and str(tmp_path / "cache") in result.stdout


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_gunicorn_serves_the_site_with_production_settings(prod_site):
    """What `make serve` runs, on a free loopback port, stopped by its process id."""
    tmp_path, env = prod_site
    port = loadtest.free_port()
    env = {**env, "DJANGO_SECURE_SSL_REDIRECT": "0"}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "kerman_site.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--no-control-socket",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.05)
        assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})
        status, headers, body = get(f"{base}/")
        assert status == 200
        assert headers["Server"] == "gunicorn"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert get(f"{base}/no-such-page/")[0] == 404
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# The load test script (run by `make loadtest`, not here) -------------------------------------------------

WRK_OUTPUT = """\
Running 15s test @ http://127.0.0.1:8765/
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   207.10ms   80.51ms 900.00ms   80.00%
    Req/Sec    25.00     10.00    50.00     70.00%
  Latency Distribution
     50%  187.90ms
     75%  230.00ms
     90%  283.90ms
     99%    1.20s
  733 requests in 15.06s, 6.20MB read
Requests/sec:     48.67
Transfer/sec:    421.00KB
"""
WRK_FAILURES = WRK_OUTPUT.replace(
    "Requests/sec:",
    "  Socket errors: connect 1, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 7\nRequests/sec:",
)


def test_the_load_test_reads_wrk_figures():
    figures = loadtest.parse_wrk(WRK_OUTPUT)
    assert figures == {
        "requests": 733,
        "requests_per_s": 48.67,
        "latency_avg_ms": pytest.approx(207.1),
        "p50_ms": pytest.approx(187.9),
        "p90_ms": pytest.approx(283.9),
        "p99_ms": pytest.approx(1200.0),
        "non_2xx": 0,
        "socket_errors": 0,
    }


def test_the_load_test_counts_failures():
    figures = loadtest.parse_wrk(WRK_FAILURES)
    assert (figures["non_2xx"], figures["socket_errors"]) == (7, 6)


def test_the_load_test_rewrites_only_its_own_section(tmp_path):
    report = tmp_path / "benchmarks.md"
    report.write_text("# Benchmarks\n\n<!-- other:start -->\nOther figures.\n<!-- other:end -->\n")
    results = [("Home", "/", loadtest.parse_wrk(WRK_OUTPUT))]
    loadtest.write_section(report, loadtest.render_section(results, "today", "2 cores", 5))
    loadtest.write_section(report, loadtest.render_section(results, "tomorrow", "2 cores", 5))
    text = report.read_text()
    assert text.count(loadtest.SECTION_START) == 1
    assert "Last run: tomorrow" in text and "Last run: today" not in text
    assert "Other figures." in text
    assert "| Home | `/` | 733 | 48.7 |" in text


def test_the_load_test_pages_exist():
    for _, path in loadtest.pages():
        resolve(path.split("?")[0])


def test_the_committed_load_test_had_no_errors():
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert loadtest.SECTION_START in text
    assert " 0 non-2xx answers or socket errors." in text
