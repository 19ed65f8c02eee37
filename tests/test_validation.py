"""events/validation.py: text rules that hold on every database backend, whichever path the text comes by."""

import pytest
import tablib

from events import models
from events.resources import IncidentResource
from events.validation import NUL_MESSAGE, nul_errors
from tests import factories

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_any_text_field_is_named_in_plain_words():
    incident = factories.IncidentFactory.build(title="Kerman\x00", summary="Two\x00 blasts", target="A crowd")
    assert nul_errors(incident) == {"title": [NUL_MESSAGE], "summary": [NUL_MESSAGE]}


def test_text_without_nul_passes():
    assert nul_errors(factories.PersonFactory.build(name="Qasem Soleimani", description="")) == {}


def test_an_import_with_a_nul_in_a_title_is_refused_on_every_backend():
    place = factories.PlaceFactory(slug="kerman")
    data = tablib.Dataset(headers=["slug", "title", "kind", "date", "date_precision", "place", "summary", "status"])
    data.append(["nul-title", "Kerman\x00 bombings", "bombing", "2024-01-03", "day", place.slug, "A summary.", "draft"])

    result = IncidentResource().import_data(data, dry_run=False, rollback_on_validation_errors=True)

    assert result.has_validation_errors()
    (row,) = result.invalid_rows
    assert row.error_dict["title"] == [NUL_MESSAGE]
    assert not models.Incident.objects.filter(slug="nul-title").exists()
