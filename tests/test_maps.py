"""Maps drawn on the server (events/maps.py): the projection, the land, markers counted per place and sized by
deaths, the /map/ page with the incident list's filters and its table, and the locator maps."""

import math
import re
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import geography, maps
from events.caching import CACHE_ALIAS
from events.choices import Status
from events.models import CasualtyFigure, Incident, Place, Source
from tests import factories as f
from tests.conftest import fresh, module_rows

pytestmark = pytest.mark.django_db
FACTORIES_RECORD_HISTORY = False

KERMAN = (57.0788, 30.2832)  # longitude, latitude


def with_point(place, lon, lat, precision):
    place.longitude, place.latitude, place.geo_precision = lon, lat, precision
    if place.coordinates_source_id is None:  # a point cites where it is from
        place.coordinates_source = Source.objects.get_or_create(
            slug=f.GAZETTEER_SOURCE, defaults={"title": "GeoNames"}
        )[0]
    place.save()
    return place


def killed(incident, value):
    f.CasualtyFigureFactory(incident=incident, value=value, rank=CasualtyFigure.Rank.PREFERRED)
    incident.refresh_headline_figures()


@module_rows
def map_rows():
    iran_lon, iran_lat = geography.country("Iran").centroid()
    iran = with_point(f.CountryFactory(name="Iran", slug="iran"), iran_lon, iran_lat, Place.GeoPrecision.COUNTRY)
    province = f.PlaceFactory(name="Kerman Province", slug="kerman-province", kind=Place.Kind.PROVINCE, parent=iran)
    kerman = with_point(f.PlaceFactory(name="Kerman", slug="kerman", parent=province), *KERMAN, "city")
    cemetery = f.PlaceFactory(name="Golzar Shohada Cemetery", slug="cemetery", kind=Place.Kind.SITE, parent=kerman)
    shiraz = with_point(f.PlaceFactory(name="Shiraz", slug="shiraz", parent=iran), 52.5388, 29.6036, "city")
    secret = with_point(
        f.PlaceFactory(name="Secret Base", slug="secret-base", status=Status.DRAFT), 10.0, 10.0, "exact"
    )
    nowhere = f.PlaceFactory(name="Middle East", slug="middle-east", kind=Place.Kind.REGION)

    bombing = f.IncidentFactory(title="Bombing at Kerman", slug="bombing", place=kerman)
    killed(bombing, 100)
    at_cemetery = f.IncidentFactory(title="Attack at the cemetery", slug="at-cemetery", place=cemetery)
    killed(at_cemetery, 4)
    shooting = f.IncidentFactory(title="Shooting", slug="shooting", place=shiraz, kind=Incident.Kind.MASS_SHOOTING)
    in_province = f.IncidentFactory(title="In the province", slug="in-province", place=province)
    draft = f.IncidentFactory(title="Draft incident", slug="draft-incident", place=shiraz, status=Status.DRAFT)
    killed(draft, 1000)
    at_secret = f.IncidentFactory(title="At the secret base", slug="at-secret", place=secret)
    in_region = f.IncidentFactory(title="In the region", slug="in-region", place=nowhere)
    return SimpleNamespace(**locals())


@pytest.fixture
def rows(map_rows):
    return fresh(map_rows)


def map_page(client, params=None):
    response = client.get(reverse("events:map"), params or {})
    assert response.status_code == 200
    return response, response.content.decode()


def circles(content):
    """[(title, r, class)] of the markers on the page's map."""
    svg = content[content.index('<svg class="map') : content.index("</svg>")]
    return [
        (title, float(r), style)
        for style, r, title in re.findall(
            r'<circle class="map-marker map-marker--(\w+)" cx="[^"]+" cy="[^"]+" r="([^"]+)"><title>([^<]+)</title>',
            svg,
        )
    ]


