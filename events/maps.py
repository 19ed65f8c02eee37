"""Maps drawn on the server as SVG from the Natural Earth outlines (events/geography.py): no tile server, no
script, no request to another host.

A map is a View (a box of longitude and latitude, a projection and a width in SVG units), the land inside it
and markers. The land of a view is clipped to its box, projected, snapped to the unit grid and written as one
SVG path, once per view per process (the outlines never change while the site runs): the first drawing of a
view costs a few hundred milliseconds, every later one a dictionary look-up.

Projections. The world view uses the Natural Earth projection (Šavrič, Jenny, Patterson, Petrovič and Hurni,
2011): a compromise drawn for world maps, with straight parallels (so a view cut at a latitude has a straight
edge) and a closed-form forward formula of two polynomials, which is all a map drawn on the server needs. A
regional view (a few tens of degrees across) uses the equirectangular projection with x scaled by the cosine of
the view's middle latitude: over such a span shapes are within a few percent of true and x and y are linear in
longitude and latitude, so the box clipped in degrees is the rectangle drawn.

Markers. Incidents are counted in SQL per place (never loaded one by one: the archive may hold 100,000) and
each place's count goes to the nearest published place, itself or up its tree, that has a point; that place's
precision is the marker's. A circle's area is proportional to the deaths of its incidents.
"""

import functools
import math
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from . import geography, place_tree
from .models import Place

# The world view leaves out Antarctica and the empty far north: the archive's incidents are not there.
WORLD_BOX = (-180.0, -58.0, 180.0, 84.0)  # west, south, east, north
MAP_WIDTH = 960
REGION_HEIGHT = 600
# A locator is shown about 350 px wide: drawn in twice as many units, its outlines are snapped to half pixels.
LOCATOR_WIDTH = 720
LOCATOR_HEIGHT = 480
# Markers, in SVG units of a MAP_WIDTH-wide map: the smallest circle (no deaths, or none known), the largest,
# and the scale (radius per square root of a death) that applies while no place has so many deaths that its
# circle would pass the largest.
RADIUS_MIN = 6.0
RADIUS_MAX = 40.0
RADIUS_PER_ROOT_DEATH = 1.8
# Markers' points past these spans make a regional map too wide to be one: the world is drawn instead.
REGION_MAX_SPAN = (100.0, 60.0)  # degrees of longitude, of latitude
REGION_MIN_SPAN = 16.0
LOCATOR_SPAN = 24.0  # degrees of longitude a locator map shows around its point
# The most places a map marks (and its table lists): 3,000 places are a 2.4 MB page that takes 4 s to render,
# and a map no one can read. The deadliest are kept; the others are counted, and the filters narrow them down.
MAX_MARKERS = 250
LOCATOR_MAX_SPAN = 80.0  # a country-level point's locator shows its country whole, up to this
LOCATOR_RADIUS = 12.0
# How far (in units) a simplified outline may stray from the snapped one: under a pixel at every size drawn.
SIMPLIFY_TOLERANCE = 0.8

PRECISION_WORDS = {
    Place.GeoPrecision.EXACT: "exact point",
    Place.GeoPrecision.CITY: "city-level point",
    Place.GeoPrecision.REGION: "region-level point",
    Place.GeoPrecision.COUNTRY: "country-level point",
}
# Solid circles where the point is the place itself; rings where it stands for an area.
PRECISION_STYLE = {
    Place.GeoPrecision.EXACT: "solid",
    Place.GeoPrecision.CITY: "solid",
    Place.GeoPrecision.REGION: "ring",
    Place.GeoPrecision.COUNTRY: "dashed",
}
# Names the archive gives a country where Natural Earth's differ; for shading the country of a locator map.
NATURAL_EARTH_NAMES = {"United States": "United States of America"}


# Projections


