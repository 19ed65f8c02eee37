"""Exports: every list downloads as CSV and JSON, with its filters, whole or not at all, never with drafts."""

import csv
import functools
import io
import json

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import exports, registry
from events.exports import Exporter, IncidentExporter, ReactionExporter
from events.models import Attribution, Incident, Reaction, Status
from tests import factories as f
from tests.conftest import fresh, module_rows
from tests.test_views import add_more_of_everything, build_drafts, build_kerman

pytestmark = pytest.mark.django_db
# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

LISTS = ["incident", "person", "organization", "place", "reaction"]


@module_rows
def kerman_rows():
    return build_kerman()


@pytest.fixture
def kerman(kerman_rows):
    """The Kerman rows, built once for the module (see tests/conftest.py), read anew for each test."""
    return fresh(kerman_rows)


def download(client, name, fmt, **params):
    response = client.get(reverse(f"events:{name}-export", kwargs={"format": fmt}), params)
    assert response.status_code == 200, response
    assert response.streaming
    return response, b"".join(response.streaming_content).decode()


def csv_rows(client, name, **params):
    _response, body = download(client, name, "csv", **params)
    return list(csv.DictReader(io.StringIO(body)))


def json_results(client, name, **params):
    _response, body = download(client, name, "json", **params)
    return json.loads(body)["results"]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(("fmt", "content_type"), [("csv", "text/csv"), ("json", "application/json")])
def test_every_list_downloads_as_an_attachment(client, kerman, name, fmt, content_type):
    response, _body = download(client, name, fmt)
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith(f'.{fmt}"')


def test_incident_csv_has_labels_names_dates_as_known_and_absolute_urls(client, kerman):
    (row,) = csv_rows(client, "incident", q="kerman bombings")
    assert row["Title"] == "2024 Kerman bombings"
    assert row["URL"] == f"http://testserver{kerman.incident.get_absolute_url()}"
    assert row["Type"] == "Suicide bombing"
    assert row["Date"] == "3 January 2024"
    assert row["Date (ISO 8601, as precise as known)"] == "2024-01-03"
    assert row["Time (local)"] == "15:50–16:00 IRST (UTC+03:30)"
    assert row["Place"] == "Kerman Martyrs’ Cemetery; Kerman; Kerman Province; Iran"
    assert row["Killed"] == "95"
    assert row["Killed (as reported)"] == "at least 95"
    assert row["Other reported death tolls"] == "94; 89; 84; 103 (Iranian state media, 3 January 2024, superseded)"
    assert row["Perpetrators"] == "Islamic State – Khorasan Province (ISIS–K)"


def test_an_approximate_date_is_exported_as_precisely_as_known(client, kerman):
    kerman.soleimani.date_precision = "month"
    kerman.soleimani.date = kerman.soleimani.date.replace(day=1)
    kerman.soleimani.save()
    (row,) = csv_rows(client, "incident", q="soleimani assassination")
    assert (row["Date"], row["Date (ISO 8601, as precise as known)"]) == ("January 2020", "2020-01")
    (item,) = json_results(client, "incident", q="soleimani assassination")
    assert (item["date"], item["date_precision"], item["date_display"]) == ("2020-01", "month", "January 2020")


def test_incident_json_carries_slugs_urls_and_nested_figures(client, kerman):
    (item,) = json_results(client, "incident", kind="suicide_bombing")
    assert item["slug"] == "2024-kerman-bombings"
    assert item["url"] == f"http://testserver{kerman.incident.get_absolute_url()}"
    assert item["place"] == {
        "slug": kerman.place.slug,
        "name": kerman.place.name,
        "url": f"http://testserver{kerman.place.get_absolute_url()}",
    }
    killed = sorted((fig["value"], fig["rank"]) for fig in item["casualty_figures"] if fig["kind"] == "killed")
    assert killed == [(84, "reported"), (89, "reported"), (94, "reported"), (95, "preferred"), (103, "superseded")]
    superseded = next(fig for fig in item["casualty_figures"] if fig["value"] == 103)
    assert superseded["reported_by"] == {"type": "label", "name": "Iranian state media", "slug": None, "url": None}
    assert superseded["reported_on"] == "2024-01-03"
    assert item["perpetrators"][0]["organization"]["slug"] == "isis-k"
    assert item["start_time"] == "2024-01-03T15:50:00+03:30"


def test_person_json_nests_roles_and_nationalities(client, kerman):
    (item,) = json_results(client, "person", q="khamenei")
    assert item["nationalities"][0]["slug"] == "iran"
    assert item["roles"][0]["title"] == "Supreme Leader"
    assert item["roles"][0]["country"]["slug"] == "iran"


def test_reaction_csv_names_the_incident_and_stances(client, kerman):
    rows = {row["Slug"]: row for row in csv_rows(client, "reaction")}
    assert rows["russia-condemns"]["Stances"] == "Condemnation"
    assert rows["russia-condemns"]["Incident"] == "2024 Kerman bombings"
    assert rows["russia-condemns"]["Category"] == "International: countries"
    assert rows["russia-condemns"]["Incident URL"].endswith(kerman.incident.get_absolute_url())


