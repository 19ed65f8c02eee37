"""The benchmark's judge: goals computed from measured figures (benchmarks/bench.py), without running it."""

from benchmarks import bench


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
