"""The benchmark's judge: goals computed from measured figures (benchmarks/bench.py), without running it; and
its read API case, run against a small archive served by the test process."""

import datetime as dt
import os
import shutil

import pytest
from django.core.cache import caches

from benchmarks import bench, newsroom
from tests import factories


def figures(p50, cpu=None):
    return {"p50": p50, "cpu_ms": p50 if cpu is None else cpu, "status": 200}


def run(size, detail_ms=4.0, detail_queries=9):
    pages = [
        ("trivial view", "/bench/trivial/", figures(0.5)),
        ("incident list", "/incidents/", figures(4.0)),
        ("incident page", f"/incidents/synthetic-incident-{size // 2}/", figures(detail_ms)),
        ("admin incident changelist, searched", "/admin/events/incident/?q=x", figures(300.0)),
    ]
    queries = {"/incidents/": [200, 6], f"/incidents/synthetic-incident-{size // 2}/": [200, detail_queries]}
    return {"cold": pages, "warm": [(label, path, figures(0.5)) for label, path, _ in pages], "queries": queries}


def goal(goals, start):
    return next((met, evidence) for name, met, evidence in goals if name.startswith(start))


def test_query_counts_are_compared_by_page_type_not_by_address():
    goals = bench.check_goals({1000: run(1000), 100000: run(100000)})
    assert goal(goals, "Queries per public page") == (True, "all pages")


def test_a_page_whose_queries_grow_or_pass_ten_is_named():
    goals = bench.check_goals({1000: run(1000), 100000: run(100000, detail_queries=12)})
    met, evidence = goal(goals, "Queries per public page")
    assert not met
    assert evidence == "varies: incident page; over 10: incident page (12)"


def test_a_page_that_finished_no_request_is_never_within_a_goal():
    goals = bench.check_goals({1000: run(1000), 100000: run(100000, detail_ms=float("nan"))})
    assert goal(goals, "100,000 incidents, cold (page cache off): every public page's p50")[0] is False
    assert goal(goals, "Every public page (cold) ≥ 10× faster")[0] is False
    assert goal(goals, "p50 at 100,000 incidents ≤ 2×")[0] is False


def test_an_admin_search_that_finished_no_request_is_slower_than_every_page_that_did():
    large = run(100000)
    large["cold"][3] = ("admin incident changelist, searched", "/admin/events/incident/?q=x", figures(float("nan")))

    goals = bench.check_goals({1000: run(1000), 100000: large})

    assert goal(goals, "Every public page (cold) ≥ 10× faster than the admin changelist search (no request") == (
        True,
        "all pages",
    )


def test_the_search_goals_name_the_searches_over_twenty_times_the_trivial_view_and_admin_searches_over_100_ms():
    large = run(100000)
    large["cold"] += [
        ("search, a common word", "/search/?q=synthetic", figures(10.5)),
        ("incident list, searched for a common word", "/incidents/?q=synthetic", figures(9.0)),
        ("admin reaction changelist, searched for a common word", "/admin/events/reaction/?q=synthetic", figures(90.0)),
    ]
    goals = bench.check_goals({1000: run(1000), 100000: large})
    assert goal(goals, "100,000 incidents: the site search and the lists' search boxes") == (
        False,
        "missed by search, a common word 21.0×",
    )
    assert goal(goals, "100,000 incidents: the admin's changelist searches") == (
        False,
        "missed by admin incident changelist, searched 300.0 ms",
    )
    large["cold"][3] = ("admin incident changelist, searched", "/admin/events/incident/?q=x", figures(99.0))
    large["cold"][4] = ("search, a common word", "/search/?q=synthetic", figures(9.5))
    goals = bench.check_goals({1000: run(1000), 100000: large})
    assert goal(goals, "100,000 incidents: the site search")[0] is True
    assert goal(goals, "100,000 incidents: the admin's changelist searches") == (
        True,
        "admin incident changelist, searched 99.0 ms, admin reaction changelist, searched for a common word 90.0 ms",
    )


def test_the_api_goal_names_an_order_whose_last_page_is_slower():
    fast = {"p50": 10.0, "cpu_ms": 8.0}
    api = [
        ("trivial view", {"first": figures(0.5)}),
        ("incidents, default order", {"first": fast, "last": {"p50": 11.0, "cpu_ms": 8.5}}),
        ("incidents, most killed", {"first": fast, "last": {"p50": 30.0, "cpu_ms": 25.0}}),
    ]
    met, evidence = goal(bench.check_goals({1000: run(1000), 100000: {**run(100000), "api": api}}), "API cursor")
    assert not met
    assert evidence == "slower: incidents, most killed 3.00× p50, incidents, most killed 3.12× CPU"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="the bench needs wrk (apt-get install wrk)")
