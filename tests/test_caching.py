"""Speed at archive scale: the page cache and the counts that an edit invalidates at once, 304s on repeat
views, pagination whose cost does not grow with the page, and bounded option lists and timeline pages."""

import datetime as dt
import os
import re
import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import redis
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import caches
from django.core.cache.backends import locmem
from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.signals import post_init
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import parse_http_date

from events import aggregates, filters, revisions, search, signals, widget_memo
from events.caching import (
    CACHE_ALIAS,
    RANGE_BOUNDS,
    bump,
    carried_tags,
    column_tag,
    content_version,
    current_versions,
    range_tag,
    range_tags,
    search_changes,
    tags_of_models,
    tags_of_sql,
)
from events.models import Attribution, CasualtyFigure, Incident, Organization, Person, Reaction, SearchChange, Status
from events.models.base import shown_joins
from events.templatetags import fragments
from kerman_site.settings.base import shared_caches
from tests import factories as f
from tests.conftest import fresh, member_of, module_rows
from tests.test_admin import listed_now

pytestmark = pytest.mark.django_db


# A Redis to run the cache tests against as well (.ci/run starts one on loopback and sets it).
REDIS_URL = os.environ.get("REDIS_URL", "")


def use_redis(settings):
    """Both caches in the Redis at REDIS_URL, as production's DJANGO_CACHE_URL sets them, under a prefix of
    this test's own (no other test or process sees its entries); returns a cleanup."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the cache tests ran against local memory only (.ci/run sets it)")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"{prefix}-{alias}"} for alias, config in shared_caches(REDIS_URL).items()
    }

    def cleanup():
        server = redis.Redis.from_url(REDIS_URL)
        keys = list(server.scan_iter(f"{prefix}-*"))
        if keys:
            server.delete(*keys)

    return prefix, cleanup


@pytest.fixture(params=["local memory", "redis"])
def caching(request, settings):
    settings.PAGE_CACHE = True
    settings.COUNT_CACHE = True
    if request.param == "redis":
        _prefix, cleanup = use_redis(settings)
        yield
        cleanup()
    else:
        caches[CACHE_ALIAS].clear()
        yield
        caches[CACHE_ALIAS].clear()


# A shared cache


def test_what_one_worker_caches_another_reads_from_redis_until_an_edit(client, settings):
    settings.PAGE_CACHE = True
    settings.COUNT_CACHE = True
    prefix, cleanup = use_redis(settings)
    try:
        incident = f.IncidentFactory(title="Shared once")
        url = reverse("events:incident-list")
        assert get(client, url)["X-Page-Cache"] == "miss"
        # Another worker: its own connection to the same Redis.
        server = redis.Redis.from_url(REDIS_URL)
        stored = {key.decode().split(":", 2)[-1].split(":")[0] for key in server.scan_iter(f"{prefix}-*")}
        assert {"page", "facets"} <= stored  # the list's total is kept with the records (events/aggregates.py)
        caches.close_all()
        assert get(client, url)["X-Page-Cache"] == "hit"
        incident.title = "Shared twice"
        incident.save()
        response = get(client, url)
        assert response["X-Page-Cache"] == "miss" and "Shared twice" in response.content.decode()
    finally:
        cleanup()


def test_a_shared_cache_that_is_down_costs_speed_not_the_page(client, settings, caplog):
    settings.PAGE_CACHE = True
    settings.COUNT_CACHE = True
    settings.CACHES = shared_caches("redis://127.0.0.1:1/0")  # nothing listens on port 1
    f.IncidentFactory(title="Served without a cache")
    for _ in range(2):
        response = get(client, reverse("events:incident-list"))
        assert response.status_code == 200 and response["X-Page-Cache"] == "miss"
        assert "Served without a cache" in response.content.decode()
    assert "The shared cache did not answer" in caplog.text


def get(client, url, **headers):
    return client.get(url, headers=headers)


# The page cache


def test_a_repeat_view_is_served_from_the_cache_with_one_query(client, caching):
    f.IncidentFactory(title="Cached incident")
    url = reverse("events:incident-list")
    assert get(client, url)["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        response = get(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert "Cached incident" in response.content.decode()
    assert len(queries) == 1  # the content version


def test_a_saved_change_shows_on_the_next_request(client, caching):
    incident = f.IncidentFactory(title="Before the edit")
    url = incident.get_absolute_url()
    assert "Before the edit" in get(client, url).content.decode()
    assert "Before the edit" in get(client, reverse("events:incident-list")).content.decode()
    incident.title = "After the edit"
    incident.save()
    assert "After the edit" in get(client, url).content.decode()
    assert "After the edit" in get(client, reverse("events:incident-list")).content.decode()


def test_an_edit_in_the_admin_shows_on_the_next_request(client, staff_client, caching):
    draft = f.IncidentFactory(title="Waiting for review", status=Status.IN_REVIEW)
    anonymous = client_class_instance(client)
    url = reverse("events:incident-list")
    assert "Waiting for review" not in get(anonymous, url).content.decode()
    response = staff_client.post(
        reverse("admin:events_incident_changelist"),
        {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk], "listed_at": listed_now()},
    )
    assert response.status_code == 302
    assert Incident.objects.get(pk=draft.pk).status == Status.PUBLISHED
    assert "Waiting for review" in get(anonymous, url).content.decode()


def client_class_instance(client):
    """A fresh anonymous client beside a logged-in one."""
    return type(client)()


def test_deleting_and_relating_records_invalidates_too(caching):
    incident = f.IncidentFactory()
    version = content_version()[0]
    incident.sources.add(f.SourceFactory())
    assert content_version()[0] > version
    version = content_version()[0]
    incident.delete()
    assert content_version()[0] > version


def test_repeat_view_with_the_etag_gets_304_until_an_edit(client, caching):
    incident = f.IncidentFactory()
    url = reverse("events:incident-list")
    first = get(client, url)
    assert first["Cache-Control"] == "no-cache" and first["Last-Modified"]
    etag = first["ETag"]
    repeat = get(client, url, if_none_match=etag)
    assert repeat.status_code == 304
    assert repeat.content == b""
    assert get(client, url, if_modified_since=first["Last-Modified"]).status_code == 304
    incident.title = "Changed"
    incident.save()
    changed = get(client, url, if_none_match=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_staff_are_never_served_a_cached_anonymous_page(client, staff_client, caching):
    draft = f.IncidentFactory(title="Draft under review", status=Status.DRAFT)
    anonymous = client_class_instance(client)
    assert get(anonymous, draft.get_absolute_url()).status_code == 404
    preview = get(staff_client, draft.get_absolute_url())
    assert preview.status_code == 200
    assert "X-Page-Cache" not in preview and "no-store" in preview["Cache-Control"]
    assert get(anonymous, draft.get_absolute_url()).status_code == 404  # the preview was not stored
    url = reverse("events:incident-list")
    assert get(anonymous, url)["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in get(staff_client, url)


@pytest.mark.parametrize(
    "headers",
    [{"if_none_match": "*"}, {"if_modified_since": "Fri, 01 Jan 2100 00:00:00 GMT"}],
    ids=["if-none-match-star", "future-if-modified-since"],
)
def test_a_conditional_request_for_a_missing_or_draft_page_gets_its_404_not_304(client, caching, headers):
    draft = f.IncidentFactory(status=Status.DRAFT)
    f.IncidentFactory()  # the archive has changed at least once: there is a Last-Modified to compare with
    for url in [draft.get_absolute_url(), "/incidents/no-such-incident/", "/no-such-page/"]:
        for _ in range(2):  # whether or not anything is cached
            assert get(client, url, **headers).status_code == 404, url


def test_a_conditional_request_for_a_published_page_still_gets_304(client, caching):
    url = f.IncidentFactory().get_absolute_url()
    assert get(client, url, if_none_match="*").status_code == 304  # on a miss: the view ran and said 200
    assert get(client, url, if_none_match="*").status_code == 304  # on a hit
    # A date later than now is no date the page had: the page itself, not a 304.
    assert get(client, url, if_modified_since="Fri, 01 Jan 2100 00:00:00 GMT").status_code == 200


def test_a_cached_page_gets_a_fresh_csp_nonce_for_every_reader(client, caching):
    from tests.test_security import csp_nonce

    url = f.IncidentFactory().get_absolute_url()
    responses = [get(client, url) for _ in range(3)]
    assert [r["X-Page-Cache"] for r in responses] == ["miss", "hit", "hit"]
    nonces = [csp_nonce(r) for r in responses]
    assert all(nonces) and len(set(nonces)) == 3
    for response, nonce in zip(responses, nonces, strict=True):
        body = response.content.decode()
        assert f'nonce="{nonce}"' in body  # the JSON-LD block carries this response's nonce
        assert body.count("nonce=") == body.count(f'nonce="{nonce}"')


def test_the_page_cache_stays_out_of_the_admin_and_the_health_check(client, caching):
    assert "X-Page-Cache" not in get(client, reverse("admin:login"))
    assert "X-Page-Cache" not in get(client, reverse("healthz"))


# Counts


def test_counts_are_cached_per_filter_state_and_follow_an_edit(client, caching, settings):
    settings.PAGE_CACHE = False  # the view runs every time; only its counts are remembered
    f.IncidentFactory.create_batch(3, kind=Incident.Kind.BOMBING)
    url = reverse("events:incident-list")
    with CaptureQueriesContext(connection) as first:
        client.get(url, {"kind": "bombing"})
    with CaptureQueriesContext(connection) as again:
        response = client.get(url, {"kind": "bombing"})
    assert len(again) < len(first)
    assert response.context["paginator"].count == 3
    f.IncidentFactory(kind=Incident.Kind.BOMBING)
    assert client.get(url, {"kind": "bombing"}).context["paginator"].count == 4


def test_the_cached_filter_form_follows_the_sort_and_an_edit(client, caching, settings):
    settings.PAGE_CACHE = False
    f.IncidentFactory.create_batch(2, kind=Incident.Kind.BOMBING)
    url = reverse("events:incident-list")
    assert '<option value="most-killed" selected>' in client.get(url, {"ordering": "most-killed"}).content.decode()
    page = client.get(url, {"ordering": "title"}).content.decode()
    assert '<option value="title" selected>' in page
    assert '<option value="most-killed" selected>' not in page
    assert "Bombing (2)" in page
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"ordering": "title"})
    # An order is no filter: the repeat runs only the version, the stored counts' totals (nothing grouped) and
    # the page's rows, as the unfiltered list's does.
    assert len(queries) == 3 and "events_facetcount" in queries[0]["sql"], [q["sql"][:200] for q in queries]
    assert not [query for query in queries if "GROUP BY" in query["sql"]]
    client.get(url)
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    assert len(plain) == len(queries)
    f.IncidentFactory(kind=Incident.Kind.BOMBING)
    assert "Bombing (3)" in client.get(url, {"ordering": "title"}).content.decode()


def test_an_edit_that_changes_nothing_the_filter_form_shows_draws_none_of_its_widgets(client, caching, settings):
    settings.PAGE_CACHE = False
    f.IncidentFactory.create_batch(2, kind=Incident.Kind.BOMBING)
    url = reverse("events:incident-list")
    drawn = widget_memo.renderer.draws
    first = client.get(url, {"kind": "bombing"})
    assert widget_memo.renderer.draws > drawn  # new places: new <select>s
    signals.after_bulk_write()  # every cached count and fragment is out of date; nothing the form shows changed
    drawn = widget_memo.renderer.draws
    again = client.get(url, {"kind": "bombing"})
    assert "includes/filter_form.html" in [template.name for template in again.templates]  # redrawn, but
    assert widget_memo.renderer.draws == drawn  # from the widgets remembered for what they show
    assert (
        again.content.decode().split('<form class="filters"')[1]
        == first.content.decode().split('<form class="filters"')[1]
    )


def test_a_new_count_or_a_renamed_option_shows_in_the_filter_form_at_once(client, caching, settings):
    settings.PAGE_CACHE = False
    town = f.PlaceFactory(name="Town A")
    f.IncidentFactory(kind=Incident.Kind.BOMBING, place=town)
    url = reverse("events:incident-list")
    page = client.get(url).content.decode()
    assert "Bombing (1)" in page and "Town A (1)" in page
    f.IncidentFactory(kind=Incident.Kind.BOMBING, place=town)
    page = client.get(url).content.decode()
    assert "Bombing (2)" in page and "Town A (2)" in page and "Bombing (1)" not in page
    town.name = "Town B"
    town.save()
    page = client.get(url).content.decode()
    assert "Town B (2)" in page and "Town A" not in page


# Pagination


def test_a_deep_page_shows_the_same_rows_as_an_offset(client, settings):
    settings.EVENTS_PAGE_SIZE = 3
    f.IncidentFactory.create_batch(10)
    expected = list(Incident.objects.for_list().values_list("title", flat=True))
    shown = []
    for page in range(1, 5):
        shown += [i.title for i in client.get(reverse("events:incident-list"), {"page": page}).context["object_list"]]
    assert shown == expected


def test_a_deep_page_costs_one_query_more_than_the_first_whatever_its_depth(client, settings):
    settings.EVENTS_PAGE_SIZE = 2
    f.IncidentFactory.create_batch(12)
    url = reverse("events:incident-list")
    counts = []
    for page in (1, 2, 6):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page": page}).status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2] == counts[0] + 1


# Option lists


def test_a_long_choice_of_records_lists_only_the_options_giving_most_rows(client, monkeypatch):
    monkeypatch.setattr(filters, "MAX_OPTIONS", 2)
    places = [f.PlaceFactory(name=f"Town {i}") for i in range(4)]
    for count, place in zip((1, 3, 2, 1), places, strict=True):
        f.IncidentFactory.create_batch(count, place=place)
    response = client.get(reverse("events:incident-list"), {"place": places[3].slug})
    select = response.content.decode().split('name="place"')[1].split("</select>")[0]
    assert "Town 1 (3)" in select and "Town 2 (2)" in select  # the two largest
    assert "Town 3 (1)" in select  # the chosen one
    assert "Town 0" not in select
    assert response.context["paginator"].count == 1


def test_a_narrow_search_does_not_list_every_record_of_a_long_choice(client, monkeypatch):
    monkeypatch.setattr(filters, "MAX_OPTIONS", 2)
    places = [f.PlaceFactory(name=f"Town {i}") for i in range(4)]
    for index, place in enumerate(places):
        f.IncidentFactory(place=place, title=f"Incident {'needle' if index == 2 else 'hay'} {index}")
    response = client.get(reverse("events:incident-list"), {"q": "needle"})
    select = response.content.decode().split('name="place"')[1].split("</select>")[0]
    assert "Town 2 (1)" in select
    assert "Town 0" not in select and "Town 1" not in select and "Town 3" not in select


def test_a_short_choice_lists_every_option_even_without_rows(client):
    places = [f.PlaceFactory(name=f"Town {i}") for i in range(3)]
    f.IncidentFactory(place=places[0], title="Incident needle")
    f.IncidentFactory(place=places[1], title="Incident hay")
    response = client.get(reverse("events:incident-list"), {"q": "needle"})
    select = response.content.decode().split('name="place"')[1].split("</select>")[0]
    assert "Town 0 (1)" in select and "Town 1 (0)" in select


# The timeline


def test_the_timeline_pages_by_date_without_repeating_or_losing_items(client, settings):
    settings.EVENTS_TIMELINE_SIZE = 3
    for day in range(1, 8):
        f.IncidentFactory(title=f"Day {day}", date=dt.date(2020, 1, day), date_precision="day")
    url = reverse("events:timeline")
    seen, query, pages = [], {}, 0
    while True:
        response = client.get(url, query)
        titles = [item.title for _y, months in response.context["years"] for _l, items in months for item in items]
        seen += titles
        pages += 1
        later = response.context["later_query"]
        if not later:
            break
        assert 'rel="next"' in response.content.decode()
        query = dict(pair.split("=") for pair in later.split("&"))
    assert seen == [f"Day {day}" for day in range(1, 8)]
    assert pages == 3
    assert response.context["earlier_query"]


# Invalidating what changed ----------------------------------------------------------------------------------
# One archive for the section (module rows): two incidents far apart, and around incident A one row of every
# kind that hangs off it. Each test edits one record in its own savepoint and reads the pages from two
# "workers": two page caches that share nothing but the database's tag versions, as two gunicorn workers or
# two servers with local-memory caches do.


@module_rows
def archive_rows():
    near, far = f.PlaceFactory(name="Nearville"), f.PlaceFactory(name="Farville")
    source = f.SourceFactory(title="Daily Record", slug="daily-record")
    person, organization = f.PersonFactory(name="Pat Speaker"), f.OrganizationFactory(name="Group One")
    a = f.IncidentFactory(title="Incident Alpha", place=near, date=dt.date(2024, 1, 3), sources=[source])
    b = f.IncidentFactory(title="Incident Bravo", place=far, date=dt.date(2023, 5, 1))
    reaction = f.ReactionFactory(
        incident=a, category="domestic", person=person, country=None, summary="Said something", sources=[source]
    )
    # Collections a list's rows show (a reaction's stances, a person's nationalities), each through a link table.
    stance, country = f.StanceFactory(name="Concern", slug="concern"), f.CountryFactory(name="Ruritania")
    reaction.stances.add(stance)
    person.nationalities.add(country)
    figure = f.CasualtyFigureFactory(incident=a, value=42, rank="preferred", sources=[source])
    attribution = f.AttributionFactory(incident=a, responsible_organization=organization, summary="Claimed it")
    claim = f.IncidentClaimFactory(incident=a, value="a truck bomb", sources=[source])
    entry = f.TimelineEntryFactory(incident=a, title="Roads closed", sources=[source])
    charlie = f.IncidentFactory(title="Incident Charlie", place=near, date=dt.date(2024, 1, 4))
    link = f.IncidentLinkFactory(from_incident=a, to_incident=charlie, note="Same week", sources=[source])
    return SimpleNamespace(**locals())


@pytest.fixture
def archive(archive_rows):
    return fresh(archive_rows)


@pytest.fixture
def workers(settings):
    """Two workers' page caches (each its own local memory), and the count cache on."""
    settings.PAGE_CACHE = True
    settings.COUNT_CACHE = True
    names = ["worker-a", "worker-b"]
    for name in names:
        with worker(name):
            caches[CACHE_ALIAS].clear()
    yield names


