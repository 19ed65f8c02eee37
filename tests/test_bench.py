"""The benchmark's judge: goals computed from measured figures (benchmarks/bench.py), without running it; and
its read API case, run against a small archive served by the test process."""

import datetime as dt
import os
import shutil

import pytest
from django.core.cache import caches

from benchmarks import bench
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