def table_rows(content):
    """[(place, point words, incidents, deaths)] of the table of points."""
    if '<table class="data map-points' not in content:
        return []
    table = content[content.index('<table class="data map-points') : content.index("</table>")]
    found = []
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, re.DOTALL):
        place = re.search(r">([^<]+)</a>", row).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        words = re.sub(r"<[^>]+>", "", cells[0])
        incidents = re.search(r">(\d+)<span", cells[1]).group(1)
        deaths = cells[2].strip()
        found.append((place, words, int(incidents), deaths))
    return found


# The projection and the land


def test_the_world_view_puts_the_box_corners_and_the_equator_where_they_belong():
    view = maps.world_view()
    assert view.width == maps.MAP_WIDTH and 0 < view.height < view.width
    assert view.project(-180, 0)[0] == pytest.approx(0, abs=0.01)
    assert view.project(180, 0)[0] == pytest.approx(view.width, abs=0.01)
    assert view.project(0, 84)[1] == pytest.approx(0, abs=0.01)
    assert view.project(0, -58)[1] == pytest.approx(view.height, abs=0.5)  # the height is whole units
    # Greenwich is the middle; the north is up; Kerman lies east of it and north of the equator.
    assert view.project(0, 0)[0] == pytest.approx(view.width / 2)
    x, y = view.project(*KERMAN)
    assert view.width / 2 < x < view.width and 0 < y < view.project(0, 0)[1]


def test_a_regional_view_holds_its_points_with_a_margin_and_keeps_its_shape():
    points = [KERMAN, (52.5388, 29.6036), (35.88, 33.92)]
    view = maps.view_around(points)
    assert view.projection == "equirectangular"
    assert (view.width, view.height) == (maps.MAP_WIDTH, maps.REGION_HEIGHT)
    for lon, lat in points:
        x, y = view.project(lon, lat)
        assert 0.1 * view.width < x < 0.9 * view.width and 0.1 * view.height < y < 0.9 * view.height
    # A degree of latitude is as long as a degree of longitude divided by the cosine of the middle latitude.
    west, south, east, north = view.box
    k = math.cos(math.radians((south + north) / 2))
    one_lon = view.project(50, 30)[0] - view.project(49, 30)[0]
    one_lat = view.project(50, 29)[1] - view.project(50, 30)[1]
    assert one_lon == pytest.approx(one_lat * k)


def test_points_too_far_apart_for_a_region_get_the_world():
    assert maps.view_around([KERMAN, (-74.0, 40.7)]).projection == "natural-earth"
    assert maps.view_around([]).projection == "natural-earth"


def test_the_land_of_a_view_is_clipped_to_it_and_drawn_once_per_view():
    view = maps.locator_view(*KERMAN)
    land = maps.land(view)
    assert {"Iran", "Afghanistan", "Pakistan"} <= set(land)
    assert "Brazil" not in land and "Antarctica" not in land
    assert maps.land(view) is land  # cached: the outlines do not change while the site runs
    numbers = [int(n) for n in re.findall(r"-?\d+", land["Iran"])]
    # The first point of each ring is absolute and inside the view's box (a unit of slack for rounding).
    for x, y in re.findall(r"M(-?\d+) (-?\d+)", land["Iran"]):
        assert -1 <= int(x) <= view.width + 1 and -1 <= int(y) <= view.height + 1
    assert numbers


def test_the_world_draws_russia_on_both_sides_of_the_antimeridian():
    land = maps.land(maps.world_view())
    starts = [int(x) for x, _y in re.findall(r"M(-?\d+) (-?\d+)", land["Russia"])]
    # Chukotka's tip, past 180° east, is drawn at the far west; the rest of Russia lies east of Greenwich.
    assert min(starts) < maps.MAP_WIDTH / 4
    assert max(starts) > maps.MAP_WIDTH / 2


# Markers