@contextmanager
def worker(name):
    config = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
    with override_settings(CACHES={"default": config, CACHE_ALIAS: config}):
        yield


def read(client, url, name):
    with worker(name):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def served(client, urls, workers):
    """Each page read twice by each worker: the second read must come from its cache."""
    for name in workers:
        for url in urls:
            read(client, url, name)
            assert read(client, url, name)["X-Page-Cache"] == "hit", url


def url(name, *slug, **query):
    address = reverse(f"events:{name}", args=slug)
    return f"{address}?{urlencode(query)}" if query else address


def export(name):
    return reverse(f"events:{name}-export", kwargs={"format": "csv"})


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# For each kind of record: the change, the word it puts on the page, and the pages that show it.
EDITS = {
    "incident": ("a", "title", "Incident Zulu", ["incident-list", "home", "alpha", "nearville", "reaction", "feed"]),
    "person": ("person", "name", "Pat Zulu", ["person-list", "person", "reaction", "alpha"]),
    "organization": ("organization", "name", "Group Zulu", ["organization-list", "organization", "alpha"]),
    "place": ("near", "name", "Zuluville", ["place-list", "nearville", "alpha", "incident-list"]),
    "reaction": ("reaction", "summary", "Said zulu", ["reaction-list", "reaction", "alpha", "person"]),
    "source": ("source", "title", "Zulu Record", ["alpha", "reaction"]),
    "figure": ("figure", "value", 777, ["alpha", "incident-list", "home"]),
    "attribution": ("attribution", "summary", "Zulu claimed it", ["alpha"]),
    "claim": ("claim", "value", "a zulu bomb", ["alpha"]),
    "timeline entry": ("entry", "title", "Zulu roads closed", ["alpha"]),
    "incident link": ("link", "note", "Zulu week", ["alpha"]),
}