def natural_earth(lon, lat):
    """The Natural Earth projection's raw (x, y) of a point in degrees, y growing northwards."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    return x, y


@dataclass(frozen=True)
class View:
    """What a map shows: a box in degrees (west, south, east, north), its projection and its width in units.
    Hashable, so the land drawn for it is cached under it."""

    box: tuple
    projection: str  # "natural-earth" or "equirectangular"
    width: int

    @functools.cached_property
    def _frame(self):
        west, south, east, north = self.box
        if self.projection == "natural-earth":
            # Parallels are straight and a meridian bulges outwards towards the equator: the box's widest
            # point is on its west and east edges, at the latitude nearest the equator.
            widest = min(max(0.0, south), north)
            x0, x1 = natural_earth(west, widest)[0], natural_earth(east, widest)[0]
            y0, y1 = natural_earth(0, north)[1], natural_earth(0, south)[1]
        else:
            k = math.cos(math.radians((south + north) / 2))
            x0, x1, y0, y1 = west * k, east * k, north, south
        scale = self.width / (x1 - x0)
        return x0, y0, scale, round((y0 - y1) * scale)

    @property
    def height(self):
        return self._frame[3]

    def raw(self, lon, lat):
        if self.projection == "natural-earth":
            return natural_earth(lon, lat)
        west, south, east, north = self.box
        return lon * math.cos(math.radians((south + north) / 2)), lat

    def project(self, lon, lat):
        """(x, y) in SVG units, y growing downwards, of a point inside the box."""
        x0, y0, scale, _height = self._frame
        x, y = self.raw(lon, lat)
        return (x - x0) * scale, (y0 - y) * scale


def world_view(width=MAP_WIDTH):
    return View(WORLD_BOX, "natural-earth", width)


def region_view(west, south, east, north, width, height):
    """An equirectangular view around the box, widened in longitude or latitude to `width`:`height`, kept
    inside the world's latitudes. Rounded, so that near-identical boxes share their cached land."""
    middle = (south + north) / 2
    k = math.cos(math.radians(middle))
    span_x, span_y = (east - west) * k, north - south
    if span_x / span_y < width / height:
        span_x = span_y * width / height
    else:
        span_y = span_x * height / width
    centre_lon = (west + east) / 2
    half_lon = span_x / k / 2
    south, north = middle - span_y / 2, middle + span_y / 2
    if north > 85:
        south, north = south - (north - 85), 85.0
    if south < -85:
        south, north = -85.0, north + (-85 - south)
    box = (centre_lon - half_lon, south, centre_lon + half_lon, north)
    return View(tuple(round(value, 2) for value in box), "equirectangular", width)


def view_around(points, width=MAP_WIDTH, height=REGION_HEIGHT):
    """The region holding the (lon, lat) points, with a margin; the world when they are too far apart or none."""
    if not points:
        return world_view(width)
    lons = [lon for lon, _lat in points]
    lats = [lat for _lon, lat in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    if east - west > REGION_MAX_SPAN[0] or north - south > REGION_MAX_SPAN[1]:
        return world_view(width)
    k = math.cos(math.radians((south + north) / 2))
    pad_lon = max((east - west) * 0.2, REGION_MIN_SPAN / k / 2)
    pad_lat = max((north - south) * 0.2, REGION_MIN_SPAN / 2 * height / width)
    return region_view(west - pad_lon, south - pad_lat, east + pad_lon, north + pad_lat, width, height)


def locator_view(lon, lat, span=LOCATOR_SPAN):
    k = math.cos(math.radians(lat))
    half_lon = span / 2
    half_lat = span * k * LOCATOR_HEIGHT / LOCATOR_WIDTH / 2
    return region_view(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat, LOCATOR_WIDTH, LOCATOR_HEIGHT)


# Land


def _clip(ring, west, south, east, north):
    """Sutherland–Hodgman: the ring cut to the box (its points along the box's edges where it leaves)."""
    for inside, cross in (
        (lambda p: p[0] >= west, lambda a, b: (west, a[1] + (b[1] - a[1]) * (west - a[0]) / (b[0] - a[0]))),
        (lambda p: p[0] <= east, lambda a, b: (east, a[1] + (b[1] - a[1]) * (east - a[0]) / (b[0] - a[0]))),
        (lambda p: p[1] >= south, lambda a, b: (a[0] + (b[0] - a[0]) * (south - a[1]) / (b[1] - a[1]), south)),
        (lambda p: p[1] <= north, lambda a, b: (a[0] + (b[0] - a[0]) * (north - a[1]) / (b[1] - a[1]), north)),
    ):
        if not ring:
            break
        kept = []
        previous = ring[-1]
        for point in ring:
            if inside(point):
                if not inside(previous):
                    kept.append(cross(previous, point))
                kept.append(point)
            elif inside(previous):
                kept.append(cross(previous, point))
            previous = point
        ring = kept
    return ring


@functools.cache
def _rings():
    """Every outline ring of every country with continuous longitudes and its bounds:
    [(country name, ring, (west, south, east, north))]. The outlines are stitched across the antimeridian
    (Russia's east runs from 179.9 to -179.9): unwrapped, such a ring runs on past 180 and is drawn once in the
    box and once shifted by 360 degrees. A ring around a pole (Antarctica) cannot be drawn flat and is left out."""
    found = []
    for name, country in geography.countries().items():
        for polygon in country.polygons:
            ring = geography._unwrapped(list(polygon[0]))
            if abs(ring[-1][0] - ring[0][0]) > 180:
                continue
            lons = [lon for lon, _lat in ring]
            lats = [lat for _lon, lat in ring]
            found.append((name, ring, (min(lons), min(lats), max(lons), max(lats))))
    return found


def _simplified(ring, tolerance):
    """Douglas–Peucker on a closed ring: the points that keep every dropped one within `tolerance` units of
    the outline, split at the first point and the one farthest from it."""
    if len(ring) < 4:
        return ring
    start = ring[0]
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - start[0]) ** 2 + (ring[i][1] - start[1]) ** 2)
    closed = [*ring, start]
    keep = [False] * len(closed)
    keep[0] = keep[far] = keep[-1] = True
    stack = [(0, far), (far, len(closed) - 1)]
    limit = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        (ax, ay), (bx, by) = closed[first], closed[last]
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        worst, worst_at = -1.0, first
        for i in range(first + 1, last):
            px, py = closed[i]
            if length:
                cross = dx * (py - ay) - dy * (px - ax)
                distance = cross * cross / length
            else:
                distance = (px - ax) ** 2 + (py - ay) ** 2
            if distance > worst:
                worst, worst_at = distance, i
        if worst > limit:
            keep[worst_at] = True
            stack += [(first, worst_at), (worst_at, last)]
    return [point for point, kept in zip(closed[:-1], keep, strict=False) if kept]


