"""sitemap.xml (events/sitemaps.py) and robots.txt: what search engines are told about."""

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import fresh, module_rows
from tests.test_views import build_drafts, build_kerman

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@module_rows
def kerman_rows():
    return build_kerman()


@pytest.fixture
def kerman(kerman_rows):
    return fresh(kerman_rows)


def test_sitemap_lists_published_records_only(client, kerman):
    drafts = build_drafts(kerman)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locations = {node.text for node in ET.fromstring(response.content).iter(f"{SITEMAP}loc")}
    assert f"http://testserver{kerman.incident.get_absolute_url()}" in locations
    assert f"http://testserver{kerman.khamenei.get_absolute_url()}" in locations
    assert "http://testserver/timeline/" in locations
    for record in vars(drafts).values():
        assert f"http://testserver{record.get_absolute_url()}" not in locations


def test_sitemap_and_canonical_links_use_site_url_when_set(client, kerman, settings):
    settings.SITE_URL = "https://archive.example.org"
    assert b"<loc>https://archive.example.org/incidents/" in client.get("/sitemap.xml").content
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    assert f'<link rel="canonical" href="https://archive.example.org{kerman.incident.get_absolute_url()}">' in content


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /search/" in response.content.decode()
    assert "admin" not in response.content.decode()  # the admin's address is not advertised