def test_a_circle_area_follows_deaths_with_a_smallest_size():
    per_root = maps.RADIUS_PER_ROOT_DEATH
    assert maps.marker_radius(400, per_root) == pytest.approx(2 * maps.marker_radius(100, per_root), abs=0.1)
    assert maps.marker_radius(0, per_root) == maps.RADIUS_MIN
    assert maps.marker_radius(None, per_root) == maps.RADIUS_MIN


def test_the_deadliest_place_never_passes_the_largest_circle():
    markers = [SimpleNamespace(deaths=100_000), SimpleNamespace(deaths=25_000)]
    per_root = maps.radius_scale(markers)
    assert maps.marker_radius(100_000, per_root) == pytest.approx(maps.RADIUS_MAX, abs=0.1)
    assert maps.marker_radius(25_000, per_root) == pytest.approx(maps.RADIUS_MAX / 2, abs=0.1)


def test_incidents_are_counted_per_place_in_queries_that_do_not_grow_with_them(rows, django_assert_num_queries):
    # One aggregate, the place tree, then the incidents' places and every place above them (Iran) at once.
    with django_assert_num_queries(3):
        points = maps.incident_markers(Incident.objects.published())
    by_place = {marker.place.name: marker for marker in points.markers}
    assert set(by_place) == {"Kerman", "Shiraz", "Iran"}
    assert (by_place["Kerman"].incidents, by_place["Kerman"].deaths) == (2, 104)
    assert points.unplaced == 2  # the incident at a draft place and the one in a region with no point
    assert (points.placed, points.more_places) == (4, 0)


def test_past_the_most_markers_the_deadliest_places_are_kept_and_the_rest_counted(client, rows, monkeypatch):
    points = maps.incident_markers(Incident.objects.published(), limit=1)
    assert [marker.place.name for marker in points.markers] == ["Kerman"]
    assert (points.more_places, points.more_incidents) == (2, 2)
    monkeypatch.setattr(maps, "MAX_MARKERS", 2)
    _response, content = map_page(client)
    assert [row[0] for row in table_rows(content)] == ["Kerman", "Iran"]
    assert "The map shows the 2 places with the most deaths; 1 more place with 1 incident is left off." in content


def test_the_map_page_marks_each_place_once_sized_by_its_deaths(client, rows):
    _response, content = map_page(client)
    marked = {title.split(":")[0]: (r, style) for title, r, style in circles(content)}
    assert set(marked) == {"Kerman", "Shiraz", "Iran"}
    assert marked["Kerman"][0] > marked["Shiraz"][0] == maps.RADIUS_MIN  # 104 deaths against none known
    assert marked["Kerman"][1] == "solid" and marked["Iran"][1] == "dashed"
    assert "Kerman: 2 incidents, 104 deaths (city-level point)" in content
    assert '<a href="/incidents/?place=kerman" tabindex="-1">' in content


def test_a_draft_incident_or_place_is_not_on_the_map(client, rows):
    _response, content = map_page(client)
    assert "Secret Base" not in content and "secret-base" not in content
    shiraz = next(row for row in table_rows(content) if row[0] == "Shiraz")
    assert shiraz[2] == 1 and shiraz[3] == "Unknown"  # the draft incident's 1,000 deaths are not counted
    assert "Not on the map: 2 more incidents" in content


def test_the_filters_narrow_the_markers_and_their_links_keep_them(client, rows):
    _response, content = map_page(client, {"kind": Incident.Kind.MASS_SHOOTING})
    assert [title for title, _r, _s in circles(content)] == ["Shiraz: 1 incident, deaths unknown (city-level point)"]
    assert '<a href="/incidents/?kind=mass_shooting&amp;place=shiraz" tabindex="-1">' in content
    _response, content = map_page(client, {"place": "kerman-province"})
    assert {row[0] for row in table_rows(content)} == {"Kerman", "Iran"}