def pages(archive):
    a = archive.a
    return {
        "incident-list": url("incident-list"),
        "person-list": url("person-list"),
        "organization-list": url("organization-list"),
        "place-list": url("place-list"),
        "reaction-list": url("reaction-list"),
        "home": url("home"),
        "feed": url("feed"),
        "sitemap": reverse("sitemap"),
        "alpha": a.get_absolute_url(),
        "bravo": archive.b.get_absolute_url(),
        "nearville": archive.near.get_absolute_url(),
        "farville": archive.far.get_absolute_url(),
        "reaction": archive.reaction.get_absolute_url(),
        "person": archive.person.get_absolute_url(),
        "organization": archive.organization.get_absolute_url(),
        "bravo-list": url("incident-list", place=archive.far.slug),
    }


@pytest.mark.parametrize("kind", EDITS)
def test_an_edit_shows_at_once_on_every_page_that_shows_it_in_every_worker(client, archive, workers, kind):
    row, field, value, shown_on = EDITS[kind]
    addresses = pages(archive)
    urls = [addresses[name] for name in shown_on]
    served(client, urls, workers)
    record = getattr(archive, row)
    setattr(record, field, value)
    record.save()
    for name in workers:
        for address in urls:
            assert str(value) in body(read(client, address, name)), (kind, address, name)


# A change that a page does not show leaves it cached: each edit below changes what the record's own pages
# show, and incident A's (every row belongs to a record). The other pages: the other incident, its place, the
# incident list filtered to that place, and the lists of other kinds, less the lists that name the record
# (a list's filter options name people, organizations and places; the reaction list names incident A).
UNSHOWN = {
    "incident": ("a", "description", "A longer account"),
    "person": ("person", "description", "A longer biography"),
    "organization": ("organization", "description", "A longer history"),
    "place": ("near", "description", "A longer description"),
    "reaction": ("reaction", "quote", "Words said"),
    "source": ("source", "publisher", "Zulu Press"),
    "figure": ("figure", "note", "Counted again"),
    "attribution": ("attribution", "quote", "Words said"),
    "claim": ("claim", "note", "Checked"),
    "timeline entry": ("entry", "description", "Roads closed for a day"),
    "incident link": ("link", "note", "Same month"),
}
ELSEWHERE = ["bravo", "farville", "bravo-list", "person-list", "organization-list", "place-list"]
NAMED_BY = {
    "person": ["person-list"],
    "organization": ["organization-list", "bravo-list"],
    "place": ["place-list", "bravo-list"],
}


@pytest.mark.parametrize("kind", UNSHOWN)
def test_an_edit_leaves_pages_that_do_not_show_it_cached(client, archive, workers, kind):
    row, field, value = UNSHOWN[kind]
    addresses = pages(archive)
    elsewhere = [page for page in ELSEWHERE if page not in NAMED_BY.get(kind, ())]
    served(client, [addresses[name] for name in elsewhere], workers)
    record = getattr(archive, row)
    setattr(record, field, value)
    record.save()
    missed = []
    for name in workers:
        for page in elsewhere:
            with CaptureQueriesContext(connection) as queries:
                response = read(client, addresses[page], name)
            if response["X-Page-Cache"] != "hit" or len(queries) != 1:
                missed.append((page, name))
    assert missed == [], missed


# Every page against itself drawn afresh after each kind of change, publishing among them: whatever a page shows
# of the changed record, a worker that cached the page before the change does not serve that copy unless it is
# what a fresh draw shows. (A page the worker draws anew is the database's as it is now; its counts and filter
# form follow the tests above.) Renames of every kind: test_an_edit_shows_at_once_on_every_page_that_shows_it.
def _save(row, **values):
    def change(archive):
        record = getattr(archive, row)
        for field, value in values.items():
            setattr(record, field, value)
        record.save()

    return change


CHANGES = {
    "incident renamed": _save("a", title="Incident Zulu"),
    "incident unpublished": _save("b", status=Status.UNPUBLISHED),
    "incident moved": lambda archive: _save("a", place=archive.far)(archive),
    "person renamed": _save("person", name="Pat Zulu"),
    "person unpublished": _save("person", status=Status.DRAFT),
    "organization unpublished": _save("organization", status=Status.UNPUBLISHED),
    "place unpublished": _save("near", status=Status.DRAFT),
    "reaction unpublished": _save("reaction", status=Status.UNPUBLISHED),
    "reaction added": lambda archive: f.ReactionFactory(incident=archive.b, summary="Said yankee"),
    "figure changed": _save("figure", value=777),
    "attribution deleted": lambda archive: archive.attribution.delete(),
    "claim edited": _save("claim", value="a zulu bomb"),
    "timeline entry edited": _save("entry", title="Zulu roads closed"),
    # A place's page reads the entries in its places by key first (events/models/incidents.py).
    "timeline entry placed": lambda archive: _save("entry", place=archive.near)(archive),
    "timeline entry added in a place": lambda archive: f.TimelineEntryFactory(
        incident=archive.a, place=archive.near, title="Zulu checkpoint"
    ),
    "incident link deleted": lambda archive: archive.link.delete(),
    "source no longer cited": lambda archive: archive.a.sources.remove(archive.source),
    # What a list's rows carry (drawn once per record and remembered: caching.drawn_records).
    "stance renamed": _save("stance", name="Zulu alarm"),
    "stance added to a reaction": lambda archive: archive.reaction.stances.add(f.StanceFactory(name="Zulu anger")),
    "reaction given a stance from the stance's side": lambda archive: f.StanceFactory(name="Zulu grief").reactions.add(
        archive.reaction
    ),
    "stance taken off a reaction": lambda archive: archive.reaction.stances.remove(archive.stance),
    "nationality renamed": _save("country", name="Zululand"),
    "nationality taken off a person": lambda archive: archive.person.nationalities.remove(archive.country),
    "incidents rewritten without signals": lambda archive: _rewritten_in_bulk(archive.a, title="Incident Zulu"),
    # What a record page's rows carry (drawn once per row, the page's record standing for itself).
    "a figure's source no longer cited": lambda archive: archive.figure.sources.remove(archive.source),
    "source renamed": _save("source", title="Zulu Record"),
    "attribution reworded": _save("attribution", summary="Zulu claimed it"),
}


def _rewritten_in_bulk(record, **values):
    with signals.bulk_write(type(record)):
        type(record).objects.filter(pk=record.pk).update(**values)


# Each reader's own nonce (django-csp) is the only part of a page that differs from one request to the next.
NONCE = re.compile(r'nonce="[^"]*"')


def as_drawn(response):
    return response.status_code, NONCE.sub('nonce=""', body(response)) if response.status_code == 200 else ""


