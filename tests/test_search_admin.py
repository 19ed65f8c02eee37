"""The admin's changelist search and autocompletes read the public search's stored index."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Status
from tests import factories as f

pytestmark = pytest.mark.django_db

# A LIKE over a column of the record's own table: what Django's admin search did for every search field.
COLUMN_LIKE = re.compile(r'"events_(incident|person|organization|place|reaction)"\."\w+"(::text)?\)? LIKE')


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.org", "pw"))
    return client


def changelist(client, model_name, term):
    response = client.get(reverse(f"admin:events_{model_name}_changelist"), {"q": term})
    assert response.status_code == 200
    return sorted(str(row) for row in response.context["cl"].result_list)


def test_the_changelist_search_reads_the_index_not_every_column(staff_client):
    f.IncidentFactory(title="Twin explosions at the cemetery")
    f.IncidentFactory(title="Quiet day")
    with CaptureQueriesContext(connection) as queries:
        assert changelist(staff_client, "incident", "EXPLOSIONS cemetery") == ["Twin explosions at the cemetery"]
    sql = [query["sql"] for query in queries]
    assert [s for s in sql if "events_search_incident" in s]
    assert not [s for s in sql if COLUMN_LIKE.search(s)]


def test_the_changelist_search_ignores_accents_and_dashes(staff_client):
    f.PersonFactory(name="Recep Tayyip Erdoğan")
    f.OrganizationFactory(name="Islamic State – Khorasan Province", short_name="ISIS–K")
    f.OrganizationFactory(name="Another group")
    assert changelist(staff_client, "person", "erdogan") == ["Recep Tayyip Erdoğan"]
    assert changelist(staff_client, "organization", "isis-k") == ["Islamic State – Khorasan Province (ISIS–K)"]


def test_the_changelist_search_finds_a_record_by_its_exact_slug(staff_client):
    f.IncidentFactory(title="2024 Kerman bombings", slug="kerman-2024-twin-blasts")
    f.IncidentFactory(title="Another incident")
    assert changelist(staff_client, "incident", "kerman-2024-twin-blasts") == ["2024 Kerman bombings"]


def test_editors_find_drafts_by_their_own_text_but_not_by_a_draft_related_name(staff_client):
    """The admin lists drafts, and finds them by their own fields; a related record's name is in the index
    only while that record is published (public_names.searched_value), in the admin as on the site."""
    f.IncidentFactory(title="Unpublished bombing", status=Status.DRAFT)
    draft_person = f.PersonFactory(name="Kourosh Sepehrnia", status=Status.DRAFT)
    f.ReactionFactory(slug="by-a-draft-person", person=draft_person, summary="Spoke at length.")
    assert changelist(staff_client, "incident", "unpublished") == ["Unpublished bombing"]
    assert changelist(staff_client, "person", "sepehrnia") == ["Kourosh Sepehrnia"]
    assert changelist(staff_client, "reaction", "sepehrnia") == []
    assert len(changelist(staff_client, "reaction", "spoke length")) == 1


def test_autocompletes_read_the_index_too(staff_client):
    person = f.PersonFactory(name="Recep Tayyip Erdoğan")
    f.PersonFactory(name="Someone Else")
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(
            reverse("admin:autocomplete"),
            {"app_label": "events", "model_name": "reaction", "field_name": "person", "term": "erdogan"},
        )
    assert [result["id"] for result in response.json()["results"]] == [str(person.pk)]
    assert [query for query in queries if "events_search_person" in query["sql"]]
