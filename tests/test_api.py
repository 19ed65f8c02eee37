"""The read API under /api/v1/: what it lists, how it pages, what it never shows, and its HTTP manners."""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.filters import IncidentFilter
from events.models import CasualtyFigure, Incident, Status
from tests import factories
from tests.conftest import module_rows

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

DRAFT = Status.DRAFT
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    cache.clear()


@module_rows
def api_rows():
    iran = factories.CountryFactory(name="Iran", slug="iran")
    iraq = factories.CountryFactory(name="Iraq", slug="iraq")
    kerman = factories.PlaceFactory(name="Kerman", slug="kerman", parent=iran)
    secret_org = factories.OrganizationFactory(name="Secret Front", slug="secret-front", status=DRAFT)
    hidden = factories.PersonFactory(name="Hidden Hand", slug="hidden-hand", status=DRAFT)
    incidents = [
        factories.IncidentFactory(
            title=f"Attack {n}",
            slug=f"attack-{n}",
            place=kerman if n % 3 else iraq,
            date=None if n == 4 else dt.date(2024, 1, 1 + n % 5),
            date_precision="" if n == 4 else "day",
            killed=None if n in (2, 5) else n * 7 % 11,
        )
        for n in range(9)
    ]
    draft = factories.IncidentFactory(title="Draft plot", slug="draft-plot", place=kerman, status=DRAFT, killed=99)
    only_draft = factories.SourceFactory(slug="draft-only-source", title="Draft only source")
    draft.sources.set([only_draft])
    factories.CasualtyFigureFactory(incident=draft, value=99)
    figure = factories.CasualtyFigureFactory(incident=incidents[0], value=12, rank=CasualtyFigure.Rank.PREFERRED)
    attribution = factories.AttributionFactory(incident=incidents[0], responsible_organization=secret_org)
    factories.RoleFactory(person=hidden, organization=secret_org)
    reaction = factories.ReactionFactory(incident=incidents[0], person=hidden, country=None, category="person")
    factories.ReactionFactory(incident=draft)
    return SimpleNamespace(
        incidents=incidents, draft=draft, figure=figure, attribution=attribution, reaction=reaction, kerman=kerman
    )


def walk(client, url, **params):
    """Every result of a list, following `next`, and the number of pages."""
    results, pages = [], 0
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        results += body["results"]
        pages += 1
        if not body["next"]:
            return results, pages
        response = client.get(body["next"])


def test_the_incident_list_gives_the_public_lists_records_with_the_same_filters(client, api_rows):
    for query in ({"place": "iran", "ordering": "most-killed"}, {"place": "kerman"}, {"ordering": "oldest"}, {}):
        shown = [incident.slug for incident in client.get("/incidents/", query).context["page_obj"]]
        listed, _pages = walk(client, "/api/v1/incidents/", page_size=2, **query)
        assert [row["slug"] for row in listed] == shown
        assert shown


def test_paging_by_cursor_meets_every_record_once_in_every_sort_order(client, api_rows):
    for ordering in IncidentFilter.ORDERINGS:
        whole, _ = walk(client, "/api/v1/incidents/", ordering=ordering, page_size=200)
        paged, pages = walk(client, "/api/v1/incidents/", ordering=ordering, page_size=2)
        assert [row["slug"] for row in paged] == [row["slug"] for row in whole], ordering
        assert len(paged) == 9 and pages == 5


def test_a_cursor_holds_its_place_when_a_record_is_added_before_it(client, api_rows):
    first = client.get("/api/v1/incidents/", {"ordering": "title", "page_size": 3}).json()
    factories.IncidentFactory(title="Aardvark attack", slug="aardvark")
    second = client.get(first["next"]).json()
    assert [row["slug"] for row in first["results"]] == ["attack-0", "attack-1", "attack-2"]
    assert [row["slug"] for row in second["results"]] == ["attack-3", "attack-4", "attack-5"]