def _path(rings):
    """An SVG path's d of rings of points in units: snapped to whole units (simplification enough at a map's
    scale), repeats and points on a straight run dropped, rings smaller than a unit left out."""
    parts = []
    for ring in rings:
        snapped = []
        for x, y in ring:
            point = (round(x), round(y))
            if not snapped or point != snapped[-1]:
                snapped.append(point)
        while len(snapped) > 1 and snapped[-1] == snapped[0]:
            snapped.pop()
        kept = _simplified(snapped, SIMPLIFY_TOLERANCE)
        if len(kept) < 3:
            continue
        area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(kept, kept[1:] + kept[:1], strict=True))
        if abs(area) < 2:
            continue
        steps = [f"M{kept[0][0]} {kept[0][1]}"]
        for (x0, y0), (x1, y1) in zip(kept, kept[1:], strict=False):
            steps.append(f"l{x1 - x0} {y1 - y0}")
        parts.append("".join(steps).replace(" -", "-") + "z")
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def land(view):
    """{country name: SVG path d} of the land in the view: computed once per view per process."""
    west, south, east, north = view.box
    by_country = {}
    for name, ring, (r_west, r_south, r_east, r_north) in _rings():
        if r_north < south or r_south > north:
            continue
        for shift in (-360, 0, 360):
            if r_east + shift < west or r_west + shift > east:
                continue
            points = [(lon + shift, lat) for lon, lat in ring] if shift else ring
            inside = west <= r_west + shift and r_east + shift <= east and south <= r_south and r_north <= north
            if not inside:
                points = _clip(points, west, south, east, north)
            if len(points) >= 3:
                by_country.setdefault(name, []).append([view.project(lon, lat) for lon, lat in points])
    drawn = {name: _path(rings) for name, rings in by_country.items()}
    return {name: d for name, d in drawn.items() if d}


@functools.lru_cache(maxsize=256)
def land_path(view):
    """All the land of the view as one path's d (country borders are the rings' own edges)."""
    return "".join(land(view).values())


def main_territory_bounds(country):
    """(west, south, east, north) of a country's largest polygon, in continuous longitudes (Russia's east runs
    on past 180): the territory its country-level point lies in."""
    ring = country.main_territory()
    lons = [lon for lon, _lat in ring]
    lats = [lat for _lon, lat in ring]
    return min(lons), min(lats), max(lons), max(lats)


def natural_earth_country(place):
    """The Natural Earth country of a place (its own, or its country's), or None."""
    country = place if place.kind == Place.Kind.COUNTRY else place.country
    if country is None:
        return None
    prefix, _, code = (getattr(country, "gazetteer_id", "") or "").partition(":")
    if prefix == "naturalearth":
        return geography.country_by_iso_numeric(code)
    return geography.country(NATURAL_EARTH_NAMES.get(country.name, country.name))