def test_the_api_case_walks_to_the_last_full_page_and_times_both_ends(live_server, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/second"}}
    settings.ROOT_URLCONF = "benchmarks.urls"  # the trivial view
    settings.COUNT_CACHE = True  # the API remembers each answer by address, as the bench's server does
    caches["pages"].clear()
    place = factories.PlaceFactory()
    for n in range(11):  # ties on killed (0) and on the date, and two without a toll, as at 100,000
        killed = None if n in (3, 8) else (0 if n % 2 else n)
        factories.IncidentFactory(place=place, killed=killed, date=dt.date(2024, 1, 1 + n % 3))
    lists = [(label, f"{path}{'&' if '?' in path else '?'}page_size=3") for label, path in bench.API_LISTS]

    measured = bench.measure_api({}, 1, base=live_server.url, serving=lambda: [os.getpid()], lists=lists)

    rows = dict(measured)
    assert rows["trivial view"]["first"]["requests"] > 0
    for label, path in lists:
        row = rows[label]
        # 11 records at 3 a page: 4 pages, the final one short, so the last timed is the third (records 7-9).
        assert (row["pages"], row["final_rows"]) == (4, 2)
        addresses, body = [live_server.url + path], bench.get_json(live_server.url + path)
        while body["next"]:
            addresses.append(body["next"])
            body = bench.get_json(body["next"])
        assert len(addresses) == 4 and len(body["results"]) == 2
        assert row["last_path"] == bench.path_of(addresses[2]) and "cursor=" in row["last_path"]
        for page in ("first", "last"):
            assert row[page]["requests"] > 1 and row[page]["non_2xx"] == 0, (label, page, row[page])
    # Each request of a timed run was a new address, answered afresh and remembered apart.
    assert len(caches["pages"]._cache) > rows[lists[0][0]]["first"]["requests"]


# PostgreSQL and the newsroom scenario (issue 14) ------------------------------------------------------------


def test_the_postgres_bench_says_what_it_needs_without_a_postgres_address():
    for url in ("", "sqlite:///db.sqlite3"):
        with pytest.raises(SystemExit) as missing:
            bench.postgres_server(url)
        assert "DATABASE_URL=postgres://" in str(missing.value)
        assert "pg_ctlcluster 15 main start" in str(missing.value)


def test_the_postgres_bench_says_when_no_server_answers():
    with pytest.raises(SystemExit) as missing:
        bench.postgres_server(f"postgres://kerman:kerman@127.0.0.1:{bench.free_port()}/kerman")
    assert str(missing.value).startswith("No PostgreSQL answered at 127.0.0.1:")


def test_each_size_has_its_own_database_beside_the_one_named():
    server = "postgres://kerman:secret@db.example:5433/kerman?sslmode=require"
    assert bench.database_url("postgres", 1000, server) == (
        "postgres://kerman:secret@db.example:5433/kerman_bench_1k?sslmode=require"
    )
    assert bench.database_name(bench.database_url("postgres", 100_000, server)) == "kerman_bench_100k"
    assert bench.database_url("sqlite", 100_000).endswith("/benchmarks/.data/archive-100000.sqlite3")


def pages_run(p50s, first=None, edit=None, quiet=None):
    """A run's cold results: the trivial view and two public pages with the given p50s (ms), and their first
    views after every cache is emptied (`first`), after an editor's save (`edit`) and after a probe that saves
    nothing (`quiet`)."""
    first, edit, quiet = first or {}, edit or {}, quiet or {}
    return [
        ("trivial view", "/bench/trivial/", {**figures(0.5), "first_ms": None}),
        *[
            (
                label,
                f"/{label.replace(' ', '-')}/",
                {**figures(p50), "first_ms": first.get(label), "edit_ms": edit.get(label)}
                | ({"quiet_ms": quiet[label]} if label in quiet else {}),
            )
            for label, p50 in p50s.items()
        ],
    ]


def test_postgres_pages_are_compared_with_the_same_pages_on_sqlite():
    postgres = {100_000: {"cold": pages_run({"home": 9.0, "incident list": 25.0}), "warm": pages_run({"home": 1})}}
    sqlite = {100_000: {"cold": pages_run({"home": 5.0, "incident list": 10.0}), "warm": pages_run({"home": 0.5})}}

    met, evidence = goal(bench.compare_goal(postgres, sqlite), "100,000 incidents: every public page's p50 on Postg")
    assert not met
    assert evidence == "slower: incident list 2.5×"
    rows = bench.compare_table(postgres[100_000], sqlite[100_000])
    assert "| home | 5.00 | 9.00 | **1.80** | 1.80 |  |  | 2.00 |" in rows
    assert "| incident list | 10.00 | 25.00 | **2.50** | 2.50 |  |  |  |" in rows

    postgres = {"cold": pages_run({"home": 9.0}, first={"home": 40.0}, edit={"home": 12.0}), "warm": []}
    sqlite = {"cold": pages_run({"home": 5.0}, first={"home": 20.0}, edit={"home": 6.0}), "warm": []}
    assert "| home | 5.00 | 9.00 | **1.80** | 1.80 | 6.0 / 12.0 | 20.0 / 40.0 |  |" in bench.compare_table(
        postgres, sqlite
    )


def test_a_first_view_after_an_edit_over_twice_the_cached_cost_is_named():
    p50s = {"home": 5.0, "reaction list": 10.0}
    small = {"cold": pages_run(p50s, first={"home": 8.0, "reaction list": 15.0}, edit={"home": 6, "reaction list": 9})}
    large = {
        "cold": pages_run(p50s, first={"home": 9.0, "reaction list": 1650.0}, edit={"home": 11, "reaction list": 17})
    }

    goals = bench.first_view_goals({1000: small, 100_000: large})

    emptied = "100,000 incidents: every public page's first view after every cache is emptied"
    assert goal(goals, emptied) == (False, "missed by reaction list 165.0×")
    assert goal(goals, "First view after every cache is emptied at 100,000") == (
        False,
        "grew more: reaction list 110.0×",
    )
    # After an editor's save: the home page at 2.2× its cached cost and its first view 1.8× the small archive's.
    assert goal(goals, "100,000 incidents: every public page's first view after an editor's save") == (
        False,
        "missed by home 2.2×",
    )
    assert goal(goals, "First view after an editor's save at 100,000") == (True, "every page")
    # Without its control (a run before the bench measured one) only the comparison with the cold p50 is made.
    assert not [g for g in goals if "probe that saves nothing" in g[0]]


def test_a_first_view_after_an_editors_save_is_held_against_the_same_view_after_a_probe_that_saves_nothing():
    p50s = {"home": 5.0, "reaction list": 10.0}
    run = pages_run(p50s, first={"home": 9, "reaction list": 15}, edit={"home": 11, "reaction list": 31})
    goals = bench.first_view_goals({100_000: {"cold": run}})
    assert [g[0] for g in goals if "probe that saves nothing" in g[0]] == []

    run = pages_run(
        p50s,
        first={"home": 9, "reaction list": 15},
        edit={"home": 11, "reaction list": 31},
        quiet={"home": 8, "reaction list": 15},
    )
    goals = bench.first_view_goals({100_000: {"cold": run}})
    # The home page: 2.2× its cold p50 but 1.4× its first view after a probe that saves nothing; the reaction list
    # 2.1× its control: the save itself cost it.
    assert goal(goals, "100,000 incidents: every public page's first view after an editor's save ≤ 2× its cached") == (
        False,
        "missed by reaction list 2.1×",
    )
    assert goal(goals, "100,000 incidents: every public page's first view after an editor's save ≤ 2× its cold") == (
        False,
        "missed by home 2.2×, reaction list 3.1×",
    )
    rows = bench.table([(label, path, {**f, "rps": 100, "p99": 1}) for label, path, f in run], {}, figures(0.5))
    assert any(row.startswith("| home (`/home/`)") and row.endswith("| 11.0 | 8.0 | 9.0 |") for row in rows)


def test_a_first_view_after_an_editors_save_is_the_median_of_rounds_of_the_slower_of_the_two_saves(monkeypatch):
    done = []
    monkeypatch.setattr(bench, "warm_up", lambda url: done.append(("warm", url)))
    monkeypatch.setattr(bench, "probe", lambda env, *args: done.append(args))
    monkeypatch.setattr(bench.time, "time", lambda: 1_000_021.0)
    # Each round: the first view after a probe that saves nothing, then after the summary and the figure saves.
    times = iter([9.0, 12.0, 30.0, 40.0, 90.0, 11.0, 7.0, 14.0, 13.0])  # rounds: 30, 90 (one unlucky request), 14
    monkeypatch.setattr(bench, "first_request", lambda url: next(times))

    got = bench.after_editors_saves({}, "http://x/incidents/", bench.edited_incident(100_000))
    assert got == {"edit_ms": 30.0, "quiet_ms": 9.0}
    saves = [step for step in done if step[0] == "edit"]
    assert [step[2] for step in saves] == ["42", "43", "44", "45", "46", "47"]  # summary, figure, ... each new
    assert {step[1] for step in saves} == {"synthetic-incident-50000"}
    assert done.count(("warm", "http://x/incidents/")) == 9
    # The control comes before each round's saves, so no save of that round is in it.
    assert [step for step in done if step[0] != "warm"][:2] == [("quiet",), ("edit", "synthetic-incident-50000", "42")]


def test_the_first_view_after_a_bulk_write_is_timed_once_both_workers_have_drawn_the_page(monkeypatch):
    """A worker's first view of a page (templates compiled, widgets remembered) is not what a bulk write costs."""
    done = []
    monkeypatch.setattr(bench, "warm_up", lambda url, cookie=None: done.append(("warm", url)))
    monkeypatch.setattr(bench, "probe", lambda env, *args: done.append(args))
    monkeypatch.setattr(bench, "first_request", lambda url: done.append(("first", url)) or 40.0)
    monkeypatch.setattr(bench, "load_with_cpu", lambda url, seconds, pids, cookie=None: done.append("wrk") or {})
    monkeypatch.setattr(bench, "after_editors_saves", lambda env, url, slug: {"edit_ms": 50.0, "quiet_ms": 30.0})

    figures = bench.measure_page(100_000, {}, None, 8001, "/incidents/", None, 5, cold=True)
    assert figures == {"first_ms": 40.0, "edit_ms": 50.0, "quiet_ms": 30.0}
    url = "http://127.0.0.1:8001/incidents/"
    assert done == [("warm", url), ("bump",), ("first", url), "wrk"]


def test_two_databases_are_measured_side_by_side_page_by_page_taking_turns_to_go_first(monkeypatch):
    monkeypatch.setattr(bench, "pages", lambda size: [("a", "/a/", False), ("b", "/b/", False), ("c", "/c/", True)])
    monkeypatch.setattr(bench, "free_port", iter([8001, 8002]).__next__)
    stopped = []

    class Server:
        def __init__(self, port):
            self.port = port

        def terminate(self):
            stopped.append(self.port)

        def wait(self, timeout):
            pass

    monkeypatch.setattr(bench, "serve", lambda env, port: Server(port))
    monkeypatch.setattr(bench, "probe", lambda env, *args: f"session-{env['name']}\n")
    measured = []

    def measure_page(size, env, server, port, path, cookie, seconds, cold):
        measured.append((env["name"], server.port, path, cookie))
        return {"p50": 1.0, "cpu_ms": 1.0, "rps": 1.0}

    monkeypatch.setattr(bench, "measure_page", measure_page)

    results = bench.measure(1_000, {"postgres": {"name": "pg"}, "sqlite": {"name": "sq"}}, 1, cold=True)

    assert measured == [
        ("pg", 8001, "/a/", None),
        ("sq", 8002, "/a/", None),
        ("sq", 8002, "/b/", None),
        ("pg", 8001, "/b/", None),
        ("pg", 8001, "/c/", "session-pg"),  # an admin page, with that server's editor session
        ("sq", 8002, "/c/", "session-sq"),
    ]
    assert {name: [label for label, _, _ in rows] for name, rows in results.items()} == {
        "postgres": ["a", "b", "c"],
        "sqlite": ["a", "b", "c"],
    }
    assert sorted(stopped) == [8001, 8002]


def test_each_database_writes_its_own_section_and_leaves_the_others(tmp_path, monkeypatch):
    report = tmp_path / "benchmarks.md"
    report.write_text("# Benchmarks\n\n<!-- archive-scale:start -->\nSQLite figures\n<!-- archive-scale:end -->\n")
    monkeypatch.setattr(bench, "REPORT", report)

    bench.write_section(
        ["<!-- archive-scale-postgres:start -->", "first", "<!-- archive-scale-postgres:end -->"],
        bench.FLAVOURS["postgres"],
    )
    bench.write_section(
        ["<!-- archive-scale-postgres:start -->", "second", "<!-- archive-scale-postgres:end -->"],
        bench.FLAVOURS["postgres"],
    )

    text = report.read_text()
    assert "SQLite figures" in text and "second" in text and "first" not in text
    assert text.count("<!-- archive-scale-postgres:start -->") == 1


def test_cpu_time_counts_a_connection_opened_during_the_run_and_never_subtracts_one_closed():
    me = os.getpid()
    gone = max(int(p.name) for p in bench.Path("/proc").glob("[0-9]*")) + 10_000  # no such process
    now = bench.cpu_times([me])[me]

    spent = bench.cpu_spent({gone: 50.0, me: now - 0.25}, [me, gone])

    assert 0.25 <= spent < 5  # the closed one's 50 s are not taken away; ours counts from `before`
    assert bench.cpu_spent({}, [me]) >= now  # a process new since `before` counts from its start


def test_the_newsroom_mix_is_76_distinct_public_addresses_of_every_kind():
    addresses = newsroom.mix(100_000)

    assert len(addresses) == len(set(addresses)) == 76
    assert "/" in addresses and "/incidents/2024-kerman-bombings/" in addresses
    for prefix in ("/incidents/?kind=", "/reactions/?stance=", "/search/?q=", "/people/synthetic-person-"):
        assert any(a.startswith(prefix) for a in addresses), prefix
    # Every generated record it names exists at that size (indexes start at 0).
    assert all(int(a.rstrip("/").rsplit("-", 1)[1]) < 100_000 for a in addresses if "synthetic-incident-" in a)
    assert all(int(a.rstrip("/").rsplit("-", 1)[1]) < 3_000 for a in addresses if "synthetic-city-" in a)
    assert newsroom.mix(100_000) == addresses  # the same mix for every database and run
    # The editor saves incidents the readers open, and as many that they do not.
    edited = newsroom.edited_slugs(addresses, 100_000)
    opened = [slug for slug in edited if f"/incidents/{slug}/" in addresses]
    assert len(opened) == len(edited) - len(opened) == 10


def test_the_newsroom_counts_come_from_the_lua_scripts_last_line():
    output = "  Latency   1.2ms\nRequests/sec: 10.0\nnewsroom: hits 90 misses 10 failures 0\n"

    assert newsroom.cache_counts(output) == {"hits": 90, "misses": 10, "failures": 0, "hit_rate": 0.9}
    with pytest.raises(RuntimeError, match="newsroom counts"):
        newsroom.cache_counts("Requests/sec: 10.0\n")


def newsroom_run(rps, p99, hits=900, misses=100, editor=None):
    run = {"requests_per_s": rps, "requests": int(rps * 25), "p50_ms": 2.0, "p90_ms": 9.0, "p99_ms": p99}
    run.update(non_2xx=0, socket_errors=0, hits=hits, misses=misses, failures=0, hit_rate=hits / (hits + misses))
    if editor:
        run["editor"] = editor
    return run


def test_the_newsroom_goals_and_table():
    results = {
        "sqlite": {
            "without": newsroom_run(150.0, 160.0, hits=990, misses=10),
            "with": newsroom_run(80.0, 240.0, editor={"saves": 12, "mean_ms": 40.0, "max_ms": 95.5}),
        },
        "postgres": {
            "without": newsroom_run(100.0, 120.0),
            "with": newsroom_run(8.0, 3900.0, hits=32, misses=68, editor={"saves": 13, "mean_ms": 50, "max_ms": 80}),
        },
    }

    goals = newsroom.goals(results)

    assert goal(goals, "SQLite: reader throughput") == (True, "80.0 vs 150.0 requests/s (53%)")
    assert goal(goals, "SQLite: p99") == (True, "240.0 ms")
    assert goal(goals, "PostgreSQL: reader throughput") == (False, "8.0 vs 100.0 requests/s (8%)")
    assert goal(goals, "PostgreSQL: p99") == (False, "3900.0 ms")
    rows = newsroom.table(results)
    assert "| SQLite | without edits | 150.0 | 3750 | 99% (990 of 1000) | 2.0 | 9.0 | 160.0 | 0 | 0 |  |" in rows
    assert (
        "| PostgreSQL | one save every 2 s | 8.0 | 200 | 32% (32 of 100) | 2.0 | 9.0 | 3900.0 | 0 | 0 "
        "| 13 (50.0 / 80.0) |" in rows
    )


@pytest.mark.skipif(shutil.which("wrk") is None, reason="the bench needs wrk (apt-get install wrk)")
def test_the_lua_script_spreads_requests_over_the_mix_and_counts_the_page_cache(live_server, settings):
    settings.ROOT_URLCONF = "benchmarks.urls"
    settings.PAGE_CACHE = True
    caches["pages"].clear()
    factories.IncidentFactory(title="Only one")
    bench.warm_up(live_server.url + "/incidents/", rounds=1)  # stored now: under wrk, a hit every time
    addresses = ["/bench/trivial/", "/incidents/", "/"]

    measured = newsroom.run_readers(live_server.url, addresses, seconds=2, connections=1)

    assert measured["hits"] > 0 and measured["failures"] == 0
    # The home page was not stored before: its first view is the one miss, unless a loaded machine kept it
    # from finishing within the run. The trivial view is never cached and carries no mark.
    assert measured["misses"] <= 1
    assert measured["requests"] > measured["hits"] + measured["misses"]