def test_exports_keep_the_lists_filters_and_order(client, kerman):
    assert [r["Title"] for r in csv_rows(client, "incident", place="iraq")] == ["Assassination of Qasem Soleimani"]
    assert [r["Title"] for r in csv_rows(client, "incident", ordering="oldest")] == [
        "Assassination of Qasem Soleimani",
        "2024 Kerman bombings",
    ]
    assert [r["Name"] for r in csv_rows(client, "place", kind="country")] == ["Iran", "Iraq", "Russia"]


def test_the_list_page_links_its_exports_with_its_filters(client, kerman):
    content = client.get(reverse("events:incident-list"), {"kind": "suicide_bombing", "page": 1}).content.decode()
    assert 'href="/incidents.csv?kind=suicide_bombing"' in content
    assert 'href="/incidents.json?kind=suicide_bombing"' in content


def test_invalid_filters_give_a_readable_400_not_a_500(client, kerman):
    response = client.get(reverse("events:incident-export", kwargs={"format": "csv"}), {"min_killed": "lots"})
    assert response.status_code == 400
    assert "At least this many killed: Enter a number." in response.content.decode()


def test_an_unknown_format_is_404(client):
    assert client.get("/incidents.xml").status_code == 404


@pytest.mark.parametrize("name", LISTS)
def test_drafts_are_never_exported(client, kerman, name):
    drafts = build_drafts(kerman)
    for fmt in ("csv", "json"):
        _response, body = download(client, name, fmt)
        for record in vars(drafts).values():
            assert record.get_absolute_url() not in body
        assert "Draft reaction text." not in body


@module_rows
def kerman_and_more_rows(kerman_rows):
    """More of everything on top of the Kerman rows, built once for the query-count tests."""
    add_more_of_everything(kerman_rows)
    return kerman_rows


def test_export_query_count_does_not_grow_with_rows(client, kerman_and_more_rows, django_assert_max_num_queries):
    # Rows, then one query per prefetch; the chunked iterator repeats them only every CHUNK_SIZE rows. The
    # incidents' places are read in a query of their own (each place once, not joined to every incident's row),
    # and so are the people, organizations and countries their figures and attributions name (at most 3 more).
    # Every list at once: the rows are added once for all of them.
    # A reaction's stances, sources, incident, person, organization and country likewise.
    expected = {"incident": 7, "person": 3, "organization": 1, "place": 1, "reaction": 7}
    assert set(expected) == set(LISTS)
    for batch in range(2):
        if batch:
            add_more_of_everything(fresh(kerman_and_more_rows))
        for name in LISTS:
            for fmt in ("csv", "json"):
                with django_assert_max_num_queries(expected[name], info=f"{name}.{fmt}, rows added: {bool(batch)}"):
                    download(client, name, fmt)


# Exports that finish or fail loudly, and incidents read as values() rows


def incident_outputs(exporter, queryset, records=None):
    """The CSV rows and JSON items of `queryset`'s incidents, read by `records` (the exporter's own by default)."""
    records = records or exporter.records
    return list(exporter.csv_rows(records(queryset, "csv"))), [exporter.item(r) for r in records(queryset, "json")]


def test_incident_rows_write_exactly_what_the_instances_write_drafts_unnamed(rf, kerman):
    """The values() rows the incident export reads give every column and field the model instances give,
    a draft reporter, perpetrator or place included (named by the neutral phrase), and a place chain deeper
    than the joined levels."""
    draft = Status.DRAFT
    person = f.PersonFactory(name="Draft reporter", status=draft)
    organization = f.OrganizationFactory(name="Draft claimant", short_name="DC", status=draft)
    f.CasualtyFigureFactory(incident=kerman.incident, kind="killed", value=7, reported_by_person=person)
    f.AttributionFactory(incident=kerman.incident, kind=Attribution.Kind.CLAIMED, responsible_organization=organization)
    alias = f.PersonFactory(name="Abu Example", name_is_alias=True)
    f.AttributionFactory(incident=kerman.incident, kind=Attribution.Kind.STATED, responsible_person=alias)
    hidden = f.PlaceFactory(name="Draft district", status=draft, parent=kerman.place)
    gate = f.PlaceFactory(name="North gate", parent=hidden)
    f.IncidentFactory(title="At the gate", place=gate)  # gate, district, cemetery, city, province, country
    add_more_of_everything(kerman)
    exporter = IncidentExporter(rf.get("/incidents.csv"))
    queryset = Incident.objects.for_export()
    fast = incident_outputs(exporter, queryset)
    assert fast == incident_outputs(exporter, queryset, functools.partial(Exporter.records, exporter))
    assert all(row.updated_at is None for row in exporter.records(queryset, "csv"))
    body = "".join(fast[0])
    assert "an unpublished person" in body and "an unpublished organization" in body
    assert "Draft reporter" not in body and "Draft claimant" not in body and "Draft district" not in body
    assert "North gate; Kerman Martyrs’ Cemetery; Kerman; Kerman Province; Iran" in body