@pytest.fixture(scope="module")
def pages_before_any_change():
    """A worker's cache holding every page of the module's archive as it is before any change, and a function
    giving a worker that starts from a copy of it (local memory's own store, copied: each test then reads the
    pages through a worker that cached them before its change, without drawing them all again)."""
    with worker("before-any-change"):
        caches[CACHE_ALIAS].clear()
    filled = []

    @contextmanager
    def copy(addresses):
        if not filled:
            with override_settings(PAGE_CACHE=True, COUNT_CACHE=True):
                served(Client(), addresses, ["before-any-change"])
            filled.append(True)
        stores = [store["before-any-change"] for store in (locmem._caches, locmem._expire_info)]
        saved = [store.copy() for store in stores]
        try:
            yield "before-any-change"
        finally:
            for store, entries in zip(stores, saved, strict=True):
                store.clear()
                store.update(entries)

    return copy


def every_page(archive):
    return [
        *pages(archive).values(),
        url("search", q="Alpha"),
        url("incident-list", q="Nearville"),
        url("reaction-list", q="said"),
        url("timeline"),
        url("incident-list", ordering="most-killed"),
    ]


def stale_pages(client, addresses, reader):
    """The addresses `reader` serves as something else than the page drawn afresh with every cache off (whole,
    the CSP nonce aside), and how many it served from its cache. A page it draws anew is compared too: it draws
    it with the counts and rows it remembers from before."""
    stale, compared = [], 0
    for address in addresses:
        cached = read_any(client, address, reader)
        compared += cached.get("X-Page-Cache") == "hit"
        # A context, not `settings.X = ...`: each assignment to pytest-django's `settings` nests one more
        # override for the rest of the test, and every settings read walks them all (60 deep on average here).
        with override_settings(PAGE_CACHE=False, COUNT_CACHE=False), worker("afresh"):
            caches[CACHE_ALIAS].clear()
            drawn = client.get(address)
        if as_drawn(cached) != as_drawn(drawn):
            stale.append(address)
    return stale, compared


@pytest.mark.parametrize("change", CHANGES)
def test_after_any_change_every_cached_page_is_the_page_drawn_afresh(
    client, archive, workers, pages_before_any_change, change
):
    addresses = every_page(archive)
    with pages_before_any_change(addresses) as reader:
        CHANGES[change](archive)
        stale, compared = stale_pages(client, addresses, reader)
    assert stale == [] and compared, (stale, compared)


def test_a_pending_revision_shows_nowhere_and_a_published_or_restored_one_everywhere(client, archive, workers):
    """The review workflow writes through revisions: an editor's change is rolled back into a pending revision,
    a reviewer's publishing or restoring applies a whole snapshot (rows deleted, ranks rewritten by an UPDATE,
    the headline figures recomputed). Pages cached before each step are the pages drawn afresh after it."""
    reviewer, editor = member_of("Reviewer", "rev"), member_of("Editor", "ed")
    first = revisions.record_if_changed(archive.a, reason="As first published")
    with revisions.reviewed_write(reviewer, reason="A second toll"):
        archive.figure.rank = "reported"
        archive.figure.save()
        f.CasualtyFigureFactory(incident=archive.a, value=120, rank="preferred")
    addresses = [*every_page(archive), url("incident-list", min_killed=50), url("incident-list", min_killed=100)]
    reader = workers[0]

    def check(step):
        stale, compared = stale_pages(client, addresses, reader)
        assert stale == [] and compared, (step, stale, compared)
        for address in addresses:  # cached again, for the next step
            read_any(client, address, reader)

    served(client, addresses, [reader])
    with revisions.reviewed_write(editor, reason="Retitled") as scope:
        incident = Incident.objects.get(pk=archive.a.pk)
        incident.title = "Incident Unapproved"
        incident.save()
    assert len(scope.pending) == 1
    check("an editor's pending change")
    assert all("Incident Unapproved" not in body(read_any(client, address, reader)) for address in addresses)
    revisions.publish(scope.pending[0], reviewer)
    check("the pending change published")
    assert "Incident Unapproved" in body(read_any(client, archive.a.get_absolute_url(), reader))
    revisions.restore(first, reviewer)
    check("the first revision restored")
    assert Incident.objects.get(pk=archive.a.pk).killed == 42


def read_any(client, url, name):
    """A page as a worker serves it, whatever its status (a record unpublished since is a 404)."""
    with worker(name):
        return client.get(url)


@pytest.fixture
def drawings(monkeypatch):
    """The records drawn as rows (caching.drawn_records) since the last look, by their names."""
    drawn = []
    draw = fragments._item

    def counting(record, heading):
        drawn.append(str(record))
        return draw(record, heading)

    monkeypatch.setattr(fragments, "_item", counting)

    def since():
        seen = sorted(drawn)
        drawn.clear()
        return seen

    return since


def test_a_record_drawn_as_a_row_is_drawn_again_only_when_what_it_shows_changes(client, archive, settings, drawings):
    """Page cache off: every page runs its view, and the rows it lists come from the drawings another page made."""
    settings.COUNT_CACHE = True
    with worker("rows"):
        incidents = ["Incident Alpha", "Incident Bravo", "Incident Charlie"]
        client.get(url("incident-list"))
        assert drawings() == incidents
        for address in (url("incident-list", ordering="most-killed"), url("home"), archive.near.get_absolute_url()):
            assert client.get(address).status_code == 200
            assert drawings() == [], address  # the same rows: another order, the home page, a place's page
        client.get(url("search", q="Incident"))
        assert drawings() == incidents  # under a heading of another level
        client.get(url("search", q="Incident Alpha"))
        assert drawings() == []
        client.get(url("place-list"))
        assert drawings() == ["Farville", "Nearville", "Ruritania"]

        archive.a.title = "Incident Zulu"
        archive.a.save()
        response = client.get(url("incident-list"))
        assert drawings() == ["Incident Zulu"] and "Incident Zulu" in body(response)
        client.get(url("reaction-list"))
        drawings()
        archive.stance.name = "Zulu alarm"
        archive.stance.save()
        assert "Zulu alarm" in body(client.get(url("reaction-list")))
        assert drawings() == [str(archive.reaction)]
        client.get(url("place-list"))
        assert drawings() == []  # no place changed


def test_a_lists_page_loads_only_the_records_whose_rows_it_draws_anew(client, archive, settings):
    """With the rows remembered, a list reads its page's keys and loads a record (with its joins and collections)
    only to draw its row anew."""
    settings.COUNT_CACHE = True
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance.title)

    post_init.connect(count, sender=Incident)
    try:

        def titles_loaded(address):
            loaded.clear()
            with worker("keys"):
                assert client.get(address).status_code == 200
            return sorted(loaded)

        assert titles_loaded(url("incident-list")) == ["Incident Alpha", "Incident Bravo", "Incident Charlie"]
        assert titles_loaded(url("incident-list")) == []
        assert titles_loaded(url("incident-list", ordering="most-killed")) == []
        archive.a.title = "Incident Zulu"
        archive.a.save()
        assert titles_loaded(url("incident-list", ordering="most-killed")) == ["Incident Zulu"]
        titles_loaded(url("search", q="Incident"))  # searched: the matches shown are found with their rows
        assert titles_loaded(url("search", q="Incident")) == []
    finally:
        post_init.disconnect(count, sender=Incident)


def test_a_record_pages_rows_are_drawn_again_only_when_what_they_show_changes(client, archive, settings):
    settings.COUNT_CACHE = True
    rows = ("figure_row", "timeline_entry", "attribution_entry", "incident_reaction_row")

    def drawn(address):
        response = client.get(address)
        names = [template.name.rsplit("/", 1)[-1].removesuffix(".html") for template in response.templates]
        return {row: names.count(row) for row in rows}, body(response)

    with worker("record rows"):
        page = archive.a.get_absolute_url()
        assert drawn(page)[0] == dict.fromkeys(rows, 1)
        with CaptureQueriesContext(connection) as queries:
            assert drawn(page)[0] == dict.fromkeys(rows, 0)
        # The remembered rows of every table are checked with one read of versions, not one per table.
        assert sum("events_cachetag" in query["sql"] for query in queries.captured_queries) == 1
        archive.entry.title = "Zulu roads closed"
        archive.entry.save()
        counts, shown = drawn(page)
        assert counts == {**dict.fromkeys(rows, 0), "timeline_entry": 1} and "Zulu roads closed" in shown
        archive.person.name = "Pat Zulu"  # who reacted
        archive.person.save()
        counts, shown = drawn(page)
        assert counts == {**dict.fromkeys(rows, 0), "incident_reaction_row": 1} and "Pat Zulu" in shown


def test_rows_drawn_for_one_address_serve_another_from_local_memory_or_the_shared_cache(client, caching, drawings):
    f.IncidentFactory(title="Drawn once")
    assert client.get(url("incident-list"))["X-Page-Cache"] == "miss"
    assert drawings() == ["Drawn once"]
    caches.close_all()  # a shared cache: the next request opens a connection of its own
    response = client.get(url("incident-list", ordering="most-killed"))
    assert response["X-Page-Cache"] == "miss" and "Drawn once" in body(response)
    assert drawings() == []


