"""`make loadtest`: a bounded load test of `make serve` on loopback, with wrk. Writes docs/benchmarks.md.

Starts `make serve` on a free 127.0.0.1 port, in a process group of its own; waits for /healthz; runs wrk
against each page for a fixed time (2 threads, 10 connections, 15 s); stops the server it started by its
process group id; writes the figures into its own section of docs/benchmarks.md. It fails if any request
got a non-2xx answer or a socket error. Traffic goes to 127.0.0.1 only, and every step has a time limit.
"""

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
SECTION_START = "<!-- loadtest:start -->"
SECTION_END = "<!-- loadtest:end -->"
THREADS, CONNECTIONS, DURATION_S = 2, 10, 15
STARTUP_TIMEOUT_S = 300  # the first `make serve` collects static files, migrates and loads the archive


def first_published_slug(fixture):
    records = json.loads((ROOT / "fixtures" / fixture).read_text(encoding="utf-8"))
    return next(r["fields"]["slug"] for r in records if r["fields"].get("status") == "published")


def pages():
    """(label, path) of the pages under load: the front page, lists, a filtered list and two record pages."""
    return [
        ("Home", "/"),
        ("Incident list", "/incidents/"),
        ("Filtered incident list", "/incidents/?kind=suicide_bombing&ordering=most-killed"),
        ("Kerman incident page", "/incidents/2024-kerman-bombings/"),
        ("Person page", f"/people/{first_published_slug('05_people.json')}/"),
    ]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, log):
    return subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stopping it reaches gunicorn's workers too
    )


def stop_server(server):
    """Stop the server this script started: its process group, by the id Popen gave us."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass


def get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_up(base, server, timeout=STARTUP_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`make serve` exited with {server.returncode} before answering")
        try:
            if get(f"{base}/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"`make serve` did not answer /healthz within {timeout} s")


def run_wrk(url, threads=THREADS, connections=CONNECTIONS, duration=DURATION_S):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", url]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60).stdout


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(output):
    """The figures of one wrk run: requests, rate, latency percentiles (ms), non-2xx answers, socket errors."""
    requests = re.search(r"(\d+) requests in ([\d.]+)(\w+),", output)
    figures = {
        "requests": int(requests.group(1)),
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "latency_avg_ms": _ms(re.search(r"Latency\s+([\d.]+\w+)", output).group(1)),
        "non_2xx": 0,
        "socket_errors": 0,
    }
    for percent in (50, 90, 99):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+\w+)", output, re.MULTILINE)
        figures[f"p{percent}_ms"] = _ms(match.group(1)) if match else None
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        figures["non_2xx"] = int(non_2xx.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors:
        figures["socket_errors"] = sum(int(n) for n in errors.groups())
    return figures


def _fmt_ms(value):
    return "–" if value is None else f"{value:.1f}"


def render_section(results, when, machine, workers):
    lines = [
        SECTION_START,
        "## Load test",
        "",
        "`make loadtest` (benchmarks/loadtest.py) starts `make serve` on a free loopback port — production",
        f"settings, gunicorn with {workers} sync workers, whitenoise, the seeded SQLite archive — and runs",
        f"`wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION_S}s --latency` against each page, one after another.",
        "It fails on any non-2xx answer or socket error. Figures depend on the machine and what else it is doing;",
        "compare runs on the same machine only.",
        "",
        f"Last run: {when}, {machine}.",
        "",
        "| Page | Path | Requests | Requests/s | Mean ms | p50 ms | p90 ms | p99 ms | Non-2xx | Socket errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, path, f in results:
        lines.append(
            f"| {label} | `{path}` | {f['requests']} | {f['requests_per_s']:.1f} | {_fmt_ms(f['latency_avg_ms'])} | "
            f"{_fmt_ms(f['p50_ms'])} | {_fmt_ms(f['p90_ms'])} | {_fmt_ms(f['p99_ms'])} | {f['non_2xx']} | "
            f"{f['socket_errors']} |"
        )
    total = sum(f["requests"] for _, _, f in results)
    failed = sum(f["non_2xx"] + f["socket_errors"] for _, _, f in results)
    lines += ["", f"{total} requests in all; {failed} non-2xx answers or socket errors.", SECTION_END]
    return "\n".join(lines) + "\n"


def write_section(report, section):
    """Put the section in the report: in place of the previous one, or at the end. Other sections stay."""
    text = report.read_text(encoding="utf-8") if report.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    report.write_text(text, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-report", action="store_true", help="print the figures, leave docs/benchmarks.md")
    args = parser.parse_args(argv)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = ROOT / "benchmarks" / "loadtest-server.log"
    workers = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or 1) * 2 + 1
    results = []
    with log_path.open("w") as log:
        server = start_server(port, log)
        try:
            wait_until_up(base, server)
            for label, path in pages():
                status, _ = get(base + path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} before the load")
                figures = parse_wrk(run_wrk(base + path))
                print(
                    f"{label:24} {figures['requests_per_s']:8.1f} req/s  p99 {_fmt_ms(figures['p99_ms'])} ms  "
                    f"non-2xx {figures['non_2xx']}  socket errors {figures['socket_errors']}"
                )
                results.append((label, path, figures))
        finally:
            stop_server(server)
    log_path.unlink(missing_ok=True)

    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}"
    section = render_section(results, when, machine, workers)
    if args.no_report:
        print(section)
    else:
        write_section(REPORT, section)
        print(f"Wrote the load test section of {REPORT.relative_to(ROOT)}.")
    failed = sum(f["non_2xx"] + f["socket_errors"] for _, _, f in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
