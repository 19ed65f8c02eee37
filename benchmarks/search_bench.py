"""Search at archive scale, in process: each search surface against the trivial view, for a rare and a
common word, on one database (SQLite or PostgreSQL).

    .venv/bin/python -m benchmarks.search_bench [--size 20000] [--database URL] [--repeat 7]

Without --database it uses benchmarks/.data/search-<size>.sqlite3, built here if missing (migrate, the real
fixtures, generate_archive). A PostgreSQL database (postgres://...) must have been built the same way:
    DATABASE_URL=postgres://... manage.py migrate && manage.py load_archive && manage.py generate_archive ...
Page and count caches are off, so every request runs its search and counts its matches. Each address is
requested once to warm up, then `--repeat` times; the report gives the median wall time and its ratio to the
trivial view (routing, middleware, a response: no database) measured in the same run.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"

# Rare: one reaction and one person in the seed. Common: in every synthetic record (the example).
WORDS = {"rare": "erdogan", "common": "synthetic", "two words": "synthetic incident"}


def surfaces(admin_url):
    yield "trivial view", "/bench/trivial/", False
    # The same pages without a search: what the page costs before its search box adds anything.
    yield "incident list, no search", "/incidents/", False
    yield "reaction list, no search", "/reactions/", False
    yield "admin incident list, no search", f"{admin_url}events/incident/", True
    yield "admin reaction list, no search", f"{admin_url}events/reaction/", True
    for label, word in WORDS.items():
        yield f"site search, {label}", f"/search/?q={word.replace(' ', '+')}", False
        yield f"incident list q, {label}", f"/incidents/?q={word.replace(' ', '+')}", False
        yield f"reaction list q, {label}", f"/reactions/?q={word.replace(' ', '+')}", False
        yield f"admin incident search, {label}", f"{admin_url}events/incident/?q={word.replace(' ', '+')}", True
        yield f"admin reaction search, {label}", f"{admin_url}events/reaction/?q={word.replace(' ', '+')}", True


def environment(database_url):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_PAGE_CACHE="0",
        DJANGO_COUNT_CACHE="0",
        DATABASE_URL=database_url,
    )
    return env


def build(size, env):
    started = time.monotonic()
    for args in (["migrate", "--noinput", "-v0"], ["load_archive"], ["generate_archive", "--incidents", str(size)]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    print(f"built in {time.monotonic() - started:.0f} s", flush=True)


def measure(repeat, only=None):
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings

    from events.models import Incident, Reaction

    user, _ = get_user_model().objects.get_or_create(username="search-bench", defaults={"is_superuser": True})
    if not user.is_superuser or not user.is_staff:
        user.is_superuser = user.is_staff = True
        user.save()
    # Static file names as written, not from collectstatic's manifest: no build step for a benchmark.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    client = Client()
    client.force_login(user)
    # One anonymous client, its cookies dropped before each request: a new Client builds a new handler, whose
    # middleware is made anew (WhiteNoise reads every collected static file: 30 ms a request, not the page's).
    anonymous = Client()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {Incident.objects.count():,} incidents, {Reaction.objects.count():,} reactions",
        flush=True,
    )
    results = []
    # The database's share of each request (the time its queries took, as Django's debug cursor records it):
    # what the index decides, and steadier than wall time on a busy machine.
    connection.force_debug_cursor = True
    for label, path, admin in surfaces(f"/{settings.ADMIN_URL}"):
        if only and not any(part in label for part in only.split(",")) and label != "trivial view":
            continue
        timings, sql = [], []
        for attempt in range(repeat + 1):
            connection.queries_log.clear()
            started = time.perf_counter()
            anonymous.cookies.clear()
            response = (client if admin else anonymous).get(path)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            if attempt:  # the first request warms up
                timings.append(elapsed)
                sql.append(sum(float(query["time"]) for query in connection.queries))
        results.append((label, path, statistics.median(timings) * 1000, statistics.median(sql) * 1000))
    return results


# The goals: every search surface within 20× the trivial view; the admin's search within 100 ms.
GOAL_RATIO = 20
GOAL_ADMIN_MS = 100


def unsearched(label):
    """The label of the same page without a search ("incident list q, rare" → "incident list, no search")."""
    page = label.split(",")[0].replace(" q", "").replace(" search", " list")
    return f"{page}, no search"


def report(results):
    """The table: median ms, × the trivial view, what the search adds to its page without one, and the goal."""
    trivial = results[0][2]
    by_label = {label: ms for label, _path, ms, _sql in results}
    print(f"{'surface':<36} {'median ms':>10} {'SQL ms':>8} {'× trivial':>10} {'search adds':>12}  goal")
    for label, _path, ms, sql_ms in results:
        base = by_label.get(unsearched(label)) if "no search" not in label and label != "trivial view" else None
        adds = f"{ms - base:>10.1f}ms" if base is not None else f"{'':>12}"
        goal = ""
        if base is not None and label.startswith("admin"):
            goal = f"≤ {GOAL_ADMIN_MS} ms: {'met' if ms <= GOAL_ADMIN_MS else 'missed'}"
        elif base is not None or label.startswith("site search"):
            goal = f"≤ {GOAL_RATIO}×: {'met' if ms / trivial <= GOAL_RATIO else 'missed'}"
        print(f"{label:<36} {ms:>10.1f} {sql_ms:>8.1f} {ms / trivial:>10.0f} {adds}  {goal}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000, help="incidents in the SQLite database built here")
    parser.add_argument("--database", help="a database URL (default: the SQLite one under benchmarks/.data)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--only",
        help="measure only the surfaces whose label holds one of these comma-separated texts (and the trivial view)",
    )
    options = parser.parse_args()
    database = DATA / f"search-{options.size}.sqlite3"
    env = environment(options.database or f"sqlite:///{database}")
    if not options.database and not database.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        build(options.size, env)
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    report(measure(options.repeat, options.only))


if __name__ == "__main__":
    main()