def test_drawn_rows_are_kept_apart_from_pages_and_counts(client, settings):
    """Thousands of rows must never push a page or a count out of a bounded store (local memory's MAX_ENTRIES)."""
    settings.PAGE_CACHE = settings.COUNT_CACHE = True
    with override_settings(CACHES=settings.CACHES):  # the settings' own stores, emptied
        for alias in (CACHE_ALIAS, "rows"):
            caches[alias].clear()
        f.IncidentFactory(title="Kept apart")
        client.get(url("incident-list"))
        rows = [key for key in caches["rows"]._cache if ":item:" in key]
        pages = [key for key in caches[CACHE_ALIAS]._cache if ":item:" in key]
        assert len(rows) == 1 and pages == []
        assert any(":page:" in key for key in caches[CACHE_ALIAS]._cache)


def test_the_timeline_draws_an_item_again_only_when_what_it_shows_changes(client, archive, settings):
    settings.COUNT_CACHE = True

    def drawn(address):
        response = client.get(address)
        return [t.name for t in response.templates].count("events/includes/timeline_item.html"), body(response)

    with worker("timeline"):
        assert drawn(url("timeline"))[0] == 4  # three incidents and a development
        assert drawn(url("timeline"))[0] == 0
        assert drawn(url("timeline", start="2024-01-01"))[0] == 0
        archive.entry.title = "Zulu roads closed"
        archive.entry.save()
        count, page = drawn(url("timeline"))
        assert count == 1 and "Zulu roads closed" in page
        archive.a.title = "Incident Zulu"
        archive.a.save()
        count, page = drawn(url("timeline"))
        assert count == 2 and page.count("Incident Zulu") == 2  # the incident, and the development's "of"


def test_a_record_carrying_a_value_its_query_computed_is_drawn_every_time(archive):
    reaction = Reaction.objects.for_list().get(pk=archive.reaction.pk)
    assert {"events.reaction_stances.*", "events.stance.*", "events.person.!"} <= carried_tags(reaction)
    assert f"events.person:{archive.person.pk}" in carried_tags(reaction)  # joined
    computed = Incident.objects.filter(pk=archive.a.pk).annotate(shown=Subquery(Incident.objects.values("pk")[:1]))
    assert carried_tags(computed.get()) is None
    named = Reaction.objects.prefetch_related(Prefetch("stances", to_attr="stance_list")).get(pk=archive.reaction.pk)
    assert carried_tags(named) is None


def test_a_search_follows_what_its_index_holds_not_every_save_of_the_kinds_it_reads(client, archive, workers):
    """A search depends on its kind's search tag: a casualty figure of another incident rewrites that incident's
    headline without a searched word, and leaves the search cached; a place renamed changes what the incidents'
    index holds, and every search of incidents is drawn again."""
    searches = [url("search", q="Alpha"), url("incident-list", q="Alpha")]
    served(client, searches, workers)
    f.CasualtyFigureFactory(incident=archive.b, value=9, rank="preferred")
    for name in workers:
        assert all(read(client, address, name)["X-Page-Cache"] == "hit" for address in searches), name
    archive.near.name = "Zuluville"
    archive.near.save()
    for name in workers:
        response = read(client, url("incident-list", q="Zuluville"), name)
        assert "Incident Alpha" in body(response) and "Incident Charlie" in body(response)
        assert all(read(client, address, name)["X-Page-Cache"] == "miss" for address in searches), name


def test_renaming_a_record_leaves_pages_naming_other_records_of_its_kind_cached(client, archive, workers):
    """A page names the people, organizations and places its rows join by loading those records, each noting its
    own record tag; that it reads only their names (`shown_joins`) does not make it read every row's name."""
    others = [
        f.PersonFactory(name="Sam Other"),
        f.OrganizationFactory(name="Group Two"),
        f.PlaceFactory(name="Otherton"),
    ]
    addresses = pages(archive)
    # (A person's page sorts their nationalities by name: a rename of any place may reorder it.)
    shown = [addresses["alpha"], addresses["reaction"]]
    served(client, shown, workers)
    for record in others:
        record.name += " Renamed"
        record.save()
    for name in workers:
        assert [read(client, address, name)["X-Page-Cache"] for address in shown] == ["hit", "hit"], name
    archive.person.name = "Pat Renamed"
    archive.person.save()
    for name in workers:
        assert all("Pat Renamed" in body(read(client, address, name)) for address in shown), name


def test_a_narrowed_join_depends_on_the_records_it_loads_not_on_their_columns():
    sql, _params = shown_joins(Attribution.objects.select_related("responsible_person")).query.sql_with_params()
    assert column_tag(Person, "name") not in tags_of_sql(sql, instances=True).tags
    # The same SQL from values() would give rows, not instances: then the column is what was read.
    assert column_tag(Person, "name") in tags_of_sql(sql).tags
    # So does a subquery of such a query, though it joins the person by primary key too.
    said_by = Subquery(Reaction.objects.filter(pk=OuterRef("reaction_id")).values("person__name")[:1])
    annotated = shown_joins(Attribution.objects.select_related("responsible_organization").annotate(by=said_by))
    sql, _params = annotated.query.sql_with_params()
    assert column_tag(Person, "name") in tags_of_sql(sql, instances=True).tags
    assert column_tag(Organization, "name") not in tags_of_sql(sql, instances=True).tags


def test_the_read_apis_answers_stay_cached_and_current_until_an_edit_changes_them(client, archive, workers):
    alpha, bravo = (f"/api/v1/incidents/{incident.slug}/" for incident in (archive.a, archive.b))
    listed = "/api/v1/incidents/"
    first = {}
    for name in workers:
        for address in (alpha, bravo, listed):
            first[address] = read(client, address, name)
    archive.a.title = "Incident Zulu"
    archive.a.save()
    for name in workers:
        # Incident Bravo's answer is served from the worker's cache (one query: the versions) with its validators.
        with CaptureQueriesContext(connection) as queries:
            response = read(client, bravo, name)
        assert len(queries) == 1 and response["ETag"] == first[bravo]["ETag"], name
        with worker(name):
            assert client.get(bravo, HTTP_IF_NONE_MATCH=first[bravo]["ETag"]).status_code == 304
        for address in (alpha, listed):
            response = read(client, address, name)
            assert "Incident Zulu" in body(response) and response["ETag"] != first[address]["ETag"], (address, name)


def test_a_revision_of_one_record_drops_that_records_pages_and_no_others(client, archive, workers):
    # Every admin save writes a revision: it must not drop every record's page.
    addresses = pages(archive)
    served(client, [addresses["alpha"], addresses["bravo"]], workers)
    assert "Revision 1," not in body(read(client, addresses["alpha"], workers[0]))
    assert revisions.record_if_changed(archive.a, reason="Checked") is not None
    for name in workers:
        with CaptureQueriesContext(connection) as queries:
            response = read(client, addresses["bravo"], name)
        assert response["X-Page-Cache"] == "hit" and len(queries) == 1, name
        assert "Revision 1," in body(read(client, addresses["alpha"], name)), name


def test_rows_added_published_and_unpublished_show_on_lists_search_the_sitemap_and_exports(client, archive, workers):
    addresses = pages(archive)
    urls = [addresses["incident-list"], addresses["home"], addresses["sitemap"], url("search", q="Yankee")]
    served(client, urls, workers)
    new = f.IncidentFactory(title="Incident Yankee", slug="yankee", place=archive.far, status=Status.DRAFT)
    for name in workers:
        for address in urls:
            assert "/incidents/yankee/" not in body(read(client, address, name)), address  # a draft is not public
    new.status = Status.PUBLISHED
    new.save()
    for name in workers:
        for address in urls:
            assert "/incidents/yankee/" in body(read(client, address, name)), (address, name)
    assert "Incident Yankee" in body(client.get(export("incident")))
    new.status = Status.UNPUBLISHED
    new.save()
    for name in workers:
        for address in urls:
            assert "/incidents/yankee/" not in body(read(client, address, name)), (address, name)
    assert "Incident Yankee" not in body(client.get(export("incident")))


def test_a_new_reaction_shows_on_its_incident_and_its_person_and_a_deleted_one_goes(client, archive, workers):
    addresses = pages(archive)
    shown_on = [addresses[name] for name in ("alpha", "person", "reaction-list")]
    elsewhere = [addresses[name] for name in ("bravo", "farville", "person-list")]
    served(client, [*shown_on, addresses["home"], *elsewhere], workers)
    reaction = f.ReactionFactory(
        incident=archive.a, category="domestic", person=archive.person, country=None, summary="Spoke again"
    )
    for name in workers:
        assert read(client, addresses["home"], name)["X-Page-Cache"] == "miss"  # it counts reactions
        for address in shown_on:
            assert "Spoke again" in body(read(client, address, name)), address
        for address in elsewhere:  # the other incident's page reads its own reactions only
            assert read(client, address, name)["X-Page-Cache"] == "hit", address
    reaction.delete()
    for name in workers:
        for address in shown_on:
            assert "Spoke again" not in body(read(client, address, name)), address
        for address in elsewhere:
            assert read(client, address, name)["X-Page-Cache"] == "hit", address


