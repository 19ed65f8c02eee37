"""`make bench`: every page type measured on archives of 1,000 and 100,000 incidents, side by side.

For each size: build the database once (migrate, the real fixtures, generate_archive), serve it with
gunicorn under the production settings (DEBUG off, 2 workers), load each page with wrk, and read the
workers' CPU time from /proc. Requests per second swing with whatever else the machine does, so the report
gives the ratio of each page to a trivial view measured in the same run, and CPU per request beside it.

Each size is served twice: "cold", with the whole-page cache off (DJANGO_PAGE_CACHE=0: every request runs
the view, its queries and its templates; list counts and facet counts stay cached per filter state until an
edit, as in production), and "warm", with the page cache on (repeat views of an unchanged archive). Before
each page of the cold run is measured, both workers draw it once, the content version is bumped as a bulk
write does, and one request is timed: the first view after every cache emptied. After the page's wrk run (its
counts cached again) an editor saves the incident the incident page shows, as the newsroom's editor does (its
summary, then its preferred killed figure, benchmarks/newsroom.py), and the first request after each save is
timed: the first view after an editor's edit, the slower of the two, in three rounds (their median), beside its
control, the first request after a probe that starts the same way and saves nothing. The goals
of issues 5 and 14 are checked from these numbers.

The read API (issue 16) is measured on its own server: the first and the last page of the incident list in two
orders, the last found by following `next` to the end once (`--api-only` measures just that).

`--database postgres` (`make bench-postgres`) does the same on PostgreSQL: it builds kerman_bench_1k and
kerman_bench_100k beside the database DATABASE_URL names (once; reused when they hold the archive), writes
its own section of docs/benchmarks.md, and measures the SQLite archives' pages beside them, page by page, for
a "PostgreSQL vs SQLite" table (`--no-compare` skips that). CPU per request on PostgreSQL counts the database
server's backends for the benchmark database as well as gunicorn's workers, so it compares with SQLite's,
where the queries run inside the workers.
"""

import argparse
import functools
import json
import math
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
REPORT = ROOT / "docs" / "benchmarks.md"
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SECTION_START = "<!-- archive-scale:start -->"
SECTION_END = "<!-- archive-scale:end -->"
API_START = "<!-- api-paging:start -->"
API_END = "<!-- api-paging:end -->"
# Each database's section of docs/benchmarks.md, between its own markers.
FLAVOURS = {
    "sqlite": {
        "engine": "SQLite",
        "title": "## Archive scale (`make bench`)",
        "start": SECTION_START,
        "end": SECTION_END,
        "api_start": API_START,
        "api_end": API_END,
    },
    "postgres": {
        "engine": "PostgreSQL",
        "title": "## Archive scale on PostgreSQL (`make bench-postgres`)",
        "start": "<!-- archive-scale-postgres:start -->",
        "end": "<!-- archive-scale-postgres:end -->",
        "api_start": "<!-- api-paging-postgres:start -->",
        "api_end": "<!-- api-paging-postgres:end -->",
    },
}
POSTGRES_NEEDS = (
    "It needs a running PostgreSQL server and DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DATABASE naming a "
    "role that may create databases (the bench makes its own, kerman_bench_1k and kerman_bench_100k, on that "
    "server). For example: DATABASE_URL=postgres://kerman:kerman@127.0.0.1:5432/kerman make bench-postgres. "
    "On Debian the server starts with: pg_ctlcluster 15 main start."
)


def pages(size):
    """(label, path, admin?) for every page type; the deep page is 60% of the way through the list."""
    deep = max(2, int(size / 20 * 0.6))
    n = size // 2
    return [
        ("trivial view", "/bench/trivial/", False),
        ("static file", "/static/events/site.css", False),
        ("home", "/", False),
        ("incident list", "/incidents/", False),
        ("incident list, filtered", "/incidents/?kind=bombing&min_killed=5&date_after=1990-01-01", False),
        (f"incident list, page {deep}", f"/incidents/?page={deep}", False),
        ("incident list, by most killed", "/incidents/?ordering=most-killed", False),
        ("people list", "/people/", False),
        ("organization list", "/organizations/", False),
        ("reaction list", "/reactions/", False),
        ("reaction list, filtered", "/reactions/?stance=condemnation&category=country", False),
        ("place list", "/places/", False),
        ("search", f"/search/?q=synthetic+incident+{n}", False),
        # Issue 14's searches: a word in every synthetic record, and one in a single reaction of the seed.
        ("search, a common word", "/search/?q=synthetic", False),
        ("search, a rare word", "/search/?q=erdogan", False),
        ("incident list, searched for a common word", "/incidents/?q=synthetic", False),
        ("reaction list, searched for a common word", "/reactions/?q=synthetic", False),
        ("timeline", "/timeline/", False),
        ("incident page", f"/incidents/synthetic-incident-{n}/", False),
        ("Kerman incident page", "/incidents/2024-kerman-bombings/", False),
        ("person page", f"/people/synthetic-person-{size // 10}/", False),
        ("organization page", f"/organizations/synthetic-organization-{size // 40}/", False),
        ("reaction page", f"/reactions/synthetic-reaction-{n}/", False),
        ("place page", "/places/synthetic-city-1/", False),
        ("admin incident changelist, searched", "/admin/events/incident/?q=incident+4242", True),
        ("admin reaction changelist, searched for a common word", "/admin/events/reaction/?q=synthetic", True),
    ]


def environment(database_url, page_cache=True):
    env = dict(os.environ)
    env.update(
        DJANGO_PAGE_CACHE="1" if page_cache else "0",
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=str(database_url),
    )
    return env