def test_a_place_without_a_point_takes_its_nearest_ancestors_with_its_precision(client, rows):
    _response, content = map_page(client)
    table = {row[0]: row for row in table_rows(content)}
    assert table["Iran"][1:3] == ("Country-level point", 1)  # the province's incident, at the country's point
    assert "with Golzar Shohada Cemetery, which has no point of its own" in content
    assert table["Kerman"][1:] == ("City-level point", 2, "104")


def test_the_table_lists_the_markers_in_the_same_order(client, rows):
    _response, content = map_page(client)
    marked = [title.split(":")[0] for title, _r, _s in circles(content)]
    table = table_rows(content)
    assert [row[0] for row in table] == marked == ["Kerman", "Iran", "Shiraz"]
    for (place, words, incidents, _deaths), (title, _r, _s) in zip(table, circles(content), strict=True):
        assert title.startswith(f"{place}: {incidents} incident") and title.endswith(f"({words.lower()})")


def test_an_empty_map_says_why_instead_of_showing_nothing(client, rows):
    _response, content = map_page(client, {"q": "zeppelin"})
    assert circles(content) == [] and table_rows(content) == []
    assert "No incident on this map has a known place" in content
    assert '<path class="map-land" d="M' in content  # the world is still drawn


def test_filters_that_cannot_be_understood_show_their_errors_and_no_marker(client, rows):
    _response, content = map_page(client, {"kind": "volcano", "min_killed": "many"})
    assert "Some filter values could not be understood" in content
    assert circles(content) == []


def test_the_map_page_makes_no_request_elsewhere_and_costs_few_queries(client, rows, django_assert_max_num_queries):
    # The count per place, the place tree (read once for the points, the filters and the facets), the places
    # with points, the facets' counts, and the place and perpetrator choices.
    with django_assert_max_num_queries(6):
        _response, content = map_page(client, {"kind": Incident.Kind.BOMBING})
    svg = content[content.index('<svg class="map') : content.index("</svg>")]
    assert "http" not in svg and "<image" not in svg
    # Its one script (zoom and pan) and its stylesheet are the site's own files.
    assert re.findall(r'<script[^>]*src="([^"]+)"', content) == ["/static/events/map-zoom.js"]
    assert all(src.startswith("/static/") for src in re.findall(r'src="([^"]+)"', content))


def test_the_points_are_remembered_until_the_next_edit(client, rows, settings):
    settings.COUNT_CACHE = True
    caches[CACHE_ALIAS].clear()
    try:
        map_page(client, {"kind": Incident.Kind.BOMBING})
        with CaptureQueriesContext(connection) as again:
            _response, content = map_page(client, {"kind": Incident.Kind.BOMBING})
        assert not any("GROUP BY" in query["sql"] and '"place_id"' in query["sql"] for query in again)
        assert "Kerman: 2 incidents, 104 deaths" in content
        f.IncidentFactory(title="Another bombing", slug="another-bombing", place=rows.kerman)
        _response, content = map_page(client, {"kind": Incident.Kind.BOMBING})
        assert "Kerman: 3 incidents, at least 104 deaths" in content
    finally:
        caches[CACHE_ALIAS].clear()


def test_the_map_is_in_the_menu_and_the_sitemap(client, rows):
    _response, content = map_page(client)
    assert f'<a href="{reverse("events:map")}" class="is-current" aria-current="page">Map</a>' in content
    assert reverse("events:map") in client.get("/sitemap.xml").content.decode()


# Locator maps


def test_an_incident_page_shows_where_it_happened_and_how_precisely(client, rows):
    content = client.get(rows.bombing.get_absolute_url()).content.decode()
    assert '<figure class="locator">' in content
    assert "City-level point: Kerman" in content
    assert '<path class="map-land map-land--focus"' in content  # Iran, shaded
    # The locator's marker says where it is, not a count: it said "Kerman: 0 incidents, deaths unknown" on the
    # page of an incident in Kerman.
    assert "<title>Kerman (city-level point)</title></circle>" in content
    assert "0 incidents" not in content and "deaths unknown" not in content