@pytest.mark.parametrize(
    "factory",
    [f.CasualtyFigureFactory, f.IncidentClaimFactory, f.TimelineEntryFactory, f.AttributionFactory],
    ids=["figure", "claim", "timeline entry", "attribution"],
)
def test_a_row_added_to_one_incident_leaves_the_other_incidents_page_cached(client, archive, workers, factory):
    alpha, bravo = archive.a.get_absolute_url(), archive.b.get_absolute_url()
    served(client, [alpha, bravo], workers)
    extra = {"responsible_organization": archive.organization} if factory is f.AttributionFactory else {}
    factory(incident=archive.a, sources=[archive.source], **extra)
    for name in workers:
        assert read(client, alpha, name)["X-Page-Cache"] == "miss"
        assert read(client, bravo, name)["X-Page-Cache"] == "hit"


def test_citing_a_source_shows_on_the_record_that_cites_it(client, archive, workers):
    url_a = archive.a.get_absolute_url()
    source = f.SourceFactory(title="Evening Zulu", slug="evening-zulu")
    served(client, [url_a, archive.b.get_absolute_url()], workers)
    archive.a.sources.add(source)
    for name in workers:
        assert "Evening Zulu" in body(read(client, url_a, name))
        assert read(client, archive.b.get_absolute_url(), name)["X-Page-Cache"] == "hit"
    archive.a.sources.clear()
    for name in workers:
        assert "Evening Zulu" not in body(read(client, url_a, name))


def test_a_figure_citing_a_source_drops_its_incident_page_not_another_with_figures(client, archive, workers):
    # Every record's sources on an incident page come from one UNION ALL; each part depends on its own records.
    f.CasualtyFigureFactory(incident=archive.b, value=7, sources=[archive.source])
    url_a, url_b = archive.a.get_absolute_url(), archive.b.get_absolute_url()
    source = f.SourceFactory(title="Evening Yankee", slug="evening-yankee")
    served(client, [url_a, url_b], workers)
    archive.figure.sources.add(source)
    for name in workers:
        assert "Evening Yankee" in body(read(client, url_a, name))
        assert read(client, url_b, name)["X-Page-Cache"] == "hit"


def test_the_feed_shows_the_latest_change_first(client, archive, workers):
    feed = pages(archive)["feed"]
    served(client, [feed], workers)
    archive.b.description = "Bravo again"
    archive.b.save()
    for name in workers:
        entries = body(read(client, feed, name)).split("<entry>")
        assert "/incidents/incident-" in entries[1] and archive.b.slug in entries[1], name


def test_writes_without_signals_and_loads_drop_what_they_may_have_changed(client, archive, workers):
    addresses = pages(archive)
    urls = [addresses["alpha"], addresses["incident-list"]]
    served(client, urls, workers)
    Incident.objects.filter(pk=archive.a.pk).update(title="Incident Xray")
    signals.after_bulk_write(Incident.objects.filter(pk=archive.a.pk))
    for name in workers:
        for address in urls:
            assert "Incident Xray" in body(read(client, address, name))
    assert read(client, addresses["person-list"], "worker-a")["X-Page-Cache"] == "miss"  # first view
    assert read(client, addresses["person-list"], "worker-a")["X-Page-Cache"] == "hit"
    signals.after_bulk_write()  # a fixture load or an import: everything may have changed
    for name in workers:
        for address in [*urls, addresses["person-list"]]:
            assert read(client, address, name)["X-Page-Cache"] == "miss"


# Numbers compared with a bound: a list of incidents with at least N killed ---------------------------------


@pytest.mark.django_db
def test_versions_are_read_for_any_tag_name_in_one_query_however_many():
    """A tag can name a value a reader typed (a filter's), so any character may be in it; on PostgreSQL the names go
    to the server as one JSON array (events/caching.py, `_read`)."""
    odd = ["events.incident.place=a,b", 'events.incident.q="x"\ny', "events.incident.q=\\{}[]'", "events.place:Kermān"]
    many = [f"events.incident:{n}" for n in range(400)]
    bump(odd[:2] + many[::2])
    with CaptureQueriesContext(connection) as queries:
        versions = current_versions([*odd, *many, "never.moved"])
    assert len(queries.captured_queries) == 1
    moved = {name for name, version in versions.items() if version}
    assert moved == set(odd[:2] + many[::2])
    assert len(set(versions[name] for name in moved)) == 1
    assert versions["never.moved"] == 0


def test_a_numbers_change_moves_the_spans_between_its_old_and_new_value():
    def spans(before, after):
        return sorted(int(tag.rsplit("~", 1)[1]) for tag in range_tags(Incident, "killed", before, after))

    assert range_tag(Incident, "killed", 7) == "events.incident.killed~5"
    assert spans(42, 43) == [20]
    assert spans(43, 42) == [20]
    assert spans(4, 5) == [3, 5]  # enters the rows of "at least 5" and leaves those of "at most 4"
    assert spans(0, 1) == [0, 1]
    assert spans(7, 60) == [5, 10, 20, 50]
    assert spans(3, 3_000_000) == list(RANGE_BOUNDS[3:])
    assert spans(None, 7) == spans(7, None) == list(RANGE_BOUNDS)  # no number is in no comparison's rows


def test_a_number_compared_with_a_bound_gives_range_tags_and_any_other_use_the_column_tag():
    where = (
        'SELECT "events_incident"."id" FROM "events_incident" '
        'WHERE ("events_incident"."killed" >= %s AND "events_incident"."status" = %s)'
    )
    found = tags_of_sql(where)
    assert "events.incident.killed" not in found.tags and "events.incident.status" in found.tags
    assert [(bound.model, bound.column, bound.position) for bound in found.bounds] == [(Incident, "killed", 0)]
    sorted_too = where + ' ORDER BY "events_incident"."killed" DESC'
    assert "events.incident.killed" in tags_of_sql(sorted_too).tags
    # A text column compared with a bound, and a number compared with another column, keep their column tags.
    assert "events.incident.title" in tags_of_sql(where.replace('"killed" >=', '"title" >=')).tags
    joined = where.replace('"killed" >= %s', '"killed" >= "events_incident"."injured"')
    assert "events.incident.killed" in tags_of_sql(joined).tags
    # Part of an expression on either side, the parameter is no longer the bound a row's value is compared with.
    summed = where.replace(
        '"events_incident"."killed" >= %s', '"events_incident"."killed" + "events_incident"."injured" >= %s'
    )
    assert {"events.incident.killed", "events.incident.injured"} <= tags_of_sql(summed).tags
    assert not tags_of_sql(summed).bounds
    offset = where.replace('"killed" >= %s', '"killed" > %s + "events_incident"."injured"')
    assert {"events.incident.killed", "events.incident.injured"} <= tags_of_sql(offset).tags
    assert not tags_of_sql(offset).bounds


def test_a_figure_edit_drops_a_list_filtered_by_a_minimum_only_when_the_number_crosses_it(client, archive, workers):
    """Incident A's preferred killed figure is 42: on the list of at least 5 killed, not on that of at least 50.
    A correction to 43 changes neither list's rows or counts, so the second stays cached in every worker while
    the first shows the new number; 60 brings A onto the second; a figure that stops being the preferred one
    (A's number killed unknown) takes it off both."""
    at_least_5, at_least_50 = url("incident-list", min_killed=5), url("incident-list", min_killed=50)
    served(client, [at_least_5, at_least_50], workers)
    figure = archive.figure

    figure.value = 43
    figure.save()
    for name in workers:
        with CaptureQueriesContext(connection) as queries:
            response = read(client, at_least_50, name)
        assert (response["X-Page-Cache"], len(queries)) == ("hit", 1), name
        assert "Incident Alpha" not in body(response)
        assert "43" in body(read(client, at_least_5, name))

    figure.value = 60
    figure.save()
    for name in workers:
        assert "Incident Alpha" in body(read(client, at_least_50, name)), name

    figure.rank = "reported"
    figure.save()
    for name in workers:
        for address in (at_least_5, at_least_50):
            assert "Incident Alpha" not in body(read(client, address, name)), (address, name)


def test_a_figure_save_whose_row_before_was_not_read_moves_every_span_of_every_headline_number(archive):
    """A receiver connected after the pre-save one finds no stored row: the figure may have stopped being its
    incident's preferred one, which nothing in the saved row says."""
    archive.figure.rank = "reported"
    known = signals._headline_tags(CasualtyFigure, archive.figure, None)
    unknown = signals._headline_tags(CasualtyFigure, archive.figure, None, unknown=True)
    assert not any("~" in tag for tag in known)
    for field in Incident.HEADLINE_FIELDS:
        assert range_tags(Incident, field, None, None) <= unknown


