"""A public page, export, feed or search result names only published records: a draft linked from a
published record is shown by a neutral phrase (events/public_names.py), never by its name."""

import pytest
from django.urls import reverse

from events import models, revisions
from events.public_names import public_name
from tests import factories
from tests.conftest import fresh, module_rows
from tests.public_urls import body_of, make_archive, public_paths

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

SECRET = "Zebulonsecret"


@module_rows
def leaky_archive():
    """The small archive, with a draft of each kind put in every field that can link one from a published
    record. Each draft's name carries SECRET."""
    rows = make_archive()
    incident, person, organization, place = (rows[key] for key in ("incident", "person", "organization", "place"))
    draft = {"status": models.Status.DRAFT}
    country = factories.CountryFactory(name=f"{SECRET} Land", **draft)
    region = factories.PlaceFactory(name=f"{SECRET} Province", parent=place.parent, **draft)
    shadow = factories.OrganizationFactory(name=f"{SECRET} Front", short_name="ZSF", **draft)
    agent = factories.PersonFactory(name=f"{SECRET} Agent", **draft)
    hidden = factories.IncidentFactory(title=f"{SECRET} incident", **draft)
    in_review = factories.PersonFactory(name=f"{SECRET} Reviewed", status=models.Status.IN_REVIEW)

    models.Place.objects.filter(pk=place.pk).update(parent=region)
    models.Organization.objects.filter(pk=organization.pk).update(country=country, parent=shadow)
    person.nationalities.add(country)
    factories.RoleFactory(person=person, organization=shadow, country=country, title="Member")
    models.Incident.objects.filter(pk=incident.pk).update(place=region)
    factories.CasualtyFigureFactory(incident=incident, reported_by_person=agent, reported_by_organization=None)
    factories.CasualtyFigureFactory(incident=incident, reported_by_organization=shadow, reported_by_person=None)
    factories.ReactionFactory(incident=incident, person=agent, country=country, quote="A draft's words.")
    factories.ReactionFactory(
        incident=incident, organization=shadow, country=None, category=models.Reaction.Category.NON_STATE
    )
    factories.ReactionFactory(incident=incident, person=in_review, country=None)
    factories.ReactionFactory(incident=incident, country=country, actor_label="Foreign Ministry")
    factories.AttributionFactory(
        incident=incident, responsible_organization=shadow, by_person=agent, summary="Blamed a draft."
    )
    factories.AttributionFactory(
        incident=incident, responsible_person=agent, by_organization=shadow, summary="Named a draft."
    )
    factories.AttributionFactory(
        incident=incident, responsible_country=country, by_country=country, summary="A draft country."
    )
    factories.TimelineEntryFactory(incident=incident, place=region, description="Somewhere not yet public.")
    factories.IncidentLinkFactory(from_incident=incident, to_incident=hidden, note="Linked to a draft.")
    for record in models.Incident.objects.all():
        record.refresh_headline_figures()
    # Revision 1 of each record, the one the walk opens, is the record as it now stands, drafts linked.
    models.Revision.objects.all().delete()
    revisions.record_all_changed(None, "Linked to drafts")
    return rows


@pytest.fixture
def archive(leaky_archive):
    return fresh(leaky_archive)


def test_no_public_page_export_or_feed_names_a_draft(client, archive):
    paths = public_paths(every=True)
    assert any(path.endswith(".csv") for path in paths) and any("feed" in path for path in paths)
    leaks = []
    for path in paths:
        response = client.get(path)
        if response.status_code == 200 and SECRET.lower() in body_of(response).lower():
            leaks.append(path)
    assert leaks == []


def test_search_finds_nothing_by_a_drafts_name(client, archive):
    """Site search and each list's own search box: a published reaction by a draft person, or an incident in
    a draft place, is not found by the draft's name (finding it would confirm the name)."""
    response = client.get(reverse("events:search"), {"q": SECRET})
    assert "Nothing found for" in body_of(response)
    for list_name in ("events:incident-list", "events:reaction-list"):
        response = client.get(reverse(list_name), {"q": SECRET})
        assert response.status_code == 200
        assert "record__title" not in body_of(response), list_name


def test_publishing_the_draft_makes_its_reactions_findable_by_its_name(client, archive):
    agent = models.Person.objects.get(name=f"{SECRET} Agent")
    agent.status = models.Status.PUBLISHED
    agent.save()
    body = body_of(client.get(reverse("events:search"), {"q": f"{SECRET} Agent"}))
    assert "Nothing found for" not in body
    listed = body_of(client.get(reverse("events:reaction-list"), {"q": f"{SECRET} Agent"}))
    assert f">{SECRET} Agent</a>" in listed


def test_the_incident_page_keeps_each_claim_and_says_who_made_it_is_not_public(client, archive):
    body = body_of(client.get(archive["incident"].get_absolute_url()))
    assert "Blamed a draft." in body and "Named a draft." in body and "A draft&#x27;s words." in body
    assert "an unpublished person" in body
    assert "an unpublished organization" in body


def test_a_revision_page_names_no_draft_either(client, archive):
    body = body_of(client.get(archive["incident"].get_absolute_url() + "revisions/1/"))
    assert "Blamed a draft." in body
    assert "an unpublished organization" in body and "an unpublished person" in body


def test_a_person_sees_no_draft_nationality_or_role_organization(client, archive):
    body = body_of(client.get(archive["person"].get_absolute_url()))
    assert archive["person"].name in body
    assert "Member" in body and "an unpublished organization" in body


def test_public_name_is_the_name_only_for_a_published_record(archive):
    person = archive["person"]
    assert public_name(person) == person.name
    person.status = models.Status.IN_REVIEW
    assert public_name(person) == "an unpublished person"
    assert public_name(models.Organization(name="X", status=models.Status.UNPUBLISHED)) == (
        "an unpublished organization"
    )
    assert public_name(models.Place(name="X", status=models.Status.DRAFT)) == "an unpublished place"
    assert public_name(None) == ""
