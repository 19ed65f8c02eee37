"""Searched lists hold at most the first MAX_COUNTED + 1 matches: capped totals, pages and the admin's search."""

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import search
from events.caching import CACHE_ALIAS
from events.models import Incident, Status
from tests import factories as f
from tests.conftest import module_rows

pytestmark = pytest.mark.django_db

CAP = 6


@module_rows
def harbour_rows():
    """Nine incidents about a harbour (dates out of step with the order they were made), two about a market."""
    place = f.PlaceFactory(name="Bandar Abbas")
    for n in range(9):
        f.IncidentFactory(
            title=f"Harbour blast {n}", place=place, date=dt.date(2024, 1, 1) + dt.timedelta(days=(n * 5) % 9)
        )
    f.IncidentFactory(title="Harbour blast (draft)", place=place, status=Status.DRAFT)
    f.IncidentFactory(title="Market fire", place=place)
    f.IncidentFactory(title="Market raid", place=place)


@pytest.fixture
def capped(monkeypatch, settings, harbour_rows):
    monkeypatch.setattr(search, "MAX_COUNTED", CAP)
    settings.EVENTS_PAGE_SIZE = 4


def listed(client, **params):
    response = client.get(reverse("events:incident-list"), {"q": "harbour", **params})
    return response, [
        incident.title for incident in response.context["object_list"]
    ] if response.status_code == 200 else []


def test_a_search_above_the_cap_reads_cap_plus_and_says_so(client, capped):
    response, titles = listed(client)
    paginator = response.context["paginator"]
    assert (paginator.count, paginator.capped, paginator.num_pages) == (CAP, True, 2)
    content = response.content.decode()
    assert f"{CAP}+ incidents" in content
    assert f"Showing 1–4 of {CAP}+" in content
    assert f"More than {CAP} incidents match this search, so the count stops there" in content


def test_a_search_at_or_under_the_cap_is_counted_exactly(client, capped):
    response, titles = listed(client, q="market")
    assert (response.context["paginator"].count, response.context["paginator"].capped) == (2, False)
    assert sorted(titles) == ["Market fire", "Market raid"]
    assert "match this search, so the count stops there" not in response.content.decode()


def test_pages_up_to_the_cap_walk_the_first_matches_in_the_lists_order_once_each(client, capped):
    _response, first = listed(client)
    _response, second = listed(client, page=2)
    walked = first + second
    assert len(walked) == CAP and len(set(walked)) == CAP
    # In the list's own order (newest first, then title), across both pages.
    dates = {i.title: (i.date, i.title) for i in Incident.objects.filter(title__in=walked)}
    newest_first = sorted(walked, key=lambda title: (-dates[title][0].toordinal(), dates[title][1]))
    assert walked == newest_first
    # The same rows in the same order on every request.
    assert listed(client)[1] == first and listed(client, page=2)[1] == second


def test_a_page_past_the_cap_is_a_404_that_says_the_search_was_capped(client, capped):
    response, _titles = listed(client, page=3)
    assert response.status_code == 404
    content = response.content.decode()
    assert "There is no page “3” of this list: it has 2 pages of incidents." in content
    assert f"More than {CAP} incidents match this search, and a search lists only the first {CAP}" in content


def test_the_count_stops_at_the_cap_and_one_more(client, capped):
    with CaptureQueriesContext(connection) as queries:
        response, _titles = listed(client)
    # The search is run once, for its first CAP + 1 keys; the page and the facets read those, and the total is
    # their number: nothing counts the list again.
    (searched,) = [q["sql"] for q in queries if "events_search_incident" in q["sql"]]
    assert re.search(rf"LIMIT {CAP + 1}\b", searched) and "count(" not in searched.lower()
    totals = [q["sql"] for q in queries if "count(*)" in q["sql"].lower() and "GROUP BY" not in q["sql"]]
    assert totals == [] and response.context["paginator"].found == CAP + 1


