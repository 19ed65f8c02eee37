"""Country outlines from Natural Earth (events/geodata/), decoded once per process.

The outlines are TopoJSON: shared arcs of quantized, delta-encoded points that each country's rings refer to
by index (a negative index, ~i, means arc i reversed). Decoding gives every country as polygons of rings of
(longitude, latitude) points, the form the map drawing and the gazetteer command both read.
"""

import functools
import json
from pathlib import Path
from typing import NamedTuple

OUTLINES = Path(__file__).resolve().parent / "geodata" / "countries-50m.json"
SOURCE_NAME = "Natural Earth 1:50m Admin 0 countries, version 4.1.0 (via world-atlas 2.0.2)"


class Country(NamedTuple):
    name: str  # Natural Earth's name, e.g. "United States of America"
    iso_numeric: str  # ISO 3166-1 numeric code as Natural Earth gives it ("364" for Iran); may be empty
    polygons: tuple  # of polygons; a polygon is a tuple of rings, the first its outline, the rest its holes

    @property
    def bounds(self):
        """(west, south, east, north) in degrees."""
        points = [point for polygon in self.polygons for point in polygon[0]]
        longitudes = [lon for lon, _lat in points]
        latitudes = [lat for _lon, lat in points]
        return (min(longitudes), min(latitudes), max(longitudes), max(latitudes))

    def centroid(self):
        """(longitude, latitude) of the centre of area of the country's largest polygon: for a country point
        at country precision, a spot inside its main territory (not at sea between islands and exclaves)."""
        lon, lat = _ring_centroid(self.main_territory())
        return ((lon + 180) % 360 - 180, lat)

    def area(self):
        """The area of the main territory, in square degrees (the plane the centroid is taken in)."""
        return abs(_signed_area(self.main_territory()))

    def main_territory(self):
        """The outline of the country's largest polygon, its longitudes continuous (Russia's run on past 180)."""
        rings = [_unwrapped(polygon[0]) for polygon in self.polygons]
        return max(rings, key=lambda ring: abs(_signed_area(ring)))


def centre_of_area(countries):
    """(longitude, latitude) of the centre of area of several countries taken together, each by its main
    territory as in Country.centroid: the mean of their centroids weighted by their areas, in the same plane.
    For a region with no outline of its own (the Middle East), a point computed from cited outlines. Longitudes
    are averaged as numbers: a region across the antimeridian would need them unwrapped first."""
    countries = list(countries)
    if not countries:
        raise ValueError("A centre of area needs at least one country.")
    weighted = [(country.area(), _ring_centroid(country.main_territory())) for country in countries]
    total = sum(area for area, _centre in weighted)
    lon = sum(area * centre[0] for area, centre in weighted) / total
    lat = sum(area * centre[1] for area, centre in weighted) / total
    return ((lon + 180) % 360 - 180, lat)


def _unwrapped(ring):
    """The ring with longitudes made continuous: a ring crossing the antimeridian (Russia's, from 179.9 to
    -180) continues past 180 instead of jumping back, so its area and centre come out right."""
    points = [ring[0]]
    for lon, lat in ring[1:]:
        previous = points[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        points.append((lon, lat))
    return points


def _signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _ring_centroid(ring):
    area = _signed_area(ring)
    if not area:
        return ring[0]
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return (cx / (6 * area), cy / (6 * area))


def _decode_arcs(topology):
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _ring(arcs, indexes):
    points = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their joining point: keep it once.
        points.extend(arc[1:] if points else arc)
    return tuple(points)


@functools.cache
def countries():
    """{Natural Earth name: Country} for every country in the outlines."""
    topology = json.loads(OUTLINES.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    found = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:  # a geometry with no shape
            continue
        name = geometry["properties"]["name"]
        decoded = tuple(tuple(_ring(arcs, ring) for ring in polygon) for polygon in polygons)
        found[name] = Country(name=name, iso_numeric=str(geometry.get("id", "")), polygons=decoded)
    return found


def country(name):
    """The Country Natural Earth calls `name`, or None."""
    return countries().get(name)


@functools.cache
def _by_iso_numeric():
    return {country.iso_numeric: country for country in countries().values() if country.iso_numeric}


def country_by_iso_numeric(code):
    """The Country with ISO 3166-1 numeric code `code` ("364", or 364), or None."""
    return _by_iso_numeric().get(f"{int(code):03d}") if str(code).isdigit() else None


def countries_by_iso_numeric(codes):
    """The Countries with these ISO 3166-1 numeric codes, in the order given; LookupError naming every code the
    outlines do not have."""
    codes = list(codes)
    found = [country_by_iso_numeric(code) for code in codes]
    unknown = [str(code) for code, country in zip(codes, found, strict=True) if country is None]
    if unknown:
        codes = "codes" if len(unknown) > 1 else "code"
        raise LookupError(
            f"Natural Earth's outlines have no country with ISO 3166-1 numeric {codes} {', '.join(unknown)}"
        )
    return found
