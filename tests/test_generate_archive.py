import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from events.models import CasualtyFigure, Incident, Organization, Person, Place, Reaction
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def synthetic_snapshot():
    return list(
        Incident.objects.filter(slug__startswith="synthetic-")
        .order_by("slug")
        .values_list("slug", "kind", "date", "date_precision", "killed", "injured", "place__slug")
    )


def test_generates_realistic_proportions():
    call_command("generate_archive", incidents=200)
    assert Incident.objects.count() == 200
    assert Organization.objects.count() == 10
    assert Person.objects.count() == 40
    assert Reaction.objects.count() == 600
    assert Reaction.objects.published().filter(stances__isnull=True).count() == 0


def test_same_seed_gives_the_same_data():
    call_command("generate_archive", incidents=50, seed=7)
    first = synthetic_snapshot()
    call_command("generate_archive", incidents=50, seed=7, clear=True)
    assert synthetic_snapshot() == first
    call_command("generate_archive", incidents=50, seed=8, clear=True)
    assert synthetic_snapshot() != first
    # Generating writes no history, and neither does clearing: no "deleted" version of a synthetic row.
    for model in (Incident, Place, Person, Reaction):
        assert model.history.count() == 0, model


def test_headline_figures_match_the_preferred_figures():
    call_command("generate_archive", incidents=100)
    preferred = CasualtyFigure.objects.filter(rank="preferred", group="", kind="killed")
    assert preferred.count() == 100
    assert preferred.exclude(value=F("incident__killed")).count() == 0
    assert Incident.objects.filter(killed__isnull=True).count() == 0


def test_synthetic_rows_are_marked_and_real_records_are_untouched():
    real = IncidentFactory(slug="2024-kerman-bombings")
    call_command("generate_archive", incidents=20)
    call_command("generate_archive", incidents=10, clear=True)
    assert Incident.objects.exclude(pk=real.pk).exclude(slug__startswith="synthetic-").count() == 0
    assert Incident.objects.filter(pk=real.pk).exists()
    assert Incident.objects.filter(slug__startswith="synthetic-").count() == 10
    assert set(Incident.objects.exclude(pk=real.pk).values_list("sources__slug", flat=True)) == {"synthetic-data"}


def test_refuses_to_add_a_second_synthetic_set():
    call_command("generate_archive", incidents=5)
    with pytest.raises(CommandError, match="--clear"):
        call_command("generate_archive", incidents=5)