def test_a_number_written_without_signals_drops_the_lists_filtered_by_it(client, archive, workers):
    at_least_50 = url("incident-list", min_killed=50)
    served(client, [at_least_50], workers)
    CasualtyFigure.objects.filter(pk=archive.figure.pk).update(value=99)
    signals.after_bulk_write(CasualtyFigure)  # A's headline number killed is copied from it again
    for name in workers:
        assert "Incident Alpha" in body(read(client, at_least_50, name)), name


def test_a_write_without_signals_moves_what_a_query_reaching_its_table_through_a_key_read():
    """Reactions of incidents with at least 5 killed read the incidents' table only through the key their rows
    point by (no rows tag of it) and its number killed only against a bound (no column tag): a bulk write of
    incidents moves the spans too."""
    sql = (
        'SELECT "events_reaction"."id" FROM "events_reaction" INNER JOIN "events_incident" '
        'ON ("events_reaction"."incident_id" = "events_incident"."id") WHERE "events_incident"."killed" >= %s'
    )
    found = tags_of_sql(sql)
    assert "events.incident" not in found.tags and "events.incident.killed" not in found.tags
    read = found.tags | {range_tag(Incident, "killed", 5)}
    assert "events.incident.killed~5" in read & tags_of_models([Incident])


def test_a_page_rendered_while_an_edit_commits_is_not_kept(client, archive, workers, monkeypatch):
    from events import views

    address = archive.b.get_absolute_url()
    render = views.IncidentDetailView.get_context_data

    def edited_meanwhile(view, **kwargs):
        context = render(view, **kwargs)  # the page's rows are read...
        Incident.objects.filter(pk=archive.b.pk).update(title="Incident Whiskey")  # ...then an editor saves
        signals.after_bulk_write(Incident.objects.filter(pk=archive.b.pk))
        return context

    monkeypatch.setattr(views.IncidentDetailView, "get_context_data", edited_meanwhile)
    with worker("worker-a"):
        first = client.get(address)
    assert "Incident Bravo" in body(first) and "ETag" not in first  # what it read, but not stored
    monkeypatch.undo()
    assert "Incident Whiskey" in body(read(client, address, "worker-a"))


def test_a_page_stored_in_an_older_shape_is_drawn_afresh_and_stored_again(client, archive, workers):
    """A release that stores pages differently can meet the entries of the one before in a shared cache."""
    from events import caching

    address = pages(archive)["bravo"]
    first = read(client, address, "worker-a")
    key = f"page:{caching.address_key(RequestFactory().get(address))}"
    with worker("worker-a"):
        entry = caching.cache().get(key)
        assert len(entry) == 6 and entry[5] == first["ETag"]
        caching.cache().set(key, entry[:5])  # as the release before stored it
    again = read(client, address, "worker-a")
    assert again["X-Page-Cache"] == "miss" and again["ETag"] == first["ETag"]
    unnonced = lambda response: re.sub(r'nonce="[^"]*"', "", body(response))  # noqa: E731
    assert unnonced(again) == unnonced(first)
    assert read(client, address, "worker-a")["X-Page-Cache"] == "hit"


