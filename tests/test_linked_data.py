"""Linked data and discovery: JSON-LD, sitemap.xml, robots.txt, the Atom feed, canonical and Open Graph tags."""

import json
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import fresh, module_rows
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


def test_person_organization_and_place_pages_describe_themselves(client, kerman):
    kerman.city.latitude, kerman.city.longitude, kerman.city.geo_precision = 30.28, 57.08, "city"
    kerman.city.save()
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
