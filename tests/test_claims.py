"""Claims (events/models/claims.py): a statement about a record with who made it, edited as an inline of the
record, under the same review and sourcing rules as every other row of it, shown as "according to ..."."""

import pytest
from django.core.exceptions import ValidationError

from events import models, revisions
from tests import factories
from tests.test_admin import add_inline_row, admin_url, assert_refused, assert_saved, page_data

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

PREFIX = "claims"


def published_person():
    person = factories.PersonFactory(name="Bozrov", slug="bozrov", status=models.Status.PUBLISHED)
    revisions.record_if_changed(person)
    return person


def claim_row(data, **fields):
    return add_inline_row(
        data,
        PREFIX,
        about="nationality",
        value="",
        rank="reported",
        by_label="",
        stated_on="2024-01-11",
        note="",
        version="1",
        **fields,
    )


def add_claim(client, person, with_source=True):
    country = factories.CountryFactory(name="Tajikistan", slug="tajikistan", status=models.Status.PUBLISHED)
    ministry = factories.OrganizationFactory(name="Iranian Ministry of Intelligence", status=models.Status.PUBLISHED)
    source = factories.SourceFactory(slug="ministry-statement", title="Ministry statement")
    url = admin_url(models.Person, "change", person.pk)
    data = page_data(client.get(url))
    claim_row(
        data,
        place=str(country.pk),
        by_organization=str(ministry.pk),
        sources=[str(source.pk)] if with_source else [],
    )
    return client.post(url, data)


def test_a_reviewer_adds_a_claim_and_the_page_says_who_made_it(reviewer_client, client):
    person = published_person()

    assert_saved(add_claim(reviewer_client, person))

    claim = person.claims.get()
    assert (claim.about, claim.place.name, str(claim.by_organization)) == (
        "nationality",
        "Tajikistan",
        "Iranian Ministry of Intelligence",
    )
    page = client.get(person.get_absolute_url()).content.decode()
    assert "Who says what" in page
    assert "Tajikistan</a>" in page and "according to <a" in page and "Iranian Ministry of Intelligence</a>" in page
    assert "11 January 2024" in page and "Ministry statement" in page


def test_a_claim_on_a_published_record_must_cite_a_source(reviewer_client):
    person = published_person()

    response = add_claim(reviewer_client, person, with_source=False)

    assert_refused(response, "must cite its own source")
    assert not person.claims.exists()


def test_an_editors_claim_waits_for_a_reviewer(editor_client, client):
    person = published_person()

    response = add_claim(editor_client, person)

    pending = revisions.revisions_of(person).pending().get()
    assert response.status_code == 302 and response.url == admin_url(models.Revision, "change", pending.pk)
    assert not person.claims.exists()
    assert "Who says what" not in client.get(person.get_absolute_url()).content.decode()
    assert [row["fields"]["about"] for row in pending.snapshot["children"]["events.personclaim"]] == ["nationality"]


def test_a_person_cannot_be_published_while_a_claim_cites_nothing():
    person = factories.PersonFactory(status=models.Status.DRAFT)
    models.PersonClaim.objects.create(person=person, about="identity", value="one of the bombers", by_label="Officials")

    problems = person.publication_problems()

    assert any("claim" in problem and "cites no source" in problem for problem in problems), problems


def test_a_claim_made_by_a_draft_names_no_one(client):
    person = published_person()
    draft = factories.OrganizationFactory(name="Secret Office", status=models.Status.DRAFT)
    claim = models.PersonClaim.objects.create(person=person, about="identity", value="a bomber", by_organization=draft)
    claim.sources.add(factories.SourceFactory())

    page = client.get(person.get_absolute_url()).content.decode()

    assert "a bomber" in page and "according to" in page and "an unpublished organization" in page
    assert "Secret Office" not in page


def test_a_claim_states_something_and_says_who():
    person = factories.PersonFactory()
    with pytest.raises(ValidationError, match="Say what is claimed"):
        models.PersonClaim(person=person, about="identity", value="", by_label="Officials").full_clean()
    with pytest.raises(ValidationError, match="Say who makes the claim"):
        models.PersonClaim(person=person, about="identity", value="a bomber").full_clean()