def size_name(size):
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def postgres_server(url=None):
    """The DATABASE_URL of a PostgreSQL server that answers, or SystemExit saying plainly what is missing."""
    url = os.environ.get("DATABASE_URL", "") if url is None else url
    if not url.startswith(("postgres://", "postgresql://")):
        found = "DATABASE_URL is not set" if not url else f"DATABASE_URL ({url.split(':', 1)[0]}:…) is not PostgreSQL"
        raise SystemExit(f"{found}. {POSTGRES_NEEDS}")
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        where, reason = urlsplit(url), (str(error).strip().splitlines() or ["no reason given"])[0]
        raise SystemExit(
            f"No PostgreSQL answered at {where.hostname}:{where.port or 5432} ({reason}). {POSTGRES_NEEDS}"
        ) from None
    return url


def database_url(database, size, server=None):
    """Where the archive of `size` incidents lives: a file under benchmarks/.data/, or a database of its own on
    the PostgreSQL `server` (kerman_bench_1k, kerman_bench_100k)."""
    if database == "sqlite":
        return f"sqlite:///{DATA / f'archive-{size}.sqlite3'}"
    parts = urlsplit(server)
    return parts._replace(path=f"/kerman_bench_{size_name(size)}").geturl()


def database_name(url):
    return urlsplit(url).path.lstrip("/")


def manage(env, *args, log=None):
    if log is None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)
        return
    with open(log, "a") as out:
        done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed; its output is in {log}")


def build(size, rebuild, database="sqlite", server=None):
    """The benchmark archive of `size` incidents, built once: migrate, the real fixtures, generate_archive."""
    url = database_url(database, size, server)
    env = environment(url)
    if database == "sqlite":
        path = DATA / f"archive-{size}.sqlite3"
        if rebuild:
            path.unlink(missing_ok=True)
        fresh = not path.exists()
    else:
        fresh = ensure_postgres_database(server, database_name(url), rebuild)
    DATA.mkdir(parents=True, exist_ok=True)
    log = DATA / f"build-{database}-{size_name(size)}.log"
    manage(env, "migrate", "--noinput", "-v0", log=log)  # also a database built before the latest migrations
    if fresh or int(probe(env, "built")) != size:
        started = time.monotonic()
        manage(env, "load_archive", log=log)
        manage(env, "generate_archive", "--incidents", str(size), "--clear", log=log)
        print(
            f"built {database_name(url) if database != 'sqlite' else Path(url).name} with {size:,} incidents "
            f"in {time.monotonic() - started:.0f} s",
            flush=True,
        )
    subprocess.run([PYTHON, "-m", "benchmarks.probe", "analyze"], cwd=ROOT, env=env, check=True)
    return env


def ensure_postgres_database(server, name, rebuild):
    """Create the benchmark's own database `name` if missing (dropped first on --rebuild); True if created."""
    import psycopg
    from psycopg import sql

    assert name.startswith("kerman_bench_"), name  # never anyone else's database
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return not exists


def server_version(url):
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0].split()[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env, port):
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "kerman_site.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # A slow page must be measured, not killed (gunicorn's default is 30 s).
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def workers(server):
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:
            pids.append(int(stat.parent.name))
    return pids


def database_backends(env):
    """The PostgreSQL server's processes serving the benchmark database (none on SQLite): their CPU time is the
    queries', which SQLite spends inside the workers."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return []
    marker = f" {database_name(url)} ".encode()
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and marker in title:
            pids.append(int(cmdline.parent.name))
    return pids


def serving_pids(server, env):
    """Every process whose CPU time a request costs: gunicorn's workers and, on PostgreSQL, the database's."""
    return workers(server) + database_backends(env)


def cpu_times(pids):
    """{pid: user + system CPU seconds so far} of those processes still alive."""
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a worker that died (and was replaced) since
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return times


def cpu_seconds(pids):
    return sum(cpu_times(pids).values())


def cpu_spent(before, pids):
    """CPU seconds the processes `pids` (listed again now) spent since `before`: a database connection opened
    meanwhile counts from its start; one closed meanwhile (CONN_MAX_AGE) is lost, never subtracted."""
    return sum(max(0.0, now - before.get(pid, 0.0)) for pid, now in cpu_times(pids).items())


def peak_memory_mb(pids):
    peaks = [0.0]
    for pid in pids:
        try:
            match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        peaks.append(int(match.group(1)) / 1024)
    return max(peaks)


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def load(url, seconds, cookie=None, headers=(), script=None):
    command = ["wrk", "-t1", "-c2", f"-d{seconds}s", "--timeout", "120s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    for header in headers:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        # A page slower than the whole run completes no request and has no latency to report.
        "p50": to_ms(latency["50"]) if "50" in latency else float("nan"),
        "p99": to_ms(latency["99"]) if "99" in latency else float("nan"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def load_with_cpu(url, seconds, serving, **options):
    """wrk's figures for `url`, with the CPU per request of the processes `serving()` names."""
    before = cpu_times(serving())
    figures = load(url, seconds, **options)
    figures["cpu_ms"] = cpu_spent(before, serving()) * 1000 / max(1, figures["requests"])
    return figures