def test_a_pages_etag_changes_with_what_it_shows_and_only_then(client, archive, workers):
    address = pages(archive)["bravo"]
    first = read(client, address, "worker-a")
    with worker("worker-a"):
        assert client.get(address, headers={"if_none_match": first["ETag"]}).status_code == 304
    archive.a.title = "Incident Alpha Two"
    archive.a.save()
    with worker("worker-b"):  # another worker answers for the same page the same way
        assert client.get(address, headers={"if_none_match": first["ETag"]}).status_code == 304
    archive.b.title = "Incident Bravo Two"
    archive.b.save()
    with worker("worker-a"):
        changed = client.get(address, headers={"if_none_match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert parse_http_date(changed["Last-Modified"]) >= parse_http_date(first["Last-Modified"])


def test_a_flush_drops_every_cached_page(client, archive, workers):
    address = pages(archive)["bravo"]
    served(client, [address], workers)
    signals.cache_tags_all_move_after_a_migrate_or_flush(sender=apps.get_app_config("events"))
    assert read(client, address, "worker-b")["X-Page-Cache"] == "miss"


def test_a_change_of_stored_counts_drops_the_lists_that_read_them_and_only_those(client, archive, workers):
    """The stored counts are written in SQL, which no row's tag follows: their readers note the list's counts
    tag and their writes move it (events/aggregates.py), one list at a time."""
    addresses = pages(archive)
    lists = [addresses[name] for name in ("incident-list", "person-list", "home")]
    served(client, lists, workers)
    aggregates.apply("events.incident", {"": {"": 5}})  # five more published incidents, as a write would count
    for name in workers:
        assert read(client, addresses["incident-list"], name)["X-Page-Cache"] == "miss"
        assert read(client, addresses["home"], name)["X-Page-Cache"] == "miss"  # it shows the total
        assert read(client, addresses["person-list"], name)["X-Page-Cache"] == "hit"
    assert "8 incidents" in body(read(client, addresses["incident-list"], workers[0]))


def index_reads_of(client, address, worker_name="site-search"):
    """(the page as `worker_name` draws it, the queries that read a search index, the queries other than reads of
    versions), checking that the page is the one drawn with nothing remembered."""
    index_reads, ran = [], []

    def note(execute, sql, params, many, context):
        index_reads.extend([sql] if " MATCH " in sql or " @@ " in sql else [])  # SQLite's FTS5, PostgreSQL's GIN
        ran.append(sql)
        return execute(sql, params, many, context)

    with worker(worker_name), connection.execute_wrapper(note):
        page = NONCE.sub("", body(client.get(address)))
    with override_settings(COUNT_CACHE=False):
        assert page == NONCE.sub("", body(client.get(address)))
    return page, index_reads, [sql for sql in ran if "events_cachetag" not in sql]


def test_a_search_stopped_at_its_first_matches_follows_only_the_records_up_to_its_last_key(
    client, archive, settings, monkeypatch
):
    """A common word's first matches, read in key order and stopped at MAX_COUNTED + 1, depend on the records up
    to the last key read (caching.search_read_tags): an edit of a later record's text leaves the matches the site
    search and the searched list remember alone, an edit of an earlier one or of a name the index holds does
    not."""
    settings.COUNT_CACHE = True
    monkeypatch.setattr(search, "MAX_COUNTED", 3)
    monkeypatch.setattr("events.caching.SEARCH_SPAN", 1)  # every record a span of its own
    verona = f.PlaceFactory(name="Verona")
    mercutio = f.IncidentFactory(title="Mercutio", summary="A friend.", date=dt.date(2018, 1, 1), place=verona)
    tybalt = f.IncidentFactory(title="Tybalt", summary="A cousin.", date=dt.date(2019, 1, 1))
    romeo = [f.IncidentFactory(title=f"Romeo {n}", date=dt.date(2020, 1, 1 + n)) for n in range(8)]
    address, listed = url("search", q="romeo"), url("incident-list", q="romeo")

    def shown(places_read_again=False):
        """(the incidents the site search shows, its reads of the index), the searched list's reads as many (the
        site search's places too, when `places_read_again`)."""
        page, index_reads, _ran = index_reads_of(client, address)
        _page, list_reads, _ran = index_reads_of(client, listed, "list")
        assert len(list_reads) + places_read_again == len(index_reads)
        return re.findall(r">(Romeo \d|Tybalt|Mercutio)<", page), len(list_reads)

    assert shown() == (["Romeo 3", "Romeo 2", "Romeo 1", "Romeo 0"], 1)  # the first four matches, by date
    assert shown()[1] == 0
    romeo[7].summary = "Romeo again."
    romeo[7].save()
    romeo[6].summary = "Juliet, not the other."
    romeo[6].save()
    assert shown() == (["Romeo 3", "Romeo 2", "Romeo 1", "Romeo 0"], 0)
    tybalt.summary = "Romeo's cousin."
    tybalt.save()
    assert shown() == (["Romeo 2", "Romeo 1", "Romeo 0", "Tybalt"], 1)
    romeo[1].title = "Juliet 1"
    romeo[1].save()
    assert shown() == (["Romeo 3", "Romeo 2", "Romeo 0", "Tybalt"], 1)
    verona.name = "Romeoville"  # a name the index holds: a change that is not one record's
    verona.save()
    # ...of the incidents': to the places' index it is Verona's own, and the places found none before, so the
    # site search looks at Verona alone (test_a_search_that_found_every_match_checks_only_the_records_edited_since).
    assert shown(places_read_again=True) == (["Romeo 2", "Romeo 0", "Tybalt", "Mercutio"], 1)
    assert mercutio.place_id == verona.pk


def test_a_search_that_found_every_match_checks_only_the_records_edited_since(client, archive, settings, monkeypatch):
    """A search that read all its matches (fewer than MAX_COUNTED + 1) is remembered whole: after an edit of one
    record's own text, the site search and the searched list look at that record alone (the search journal,
    caching.search_changes) to take it in or out; a change that is not one record's text (a name the index holds)
    sends them back to the whole index, as does a record that makes the matches too many to read whole."""
    settings.COUNT_CACHE = True
    monkeypatch.setattr(search, "MAX_COUNTED", 4)
    pisa = f.PlaceFactory(name="Pisa")
    trees = [
        f.IncidentFactory(
            title=f"Tree {n}", summary="A quince." if n < 2 else "", date=dt.date(2020, 1, 1 + n), place=pisa
        )
        for n in range(5)
    ]
    address, listed = url("search", q="quince"), url("incident-list", q="quince")
    one_key = re.compile(r'"events_\w+"\."id" IN \(%s(, %s)*\)')

    def shown(site_search_reads=None):
        """(the numbers of the incidents the site search shows, how it read the index), the searched list read it
        as it did (the site search as `site_search_reads` says, where that differs)."""
        page, index_reads, _ran = index_reads_of(client, address)
        _page, list_reads, _ran = index_reads_of(client, listed, "list")
        reads = ["one record" if one_key.search(sql) else "whole" for sql in list_reads]
        assert ["one record" if one_key.search(sql) else "whole" for sql in index_reads] == (site_search_reads or reads)
        return sorted(re.findall(r">Tree (\d)<", page)), reads  # in any order: PostgreSQL's site search ranks

    def write(tree, summary):
        tree.summary = summary
        tree.save()

    def ranked_again(address):
        """Whether the site search ranked its incidents again (on PostgreSQL; SQLite keeps the list's order)."""
        _page, _reads, ran = index_reads_of(client, address, "ranked")
        return any("ts_rank" in sql and "events_incident" in sql for sql in ran)

    assert shown() == (["0", "1"], ["whole"])
    assert shown() == (["0", "1"], [])
    write(trees[2], "A quince tree.")  # in
    assert shown() == (["0", "1", "2"], ["one record"])
    write(trees[0], "A medlar.")  # out
    assert shown() == (["1", "2"], ["one record"])
    postgresql = connection.vendor == "postgresql"
    medlar = url("search", q="medlar")
    assert ranked_again(medlar) == ranked_again(address) == postgresql  # remembered by a worker of its own
    write(trees[1], "Still a quince.")  # still in
    assert shown() == (["1", "2"], ["one record"])
    # PostgreSQL ranks the matches by their own text: the edited one may move, so they are ranked again...
    assert ranked_again(address) == postgresql
    write(trees[4], "A pear.")  # ...but not after an edit of a record that matches neither before nor after,
    assert not ranked_again(address)
    write(trees[0], "A ripe medlar.")  # nor for the one match there is
    assert not ranked_again(medlar)
    assert shown() == (["1", "2"], ["one record"])
    trees[3].date = dt.date(2021, 1, 1)  # not a searched text: the list reads nothing again; the site search's
    trees[3].save()  # order reads dates, so it searches the incidents again (as before the journal)
    assert shown(["whole"]) == (["1", "2"], [])
    pisa.name = "Quincey"  # a name the incidents' index holds: not one record's text (but the place's own)
    pisa.save()
    assert shown(["one record", "whole"]) == (["0", "1", "2", "3", "4"], ["whole"])
    pisa.name = "Pisa"  # the places' search found Quincey: its order reads names, so it is read whole too
    pisa.save()
    assert shown() == (["1", "2"], ["whole"])
    write(trees[0], "Quince jam.")
    write(trees[3], "Quince again.")
    assert shown() == (["0", "1", "2", "3"], ["one record"])  # two records, one read
    write(trees[4], "Quinces.")  # five matches, more than are read whole: the search stops at its first
    assert shown() == (["0", "1", "2", "3", "4"], ["one record", "whole"])


def test_a_lists_page_keys_are_remembered_until_what_their_query_read_moves(client, db, settings):
    """Under the count cache a list's page reads the keys of its rows once (events.pagination.page_keys), as it
    counts them once: a deep page skips its thousands of index entries on its first view, not on every one, and
    an edit of what a row shows (a summary) leaves the keys where they were; a new order (a date), a status or a
    new row reads them again. Every page is the one drawn with nothing remembered."""
    settings.COUNT_CACHE = True
    settings.EVENTS_PAGE_SIZE = 2
    elms = [f.IncidentFactory(title=f"Elm {n}", date=dt.date(2020, 1, 1 + n)) for n in range(5)]
    address = url("incident-list", page=2)

    def shown():
        """(the incidents page 2 shows, how many times it read its keys: a query skipping page 1's rows)."""
        page, _index_reads, ran = index_reads_of(client, address, "page-keys")
        return re.findall(r">(Elm \d)<", page), sum(" OFFSET " in sql for sql in ran)

    assert shown() == (["Elm 2", "Elm 1"], 1)
    assert shown() == (["Elm 2", "Elm 1"], 0)
    elms[2].summary = "Shown on its row."
    elms[2].save()
    assert shown() == (["Elm 2", "Elm 1"], 0)
    elms[0].date = dt.date(2021, 1, 1)
    elms[0].save()
    assert shown() == (["Elm 3", "Elm 2"], 1)
    elms[4].status = Status.DRAFT
    elms[4].save()
    assert shown() == (["Elm 2", "Elm 1"], 1)
    f.IncidentFactory(title="Elm 5", date=dt.date(2022, 1, 1))
    assert shown() == (["Elm 3", "Elm 2"], 1)


def test_the_search_journal_holds_each_records_last_change_of_its_indexed_text(db, monkeypatch):
    """A save that changes a record's searched text writes its line in the search journal, at the content version
    of its search tag; a save that changes nothing searched writes none; a new record writes none (its kind's
    spread tag moves: a remembered search is read again whole). Past MAX_RECHECKED records, it says so."""
    incident = f.IncidentFactory(title="Alder")
    assert not SearchChange.objects.exists()
    incident.date = dt.date(2001, 1, 1)
    incident.save()
    assert not SearchChange.objects.exists()
    incident.summary = "A tree."
    incident.save()
    line = SearchChange.objects.get()
    assert (line.kind, line.record) == ("incident", incident.pk)
    assert line.version == current_versions(["search.incident"])["search.incident"]
    assert search_changes("incident", line.version - 1) == {incident.pk}
    assert search_changes("incident", line.version) == set()
    incident.summary = "A tall tree."
    incident.save()
    assert SearchChange.objects.get().version > line.version  # one line a record, moved
    other = f.IncidentFactory(title="Birch")
    other.summary = "Another tree."
    other.save()
    assert search_changes("incident", line.version - 1) == {incident.pk, other.pk}
    monkeypatch.setattr("events.caching.MAX_RECHECKED", 1)  # more than that: searched again whole, not record by record
    assert search_changes("incident", line.version - 1) is None


def test_the_site_search_remembers_each_kinds_matches_until_an_edit_changes_them(client, archive, settings):
    """Each kind's total and the keys of the rows it shows are remembered (search.site_search): a repeated search
    reads no index, an edit of one kind searches that kind alone again, and an edit that moves a match up the
    list's order, or hides one, shows at once. Every page is the one drawn with nothing remembered."""
    settings.COUNT_CACHE = True
    quebec = [f.IncidentFactory(title=f"Quebec {n}", date=dt.date(2020, 1, 1 + n)) for n in range(6)]
    pat = f.PersonFactory(name="Pat Quebec")
    address = url("search", q="quebec")

    def searched():
        page, index_reads, ran = index_reads_of(client, address)
        return re.findall(r">(Quebec \d)<", page), index_reads, ran

    titles, index_reads, _ran = searched()
    assert titles == ["Quebec 5", "Quebec 4", "Quebec 3", "Quebec 2", "Quebec 1"] and len(index_reads) == 1
    assert searched() == (titles, [], [])  # versions read, nothing else: no index read, no record loaded
    f.CasualtyFigureFactory(incident=quebec[4], value=7, rank="preferred")  # its row shows it; its place stays
    titles_now, index_reads, _ran = searched()
    assert (titles_now, index_reads) == (titles, [])
    quebec[0].date = dt.date(2021, 1, 1)
    quebec[0].save()
    titles, index_reads, _ran = searched()  # the order read a date: the incidents are searched again, alone
    assert titles == ["Quebec 0", "Quebec 5", "Quebec 4", "Quebec 3", "Quebec 2"] and len(index_reads) == 1
    assert "events_search_incident" in index_reads[0] and "events_search_person" not in index_reads[0]
    quebec[5].status = Status.DRAFT
    quebec[5].save()
    titles, index_reads, _ran = searched()
    assert titles == ["Quebec 0", "Quebec 4", "Quebec 3", "Quebec 2", "Quebec 1"] and len(index_reads) == 1
    pat.name = "Pat Quebecois"
    pat.save()
    titles, index_reads, _ran = searched()
    assert len(index_reads) == 1 and "events_search_person" in index_reads[0]
    assert "events_search_incident" not in index_reads[0]
