"""`make bench-newsroom`: readers over a mix of public pages while one editor saves an incident every 2 s.

On each database (SQLite, and PostgreSQL when DATABASE_URL names a server; see benchmarks/bench.py), at
100,000 incidents: serve the benchmark archive with gunicorn (production settings, DEBUG off, 2 workers, the
page cache on), fetch every address of the mix once per worker, then run wrk twice over the mix
(benchmarks/newsroom.lua picks an address at random for each request):

- *without edits*: readers only;
- *with edits*: the same readers while an editor process saves an incident through the ORM every 2 s, a real
  change each time (alternately the summary and the preferred killed figure, which the headline copies), so
  every effect of a save runs: revisions, the search index, the headline figures, cache invalidation.

It reports reader requests/s, the page cache's hit rate (its X-Page-Cache header), p50/p90/p99, the editor's
saves, and the goals of issue 14: throughput with edits ≥ 50% of without, p99 with edits ≤ 250 ms. Figures go
into their own section of docs/benchmarks.md. The databases are built once (benchmarks/.data/ for SQLite,
kerman_bench_100k on PostgreSQL) and reused.

    python -m benchmarks.newsroom [--databases sqlite postgres] [--seconds 25]
    python -m benchmarks.newsroom editor --every 2 --seconds 25 SLUG ...   # the editor, run by the above
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks import bench
from benchmarks.loadtest import parse_wrk

SCRIPT = Path(__file__).with_name("newsroom.lua")
SECTION_START = "<!-- newsroom:start -->"
SECTION_END = "<!-- newsroom:end -->"
SIZE = 100_000
SAVE_EVERY_S = 2
CONNECTIONS = 4
EDIT_MARK = " [newsroom edit "
GOAL_THROUGHPUT = 0.5
GOAL_P99_MS = 250


def mix(size):
    """The readers' 76 addresses: the home page, every list, list pages and orderings, filtered lists, searches
    and record pages spread over the archive. Only generated slugs and fixed filter values, so the same mix
    serves every database built with the same size."""
    rng = random.Random(size)
    n = size // 2

    def spread(count, total):
        return sorted(rng.sample(range(total), count))

    lists = ["/", "/incidents/", "/people/", "/organizations/", "/reactions/", "/places/", "/timeline/"]
    pages_and_orders = [
        "/incidents/?page=2",
        "/incidents/?page=10",
        "/incidents/?ordering=most-killed",
        "/incidents/?ordering=oldest",
        "/reactions/?page=2",
        "/people/?ordering=name-desc",
        "/people/?page=3",
    ]
    filtered = [
        "/incidents/?kind=bombing",
        "/incidents/?kind=suicide_bombing",
        "/incidents/?kind=mass_shooting",
        "/incidents/?kind=air_strike",
        "/incidents/?min_killed=5",
        "/incidents/?kind=bombing&min_killed=5&date_after=1990-01-01",
        "/incidents/?date_after=2020-01-01",
        "/incidents/?place=synthetic-country-0",
        "/incidents/?perpetrator=islamic-state",
        "/reactions/?category=country",
        "/reactions/?category=domestic",
        "/reactions/?stance=condemnation",
        "/reactions/?stance=condolence",
        "/reactions/?stance=condemnation&category=country",
        "/places/?kind=country",
        "/organizations/?kind=military",
    ]
    searches = [
        "/search/?q=kerman",
        f"/search/?q=synthetic+incident+{n}",
        f"/search/?q=synthetic+person+{size // 10}",
        f"/incidents/?q=synthetic+incident+{n + 1}",
        f"/people/?q=synthetic+person+{size // 20}",
    ]
    records = [
        "/incidents/2024-kerman-bombings/",
        *[f"/incidents/synthetic-incident-{i}/" for i in spread(14, size)],
        *[f"/people/synthetic-person-{i}/" for i in spread(8, max(8, size // 5))],
        *[f"/organizations/synthetic-organization-{i}/" for i in spread(6, max(6, size // 20))],
        *[f"/reactions/synthetic-reaction-{i}/" for i in spread(8, size * 3)],
        *[f"/places/synthetic-city-{i}/" for i in spread(4, max(4, size * 3 // 100))],
    ]
    return lists + pages_and_orders + filtered + searches + records


def edited_slugs(addresses, size, count=10):
    """The incidents the editor saves in turn: those whose pages readers open, and as many others."""
    shown = [a.split("/")[2] for a in addresses if a.startswith("/incidents/synthetic-incident-")]
    rng = random.Random(size + 1)
    others = [f"synthetic-incident-{i}" for i in rng.sample(range(size), count)]
    return [slug for pair in zip(shown, others, strict=False) for slug in pair]


def run_readers(base, addresses, seconds, connections=CONNECTIONS):
    """wrk over the mix for `seconds`: its figures plus the page cache's hits and misses."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(addresses) + "\n")
    try:
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(SCRIPT),
            base,
            "--",
            listing.name,
        ]
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120).stdout
    finally:
        os.unlink(listing.name)
    return {**parse_wrk(out), **cache_counts(out)}


