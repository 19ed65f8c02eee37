"""events/forms.py on its own: the admin's base form (versions, line breaks, the sourcing rule) and the
timeline's incident box. The admin pages that use them are walked in tests/test_admin.py."""

import pytest
from django.forms import modelform_factory

from events import models
from events.forms import ArchiveAdminForm, IncidentNameField, TimelineForm
from tests import factories

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db


def person_form(instance, **data):
    form_class = modelform_factory(
        models.Person, form=ArchiveAdminForm, fields=("name", "slug", "description", "status", "version")
    )
    fields = {"name": instance.name, "slug": instance.slug, "description": "", "status": instance.status}
    return form_class({**fields, "version": instance.version, **data}, instance=instance)


def test_a_form_based_on_an_older_save_is_refused_in_plain_words():
    person = factories.PersonFactory()
    opened = person.version
    person.description = "Saved by someone else."
    person.save()

    form = person_form(models.Person.objects.get(pk=person.pk), version=opened, description="Mine.")

    assert not form.is_valid()
    assert "someone else saved this person after you opened it" in str(form.non_field_errors())


def test_line_breaks_from_a_browser_are_stored_as_in_the_database():
    person = factories.PersonFactory()

    form = person_form(person, description="First line.\r\nSecond line.")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["description"] == "First line.\nSecond line."


def test_a_claim_row_of_a_published_record_needs_its_own_source():
    person = factories.PersonFactory(status=models.Status.PUBLISHED)
    form_class = modelform_factory(
        models.PersonClaim, form=ArchiveAdminForm, fields=("person", "about", "value", "by_label", "sources")
    )

    form = form_class({"person": person.pk, "about": "identity", "value": "a bomber", "by_label": "Officials"})

    assert not form.is_valid()
    assert "belongs to a published person, so it must cite its own source" in str(form.non_field_errors())


def test_the_timeline_box_takes_an_address_name_or_words_of_a_title():
    kerman = factories.IncidentFactory(title="2024 Kerman bombings", slug="2024-kerman-bombings")
    factories.IncidentFactory(title="Kerman stampede", slug="2020-kerman-stampede")
    factories.IncidentFactory(title="Kerman draft", status=models.Status.DRAFT)
    field = IncidentNameField(required=False)

    assert field.clean("2024-kerman-bombings") == [kerman]
    assert {incident.title for incident in field.clean("kerman")} == {"2024 Kerman bombings", "Kerman stampede"}
    assert field.clean("") == []


def test_the_timeline_box_says_plainly_when_nothing_matches():
    form = TimelineForm({"incident": "Atlantis"})

    assert not form.is_valid()
    assert form.errors["incident"] == ["No published incident has “Atlantis” in its title or address."]
