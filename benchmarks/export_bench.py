"""A list's CSV or JSON export at archive scale (the incidents' by default): in process (rows/s, CPU, peak heap)
and under `make serve`.

    .venv/bin/python -m benchmarks.export_bench [--size 100000] [--format csv] [--list reaction]

Uses the database `make bench` builds (benchmarks/.data/archive-<size>.sqlite3; built here if missing).
In process, the export view runs twice: once timed (wall and CPU), once under tracemalloc for the peak
Python heap. Then gunicorn serves it with `make serve`'s worker settings (SERVE_FLAGS, kept in step with the
Makefile) and the file is downloaded whole and checked: its length against Content-Length, its rows against
the published records. Last, a worker killed while it writes the file (a sync worker with a 2 s timeout,
as the 30 s timeout killed the old export) must leave the client with an error, not a 200 and a short file.
"""

import argparse
import csv
import http.client
import io
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from benchmarks import bench

# `make serve`'s gunicorn flags (the Makefile's serve target), but two workers as `make bench` runs.
SERVE_FLAGS = ["--worker-class", "gthread", "--threads", "4", "--timeout", "30", "--no-control-socket"]


def export_path(key, fmt):
    from django.urls import reverse

    return reverse(f"events:{key}-export", kwargs={"format": fmt})


def in_process(key, fmt):
    import django

    django.setup()
    from django.test import RequestFactory
    from django.urls import resolve

    from events import registry
    from events.urls import urlpatterns  # noqa: F401 (the URLconf the views reverse with)

    path = export_path(key, fmt)
    match = resolve(path)

    def download():
        response = match.func(RequestFactory().get(path, HTTP_HOST="127.0.0.1"), **match.kwargs)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        response.close()
        return response, size

    model = next(record_type.model for record_type in registry.RECORD_TYPES if record_type.key == key)
    published = model.objects.published().count()
    download()  # warm: URL cache, SQLite page cache
    wall, cpu = time.perf_counter(), time.process_time()
    response, size = download()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tracemalloc.start()
    download()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "records": published,
        "status": response.status_code,
        "bytes": size,
        "wall_s": wall,
        "cpu_s": cpu,
        "rows_per_s": published / wall,
        "cpu_ms_per_row": cpu / published * 1000,
        "peak_heap_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def serve(env, flags):
    port = bench.free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "kerman_site.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "critical", *flags]
    server = subprocess.Popen(command, cwd=bench.ROOT, env=env)
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def served(env, path, fmt, expected):
    """The whole file over HTTP/1.1 from gunicorn with make serve's flags; checked complete."""
    server, port = serve(env, SERVE_FLAGS)
    try:
        pids = bench.workers(server)
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("GET", path)
        response = connection.getresponse()
        first_byte = time.monotonic() - started
        body = response.read()  # raises IncompleteRead if fewer bytes come than Content-Length announced
        seconds = time.monotonic() - started
        rows = len(list(csv.reader(io.StringIO(body.decode())))) - 1 if fmt == "csv" else None
        return {
            "status": response.status,
            "content_length": int(response.headers["Content-Length"]),
            "bytes": len(body),
            "rows": rows,
            "complete": rows == expected if fmt == "csv" else body.rstrip().endswith(b"]}"),
            "first_byte_s": first_byte,
            "seconds": seconds,
            "worker_peak_rss_mb": bench.peak_memory_mb(pids),
            "cpu_s": bench.cpu_seconds(pids),
        }
    finally:
        server.terminate()
        server.wait(timeout=60)


def killed(env, path):
    """A worker killed while it writes the file: what the client is left with."""
    server, port = serve(env, ["--timeout", "2", "--no-control-socket"])
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("GET", path)
        try:
            response = connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError) as error:
            return f"no file: {type(error).__name__}: {error}"
        return f"HTTP {response.status}, {len(body):,} bytes"
    finally:
        server.terminate()
        server.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="incidents in the database (default 100,000)")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--list", default="incident", help="the list whose export to measure (a registry key)")
    parser.add_argument("--no-serve", action="store_true", help="only the in-process figures")
    parser.add_argument(
        "--database", type=Path, help="an SQLite file built as `make bench` builds it (default: its own)"
    )
    args = parser.parse_args()
    if args.database:
        env = bench.environment(args.database.resolve())
        bench.manage(env, "migrate", "--noinput", "-v0")
    else:
        env = bench.build(args.size, rebuild=False)
    os.environ.update(env)
    figures = in_process(args.list, args.format)
    path = export_path(args.list, args.format)
    print(f"in process, {path}: " + ", ".join(f"{k} {v:,.3f}" for k, v in figures.items()), flush=True)
    if not args.no_serve:
        result = served(env, path, args.format, figures["records"])
        print(f"make serve's workers, {path}: {result}", flush=True)
        print(f"a worker killed while writing: {killed(env, path)}", flush=True)


if __name__ == "__main__":
    main()
