"""The Atom feed (events/feeds.py): recently published records, named as the public may read them."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.conftest import fresh, module_rows
from tests.test_views import build_drafts, build_kerman

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@module_rows
def kerman_rows():
    return build_kerman()


@pytest.fixture
def kerman(kerman_rows):
    return fresh(kerman_rows)


def test_atom_feed_lists_recent_published_records(client, kerman):
    drafts = build_drafts(kerman)
    response = client.get(reverse("events:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    links = {link.get("href") for link in feed.iter(f"{ATOM}link")}
    assert f"http://testserver{kerman.incident.get_absolute_url()}" in links
    for record in vars(drafts).values():
        assert f"http://testserver{record.get_absolute_url()}" not in links
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert "Incident: 2024 Kerman bombings" in titles
    assert all(entry.find(f"{ATOM}updated") is not None for entry in feed.iter(f"{ATOM}entry"))


def test_a_reaction_by_an_unpublished_person_is_titled_without_the_name(client, kerman):
    from events import models
    from tests import factories

    secret = factories.PersonFactory(name="Hidden Speaker", status=models.Status.DRAFT)
    factories.ReactionFactory(incident=kerman.incident, person=secret, country=None)

    feed = ET.fromstring(client.get(reverse("events:feed")).content)

    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert f"Reaction: An unpublished person on {kerman.incident.title}" in titles
    assert not any("Hidden Speaker" in title for title in titles)