def test_drafts_and_what_hangs_off_them_never_appear(client, api_rows):
    everything = b"".join(
        client.get(f"/api/v1/{prefix}/", {"page_size": 200}).content
        for prefix in ("incidents", "casualty-figures", "reactions", "people", "organizations", "roles", "sources")
    )
    for secret in (b"Draft plot", b"draft-plot", b"Hidden Hand", b"Secret Front", b"draft-only-source"):
        assert secret not in everything
    assert client.get("/api/v1/incidents/draft-plot/").status_code == 404
    assert client.get("/api/v1/people/hidden-hand/").status_code == 404
    figures = client.get("/api/v1/casualty-figures/").json()["results"]
    assert {row["value"] for row in figures} == {12}


def test_a_related_draft_is_named_by_a_neutral_phrase_without_slug_or_address(client, api_rows):
    attribution = client.get(f"/api/v1/attributions/{api_rows.attribution.key}/").json()
    unnamed = {"slug": None, "url": None, "name": "an unpublished organization"}
    assert attribution["responsible_organization"] == unnamed
    assert attribution["responsible"] == "an unpublished organization"
    reaction = client.get(f"/api/v1/reactions/{api_rows.reaction.slug}/").json()
    assert reaction["person"] == {"slug": None, "url": None, "name": "an unpublished person"}
    assert reaction["actor"] == "an unpublished person"


def test_a_record_gives_labels_beside_codes_dates_with_precision_and_related_records_by_address(client, api_rows):
    incident = client.get("/api/v1/incidents/attack-1/").json()
    assert (incident["kind"], incident["kind_label"]) == ("bombing", str(Incident.Kind.BOMBING.label))
    assert (incident["date"], incident["date_precision"], incident["date_precision_label"]) == (
        "2024-01-02",
        "day",
        "Day",
    )
    assert incident["place"]["slug"] == "kerman" and incident["page"].endswith("/incidents/attack-1/")
    place = client.get(incident["place"]["url"]).json()
    assert place["name"] == "Kerman" and place["parent"]["slug"] == "iran"
    figure = client.get(f"/api/v1/casualty-figures/{api_rows.figure.key}/").json()
    assert figure["rank_label"] == "Preferred" and figure["incident"]["slug"] == "attack-0"
    assert client.get(figure["incident"]["url"]).json()["title"] == "Attack 0"


def test_the_child_types_filter_by_the_record_they_belong_to(client, api_rows):
    listed = client.get("/api/v1/casualty-figures/", {"incident": "attack-0"}).json()["results"]
    assert [row["key"] for row in listed] == [api_rows.figure.key]
    assert client.get("/api/v1/casualty-figures/", {"incident": "attack-1"}).json()["results"] == []


def test_bad_filters_cursors_and_page_sizes_get_a_400_in_plain_words(client, api_rows):
    bad_place = client.get("/api/v1/incidents/", {"place": "atlantis"})
    assert bad_place.status_code == 400 and "place" in bad_place.json()
    for params in ({"cursor": "not-a-cursor"}, {"page_size": "0"}, {"page_size": "many"}):
        response = client.get("/api/v1/incidents/", params)
        assert response.status_code == 400 and response.json()["detail"], params
    # A cursor from one sort order is refused by another, not misread.
    cursor = parse_qs(urlsplit(client.get("/api/v1/incidents/", {"page_size": 1}).json()["next"]).query)["cursor"][0]
    other = client.get("/api/v1/incidents/", {"ordering": "title", "cursor": cursor})
    assert other.status_code == 400 and "another sort order" in other.json()["detail"]


