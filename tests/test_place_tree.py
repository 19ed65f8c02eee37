"""The place tree's walks (events/place_tree.py): up, down and totals, and a loop in the data cannot hang."""

import pytest

from events import place_tree
from events.models import Place
from tests import factories

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False


def test_walk_up_stops_at_the_first_repeat():
    parent_ids = {1: 2, 2: 3, 3: 1}  # a loop
    assert list(place_tree.walk_up(1, parent_ids.get)) == [1, 2, 3]


def test_descendants_in_a_tree_already_read_go_down_every_level_and_stop_at_a_loop():
    parent_ids = {"site": "city", "city": "province", "province": "country", "country": None, "elsewhere": None}
    assert place_tree.descendants_in(parent_ids, "province") == {"province", "city", "site"}
    assert place_tree.descendants_in({1: 2, 2: 3, 3: 1}, 1) == {1, 2, 3}  # a loop


def test_totals_count_each_row_in_its_place_and_every_place_above():
    parent_ids = {"site": "city", "city": "province", "province": "country", "country": None}
    totals = place_tree.totals_up_the_tree({"site": 2, "city": 1}, parent_ids)
    assert totals == {"site": 2, "city": 3, "province": 3, "country": 3}


@pytest.mark.django_db
def test_parents_and_descendants_follow_the_tree():
    country = factories.CountryFactory(name="Iran")
    province = factories.PlaceFactory(name="Kerman Province", parent=country)
    city = factories.PlaceFactory(name="Kerman", parent=province)
    site = factories.PlaceFactory(name="Cemetery", parent=city)

    assert [p.name for p in place_tree.parents(site)] == ["Kerman", "Kerman Province", "Iran"]
    assert place_tree.descendant_ids(Place.objects.all(), province) == {province.pk, city.pk, site.pk}
    assert site.country == country


@pytest.mark.parametrize("few", [1000, 1], ids=["read by key", "walked by date"])
def test_a_places_first_timeline_entries_are_its_public_entries_by_date_either_way(seeded, db, monkeypatch, few):
    """A place's page shows the first public timeline entries in it or below it: read by key when its places
    hold few (a country with none walked the whole timeline), down the date index when they hold many."""
    from events import filters
    from events.models import first_timeline_entries_in, incidents, public_timeline_entries

    monkeypatch.setattr(incidents, "FEW_TIMELINE_ENTRIES", few)
    parents = filters.read_place_parents()
    shown = 0
    for place in Place.objects.all():
        below = place_tree.descendants_in(parents, place.pk)
        expected = list(public_timeline_entries().filter(place__in=below).order_by("date", "sequence")[:20])
        assert list(first_timeline_entries_in(below, 20)) == expected, place
        assert list(first_timeline_entries_in(below, 2)) == expected[:2], place
        shown += len(expected)
    assert shown > 5
