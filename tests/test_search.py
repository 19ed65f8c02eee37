"""Search: accent-, case- and dash-insensitive, over every kind of record, grouped by kind with counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import search, views
from events.models import Organization, Person, Status
from tests import factories as f
from tests.conftest import fresh, module_rows
from tests.test_views import build_drafts, build_kerman

pytestmark = pytest.mark.django_db


@module_rows
def kerman_rows():
    return build_kerman()


@pytest.fixture
def kerman(kerman_rows):
    """The Kerman rows, built once for the module (see tests/conftest.py), read anew for each test."""
    return fresh(kerman_rows)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Erdoğan", "erdogan"),
        ("ISIS–K", "isis-k"),
        ("ISIS—K", "isis-k"),
        ("ISIS‐K", "isis-k"),
        ("Ḥezbollāh", "hezbollah"),
        ("Gölzar ŞEHİDLER", "golzar sehidler"),
        ("کرمان", "کرمان"),
    ],
)
def test_fold_drops_accents_case_and_dash_variants(text, folded):
    assert search.fold(text) == folded


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the fold function is registered on SQLite only")
def test_sqlite_connections_know_the_fold_function():
    with connection.cursor() as cursor:
        cursor.execute("SELECT unaccent_fold(%s)", ["Erdoğan – ISIS"])
        assert cursor.fetchone()[0] == "erdogan - isis"


def test_every_other_database_falls_back_to_icontains():
    assert set(search.CONDITION_BUILDERS) == {"sqlite", "postgresql"}
    f.PersonFactory(name="Recep Tayyip Erdoğan")
    matched = search._icontains_condition(Person.objects.all(), ("name",), ["ERDOĞAN"])
    assert "LIKE" in str(matched.query) and "unaccent_fold" not in str(matched.query)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Erdogan", "Recep Tayyip Erdoğan"),
        ("erdoğan", "Recep Tayyip Erdoğan"),
        ("RECEP erdogan", "Recep Tayyip Erdoğan"),
    ],
)
def test_a_person_is_found_without_the_accents(client, query, found):
    f.PersonFactory(name="Recep Tayyip Erdoğan")
    groups = {g["key"]: g for g in client.get(reverse("events:search"), {"q": query}).context["groups"]}
    assert [p.name for p in groups["person"]["results"]] == [found]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's unaccent and full-text ranking")
def test_postgresql_folds_accents_and_dashes_and_ranks_the_best_match_first(client):
    f.OrganizationFactory(name="Islamic State – Khorasan Province", short_name="ISIS–K")
    f.OrganizationFactory(name="A group", description="Mentions ISIS-K once in passing among other names.")
    matched = search.text_search(Organization.objects.all(), search.SEARCH_FIELDS["organization"], "isis-k")
    assert matched.count() == 2
    # "A group" comes first by name; the rank puts the organization whose short name matches first.
    groups = {g["key"]: g for g in client.get(reverse("events:search"), {"q": "ISIS-K"}).context["groups"]}
    assert [o.name for o in groups["organization"]["results"]][0] == "Islamic State – Khorasan Province"


def test_a_hyphen_finds_an_en_dash(client, kerman):
    groups = {g["key"]: g for g in client.get(reverse("events:search"), {"q": "ISIS-K"}).context["groups"]}
    assert [o.name for o in groups["organization"]["results"]] == ["Islamic State – Khorasan Province"]


def test_results_are_grouped_by_kind_with_counts(client, kerman):
    response = client.get(reverse("events:search"), {"q": "kerman"})
    assert response.status_code == 200
    groups = {g["key"]: g for g in response.context["groups"]}
    assert list(groups) == ["incident", "person", "organization", "place", "reaction"]
    assert groups["incident"]["total"] == 1
    assert groups["place"]["total"] == 3  # the city, its province and the cemetery
    content = response.content.decode()
    assert 'href="#results-incident"' in content
    assert f'href="{reverse("events:incident-list")}?q=kerman"' in content


def test_search_covers_aliases_summaries_and_quotes(client, kerman):
    # Saved, not QuerySet.update(): on SQLite the search index is kept in step by the save signals.
    kerman.isis_k.aliases = "Wilayat Khurasan"
    kerman.isis_k.save()
    for query, key in [("khurasan", "organization"), ("harsh response", "reaction"), ("mourners", "incident")]:
        groups = {g["key"]: g for g in client.get(reverse("events:search"), {"q": query}).context["groups"]}
        assert groups[key]["total"] >= 1, query


def test_the_total_counts_every_match_not_just_those_shown(client):
    for n in range(8):
        f.PersonFactory(name=f"Ahmad {n}")
    groups = {g["key"]: g for g in client.get(reverse("events:search"), {"q": "ahmad"}).context["groups"]}
    assert groups["person"]["total"] == 8
    assert len(groups["person"]["results"]) == 5


def test_drafts_never_appear_in_search(client, kerman):
    drafts = build_drafts(kerman)
    content = client.get(reverse("events:search"), {"q": "draft"}).content.decode()
    assert "Nothing found for “draft”" in content
    for record in vars(drafts).values():
        assert record.get_absolute_url() not in content


def test_an_empty_query_shows_the_form_only(client):
    response = client.get(reverse("events:search"), {"q": "  "})
    assert response.status_code == 200
    assert response.context["groups"] == []


def test_every_page_has_the_search_box(client, kerman):
    for url in [reverse("events:home"), reverse("events:incident-list"), kerman.incident.get_absolute_url(), "/nope/"]:
        content = client.get(url).content.decode()
        assert f'action="{reverse("events:search")}"' in content
        assert 'id="site-search-q"' in content


def test_list_search_boxes_ignore_accents_too(client):
    f.PersonFactory(name="Recep Tayyip Erdoğan", status=Status.PUBLISHED)
    response = client.get(reverse("events:person-list"), {"q": "erdogan"})
    assert [p.name for p in response.context["object_list"]] == ["Recep Tayyip Erdoğan"]


def test_a_total_above_the_cap_is_shown_as_the_cap_and_a_plus(client, monkeypatch):
    monkeypatch.setattr(search, "MAX_COUNTED", 3)
    for n in range(5):
        f.PersonFactory(name=f"Ahmad {n}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("events:search"), {"q": "ahmad"})
    groups = {g["key"]: g for g in response.context["groups"]}
    assert (groups["person"]["total"], groups["person"]["total_capped"]) == (3, True)
    # The count stops at the cap and one more: every kind's first matches are read in one query, each to 4 keys.
    (first_matches,) = [q["sql"] for q in queries if "UNION ALL" in q["sql"] and 'FROM "events_person"' in q["sql"]]
    assert first_matches.count("LIMIT 4") == len(search.SEARCH_FIELDS)
    content = response.content.decode()
    assert "3+ results for “ahmad”" in content
    assert '<span class="count">3+</span>' in content
    assert "All 3+ people matching “ahmad”" in content


def test_a_total_at_the_cap_is_exact(client, monkeypatch):
    monkeypatch.setattr(search, "MAX_COUNTED", 3)
    for n in range(3):
        f.PersonFactory(name=f"Ahmad {n}")
    response = client.get(reverse("events:search"), {"q": "ahmad"})
    groups = {g["key"]: g for g in response.context["groups"]}
    assert (groups["person"]["total"], groups["person"]["total_capped"]) == (3, False)
    assert "3 results for “ahmad”" in response.content.decode()


def test_totals_in_the_thousands_read_with_a_comma(client, monkeypatch):
    monkeypatch.setattr(views, "search_summary", lambda groups: (1000, True))
    f.PersonFactory(name="Ahmad One")
    f.PersonFactory(name="Ahmad Two")
    assert "1,000+ results for “ahmad”" in client.get(reverse("events:search"), {"q": "ahmad"}).content.decode()


def test_the_site_search_makes_one_query_per_kind_whatever_the_matches(client, django_assert_max_num_queries):
    for n in range(12):
        f.ReactionFactory(summary=f"Condemned attack number {n}.")
    # One per kind, and the prefetches of the rows shown (a person's nationalities, a reaction's stances).
    with django_assert_max_num_queries(len(search.SEARCH_FIELDS) + 2):
        assert client.get(reverse("events:search"), {"q": "condemned"}).status_code == 200


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL shows the best ranked first")
def test_the_site_search_shows_a_kinds_first_matches_in_its_lists_order_with_their_places(
    client, django_assert_num_queries
):
    import datetime as dt

    place = f.PlaceFactory(name="Sistan")
    for year in (2019, 2023, 2017, 2024, 2021, 2018, 2022):
        f.IncidentFactory(title=f"Bazaar blast {year}", date=dt.date(year, 3, 1), place=place)
    f.IncidentFactory(title="Bazaar fire", date=dt.date(2020, 3, 1), status=Status.DRAFT)
    response = client.get(reverse("events:search"), {"q": "bazaar"})
    group = {g["key"]: g for g in response.context["groups"]}["incident"]
    assert group["total"] == 7
    # Newest first, as the incident list, the draft nowhere; each row's place came with it.
    assert [i.title for i in group["results"]] == [f"Bazaar blast {year}" for year in (2024, 2023, 2022, 2021, 2019)]
    with django_assert_num_queries(0):
        assert {i.place.name for i in group["results"]} == {"Sistan"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL ranks by its stored tsvector")
def test_postgresql_ranks_a_title_match_above_one_in_the_description(client):
    import datetime as dt

    f.IncidentFactory(title="Market bombing", description="Far from Zahedan.", date=dt.date(2024, 5, 1))
    f.IncidentFactory(title="Zahedan attack", description="", date=dt.date(2020, 1, 1))
    groups = {g["key"]: g for g in client.get(reverse("events:search"), {"q": "zahedan"}).context["groups"]}
    # The list's own order (newest first) would put the market bombing first.
    assert [i.title for i in groups["incident"]["results"]] == ["Zahedan attack", "Market bombing"]
