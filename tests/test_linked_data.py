"""Linked data and discovery: JSON-LD, sitemap.xml, robots.txt, the Atom feed, canonical and Open Graph tags."""

import json
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import fresh, module_rows
from tests.factories import GAZETTEER_SOURCE, PlaceFactory, SourceFactory
from tests.test_views import build_kerman

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@module_rows
def kerman_rows():
    return build_kerman()


@pytest.fixture
def kerman(kerman_rows):
    """The Kerman rows, built once for the module (see tests/conftest.py), read anew for each test."""
    return fresh(kerman_rows)


def json_ld(content):
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', content, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_incident_page_describes_a_schema_org_event(client, kerman):
    data = json_ld(client.get(kerman.incident.get_absolute_url()).content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "2024 Kerman bombings"
    assert data["url"] == f"http://testserver{kerman.incident.get_absolute_url()}"
    assert data["startDate"] == "2024-01-03T15:50:00+03:30"
    assert data["location"]["name"] == kerman.place.name


def give_points(kerman):
    """Points as fill_coordinates gives them: the country's and the city's own, the site's taken from its city."""
    gazetteer = SourceFactory(slug=GAZETTEER_SOURCE)
    points = [
        (kerman.iran, 32.58, 54.27, "country", False),
        (kerman.province, 32.58, 54.27, "country", True),
        (kerman.city, 30.28, 57.08, "city", False),
        (kerman.place, 30.28, 57.08, "city", True),
    ]
    for place, latitude, longitude, precision, from_parent in points:
        place.latitude, place.longitude, place.geo_precision = latitude, longitude, precision
        place.coordinates_source, place.coordinates_from_parent = gazetteer, from_parent
        place.save()


def test_person_organization_and_place_pages_describe_themselves(client, kerman):
    give_points(kerman)
    person = json_ld(client.get(kerman.khamenei.get_absolute_url()).content.decode())
    assert (person["@type"], person["name"]) == ("Person", "Ali Khamenei")
    assert person["nationality"][0]["name"] == "Iran"
    organization = json_ld(client.get(kerman.isis_k.get_absolute_url()).content.decode())
    assert organization["@type"] == "Organization"
    assert "ISIS–K" in organization["alternateName"]
    place = json_ld(client.get(kerman.city.get_absolute_url()).content.decode())
    assert place["@type"] == "Place"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 30.28, "longitude": 57.08}
    assert place["containedInPlace"]["name"] == "Kerman Province"


def test_every_place_in_linked_data_carries_its_address_from_the_place_tree_and_its_point(client, kerman):
    """Google's Event rich-result check wants an address on every Place ("Place lacks required address")."""
    give_points(kerman)
    country = {"@type": "PostalAddress", "addressCountry": "Iran"}
    event = json_ld(client.get(kerman.incident.get_absolute_url()).content.decode())
    assert event["location"]["name"] == "Kerman Martyrs’ Cemetery"
    assert event["location"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Kerman",
        "addressRegion": "Kerman Province",
        "addressCountry": "Iran",
    }
    assert event["location"]["geo"] == {"@type": "GeoCoordinates", "latitude": 30.28, "longitude": 57.08}
    person = json_ld(client.get(kerman.khamenei.get_absolute_url()).content.decode())
    assert person["nationality"][0]["address"] == country
    assert person["nationality"][0]["geo"] == {"@type": "GeoCoordinates", "latitude": 32.58, "longitude": 54.27}
    place = json_ld(client.get(kerman.city.get_absolute_url()).content.decode())
    assert place["address"] == {**country, "addressLocality": "Kerman", "addressRegion": "Kerman Province"}
    assert place["containedInPlace"]["address"] == {**country, "addressRegion": "Kerman Province"}
    assert place["containedInPlace"]["geo"]["latitude"] == 32.58


def test_a_street_is_the_street_address_and_a_place_in_nothing_the_archive_has_is_its_own_region(client, kerman):
    street = PlaceFactory(name="Shohada Street", kind="street", parent=kerman.city)
    assert json_ld(client.get(street.get_absolute_url()).content.decode())["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Shohada Street",
        "addressLocality": "Kerman",
        "addressRegion": "Kerman Province",
        "addressCountry": "Iran",
    }
    gaza = PlaceFactory(name="Gaza", kind="other")
    data = json_ld(client.get(gaza.get_absolute_url()).content.decode())
    assert data["address"] == {"@type": "PostalAddress", "addressRegion": "Gaza"}
    assert "geo" not in data  # no point, none invented


def test_an_unpublished_place_above_is_left_out_of_the_address(client, kerman):
    kerman.province.status = "draft"
    kerman.province.save()
    event = json_ld(client.get(kerman.incident.get_absolute_url()).content.decode())
    assert event["location"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Kerman",
        "addressCountry": "Iran",
    }


def test_json_ld_cannot_close_its_script_element(client, kerman):
    kerman.isis_k.description = "</script><script>alert(1)</script>"
    kerman.isis_k.save()
    content = client.get(kerman.isis_k.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in content
    assert json_ld(content)["description"] == "</script><script>alert(1)</script>"


def test_json_ld_carries_the_csp_nonce_when_the_request_has_one():
    request = RequestFactory().get("/")
    request.csp_nonce = "abc123"
    rendered = Template("{% load archive %}{% json_ld data %}").render(Context({"request": request, "data": {"a": 1}}))
    assert rendered == '<script type="application/ld+json" nonce="abc123">{"a": 1}</script>'


def every_page(kerman):
    return [
        reverse("events:home"),
        reverse("events:incident-list"),
        reverse("events:incident-list") + "?kind=suicide_bombing",
        reverse("events:person-list"),
        reverse("events:organization-list"),
        reverse("events:reaction-list"),
        reverse("events:place-list"),
        reverse("events:timeline"),
        reverse("events:search") + "?q=kerman",
        kerman.incident.get_absolute_url(),
        kerman.khamenei.get_absolute_url(),
        kerman.isis_k.get_absolute_url(),
        kerman.city.get_absolute_url(),
        kerman.reactions.domestic.get_absolute_url(),
    ]


def test_every_page_has_canonical_description_and_open_graph_tags(client, kerman):
    for url in every_page(kerman):
        content = client.get(url).content.decode()
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', content).group(1)
        assert canonical == f"http://testserver{url}", url
        description = re.search(r'<meta name="description" content="([^"]*)">', content).group(1)
        assert len(description) > 20, url
        for prop in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
            assert f'<meta property="{prop}" content="' in content, (url, prop)
        assert f'<meta property="og:url" content="{canonical}">' in content
        assert 'type="application/atom+xml"' in content


def test_canonical_drops_empty_filters_and_the_first_page(client, kerman):
    content = client.get(reverse("events:incident-list") + "?q=&kind=bombing&page=1").content.decode()
    assert '<link rel="canonical" href="http://testserver/incidents/?kind=bombing">' in content