def probe(env, *args):
    return subprocess.run(
        [PYTHON, "-m", "benchmarks.probe", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def first_request(url):
    """Milliseconds for one request (timed right after a write)."""
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
    return (time.monotonic() - started) * 1000


def edited_incident(size):
    """The incident the editor saves: the one the incident page shows."""
    return f"synthetic-incident-{size // 2}"


# Rounds of the editor's two saves per page: one request after a save is a sample of one, and on this machine a
# page's p99 is up to twice its p50 (the place list's first view was 2.4x its cold cost in one run, 1.1-1.5x
# in six rounds measured in process right after).
EDIT_ROUNDS = 3


def after_editors_saves(env, url, slug, rounds=EDIT_ROUNDS):
    """{"edit_ms": the median over `rounds` of the slower of the first views of `url` after an editor saves incident
    `slug`'s summary, and after they save its preferred killed figure, "quiet_ms": the median of the first views
    after a probe that saves nothing}, each with the page's counts cached before (a cached count that the save did
    not change stays cached). Each summary save writes a text no earlier run wrote (a save that changes nothing
    moves fewer tags). The quiet probe is the control: the same process started, the same pause, the same lone
    request, with no write; one request after any pause costs more than wrk's back-to-back p50 (in process, the
    reaction page 3.3 ms back to back, 5.5 after a probe that saves nothing, 7.1 after sleeping 0.3 s)."""
    base = 2 * (int(time.time()) % 1_000_000)
    slowest, quiet = [], []
    for number in range(base, base + 2 * rounds, 2):
        warm_up(url)
        probe(env, "quiet")
        quiet.append(first_request(url))
        spent = []
        for save in (number, number + 1):  # even: the summary; odd: the figure (benchmarks/newsroom.py)
            warm_up(url)
            probe(env, "edit", slug, str(save))
            spent.append(first_request(url))
        slowest.append(max(spent))
    return {"edit_ms": statistics.median(slowest), "quiet_ms": statistics.median(quiet)}


def etag_of(url):
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
        return response.headers.get("ETag")


def measure(size, envs, seconds, cold):
    """Every page under wrk, on each database of `envs` ({name: environment}); in the cold run also each page's
    first request after an edit. With two databases both servers run side by side and each page is measured on
    one right after the other (which goes first alternates), so the machine's load moves both figures alike:
    run one after the other, a busier half made one database look slower. {name: [(label, path, figures)]}"""
    servers = {}
    try:
        for name, env in envs.items():
            port = free_port()
            servers[name] = (port, serve(env, port), probe(env, "session").strip())
        results = {name: [] for name in envs}
        for index, (label, path, admin) in enumerate(pages(size)):
            order = list(envs) if index % 2 == 0 else list(reversed(envs))
            for name in order:
                port, server, cookie = servers[name]
                figures = measure_page(size, envs[name], server, port, path, cookie if admin else None, seconds, cold)
                results[name].append((label, path, figures))
                print(
                    f"{name:<8} {size:>7,} {'cold' if cold else 'warm'} {label:<40} {figures['p50']:8.2f} ms p50 "
                    f"{figures['cpu_ms']:7.2f} ms CPU {figures['rps']:8.0f}/s",
                    flush=True,
                )
        if not cold:
            # A browser's repeat view: the ETag it was given, sent back; the answer is 304 with no body.
            path = "/incidents/"
            for name, (port, server, _cookie) in servers.items():
                url = f"http://127.0.0.1:{port}{path}"
                serving = functools.partial(serving_pids, server, envs[name])
                figures = load_with_cpu(url, seconds, serving, headers=[f"If-None-Match: {etag_of(url)}"])
                figures["first_ms"] = None
                results[name].append(("incident list, repeat view (If-None-Match: 304)", path, figures))
        return results
    finally:
        for _port, server, _cookie in servers.values():
            server.terminate()
            server.wait(timeout=30)


def measure_page(size, env, server, port, path, cookie, seconds, cold):
    """One page's figures under wrk; `cookie` is an editor's session for an admin page, else None."""
    url = f"http://127.0.0.1:{port}{path}"
    first = None
    # Both workers draw the page before the bump: a worker's first view of a page type (its templates compiled,
    # its widgets and URLs remembered) is the cost of a new process, not of a bulk write, and landed in the
    # figure whenever the timed request went to the worker that had not drawn the page yet (the home page:
    # 355 ms, then 14 ms after every later bump).
    warm_up(url, cookie)
    if cold and cookie is None and path.startswith("/") and not path.startswith(("/bench/", "/static/")):
        probe(env, "bump")
        first = first_request(url)
    figures = load_with_cpu(url, seconds, functools.partial(serving_pids, server, env), cookie=cookie)
    figures["first_ms"] = first
    if first is not None:
        figures.update(after_editors_saves(env, url, edited_incident(size)))
    return figures


def warm_up(url, cookie=None, rounds=3):
    """A few pairs of concurrent requests, so that each of the two workers has served the page once (each
    keeps its own page cache and its first view pays for the counts) before wrk measures."""
    headers = {"Cookie": cookie} if cookie else {}

    def fetch(_):
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=600) as response:
            response.read()

    with ThreadPoolExecutor(2) as pool:
        for _ in range(rounds):
            list(pool.map(fetch, range(2)))


def measure_export(env):
    """The full incident CSV from a freshly started server, so the workers' peak memory is the export's own."""
    port = free_port()
    server = serve(env, port)
    try:
        return export(port, server)
    finally:
        server.terminate()
        server.wait(timeout=30)


# The read API's cursor paging (issue 16): the first and the last page of the incident list, in the default
# order and in one by a column that may be empty. The API remembers each answer until the next edit (under
# its address), so wrk's requests each carry a new throwaway parameter (NEW_ADDRESS): every request reads
# its page from the database, while the count stays cached per filter state, as in production.
API_LISTS = [
    ("incidents, default order", "/api/v1/incidents/"),
    ("incidents, most killed", "/api/v1/incidents/?ordering=most-killed"),
]
NEW_ADDRESS = Path(__file__).with_name("new_address.lua")


def get_json(url):
    with urllib.request.urlopen(url, timeout=600) as response:
        return json.load(response)


def path_of(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def last_page(base, path):
    """Follow `next` from the first page to the end, once. Returns (the last full page's path, pages walked,
    rows on the final page): the final page, unless the count leaves it short of a full page (100,011
    incidents leave 11) and so cheaper to answer; then the page before it, which ends 1 to 49 records from
    the end."""
    url, previous, pages = base + path, None, 1
    body = get_json(url)
    size = len(body["results"])
    while body["next"]:
        previous, url = url, body["next"]
        body = get_json(url)
        pages += 1
    final_rows = len(body["results"])
    return path_of(previous if final_rows < size and previous else url), pages, final_rows


def measure_api(env, seconds, base=None, serving=None, lists=API_LISTS):
    """[(list label, {"first": figures, "last": figures, "last_path", "pages", "final_rows"})] for `lists`,
    with the trivial view's figures under "trivial view". Serves `env` with gunicorn unless given the `base`
    address of a running server and `serving()`, the processes whose CPU time it counts (tests/test_bench.py)."""
    server = None
    if base is None:
        port = free_port()
        server = serve({**env, "DJANGO_PAGE_CACHE": "0", "DJANGO_API_RATE": "1000000000/second"}, port)
        base = f"http://127.0.0.1:{port}"
        serving = functools.partial(serving_pids, server, env)
    try:

        def timed(path, script=None):
            warm_up(base + path)
            return load_with_cpu(base + path, seconds, serving, script=script)

        results = [("trivial view", {"first": timed("/bench/trivial/")})]
        for label, path in lists:
            last, pages, final_rows = last_page(base, path)
            row = {"first_path": path, "last_path": last, "pages": pages, "final_rows": final_rows}
            row["first"] = timed(path, NEW_ADDRESS)
            row["last"] = timed(last, NEW_ADDRESS)
            results.append((label, row))
            print(
                f"API {label:<28} {pages:,} pages; first {row['first']['p50']:.2f} ms p50 "
                f"{row['first']['cpu_ms']:.2f} ms CPU; last {row['last']['p50']:.2f} ms p50 "
                f"{row['last']['cpu_ms']:.2f} ms CPU; last/first {row['last']['p50'] / row['first']['p50']:.2f}× p50 "
                f"{row['last']['cpu_ms'] / max(row['first']['cpu_ms'], 1e-9):.2f}× CPU",
                flush=True,
            )
        return results
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)


def count_queries(size, env):
    """{path: [status, queries]} with every cache off: the most queries a page makes."""
    env = {**env, "DJANGO_PAGE_CACHE": "0", "DJANGO_COUNT_CACHE": "0"}
    return json.loads(probe(env, "queries", *[p for _, p, _ in pages(size)]))


def anonymous_mb(pids):
    """The workers' largest anonymous resident memory now (heap; not the memory-mapped database file)."""
    found = [0.0]
    for pid in pids:
        try:
            match = re.search(r"RssAnon:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        found.append(int(match.group(1)) / 1024)
    return max(found)


def export(port, server):
    """Download the full incident CSV once; report time, rows and the workers' peak memory.

    Two peaks: VmHWM (every resident page, including the SQLite file's pages mapped by `mmap_size`, which
    are the kernel's page cache, shared and reclaimable) and the anonymous memory (the Python heap, what
    the export itself holds), sampled every 50 ms during the download."""
    pids = workers(server)
    started = time.monotonic()
    rows, peak_anon, last = 0, anonymous_mb(pids), 0.0
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/incidents.csv", timeout=600) as response:
        status = response.status
        for _ in response:
            rows += 1
            now = time.monotonic()
            if now - last > 0.05:
                peak_anon, last = max(peak_anon, anonymous_mb(pids)), now
    return {
        "status": status,
        "seconds": time.monotonic() - started,
        "rows": rows - 1,
        "peak_mb": peak_memory_mb(pids),
        "peak_anon_mb": max(peak_anon, anonymous_mb(pids)),
    }


PUBLIC = "public"


def kind_of(label, path):
    if path.startswith(("/bench/", "/static/")):
        return "floor"
    if "/admin/" in path:
        return "admin"
    if path.endswith(".csv"):
        return "export"
    return PUBLIC


def rows_by_label(results):
    return {label: (path, f) for label, path, f in results}


def check_goals(measured):
    """[(goal, met?, evidence)] for issue 5's goals, computed from the largest and the smallest size."""
    sizes = sorted(measured)
    large, small = measured[sizes[-1]], measured[sizes[0]]
    cold, warm = rows_by_label(large["cold"]), rows_by_label(large["warm"])
    public = [label for label, (path, f) in cold.items() if kind_of(label, path) == PUBLIC]
    goals = []

    def over(table, limit, key):
        trivial = table["trivial view"][1][key]
        return [
            f"{label} {table[label][1][key] / trivial:.1f}×"
            for label in public
            if label in table and not table[label][1][key] <= limit * trivial
        ]

    for table, name, limit in ((cold, "cold (page cache off)", 10), (warm, "warm (page cache on)", 2)):
        for key, what in (("p50", "p50"), ("cpu_ms", "CPU/request")):
            missed = over(table, limit, key)
            goals.append(
                (
                    f"{sizes[-1]:,} incidents, {name}: every public page's {what} ≤ {limit}× the trivial view's",
                    not missed,
                    "missed by " + ", ".join(missed) if missed else "all pages within",
                )
            )
    admin = next((f for label, (path, f) in cold.items() if kind_of(label, path) == "admin"), None)
    if admin:
        # A page that completed no request in the run (p50 NaN) counts as slower, never as within; an admin
        # search that completed none took longer than the whole run, so anything that finished beats it.
        admin_p50 = admin["p50"] if admin["p50"] == admin["p50"] else math.inf
        slow = [
            f"{label} ({cold[label][1]['p50']:.1f} ms)"
            for label in public
            if not cold[label][1]["p50"] * 10 <= admin_p50
        ]
        shown = f"{admin_p50:.1f} ms" if admin_p50 != math.inf else "no request finished within the run"
        goals.append(
            (
                f"Every public page (cold) ≥ 10× faster than the admin changelist search ({shown})",
                not slow,
                "slower than a tenth of it: " + ", ".join(slow) if slow else "all pages",
            )
        )
    if len(sizes) > 1:
        small_cold = rows_by_label(small["cold"])
        grown = []
        for label in public:
            base = small_cold.get(label) or next(
                (v for k, v in small_cold.items() if k.startswith("incident list, page") and label.startswith(k[:19])),
                None,
            )
            if base and not cold[label][1]["p50"] <= 2 * base[1]["p50"]:
                grown.append(f"{label} {cold[label][1]['p50'] / base[1]['p50']:.1f}×")
        goals.append(
            (
                f"p50 at {sizes[-1]:,} incidents ≤ 2× the p50 at {sizes[0]:,} (cold)",
                not grown,
                "grew more: " + ", ".join(grown) if grown else "every page",
            )
        )
    deep = next((f for label, (path, f) in cold.items() if label.startswith("incident list, page")), None)
    first = cold["incident list"][1]
    if deep:
        ratio = deep["p50"] / first["p50"]
        goals.append(
            (
                "The deep incident page's p50 ≤ 1.5× page 1's (cold)",
                ratio <= 1.5,
                f"{deep['p50']:.2f} ms vs {first['p50']:.2f} ms ({ratio:.2f}×)",
            )
        )
    goals += first_view_goals(measured)
    goals += search_goals(measured)
    goals += check_api_goal(measured)
    # Compared by page type, not address: the detail pages and the search name a different record at each size.
    counts = {
        size: {
            label: measured[size]["queries"].get(path, [0, -1])[1]
            for label, (path, f) in rows_by_label(measured[size]["cold"]).items()
        }
        for size in sizes
    }
    labels = [label for label in public if not label.startswith("incident list, page")]
    varying = [label for label in labels if len({counts[size].get(label, -1) for size in sizes}) > 1]
    too_many = [f"{label} ({counts[sizes[-1]][label]})" for label in public if counts[sizes[-1]][label] > 10]
    goals.append(
        (
            "Queries per public page the same at every size, and at most 10 (caches off)",
            not varying and not too_many,
            "; ".join(
                filter(
                    None,
                    [
                        "varies: " + ", ".join(varying) if varying else "",
                        "over 10: " + ", ".join(too_many) if too_many else "",
                    ],
                )
            )
            or "all pages",
        )
    )
    export = next((f for label, (path, f) in cold.items() if kind_of(label, path) == "export"), None)
    if export:
        goals.append(
            (
                f"CSV export of {export['rows']:,} incidents streams with peak worker memory < 150 MB",
                export["status"] == 200 and export.get("peak_anon_mb", export["peak_mb"]) < 150,
                f"heap (anonymous) peak {export.get('peak_anon_mb', float('nan')):.0f} MB; all resident pages "
                f"incl. the memory-mapped database {export['peak_mb']:.0f} MB; {export['seconds']:.1f} s",
            )
        )
    return goals


# The two first views each cold page gets: (figure key, what happened before it).
FIRST_VIEWS = (("edit_ms", "an editor's save"), ("first_ms", "every cache is emptied"))


def first_view_goals(measured):
    """[(goal, met?, evidence)]: issue 14's "first view after an edit costs about what a cached-count view costs"
    (≤ 2× the page's cold p50) at the largest size, and "grows at most 2× from the smallest size", for the first
    view after an editor's save and after every cache is emptied (a bulk write)."""
    sizes = sorted(measured)
    cold = rows_by_label(measured[sizes[-1]]["cold"])

    def same_page(label):  # the deep page is a different page number at each size
        return "incident list, page" if label.startswith("incident list, page") else label

    goals = []
    for key, after in FIRST_VIEWS:
        firsts = {
            label: (f[key], f["p50"])
            for label, (path, f) in cold.items()
            if kind_of(label, path) == PUBLIC and f.get(key) is not None
        }
        if not firsts:
            continue
        quiet = {label: f.get("quiet_ms") for label, (path, f) in cold.items() if f.get("quiet_ms") is not None}
        if key == "edit_ms" and quiet.keys() >= firsts.keys():
            # The lone request after a probe that saves nothing is the same page's cached-count cost measured as
            # the first view is: what is left over is what the save costs.
            slow = [
                f"{label} {first / quiet[label]:.1f}×"
                for label, (first, _) in firsts.items()
                if not first <= 2 * quiet[label]
            ]
            goals.append(
                (
                    f"{sizes[-1]:,} incidents: every public page's first view after {after} ≤ 2× its cached-count "
                    "cost (its first view after a probe that saves nothing)",
                    not slow,
                    "missed by " + ", ".join(slow) if slow else "all pages within",
                )
            )
        slow = [f"{label} {first / p50:.1f}×" for label, (first, p50) in firsts.items() if not first <= 2 * p50]
        goals.append(
            (
                f"{sizes[-1]:,} incidents: every public page's first view after {after} ≤ 2× its cold p50"
                + (" (a lone request against wrk's back-to-back median)" if key == "edit_ms" else ""),
                not slow,
                "missed by " + ", ".join(slow) if slow else "all pages within",
            )
        )
        if len(sizes) > 1:
            small = {
                same_page(label): f.get(key) for label, (path, f) in rows_by_label(measured[sizes[0]]["cold"]).items()
            }
            grown = []
            for label, (first, _p50) in firsts.items():
                base = small.get(same_page(label))
                if base and not first <= 2 * base:
                    grown.append(f"{label} {first / base:.1f}×")
            goals.append(
                (
                    f"First view after {after} at {sizes[-1]:,} incidents ≤ 2× the same at {sizes[0]:,}",
                    not grown,
                    "grew more: " + ", ".join(grown) if grown else "every page",
                )
            )
    return goals


def search_goals(measured):
    """[(goal, met?, evidence)]: issue 14's searches at the largest size, cold (counts cached, page cache off): the
    site search and the lists' search boxes within 20× of the trivial view (p50), the admin's changelist searches
    within 100 ms."""
    sizes = sorted(measured)
    cold = rows_by_label(measured[sizes[-1]]["cold"])
    trivial = cold["trivial view"][1]["p50"]
    searched = {label: (path, f) for label, (path, f) in cold.items() if "q=" in path}
    public = {label: f["p50"] for label, (path, f) in searched.items() if kind_of(label, path) == PUBLIC}
    admin = {label: f["p50"] for label, (path, f) in searched.items() if kind_of(label, path) == "admin"}
    goals = []
    if public:
        slow = [f"{label} {p50 / trivial:.1f}×" for label, p50 in public.items() if not p50 <= 20 * trivial]
        goals.append(
            (
                f"{sizes[-1]:,} incidents: the site search and the lists' search boxes, cold, ≤ 20× the trivial "
                "view's p50",
                not slow,
                "missed by " + ", ".join(slow)
                if slow
                else ", ".join(f"{k} {v / trivial:.1f}×" for k, v in public.items()),
            )
        )
    if admin:
        slow = [f"{label} {p50:.1f} ms" for label, p50 in admin.items() if not p50 <= 100]
        goals.append(
            (
                f"{sizes[-1]:,} incidents: the admin's changelist searches ≤ 100 ms (cold p50)",
                not slow,
                "missed by " + ", ".join(slow) if slow else ", ".join(f"{k} {v:.1f} ms" for k, v in admin.items()),
            )
        )
    return goals


def compare_goal(measured, reference):
    """[(goal, met?, evidence)]: every public page on PostgreSQL within 2× of the same page on SQLite (cold p50,
    counts cached), at the largest size measured on both."""
    sizes = sorted(set(measured) & set(reference))
    if not sizes:
        return []
    ours, theirs = rows_by_label(measured[sizes[-1]]["cold"]), rows_by_label(reference[sizes[-1]]["cold"])
    slower = [
        f"{label} {f['p50'] / theirs[label][1]['p50']:.1f}×"
        for label, (path, f) in ours.items()
        if kind_of(label, path) == PUBLIC and label in theirs and not f["p50"] <= 2 * theirs[label][1]["p50"]
    ]
    return [
        (
            f"{sizes[-1]:,} incidents: every public page's p50 on PostgreSQL ≤ 2× the same page's on SQLite "
            "(cold: counts cached, page cache off)",
            not slower,
            "slower: " + ", ".join(slower) if slower else "all pages within",
        )
    ]


def compare_table(results, reference):
    """Per page: PostgreSQL's figures over SQLite's, measured in the same run."""
    theirs = {mode: rows_by_label(reference[mode]) for mode in ("cold", "warm")}
    lines = [
        "| page | SQLite p50 ms (cold) | PostgreSQL p50 ms (cold) | **PostgreSQL / SQLite (cold p50)** "
        "| CPU ratio (cold) | first view after an editor's save, SQLite / PostgreSQL ms "
        "| first view after every cache is emptied, SQLite / PostgreSQL ms | warm p50 ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    warm = rows_by_label(results["warm"])
    for label, _path, f in results["cold"]:
        if "p50" not in f or label not in theirs["cold"]:
            continue
        other = theirs["cold"][label][1]
        firsts = ""
        if f.get("first_ms") is not None and other.get("first_ms") is not None:
            firsts = f"{other['first_ms']:.1f} / {f['first_ms']:.1f}"
        edits = ""
        if f.get("edit_ms") is not None and other.get("edit_ms") is not None:
            edits = f"{other['edit_ms']:.1f} / {f['edit_ms']:.1f}"
        warm_ratio = ""
        if label in warm and label in theirs["warm"]:
            warm_ratio = f"{warm[label][1]['p50'] / theirs['warm'][label][1]['p50']:.2f}"
        lines.append(
            f"| {label} | {other['p50']:.2f} | {f['p50']:.2f} | **{f['p50'] / other['p50']:.2f}** | "
            f"{f['cpu_ms'] / max(other['cpu_ms'], 1e-9):.2f} | {edits} | {firsts} | {warm_ratio} |"
        )
    return lines


def check_api_goal(measured):
    """[(goal, met?, evidence)]: issue 16's "the last page takes about as long as the first", at the largest size."""
    sizes = sorted(measured)
    large = measured[sizes[-1]]
    goals = []
    api = [(label, row) for label, row in large.get("api", []) if "last" in row]
    if api:
        slower = [
            f"{label} {row['last'][key] / max(row['first'][key], 1e-9):.2f}× {what}"
            for label, row in api
            for key, what in (("p50", "p50"), ("cpu_ms", "CPU"))
            if not row["last"][key] <= 1.5 * row["first"][key]
        ]
        goals.append(
            (
                f"API cursor paging at {sizes[-1]:,} incidents: the last page's p50 and CPU ≤ 1.5× the first page's",
                not slower,
                "slower: " + ", ".join(slower)
                if slower
                else "; ".join(
                    f"{label} {row['last']['p50'] / row['first']['p50']:.2f}× p50, "
                    f"{row['last']['cpu_ms'] / max(row['first']['cpu_ms'], 1e-9):.2f}× CPU"
                    for label, row in api
                ),
            )
        )
    return goals


def table(results, queries, trivial):
    lines = [
        "| page | status | queries | req/s | p50 ms | p99 ms | × trivial (p50) | CPU/request ms | × trivial (CPU) "
        "| first view after an editor's save, ms | first view after a probe that saves nothing, ms "
        "| first view after every cache is emptied, ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, path, f in results:
        if "rps" not in f:
            continue
        status, count = queries.get(path, ["", ""])
        first = f"{f['first_ms']:.1f}" if f.get("first_ms") is not None else ""
        edit = f"{f['edit_ms']:.1f}" if f.get("edit_ms") is not None else ""
        quiet = f"{f['quiet_ms']:.1f}" if f.get("quiet_ms") is not None else ""
        lines.append(
            f"| {label} (`{path}`) | {status} | {count} | {f['rps']:.0f} | {f['p50']:.2f} | {f['p99']:.2f} | "
            f"{f['p50'] / trivial['p50']:.1f} | {f['cpu_ms']:.2f} | {f['cpu_ms'] / max(trivial['cpu_ms'], 1e-9):.1f} "
            f"| {edit} | {quiet} | {first} |"
        )
    return lines


def api_table(results):
    """The first and last page of each API list, and last over first, beside the trivial view."""
    trivial = dict(results)["trivial view"]["first"]
    lines = [
        "| list | page | pages walked | p50 ms | × trivial (p50) | CPU/request ms | req/s | non-2xx |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, row in results:
        if "last" not in row:
            continue
        for page, path, f in (("first", row["first_path"], row["first"]), ("last", row["last_path"], row["last"])):
            shown = path
            if page == "last":  # the cursor is long and tells a reader nothing
                base, _, query = path.partition("?")
                kept = [pair for pair in parse_qsl(query) if pair[0] != "cursor"]
                shown = f"{base}?{urlencode(kept) + '&' if kept else ''}cursor=…"
            lines.append(
                f"| {label} | {page} (`{shown}`) | {row['pages'] if page == 'last' else ''} | {f['p50']:.2f} "
                f"| {f['p50'] / trivial['p50']:.1f} | {f['cpu_ms']:.2f} | {f['rps']:.0f} | {f['non_2xx']} |"
            )
        lines.append(
            f"| {label} | **last / first** | | **{row['last']['p50'] / row['first']['p50']:.2f}×** | "
            f"| **{row['last']['cpu_ms'] / max(row['first']['cpu_ms'], 1e-9):.2f}×** | | |"
        )
    return [
        *lines,
        "",
        "*last*: the page reached by following `next` from the first to the end, once; if the final page holds "
        "fewer than a full page of records (and so costs less), the page before it. Each wrk request carries a "
        "new throwaway parameter, so the API's remembered answer (kept per address until an edit) is not what is "
        "measured: every request reads its page from the database; the count stays cached, as in production. "
        f"Trivial view in this run: {trivial['p50']:.2f} ms p50, {trivial['cpu_ms']:.2f} ms CPU.",
    ]


def api_section(measured, flavour=FLAVOURS["sqlite"]):
    lines = [flavour["api_start"]]
    for size, runs in measured.items():
        if runs.get("api"):
            lines += [f"### Read API cursor paging, {size:,} incidents", "", *api_table(runs["api"]), ""]
    return [*lines, flavour["api_end"], ""]


def report_api(measured, flavour=FLAVOURS["sqlite"]):
    """Rewrite only the API's tables inside the bench's section (`--api-only`), leaving the pages' as they are."""
    text = REPORT.read_text()
    if flavour["api_start"] in text:
        before, rest = text.split(flavour["api_start"], 1)
        after = rest.split(flavour["api_end"], 1)[1].lstrip("\n")
    elif flavour["end"] in text:
        before, after = text.split(flavour["end"], 1)
        after = flavour["end"] + after
    else:
        raise SystemExit(f"{REPORT.relative_to(ROOT)} has no section for {flavour['engine']}: run the whole bench once")
    REPORT.write_text(before + "\n".join(api_section(measured, flavour)) + after)


def load_note(load_before, load_after=None):
    """How busy the machine was: other work shares it, so only ratios within one run mean much."""
    load_after = os.getloadavg()[0] if load_after is None else load_after
    return (
        f"Load average {load_before:.1f} at the start and {load_after:.1f} at the end: the machine was "
        "shared with other work, so absolute figures move from run to run; the ratios within one run are what count."
    )


def write_section(lines, flavour):
    """Put the section between its markers, in place of the previous one, or at the end; other sections stay."""
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n\n"
    if flavour["start"] in text:
        before, rest = text.split(flavour["start"], 1)
        text = before + "\n".join(lines) + rest.split(flavour["end"], 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    REPORT.write_text(text)


def report(measured, seconds, database="sqlite", reference=None, load_before=0.0, version=""):
    flavour = FLAVOURS[database]
    engine = f"{flavour['engine']} {version}".strip()
    lines = [
        flavour["start"],
        flavour["title"],
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), {engine}, gunicorn with 2 "
        f"workers, production settings (DEBUG off); wrk with 1 thread and 2 connections for {seconds} s per page. "
        f"{load_note(load_before)} "
        "*× trivial* is the page's median latency (or CPU time) over the trivial view's in the same run; "
        "*CPU/request* is the workers' user+system time divided by the requests served. *Cold*: the whole-page "
        "cache off (every request runs the view, its queries and templates; list and facet counts stay cached "
        "per filter state until an edit, as in production). *Warm*: the page cache on. *First view after an "
        "editor's save*: with the page's counts cached, an editor saves the incident the incident page shows "
        "(its summary, then its preferred killed figure, as benchmarks/newsroom.py's editor does) and one request "
        "follows each save; the slower of the two, the median of three rounds. *First view after a probe that "
        "saves nothing*: the control for it, one request after the same process started and the same pause, "
        "with no write (a lone request after any pause costs more than wrk's back-to-back p50). *First view "
        "after every cache "
        "is emptied*: one request right "
        "after every cache tag moved (as after a bulk write or a load). *Queries*: counted "
        "in-process with every cache off (the most a page makes)."
        + (
            " On PostgreSQL, *CPU/request* adds the database server's processes for the benchmark database to "
            "the workers' (on SQLite the queries run inside the workers)."
            if database == "postgres"
            else ""
        ),
        "",
        "### Goals",
        "",
        "| goal | met | evidence |",
        "| --- | --- | --- |",
    ]
    for goal, met, evidence in check_goals(measured) + compare_goal(measured, reference or {}):
        lines.append(f"| {goal} | {'yes' if met else '**no**'} | {evidence} |")
    lines.append("")
    for size, runs in measured.items():
        for mode in ("cold", "warm"):
            results = runs[mode]
            trivial = next(f for label, _, f in results if label == "trivial view")
            lines += [f"### {size:,} incidents, {mode}", "", *table(results, runs["queries"], trivial)]
            for label, path, f in results:
                if "rps" not in f:
                    lines += [
                        "",
                        f"{label} (`{path}`): status {f['status']}, {f['rows']:,} rows in {f['seconds']:.1f} s, "
                        f"workers' peak memory {f.get('peak_anon_mb', float('nan')):.0f} MB of heap, "
                        f"{f['peak_mb']:.0f} MB resident"
                        + (" with the memory-mapped database." if database == "sqlite" else " in all."),
                    ]
            lines.append("")
    lines += api_section(measured, flavour)
    for size in sorted(set(measured) & set(reference or {})):
        lines += [
            f"### PostgreSQL vs SQLite, {size:,} incidents",
            "",
            "Both servers ran side by side and each page was measured on one right after the other (which first "
            "alternating by page), the same way; ratios over 1 mean PostgreSQL is slower.",
            "",
            *compare_table(measured[size], reference[size]),
            "",
        ]
    if len(measured) > 1:
        sizes = sorted(measured)
        small, large = rows_by_label(measured[sizes[0]]["cold"]), measured[sizes[-1]]["cold"]
        lines += [
            f"### Growth from {sizes[0]:,} to {sizes[-1]:,} incidents (cold)",
            "",
            "| page | p50 ratio | CPU ratio |",
            "| --- | --- | --- |",
        ]
        for label, _path, f in large:
            base = small.get(label) or next((v for k, v in small.items() if k.startswith("incident list, page")), None)
            if "p50" in f and base:
                lines.append(
                    f"| {label} | {f['p50'] / base[1]['p50']:.2f} | {f['cpu_ms'] / max(base[1]['cpu_ms'], 1e-9):.2f} |"
                )
        lines.append("")
    lines.append(flavour["end"])
    write_section(lines, flavour)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=sorted(FLAVOURS), default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per page")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases even if present")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--api-only", action="store_true", help="measure only the read API's cursor paging")
    parser.add_argument("--no-api", action="store_true", help="skip the read API's cursor paging (minutes at 100k)")
    parser.add_argument(
        "--no-compare", action="store_true", help="on PostgreSQL, skip measuring SQLite's pages for the comparison"
    )
    args = parser.parse_args()
    command = "make bench-postgres" if args.database == "postgres" else "make bench"
    if shutil.which("wrk") is None:
        raise SystemExit(f"{command} needs wrk, the HTTP load tool: apt-get install wrk")
    server = postgres_server() if args.database == "postgres" else None
    load_before = os.getloadavg()[0]
    collect_static()
    measured, reference = {}, {}
    flavour = FLAVOURS[args.database]
    for size in args.sizes:
        env = build(size, args.rebuild, args.database, server)
        if args.api_only:
            measured[size] = {"api": measure_api(env, args.seconds)}
            continue
        envs = {args.database: env}
        if args.database == "postgres" and not args.no_compare:
            # SQLite's pages in the same run, page by page beside PostgreSQL's: only ratios measured side by side
            # mean much on a shared machine.
            envs["sqlite"] = build(size, False, "sqlite")
        cold = measure(size, {name: {**e, "DJANGO_PAGE_CACHE": "0"} for name, e in envs.items()}, args.seconds, True)
        warm = measure(size, envs, args.seconds, cold=False)
        measured[size] = {"queries": count_queries(size, env), "cold": cold[args.database], "warm": warm[args.database]}
        if "sqlite" in envs and args.database != "sqlite":
            reference[size] = {"cold": cold["sqlite"], "warm": warm["sqlite"]}
        measured[size]["cold"].append(("CSV export of every incident", "/incidents.csv", measure_export(env)))
        if not args.no_api:
            measured[size]["api"] = measure_api(env, args.seconds)
    if args.api_only:
        if not args.no_report:
            report_api(measured, flavour)
            print(f"wrote the API's tables in {REPORT.relative_to(ROOT)}")
        for goal, met, evidence in check_api_goal(measured):
            print(f"{'met   ' if met else 'MISSED'} {goal}: {evidence}")
        return
    # The raw figures, for a second look without measuring again (benchmarks/.data/ is git-ignored).
    (DATA / f"results-{args.database}.json").write_text(json.dumps({"pages": measured, "sqlite": reference}))
    if not args.no_report:
        version = server_version(server) if server else ""
        report(measured, args.seconds, args.database, reference, load_before, version)
        print(f"wrote {REPORT.relative_to(ROOT)}")
    for goal, met, evidence in check_goals(measured) + compare_goal(measured, reference):
        print(f"{'met   ' if met else 'MISSED'} {goal}: {evidence}")


def collect_static():
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment(database_url("sqlite", 0)),
        check=True,
    )


if __name__ == "__main__":
    main()