def test_a_place_without_a_point_shows_its_ancestors_and_says_so(client, rows):
    content = client.get(rows.cemetery.get_absolute_url()).content.decode()
    assert (
        'City-level point: <a href="/places/kerman/">Kerman</a> '
        '<span class="muted">(Golzar Shohada Cemetery has no point of its own)</span>'
    ) in content
    content = client.get(rows.province.get_absolute_url()).content.decode()
    assert "Country-level point: <a" in content


def test_a_place_with_no_point_above_it_has_no_locator(client, rows):
    content = client.get(rows.nowhere.get_absolute_url()).content.decode()
    assert "locator" not in content
    content = client.get(rows.in_region.get_absolute_url()).content.decode()
    assert "locator" not in content


def test_a_locator_map_marks_the_point_in_the_middle():
    place = Place(name="Kerman", slug="kerman", kind=Place.Kind.CITY, status=Status.PUBLISHED)
    place.longitude, place.latitude, place.geo_precision = *KERMAN, Place.GeoPrecision.CITY
    locator = maps.locator_map(place)
    marker = locator.markers[0]
    assert (marker.x, marker.y) == pytest.approx((maps.LOCATOR_WIDTH / 2, maps.LOCATOR_HEIGHT / 2), abs=1)
    assert marker.point.style == "solid" and locator.description.endswith("marking its city-level point.")


def test_a_country_level_locator_shows_the_country_whole_even_across_the_antimeridian():
    def country_place(name):
        place = Place(name=name, slug=name.lower(), kind=Place.Kind.COUNTRY, status=Status.PUBLISHED)
        place.longitude, place.latitude = geography.country(name).centroid()
        place.geo_precision = Place.GeoPrecision.COUNTRY
        return place

    iran = maps.locator_map(country_place("Iran"))
    west, _south, east, _north = iran.view.box
    assert west < 44 - 1 and east > 63.3 + 1  # Iran runs from 44° to 63.3° east
    assert iran.markers[0].point.style == "dashed" and iran.focus == "Iran"
    russia = maps.locator_map(country_place("Russia"))
    west, _south, east, _north = russia.view.box
    assert east - west == pytest.approx(maps.LOCATOR_MAX_SPAN, abs=0.1)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_locator_map_costs_no_query(client, rows):
    # The point and the country are read from the place's parents, which the page has already joined.
    with_map = count_queries(client, rows.bombing.get_absolute_url())
    without = count_queries(client, rows.in_region.get_absolute_url())
    assert with_map == without
    assert count_queries(client, rows.cemetery.get_absolute_url()) == count_queries(
        client, rows.nowhere.get_absolute_url()
    )


def test_the_map_page_costs_the_same_queries_however_many_places_it_marks(client, rows):
    before = count_queries(client, reverse("events:map"))
    for n in range(3):
        city = with_point(f.PlaceFactory(name=f"Town {n}", slug=f"town-{n}", parent=rows.iran), 50 + n, 30, "city")
        f.IncidentFactory(title=f"Incident in town {n}", slug=f"town-incident-{n}", place=city)
    assert count_queries(client, reverse("events:map")) == before


def test_a_place_filter_costs_the_same_queries_however_deep_the_place_tree(client, rows):
    # The places inside the chosen one are found in the place tree the page reads anyway, not level by level.
    url = reverse("events:map") + "?place=iran"
    before = count_queries(client, url)
    assert before <= 7
    place = rows.cemetery
    for depth in range(3):
        place = f.PlaceFactory(name=f"Level {depth}", slug=f"level-{depth}", kind=Place.Kind.STREET, parent=place)
    f.IncidentFactory(title="Deep down", slug="deep-down", place=place)
    assert count_queries(client, url) == before
    # Found inside Iran, however deep, and counted at the nearest point above it.
    assert "Kerman: 3 incidents" in map_page(client, {"place": "iran"})[1]