def test_a_capped_searchs_facets_count_only_the_first_matches(client, capped):
    with CaptureQueriesContext(connection) as queries:
        response, _titles = listed(client)
    kinds = response.context["filter"].facet_counts["kind"]
    # Nine published harbour incidents match; the facets count the first CAP + 1 found, as the list holds.
    assert sum(kinds.values()) == CAP + 1
    # They group the keys the list's search read (one search for the page, the total and every facet).
    facets = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "UNION ALL" in q["sql"]]
    assert facets and "events_search" not in facets[0]
    assert len([q for q in queries if "events_search_incident" in q["sql"]]) == 1
    assert "the counts beside the filters are of those too" in response.content.decode()
    # Under the cap every match is counted.
    response, _titles = listed(client, q="market")
    assert sum(response.context["filter"].facet_counts["kind"].values()) == 2


def test_a_searched_lists_remembered_counts_follow_an_edit_that_makes_a_record_match(client, settings):
    """The facets of a searched list are remembered (the count cache) with what their search read, although the
    list reads the search's keys first and the facets reuse them: an edit that makes a record match moves them."""
    settings.COUNT_CACHE = True
    caches[CACHE_ALIAS].clear()
    f.IncidentFactory(title="Harbour blast", kind=Incident.Kind.BOMBING)
    other = f.IncidentFactory(title="Market fire", kind=Incident.Kind.ARSON)
    response = client.get(reverse("events:incident-list"), {"q": "harbour"})
    assert ">Bombing (1)</option>" in response.content.decode()
    assert ">Arson (0)</option>" in response.content.decode()
    other.title = "Harbour fire"
    other.save()
    response = client.get(reverse("events:incident-list"), {"q": "harbour"})
    assert sorted(incident.title for incident in response.context["object_list"]) == ["Harbour blast", "Harbour fire"]
    assert ">Arson (1)</option>" in response.content.decode()


def test_a_list_without_a_search_is_not_capped(client, capped):
    response = client.get(reverse("events:incident-list"))
    paginator = response.context["paginator"]
    assert (paginator.count, paginator.capped) == (11, False)


def test_the_export_of_a_capped_search_holds_every_match(client, capped):
    response = client.get(reverse("events:incident-export", kwargs={"format": "csv"}), {"q": "harbour"})
    body = b"".join(response.streaming_content).decode()
    assert sum(1 for line in body.splitlines() if "Harbour blast" in line) == 9


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.org", "pw"))
    return client


def test_the_admin_search_reads_the_index_and_stops_counting_at_the_cap(staff_client, capped):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(reverse("admin:events_incident_changelist"), {"q": "harbour"})
    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.capped) == (CAP, True)
    content = response.content.decode()
    assert f"More than {CAP} results: the first {CAP} are listed" in content
    assert f"{CAP}+ incidents" in content
    searched = [q["sql"] for q in queries if "events_search_incident" in q["sql"]]
    # The index is read once, for at most CAP + 1 matches: the total, the page and the date drill-down read
    # those keys; none counts the whole table.
    assert len(searched) == 1 and re.search(rf"LIMIT {CAP + 1}\b", searched[0])
    assert not [q for q in queries if re.fullmatch(r'SELECT COUNT\(\*\) AS "__count" FROM "events_incident"', q["sql"])]


def test_the_admin_search_under_the_cap_is_exact_and_finds_drafts(staff_client, capped):
    response = staff_client.get(reverse("admin:events_incident_changelist"), {"q": "harbour draft"})
    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.capped) == (1, False)
    assert [str(row) for row in cl.result_list] == ["Harbour blast (draft)"]
    assert "1 result" in response.content.decode()


def test_the_admin_search_keeps_the_lists_filters_inside_the_cap(staff_client, capped):
    # Drafts only: the first matches are taken among the filtered rows, not filtered afterwards.
    response = staff_client.get(reverse("admin:events_incident_changelist"), {"q": "harbour", "status__exact": "draft"})
    assert [str(row) for row in response.context["cl"].result_list] == ["Harbour blast (draft)"]