# Points and markers


@dataclass
class Point:
    """A place's point on the map: the place itself or, when it has none, its nearest published place with one."""

    place: object  # the place the point belongs to (a Place, or a row with name, slug, pk)
    longitude: float
    latitude: float
    precision: str
    of_place: object = None  # the place asked about, when its point is another's

    @property
    def precision_words(self):
        return PRECISION_WORDS.get(self.precision, "point")

    @property
    def style(self):
        return PRECISION_STYLE.get(self.precision, "dashed")

    @property
    def inherited(self):
        return self.of_place is not None and self.of_place.pk != self.place.pk


def _has_point(place):
    return place.latitude is not None and place.longitude is not None and bool(place.geo_precision)


def point_of(place):
    """The Point of a loaded place: its own, or its nearest published ancestor's (through loaded parents).
    A place that only repeats its parent's point (a site given its city's) counts as having its parent's."""
    if place is None:
        return None
    chain = [p for p in [place, *place_tree.parents(place)] if p.is_published and _has_point(p)]
    if not chain:
        return None
    found = chain[0]
    for above in chain[1:]:
        if (above.latitude, above.longitude) != (found.latitude, found.longitude):
            break
        found = above
    return Point(
        place=found,
        longitude=float(found.longitude),
        latitude=float(found.latitude),
        precision=found.geo_precision,
        of_place=place,
    )


@dataclass
class Marker:
    point: Point
    incidents: int = 0
    deaths: int | None = None
    unknown_deaths: int = 0  # incidents counted here with no death toll
    # Places whose incidents are counted here though the point is not theirs (they have none of their own).
    also: list = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    radius: float = RADIUS_MIN
    url: str = ""
    # False on a locator map, which marks where one record is and counts nothing.
    counted: bool = True

    @property
    def place(self):
        return self.point.place

    @property
    def deaths_words(self):
        if self.deaths is None:
            return "deaths unknown"
        prefix = "at least " if self.unknown_deaths else ""
        return f"{prefix}{self.deaths:,} death{'' if self.deaths == 1 else 's'}"

    @property
    def title(self):
        if not self.counted:
            return f"{self.place.name} ({self.point.precision_words})"
        incidents = f"{self.incidents:,} incident{'' if self.incidents == 1 else 's'}"
        return f"{self.place.name}: {incidents}, {self.deaths_words} ({self.point.precision_words})"


def _places_up_the_tree(place_ids, parent_ids):
    """{pk: Place} of the places and every place above them ({place id: parent id} says which), in one query
    with only the columns a point needs."""
    columns = ("parent", "name", "slug", "status", "latitude", "longitude", "geo_precision", "kind")
    wanted = set()
    for place_id in set(place_ids) - {None}:
        wanted.update(place_tree.walk_up(place_id, parent_ids.get))
    found = {place.pk: place for place in Place.objects.filter(pk__in=wanted).only(*columns)} if wanted else {}
    for place in found.values():
        # The loaded parent, so that place_tree.parents walks the map instead of the database.
        if place.parent_id in found:
            place.parent = found[place.parent_id]
    return found


@dataclass
class IncidentPoints:
    markers: list  # at most MAX_MARKERS, the deadliest places first
    unplaced: int  # incidents with no place, or none with a point
    more_places: int = 0  # places left off the map (past MAX_MARKERS)
    more_incidents: int = 0  # and their incidents

    @property
    def placed(self):
        return sum(marker.incidents for marker in self.markers)