def test_reaction_rows_write_exactly_what_the_instances_write_drafts_unnamed(rf, kerman):
    """The values() rows the reaction export reads give every column and field that model instances give: a
    draft person, organization or country named by the neutral phrase (a country's office alone), stances and
    sources in their models' order."""
    draft = Status.DRAFT
    later, earlier = f.SourceFactory(title="Zulu Times"), f.SourceFactory(title="Alpha Post", url="https://a.example/")
    stances = [f.StanceFactory(name="Stance zulu"), f.StanceFactory(name="Stance alpha")]
    named = [
        {"person": f.PersonFactory(name="Draft speaker", status=draft), "country": None, "category": "domestic"},
        {"organization": f.OrganizationFactory(name="Draft body", status=draft), "country": None},
        {"country": f.CountryFactory(name="Draft land", status=draft), "actor_label": "Foreign minister"},
        {"country": f.CountryFactory(name="Draft island", status=draft)},
        {"person": f.PersonFactory(name="Abu Example", name_is_alias=True), "country": kerman.iran},
    ]
    for n, actor in enumerate(named):
        f.ReactionFactory(
            incident=kerman.incident, summary=f"Said {n}", stances=stances, sources=[later, earlier], **actor
        )
    add_more_of_everything(kerman)
    exporter = ReactionExporter(rf.get("/reactions.csv"))
    queryset = Reaction.objects.for_export()
    as_lists = queryset.prefetch_related(
        Prefetch("stances", to_attr="stance_list"), Prefetch("sources", to_attr="source_list")
    )

    def outputs(records, queryset):
        return list(exporter.csv_rows(records(queryset, "csv"))), [exporter.item(r) for r in records(queryset, "json")]

    fast = outputs(exporter.records, queryset)
    assert fast == outputs(functools.partial(Exporter.records, exporter), as_lists)
    body = "".join(fast[0])
    assert "an unpublished person" in body and "an unpublished organization" in body
    assert "Foreign minister" in body and "an unpublished place" in body
    assert not any(name in body for name in ("Draft speaker", "Draft body", "Draft land", "Draft island"))
    assert "Stance alpha; Stance zulu" in body and "https://a.example/; Zulu Times" in body
    assert "Abu Example (alias)" not in body  # the CSV names a person by name, as their page's heading does


def test_the_people_organizations_and_countries_an_export_names_are_read_once_not_per_chunk(rf, kerman, monkeypatch):
    for n in range(4):
        incident = f.IncidentFactory(title=f"Named again {n}", place=kerman.place)
        f.CasualtyFigureFactory(incident=incident, kind="killed", value=n, reported_by_organization=kerman.isis_k)
        f.AttributionFactory(
            incident=incident,
            kind=Attribution.Kind.STATED,
            responsible_person=kerman.khamenei,
            responsible_organization=None,
            responsible_country=kerman.iran,
        )
    monkeypatch.setattr(exports, "CHUNK_SIZE", 1)
    exporter = IncidentExporter(rf.get("/incidents.csv"))
    with CaptureQueriesContext(connection) as queries:
        rows = list(exporter.records(Incident.objects.for_export()))
    named = [row for row in rows if row.title.startswith("Named again")]
    assert len(named) == 4
    assert {row.casualty_figures[0].reported_by_organization.name for row in named} == {kerman.isis_k.name}
    assert {row.perpetrator_attributions[0].responsible_country.name for row in named} == {kerman.iran.name}
    # A country is a place: the place chains' query joins a place to its parents, the countries' does not.
    for table in ("events_person", "events_organization", "events_place"):
        read = [q["sql"] for q in queries.captured_queries if f'FROM "{table}" WHERE' in q["sql"]]
        assert len(read) == 1, read


@pytest.mark.parametrize("name", LISTS)
def test_a_download_announces_its_length_and_holds_every_record(client, kerman, name):
    add_more_of_everything(kerman)
    model = next(record_type.model for record_type in registry.RECORD_TYPES if record_type.key == name)
    published = model.objects.published().count()
    response, body = download(client, name, "csv")
    assert int(response["Content-Length"]) == len(body.encode())
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == published
    # Each address is made from its type's address with the slug put in (Exporter.url): the record's own.
    addresses = {f"http://testserver{record.get_absolute_url()}" for record in model.objects.published()}
    assert {row["URL"] for row in rows} == addresses
    response, body = download(client, name, "json")
    assert int(response["Content-Length"]) == len(body.encode())
    assert body.endswith("\n]}\n") and len(json.loads(body)["results"]) == published


def test_an_export_that_fails_while_written_is_an_error_not_a_short_file(kerman, monkeypatch):
    calls = []

    def fails_on_the_second_row(value, precision):
        calls.append(value)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return ""

    monkeypatch.setattr(exports, "partial_iso", fails_on_the_second_row)
    response = Client(raise_request_exception=False).get(reverse("events:incident-export", kwargs={"format": "csv"}))
    assert response.status_code == 500
    assert "Content-Disposition" not in response