def cache_counts(output):
    line = next((line for line in output.splitlines() if line.startswith("newsroom: ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no newsroom counts (is {SCRIPT.name} in use?):\n{output}")
    words = line.split()
    counts = {words[i]: int(words[i + 1]) for i in range(1, len(words) - 1, 2)}
    seen = counts["hits"] + counts["misses"]
    return {**counts, "hit_rate": counts["hits"] / seen if seen else float("nan")}


def check_mix(base, addresses):
    """Each address answers 200 from both workers before anything is measured (and every page is cached)."""
    bad = []
    for path in addresses:
        try:
            bench.warm_up(base + path, rounds=2)
        except urllib.error.HTTPError as error:
            bad.append(f"{path} ({error.code})")
    if bad:
        raise SystemExit("These addresses of the mix do not answer 200: " + ", ".join(bad))


def start_editor(env, slugs, seconds, every=SAVE_EVERY_S):
    return subprocess.Popen(
        [bench.PYTHON, "-m", "benchmarks.newsroom", "editor", "--every", str(every), "--seconds", str(seconds), *slugs],
        cwd=bench.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def scenario(database, server, seconds, size=SIZE):
    """{"without": figures, "with": figures} for one database."""
    env = bench.build(size, False, database, server)
    addresses = mix(size)
    port = bench.free_port()
    gunicorn = bench.serve(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        check_mix(base, addresses)
        without = run_readers(base, addresses, seconds)
        report_line(database, "without edits", without)
        editor = start_editor(env, edited_slugs(addresses, size), seconds)
        try:
            # The readers start with the editor's first save, not while Django is still loading in its process.
            if editor.stdout.readline().strip() != "ready":
                raise SystemExit("the editor did not start; see above")
            with_edits = run_readers(base, addresses, seconds)
            out, _ = editor.communicate(timeout=seconds + 60)
        finally:
            if editor.poll() is None:
                editor.terminate()
                editor.wait(timeout=30)
        if editor.returncode:
            raise SystemExit(f"the editor failed (exit {editor.returncode}); see above")
        with_edits["editor"] = json.loads(out.strip().splitlines()[-1])
        report_line(database, "with edits", with_edits)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    return {"without": without, "with": with_edits, "addresses": len(addresses)}


def report_line(database, label, f):
    print(
        f"{database:<8} {label:<14} {f['requests_per_s']:8.1f} req/s  hits {f['hits']} misses {f['misses']}  "
        f"p50 {fmt(f['p50_ms'])}  p90 {fmt(f['p90_ms'])}  p99 {fmt(f['p99_ms'])} ms  non-2xx {f['non_2xx']}"
        + (f"  editor's saves {f['editor']['saves']}" if "editor" in f else ""),
        flush=True,
    )


def fmt(value, digits=1):
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def goals(results):
    """[(goal, met?, evidence)] per database: issue 14's newsroom goals."""
    found = []
    for database, runs in results.items():
        engine = bench.FLAVOURS[database]["engine"]
        without, edited = runs["without"], runs["with"]
        ratio = edited["requests_per_s"] / without["requests_per_s"] if without["requests_per_s"] else 0.0
        found.append(
            (
                f"{engine}: reader throughput with one save every {SAVE_EVERY_S} s ≥ {GOAL_THROUGHPUT:.0%} of "
                "the throughput without edits",
                ratio >= GOAL_THROUGHPUT,
                f"{edited['requests_per_s']:.1f} vs {without['requests_per_s']:.1f} requests/s ({ratio:.0%})",
            )
        )
        p99 = edited["p99_ms"]
        found.append(
            (
                f"{engine}: p99 with edits ≤ {GOAL_P99_MS} ms",
                p99 is not None and p99 <= GOAL_P99_MS,
                f"{fmt(p99)} ms",
            )
        )
    return found


def table(results):
    lines = [
        "| database | readers | reader requests/s | requests | page cache hits | p50 ms | p90 ms | p99 ms | non-2xx "
        "| socket errors | editor's saves (mean / slowest ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for database, runs in results.items():
        engine = bench.FLAVOURS[database]["engine"]
        for label, key in (("without edits", "without"), (f"one save every {SAVE_EVERY_S} s", "with")):
            f = runs[key]
            editor = f.get("editor")
            saves = f"{editor['saves']} ({fmt(editor['mean_ms'])} / {fmt(editor['max_ms'])})" if editor else ""
            lines.append(
                f"| {engine} | {label} | {f['requests_per_s']:.1f} | {f['requests']} | "
                f"{fmt(100 * f['hit_rate'], 0)}% ({f['hits']} of {f['hits'] + f['misses']}) | {fmt(f['p50_ms'])} | "
                f"{fmt(f['p90_ms'])} | {fmt(f['p99_ms'])} | {f['non_2xx']} | {f['socket_errors']} | {saves} |"
            )
    return lines


def section(results, seconds, load_before, size=SIZE, load_after=None):
    addresses = mix(size)
    kinds = {
        "lists and the home page": sum(1 for a in addresses if "?" not in a and a.count("/") <= 2),
        "list pages and orderings": sum(1 for a in addresses if "page=" in a or "ordering=" in a),
        "filtered lists": sum(
            1 for a in addresses if "?" in a and not any(k in a for k in ("page=", "ordering=", "q="))
        ),
        "searches": sum(1 for a in addresses if "q=" in a),
        "record pages": sum(1 for a in addresses if "?" not in a and a.count("/") > 2),
    }
    lines = [
        SECTION_START,
        "## Newsroom: readers while an editor saves (`make bench-newsroom`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), {size:,} incidents, "
        "gunicorn with 2 workers, production settings (DEBUG off), the page cache on (each worker's own memory "
        "unless DJANGO_CACHE_URL names a shared cache). Readers: wrk with 1 thread and "
        f"{CONNECTIONS} connections for {seconds} s, each request to an address picked at random "
        f"(benchmarks/newsroom.lua) from a mix of {len(addresses)} "
        f"({', '.join(f'{count} {kind}' for kind, count in kinds.items())}; `benchmarks.newsroom.mix`), every one "
        f"fetched once per worker first. *With edits*: an editor process saves an incident through the ORM every "
        f"{SAVE_EVERY_S} s meanwhile (alternately its summary and its preferred killed figure; half of the "
        "incidents it edits are ones the readers open). *Page cache hits*: answers the cache marked "
        "`X-Page-Cache: hit`, of those it marked at all. *Socket errors*: requests wrk gave up on after 30 s "
        "(timeouts) or could not send; they are not in the percentiles. " + bench.load_note(load_before, load_after),
        "",
        "### Goals (issue 14)",
        "",
        "| goal | met | evidence |",
        "| --- | --- | --- |",
        *[f"| {goal} | {'yes' if met else '**no**'} | {evidence} |" for goal, met, evidence in goals(results)],
        "",
        "### Readers",
        "",
        *table(results),
        "",
        "The first view of each page after an edit, page by page, is in the *first view after an editor's save* "
        "column of the cold tables above (`make bench`, `make bench-postgres`).",
        SECTION_END,
    ]
    return lines


def write(lines):
    text = bench.REPORT.read_text() if bench.REPORT.exists() else "# Benchmarks\n\n"
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        text = before + "\n".join(lines) + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    bench.REPORT.write_text(text)


def editor(argv):
    """Save an incident every `--every` seconds for `--seconds`; print {"saves", "mean_ms", "max_ms"} as JSON."""
    parser = argparse.ArgumentParser(prog="benchmarks.newsroom editor")
    parser.add_argument("--every", type=float, default=SAVE_EVERY_S)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("slugs", nargs="+")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    print("ready", flush=True)
    durations = []
    started = time.monotonic()
    while time.monotonic() - started < args.seconds:
        tick = time.monotonic()
        save_one(args.slugs[len(durations) % len(args.slugs)], len(durations))
        durations.append((time.monotonic() - tick) * 1000)
        time.sleep(max(0.0, args.every - (time.monotonic() - tick)))
    print(
        json.dumps(
            {
                "saves": len(durations),
                "mean_ms": sum(durations) / len(durations) if durations else None,
                "max_ms": max(durations, default=None),
            }
        )
    )


def save_one(slug, number):
    """A real edit, as the admin makes it: the summary (even saves) or the preferred killed figure (odd),
    which moves by one, up from an even value and down from an odd one, so the archive stays near as generated."""
    from django.db import transaction

    from events.models import CasualtyFigure, Incident

    with transaction.atomic():
        incident = Incident.objects.get(slug=slug)
        if number % 2 == 0:
            summary = incident.summary.split(EDIT_MARK, 1)[0]
            incident.summary = f"{summary}{EDIT_MARK}{number}]"
            incident.save()
            return
        figure = incident.casualty_figures.filter(
            kind=CasualtyFigure.Kind.KILLED, rank=CasualtyFigure.Rank.PREFERRED
        ).first()
        if figure is None:
            incident.save()
            return
        figure.value += 1 if figure.value % 2 == 0 else -1  # between 2k and 2k + 1, however many runs
        figure.save()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["editor"]:
        return editor(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", nargs="+", choices=sorted(bench.FLAVOURS), default=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=int, default=25, help="wrk duration of each of the two runs")
    parser.add_argument("--size", type=int, default=SIZE, help="incidents in the archive (built once)")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--report-only", action="store_true", help="rewrite the section from the last run's figures")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and not args.report_only:
        raise SystemExit("make bench-newsroom needs wrk, the HTTP load tool: apt-get install wrk")
    server = None
    if "postgres" in args.databases and not args.report_only:
        try:
            server = bench.postgres_server()
        except SystemExit as missing:
            raise SystemExit(
                f"make bench-newsroom measures SQLite and PostgreSQL. {missing} "
                "Or measure SQLite alone: python -m benchmarks.newsroom --databases sqlite"
            ) from None
    saved = bench.DATA / "results-newsroom.json"
    if args.report_only:
        found = json.loads(saved.read_text())
        write(section(found["results"], found["seconds"], found["load_before"], found["size"], found["load_after"]))
        print(f"wrote {bench.REPORT.relative_to(bench.ROOT)} from {saved.relative_to(bench.ROOT)}")
        return
    load_before = os.getloadavg()[0]
    bench.collect_static()
    results = {database: scenario(database, server, args.seconds, args.size) for database in args.databases}
    load_after = os.getloadavg()[0]
    found = {"results": results, "seconds": args.seconds, "size": args.size}
    saved.write_text(json.dumps({**found, "load_before": load_before, "load_after": load_after}))
    if not args.no_report:
        write(section(results, args.seconds, load_before, args.size, load_after))
        print(f"wrote {bench.REPORT.relative_to(bench.ROOT)}")
    for goal, met, evidence in goals(results):
        print(f"{'met   ' if met else 'MISSED'} {goal}: {evidence}")


if __name__ == "__main__":
    main()
