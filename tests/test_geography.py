"""The vendored Natural Earth outlines decode into countries with sensible points."""

from pathlib import Path

import pytest

from events import geography

PACKAGED = Path(__file__).resolve().parent.parent / "node_modules" / "world-atlas" / "countries-50m.json"


def test_every_country_decodes_into_closed_rings_of_degrees():
    countries = geography.countries()
    assert len(countries) == 241
    for country in countries.values():
        for polygon in country.polygons:
            outline = polygon[0]
            assert len(outline) >= 4
            assert outline[0] == pytest.approx(outline[-1])  # TopoJSON rings close on their first point
            assert all(-180.0001 <= lon <= 180.0001 and -90 <= lat <= 90 for lon, lat in outline)


@pytest.mark.parametrize(
    "name, iso, lon, lat",
    [
        ("Iran", "364", 54.3, 32.6),
        ("Lebanon", "422", 35.9, 33.9),
        ("United States of America", "840", -99.1, 39.5),  # the contiguous states, not Alaska's islands
        ("Russia", "643", 99.7, 61.7),  # its largest ring crosses the antimeridian
        ("Fiji", "242", 178.0, -17.8),
    ],
)
def test_a_country_point_lies_in_its_main_territory(name, iso, lon, lat):
    country = geography.country(name)
    assert country.iso_numeric == iso
    west, south, east, north = country.bounds
    point_lon, point_lat = country.centroid()
    assert (point_lon, point_lat) == pytest.approx((lon, lat), abs=0.1)
    assert west <= point_lon <= east and south <= point_lat <= north


def test_an_unknown_country_is_none():
    assert geography.country("Atlantis") is None


@pytest.mark.skipif(not PACKAGED.exists(), reason="node_modules/world-atlas is not installed (make test installs it)")
def test_the_vendored_outlines_are_the_pinned_package_unchanged():
    assert geography.OUTLINES.read_bytes() == PACKAGED.read_bytes()


def square(west, south, side):
    return ((west, south), (west + side, south), (west + side, south + side), (west, south + side), (west, south))


def test_a_centre_of_area_weighs_each_countrys_main_territory_by_its_area():
    big = geography.Country("Big", "001", ((square(0, 0, 2),), (square(50, 50, 1),)))  # an island left out
    small = geography.Country("Small", "002", ((square(10, 0, 1),),))
    # (4 × (1, 1) + 1 × (10.5, 0.5)) / 5
    assert geography.centre_of_area([big, small]) == pytest.approx((2.9, 0.9))
    assert geography.centre_of_area([big]) == pytest.approx(big.centroid())
    with pytest.raises(ValueError, match="at least one country"):
        geography.centre_of_area([])


def test_countries_are_found_by_iso_number_and_an_unknown_number_is_named():
    assert [c.name for c in geography.countries_by_iso_numeric(["368", 760, "048"])] == ["Iraq", "Syria", "Bahrain"]
    with pytest.raises(LookupError, match=r"no country with ISO 3166-1 numeric codes 999, x$"):
        geography.countries_by_iso_numeric(["368", "999", "x"])