def test_a_repeat_request_with_the_etag_is_a_304_until_an_edit_changes_the_answer(client, api_rows):
    first = client.get("/api/v1/incidents/attack-1/")
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"] and "public" in first["Cache-Control"]
    again = client.get("/api/v1/incidents/attack-1/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    # An edit elsewhere in the archive leaves this answer, and its validators, as they were.
    other = Incident.objects.get(slug="attack-2")
    other.summary = "Another record's correction."
    other.save()
    assert client.get("/api/v1/incidents/attack-1/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    listed = client.get("/api/v1/incidents/")
    assert "Another record's correction." in listed.content.decode()
    edited = Incident.objects.get(slug="attack-1")
    edited.summary = "This record's correction."
    edited.save()
    after = client.get("/api/v1/incidents/attack-1/", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag
    assert after.json()["summary"] == "This record's correction."
    # The list showed the edited record: its copy is no longer current either.
    assert client.get("/api/v1/incidents/", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200
    assert client.get("/api/v1/incidents/draft-plot/", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(client, settings, api_rows):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    answers = [client.get("/api/v1/places/", REMOTE_ADDR="203.0.113.5") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert client.get("/api/v1/places/", REMOTE_ADDR="203.0.113.6").status_code == 200


def test_the_rate_limit_counts_the_client_behind_a_trusted_proxy(client, settings, api_rows):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/minute"}}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get("/api/v1/places/", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 200
    assert client.get("/api/v1/places/", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 200
    assert client.get("/api/v1/places/", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 429


def test_the_api_is_open_to_other_origins_for_reading_and_the_pages_are_not(client, api_rows):
    listed = client.get("/api/v1/incidents/", HTTP_ORIGIN="https://notebook.example")
    assert listed["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in listed["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/incidents/", HTTP_ORIGIN="https://notebook.example")
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in client.get("/incidents/", HTTP_ORIGIN="https://notebook.example")
    assert client.post("/api/v1/incidents/").status_code == 405


def test_the_root_lists_every_type_the_api_serves(client, api_rows):
    root = client.get("/api/v1/").json()
    assert set(root) == {
        "incidents",
        "people",
        "organizations",
        "places",
        "reactions",
        "casualty-figures",
        "attributions",
        "roles",
        "timeline-entries",
        "sources",
    }
    for url in root.values():
        assert client.get(url).status_code == 200


def test_a_list_page_costs_the_same_queries_however_many_rows(client, api_rows, django_assert_max_num_queries):
    for prefix in ("incidents", "reactions", "people", "casualty-figures", "attributions", "sources"):
        with django_assert_max_num_queries(8):
            assert client.get(f"/api/v1/{prefix}/", {"page_size": 200}).status_code == 200


def test_a_page_after_a_cursor_reads_index_ranges_that_start_at_the_cursor(client, api_rows):
    """The keyset queries' shape, not their speed: no OFFSET, and every slice a SEARCH of the list's index with
    the cursor's values as equalities. A WHERE that ORs the slices together is bounded by the first column only
    and walks every row tied with the cursor there (docs/benchmarks.md, the API's last page)."""
    first = client.get("/api/v1/incidents/", {"ordering": "most-killed", "page_size": 3}).json()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(first["next"]).status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    assert not [text for text in sql if "OFFSET" in text.upper()]
    slices = [text for text in sql if text.startswith('SELECT "events_incident"."id" AS "pk"')]
    assert slices
    if connection.vendor != "sqlite":
        # PostgreSQL plans by its statistics and reads a table of a few rows whole whatever the query, so the
        # plan is pinned on SQLite, the database `make bench` measured it on.
        return
    plans = []
    with connection.cursor() as cursor:
        for text in slices:
            cursor.execute(f"EXPLAIN QUERY PLAN {text}")
            plans.append(" ".join(row[-1] for row in cursor.fetchall()))
    for plan in plans:
        assert "USING COVERING INDEX incident_list_killed_idx (status=? AND killed" in plan, plan
        assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan
    # The longest prefix first (the cursor's own killed, date and title, then the ids past it), then shorter.
    assert plans[0].endswith("(status=? AND killed=? AND date=? AND title=? AND rowid>?)"), plans[0]
    assert plans[-1].endswith("(status=? AND killed<?)"), plans[-1]