def incident_markers(incidents, limit=None, parent_ids=None):
    """IncidentPoints for a queryset of incidents: counted per place in one query, then each place's count given
    to its point's place. The deadliest (then busiest) places first, so smaller circles are drawn on top; past
    `limit` (MAX_MARKERS) places, the rest are only counted. The places and those above them are read in one
    query, found in the place tree `parent_ids` ({place id: parent id}; read in one more query if not given)."""
    rows = list(
        incidents.order_by()
        .values("place_id")
        .annotate(
            number=Count("pk"),
            deaths=Sum("killed"),
            unknown=Count("pk", filter=Q(killed__isnull=True)),
        )
    )
    if parent_ids is None:
        parent_ids = dict(Place.objects.order_by().values_list("pk", "parent_id"))
    places = _places_up_the_tree((row["place_id"] for row in rows), parent_ids)
    markers, unplaced = {}, 0
    for row in rows:
        point = point_of(places.get(row["place_id"]))
        if point is None:
            unplaced += row["number"]
            continue
        marker = markers.setdefault(point.place.pk, Marker(point=point))
        if point.inherited and point.of_place.is_published:
            marker.also.append(point.of_place)
        marker.point.of_place = None  # the marker is the point's place's own
        marker.incidents += row["number"]
        marker.unknown_deaths += row["unknown"]
        if row["deaths"] is not None:
            marker.deaths = (marker.deaths or 0) + row["deaths"]
    found = sorted(markers.values(), key=lambda m: (-(m.deaths or 0), -m.incidents, m.place.name))
    limit = MAX_MARKERS if limit is None else limit
    shown, left_out = found[:limit], found[limit:]
    for marker in shown:
        marker.also.sort(key=lambda place: place.name)
    return IncidentPoints(
        markers=shown,
        unplaced=unplaced,
        more_places=len(left_out),
        more_incidents=sum(marker.incidents for marker in left_out),
    )


def radius_scale(markers, width=MAP_WIDTH):
    """Radius per square root of a death: fixed, unless the deadliest place would pass RADIUS_MAX."""
    units = width / MAP_WIDTH
    most = max((marker.deaths or 0 for marker in markers), default=0)
    per_root = RADIUS_PER_ROOT_DEATH if not most else min(RADIUS_PER_ROOT_DEATH, RADIUS_MAX / math.sqrt(most))
    return per_root * units


def marker_radius(deaths, per_root, width=MAP_WIDTH):
    """A circle whose area is proportional to the deaths, never smaller than RADIUS_MIN."""
    return round(max(RADIUS_MIN * width / MAP_WIDTH, per_root * math.sqrt(deaths or 0)), 1)


@dataclass
class Map:
    view: View
    markers: list
    title: str
    description: str
    per_root: float = 0.0
    focus: str = ""  # a Natural Earth country to shade

    @property
    def land(self):
        return land_path(self.view)

    @property
    def focus_land(self):
        return land(self.view).get(self.focus, "") if self.focus else ""

    @property
    def has_links(self):
        return any(marker.url for marker in self.markers)

    @property
    def is_world(self):
        return self.view.projection == "natural-earth"


def incident_map(markers, url_for=None):
    """The map of the markers: the region holding them (or the world), each placed and sized."""
    view = view_around([(m.point.longitude, m.point.latitude) for m in markers])
    per_root = radius_scale(markers)
    for marker in markers:
        marker.x, marker.y = (round(value, 1) for value in view.project(marker.point.longitude, marker.point.latitude))
        marker.radius = marker_radius(marker.deaths, per_root)
        if url_for is not None:
            marker.url = url_for(marker)
    where = "the world" if view.projection == "natural-earth" else "the region holding them"
    incidents = sum(marker.incidents for marker in markers)
    if markers:
        description = (
            f"A map of {where} with {len(markers)} place{'s' if len(markers) != 1 else ''} holding "
            f"{incidents:,} incident{'s' if incidents != 1 else ''}; circle area shows deaths. "
            "The table below lists the same places."
        )
    else:
        description = "A map of the world with no incident marked: no incident on it has a known place."
    return Map(view=view, markers=markers, title="Incidents by place", description=description, per_root=per_root)


def locator_map(place):
    """A small regional map around a place's point (or its nearest ancestor's), or None if there is none."""
    point = point_of(place)
    if point is None:
        return None
    span = LOCATOR_SPAN
    country = natural_earth_country(point.place)
    if point.precision == Place.GeoPrecision.COUNTRY and country is not None:
        # The whole of the country's main territory (the part its point stands in), with a margin.
        west, south, east, north = main_territory_bounds(country)
        k = math.cos(math.radians(point.latitude))
        wide_enough = max(east - west, (north - south) * LOCATOR_WIDTH / LOCATOR_HEIGHT / k)
        span = min(max(span, wide_enough * 1.3), LOCATOR_MAX_SPAN)
    view = locator_view(point.longitude, point.latitude, span)
    x, y = view.project(point.longitude, point.latitude)
    marker = Marker(point=point, x=round(x, 1), y=round(y, 1), radius=LOCATOR_RADIUS, counted=False)
    where = point.place.name
    description = f"A map of the region around {where}, marking its {point.precision_words}."
    return Map(
        view=view,
        markers=[marker],
        title=f"Where {place.name} is",
        description=description,
        focus=country.name if country is not None else "",
    )
