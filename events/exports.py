"""CSV and JSON downloads of every public list, with the list's current filters.

CSV is for people and spreadsheets: labels instead of codes, names instead of ids, dates as precisely as
they are known, and the absolute address of every record; a cell a spreadsheet would run as a formula starts
with a quote (events/spreadsheet.py). JSON is for programs: slugs, URLs, codes with
their labels, and nested casualty figures, perpetrators and roles.

Rows are read from the database in chunks and written out as they come, so an export never holds the whole
list in memory. Incidents, the largest list, are read as values_list() tuples, not model instances: building the
instances of an incident, its place chain, figures and attributions cost more than everything else its row
does (the 100,000-incident CSV took 37.6 s; see benchmarks/export_bench.py). The tuples are read like the
instances would be (`tuple_row`, `Related`), so the columns, the JSON shape and the public-name rule
(events/public_names.py, which needs a related record's status) are the same code for both.
"""

import csv
import functools
import itertools
import json
import operator
import tempfile

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import DateTimeField, Q, Value
from django.utils import timezone

from . import place_tree, public_names, registry
from .choices import DatePrecision, Status
from .linked_data import absolute_url, partial_iso
from .models import (
    PERPETRATOR_KINDS,
    Attribution,
    CasualtyFigure,
    Incident,
    Organization,
    Person,
    Place,
    Reaction,
    Source,
    Stance,
    cached_reverse,
    format_partial_date,
)
from .public_names import public_name, public_or_nothing
from .spreadsheet import neutralised_line

CHUNK_SIZE = 1000
# A slug no record has, reversed once per type and file and replaced per row (`Exporter.url`).
SLUG_MARK = "slug-mark-0"


class Echo:
    """A file-like object whose write() returns what it was given, for csv.writer in a generator."""

    def write(self, value):
        return value


def joined(values):
    return "; ".join(str(value) for value in values if value)


def day(value):
    return format_partial_date(value, "day") if value else ""


def local_time(value, zone):
    return timezone.localtime(value, zone).isoformat() if value and zone is not None else None


class Exporter:
    """How one kind of record is written out. Subclasses give the CSV columns and the JSON shape."""

    noun_plural = ""

    def __init__(self, request):
        self.request = request
        self.url_templates = {}

    def url(self, record):
        """The record's absolute address (its get_absolute_url(): `events:<type>-detail` with its slug), made
        from its type's address reversed once per file with a mark where the slug goes. Reversing each address
        missed every cache past 20,000 records and was a third of a 300,000-reaction export."""
        opts = record._meta
        template = self.url_templates.get(opts)
        if template is None:
            address = cached_reverse(f"events:{opts.model_name}-detail", SLUG_MARK)
            template = self.url_templates[opts] = absolute_url(self.request, address)
        return template.replace(SLUG_MARK, record.slug)

    def ref(self, record):
        """A related record in JSON: its slug, name and address; for an unpublished one only the neutral
        phrase that stands for it (events/public_names.py)."""
        if record is None:
            return None
        if getattr(record, "is_published", False):
            return {"slug": record.slug, "name": self.name(record), "url": self.url(record)}
        return {"slug": None, "name": self.name(record), "url": None}

    def name(self, record):
        return public_name(record, getattr(record, "name", None)) if record is not None else ""

    def records(self, queryset, format="json"):
        """The list's records for a file in `format`, read from the database a chunk at a time."""
        return queryset.iterator(chunk_size=CHUNK_SIZE)

    def columns(self):
        """[(header, function of a record)] for the CSV."""
        raise NotImplementedError

    def item(self, record):
        raise NotImplementedError

    def csv_rows(self, records):
        writer = csv.writer(Echo())
        columns = self.columns()
        yield writer.writerow([header for header, _value in columns])
        for record in records:
            yield neutralised_line(writer, [value(record) for _header, value in columns])

    def json_chunks(self, records, filters):
        head = {
            "generated_at": timezone.now().isoformat(),
            "source": absolute_url(self.request, self.request.get_full_path()),
            "filters": filters,
        }
        yield json.dumps(head, cls=DjangoJSONEncoder, ensure_ascii=False)[:-1] + ', "results": ['
        separator = "\n"
        for record in records:
            yield separator + json.dumps(self.item(record), cls=DjangoJSONEncoder, ensure_ascii=False)
            separator = ",\n"
        yield "\n]}\n"


# Records read as values() rows ------------------------------------------------------------------------------


def choice_display(field, choices):
    """get_<field>_display() as Django gives a model instance."""
    labels = dict(choices)

    def display(self):
        value = getattr(self, field)
        return labels.get(value, value)

    return display


def tuple_row(name, bases, fields):
    """A class of rows that are tuples of `fields` (a values_list() row and what the export adds to it), read
    by name like a model instance; `bases` borrow the model's own display properties, so a date or a figure is
    written exactly as the instance writes it. Building a dict and an object for each of the 400,000 rows of a
    100,000-incident export cost more CPU than reading them from the database."""
    namespace = {field: property(operator.itemgetter(index)) for index, field in enumerate(fields)}
    return type(name, (*bases, tuple), {**namespace, "__slots__": (), "__module__": __name__})


DateRow = tuple_row("DateRow", (), ["date", "date_precision", "end_date"])


class Related:
    """A related record as a values() row gives it: its type and status (for events/public_names.py), name,
    text (its str()) and slug."""

    __slots__ = ("_meta", "pk", "name", "text", "status", "slug", "parent_id", "parent")

    def __init__(self, model, pk, name, text, status, slug, parent_id=None):
        self._meta = model._meta
        self.pk, self.name, self.text, self.status, self.slug = pk, name, text, status, slug
        self.parent_id, self.parent = parent_id, None

    def __str__(self):
        return self.text

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    def get_absolute_url(self):
        return cached_reverse(f"events:{self._meta.model_name}-detail", self.slug)


def related(model, values, prefix):
    """The record `prefix` (e.g. "reported_by_person__") of a values() row, or None."""
    pk = values[f"{prefix}id"]
    if pk is None:
        return None
    name = values[f"{prefix}{NAME_FIELD.get(model, 'name')}"]
    if model is Person:
        text = f"{name} (alias)" if values[f"{prefix}name_is_alias"] else name
    elif model is Organization:
        short = values[f"{prefix}short_name"]
        text = f"{name} ({short})" if short else name
    else:
        text = name
    return Related(model, pk, name, text, values[f"{prefix}status"], values[f"{prefix}slug"])


def related_fields(model, prefix):
    extra = {Person: ["name_is_alias"], Organization: ["short_name"]}.get(model, [])
    return [f"{prefix}{name}" for name in ("id", NAME_FIELD.get(model, "name"), "status", "slug", *extra)]


# The field a related record is named by, where it is not `name` (an incident's str() is its title).
NAME_FIELD = {Incident: "title"}


@functools.lru_cache(maxsize=4096)
def incident_dates(date, precision, end_date):
    """Incident.date_display, remembered: a hundred thousand incidents share a few thousand dates, and month
    names are translated per call."""
    return Incident.date_display.fget(DateRow((date, precision, end_date)))


class IncidentDisplay:
    __slots__ = ()
    _meta = Incident._meta
    get_kind_display = choice_display("kind", Incident.Kind.choices)
    get_date_precision_display = choice_display("date_precision", DatePrecision.choices)

    @property
    def date_display(self):
        return incident_dates(self.date, self.date_precision, self.end_date)

    zone = Incident.zone
    time_display = Incident.time_display
    _headline_display = Incident._headline_display
    killed_display = Incident.killed_display
    injured_display = Incident.injured_display

    def get_absolute_url(self):
        return cached_reverse("events:incident-detail", self.slug)


class Figures(list):
    def all(self):
        return self


NO_FIGURES = Figures()


class FigureDisplay:
    __slots__ = ()
    Rank = CasualtyFigure.Rank
    get_kind_display = choice_display("kind", CasualtyFigure.Kind.choices)
    get_rank_display = choice_display("rank", CasualtyFigure.Rank.choices)
    value_display = CasualtyFigure.value_display


class AttributionDisplay:
    __slots__ = ()
    get_kind_display = choice_display("kind", Attribution.Kind.choices)


INCIDENT_FIELDS = [
    *("id", "slug", "title", "kind", "date", "date_precision", "end_date", "start_time", "end_time"),
    *("time_zone", "time_zone_abbreviation", "target", "method", "summary", "updated_at"),
    *(f"{field}{suffix}" for field in Incident.HEADLINE_FIELDS for suffix in ("", "_qualifier")),
]
NO_TIME = Value(None, output_field=DateTimeField())
# A place and three levels of parents in one row; a deeper chain is read on demand.
PLACE_LEVELS = ["", "parent__", "parent__parent__", "parent__parent__parent__"]
FIGURE_FIELDS = [
    *("incident_id", "kind", "group", "value", "qualifier", "rank", "reported_on", "reported_by_label", "note"),
    *("reported_by_person_id", "reported_by_organization_id"),
]
ATTRIBUTION_FIELDS = [
    *("incident_id", "kind", "role", "responsible_label"),
    *("responsible_person_id", "responsible_organization_id", "responsible_country_id"),
]
# Where a values_list() row holds the incident (first, as in the lists above) and the records it names.
F_PERSON, F_ORGANIZATION = (
    FIGURE_FIELDS.index("reported_by_person_id"),
    FIGURE_FIELDS.index("reported_by_organization_id"),
)
A_PERSON, A_ORGANIZATION, A_COUNTRY = (
    ATTRIBUTION_FIELDS.index(f"responsible_{name}_id") for name in ("person", "organization", "country")
)
IncidentRow = tuple_row(
    "IncidentRow", (IncidentDisplay,), [*INCIDENT_FIELDS, "place", "casualty_figures", "perpetrator_attributions"]
)
FigureRow = tuple_row("FigureRow", (FigureDisplay,), [*FIGURE_FIELDS, "reported_by_person", "reported_by_organization"])
AttributionRow = tuple_row(
    "AttributionRow",
    (AttributionDisplay,),
    [*ATTRIBUTION_FIELDS, "responsible_person", "responsible_organization", "responsible_country"],
)


class RelatedRecords:
    """The people, organizations and countries that figures and attributions name, each read once per export.
    Joined to every chunk's figures and attributions, PostgreSQL hashed the whole person and organization tables
    for each chunk (12 of a figure chunk's 16 ms, 400 times for 100,000 incidents): a few thousand records are
    named again and again."""

    def __init__(self):
        self.known = {}

    def of(self, model, ids):
        """{id: `Related`} holding at least `ids` (None maps to None)."""
        known = self.known.setdefault(model, {None: None})
        missing = set(ids) - known.keys()
        if missing:
            rows = model._base_manager.filter(pk__in=missing).values(*related_fields(model, ""))
            known.update((values["id"], related(model, values, "")) for values in rows)
        return known


def rows_of(manager, ids, column="incident_id"):
    """The rows of `manager` whose `column` points to one of `ids` (integers the database gave; by default the
    incidents'): written into the SQL as they are, since Django's `__in` prepared each of the 100,000 keys one by
    one (a tenth of the incident export)."""
    table = manager.model._meta.db_table
    listed = ",".join(str(int(pk)) for pk in ids)
    return manager.extra(where=[f'"{table}"."{column}" IN ({listed})'])


def incident_rows(queryset, with_updated_at=True, figures_shown=None):
    """The incidents of `queryset` (filtered and ordered) as `IncidentRow`s with their place chain, casualty
    figures and perpetrator attributions: three queries a chunk, as for_export()'s prefetches make, and one for each
    type of record they name that the chunks before did not (`RelatedRecords`). Without `with_updated_at`, the rows'
    `updated_at` is None; with `figures_shown` (a Q), their figures are only those it matches."""
    # `updated_at` only where asked for (the JSON shows it, the CSV does not): parsing 100,000 of them was a
    # twentieth of the SQLite export.
    fields = [name if with_updated_at or name != "updated_at" else NO_TIME for name in INCIDENT_FIELDS]
    rows = queryset.prefetch_related(None).values_list(*fields, "place_id").iterator(chunk_size=CHUNK_SIZE)
    # Place id → its chain, read once per place: thousands of places for a hundred thousand incidents, so
    # joining the place and its parents to every incident's row read the same few thousand places again and
    # again (a fifth of the export).
    places = {None: None}
    named = RelatedRecords()
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        ids = [values[0] for values in chunk]
        places.update(place_chains({values[-1] for values in chunk} - places.keys()))
        figure_rows = rows_of(CasualtyFigure.objects, ids)
        if figures_shown is not None:
            figure_rows = figure_rows.filter(figures_shown)
        figure_rows = list(figure_rows.values_list(*FIGURE_FIELDS))
        perpetrators = rows_of(Attribution.objects, ids).filter(kind__in=PERPETRATOR_KINDS)
        attribution_rows = list(perpetrators.values_list(*ATTRIBUTION_FIELDS))
        people = named.of(Person, [v[F_PERSON] for v in figure_rows] + [v[A_PERSON] for v in attribution_rows])
        organizations = named.of(
            Organization, [v[F_ORGANIZATION] for v in figure_rows] + [v[A_ORGANIZATION] for v in attribution_rows]
        )
        countries = named.of(Place, [v[A_COUNTRY] for v in attribution_rows])
        figures, attributions = {}, {}
        for v in figure_rows:
            figure = FigureRow((*v, people[v[F_PERSON]], organizations[v[F_ORGANIZATION]]))
            figures.setdefault(v[0], Figures()).append(figure)
        for v in attribution_rows:
            named_by = (people[v[A_PERSON]], organizations[v[A_ORGANIZATION]], countries[v[A_COUNTRY]])
            attributions.setdefault(v[0], []).append(AttributionRow((*v, *named_by)))
        for values in chunk:
            pk = values[0]
            yield IncidentRow((*values[:-1], places[values[-1]], figures.get(pk, NO_FIGURES), attributions.get(pk, ())))


def place_chains(ids):
    """{place id: the place with its parents linked} for the places `ids`, in one query."""
    if not ids:
        return {}
    fields = [field for level in PLACE_LEVELS for field in [*related_fields(Place, level), f"{level}parent_id"]]
    return {values["id"]: place_chain(values) for values in Place.objects.filter(pk__in=ids).values(*fields)}


def place_chain(values):
    """A place with its parents linked, from the joined levels and, past them, the database."""
    place = child = None
    for level in PLACE_LEVELS:
        found = related(Place, values, level)
        if found is None:
            break
        found.parent_id = values[f"{level}parent_id"]
        if child is None:
            place = found
        else:
            child.parent = found
        child = found
    if child is not None and child.parent_id is not None:
        child.parent = Place.objects.filter(pk=child.parent_id).first()
    return place


def figure_reporter(figure, exporter):
    who = figure.reported_by_person or figure.reported_by_organization
    if who is not None:
        data = exporter.ref(who)
        data["type"] = "person" if who is figure.reported_by_person else "organization"
        return data
    return (
        {"type": "label", "name": figure.reported_by_label, "slug": None, "url": None}
        if figure.reported_by_label
        else None
    )


def figure_summary(figure):
    """'103 (Iranian state media, 3 January 2024, superseded)'."""
    details = [public_names.reporter(figure), day(figure.reported_on)]
    if figure.rank != figure.Rank.REPORTED:
        details.append(figure.get_rank_display().lower())
    group = f" {figure.group}" if figure.group else ""
    details = ", ".join(detail for detail in details if detail)
    return f"{figure.value_display}{group} ({details})" if details else f"{figure.value_display}{group}"


# The figures the CSV's "Other reported death tolls" shows (`IncidentExporter.other_figures(incident, "killed")`).
OTHER_DEATH_TOLLS = Q(kind=CasualtyFigure.Kind.KILLED) & ~Q(rank=CasualtyFigure.Rank.PREFERRED)


class IncidentExporter(Exporter):
    noun_plural = "incidents"

    def __init__(self, request):
        super().__init__(request)
        self.place_names = {}

    def records(self, queryset, format="json"):
        if format == "csv":
            # Of the figures the CSV shows only the other death tolls (the headline ones are the incident's own
            # columns): reading every figure was reading two rows an incident that no cell shows.
            return incident_rows(queryset, with_updated_at=False, figures_shown=OTHER_DEATH_TOLLS)
        return incident_rows(queryset)

    def place_names_of(self, incident):
        """The published places up the incident's chain, joined; remembered per place."""
        key = incident.place.pk if incident.place is not None else None
        if key not in self.place_names:
            self.place_names[key] = joined(p.name for p in self.place_chain(incident))
        return self.place_names[key]

    def perpetrators(self, incident):
        """The public names of who the incident is attributed to, each once, in order."""
        return list(dict.fromkeys(map(public_names.responsible, incident.perpetrator_attributions)))

    def place_chain(self, incident):
        chain = []
        for place in place_tree.walk_up(incident.place, lambda p: p.parent, key=lambda p: p.pk):
            if len(chain) == 5:
                break
            if place.is_published:
                chain.append(place)
        return chain

    def other_figures(self, incident, kind):
        return [f for f in incident.casualty_figures.all() if f.kind == kind and f.rank != f.Rank.PREFERRED]

    def columns(self):
        # Labels translated once per file, not for each row (two lazy translations a row, 200,000 a file).
        kinds = {value: str(label) for value, label in Incident.Kind.choices}
        precisions = {value: str(label) for value, label in DatePrecision.choices}
        # A field read as it is through attrgetter (no Python call a cell); csv writes None as an empty cell.
        field = operator.attrgetter
        return [
            ("Title", field("title")),
            ("URL", self.url),
            ("Date", field("date_display")),
            ("Date (ISO 8601, as precise as known)", lambda i: partial_iso(i.date, i.date_precision)),
            ("Date precision", lambda i: precisions.get(i.date_precision, i.date_precision)),
            ("Time (local)", field("time_display")),
            ("Type", lambda i: kinds.get(i.kind, i.kind)),
            ("Place", self.place_names_of),
            ("Killed", field("killed")),
            ("Killed (as reported)", field("killed_display")),
            ("Other reported death tolls", lambda i: joined(map(figure_summary, self.other_figures(i, "killed")))),
            ("Injured", field("injured")),
            ("Injured (as reported)", field("injured_display")),
            ("Perpetrators", lambda i: joined(self.perpetrators(i))),
            ("Target", field("target")),
            ("Method", field("method")),
            ("Summary", field("summary")),
            ("Slug", field("slug")),
        ]

    def item(self, incident):
        zone = incident.zone
        return {
            "slug": incident.slug,
            "url": self.url(incident),
            "title": incident.title,
            "kind": incident.kind,
            "kind_label": incident.get_kind_display(),
            "date": partial_iso(incident.date, incident.date_precision) or None,
            "date_precision": incident.date_precision or None,
            "date_display": incident.date_display,
            "end_date": incident.end_date,
            "start_time": local_time(incident.start_time, zone),
            "end_time": local_time(incident.end_time, zone),
            "time_zone": incident.time_zone or None,
            "time_display": incident.time_display,
            "place": self.ref(incident.place),
            "places": [self.ref(p) for p in self.place_chain(incident)],
            "target": incident.target,
            "method": incident.method,
            "summary": incident.summary,
            "killed": incident.killed,
            "killed_display": incident.killed_display,
            "injured": incident.injured,
            "injured_display": incident.injured_display,
            "perpetrators_killed": incident.perpetrators_killed,
            "casualty_figures": [
                {
                    "kind": figure.kind,
                    "kind_label": figure.get_kind_display(),
                    "group": figure.group,
                    "value": figure.value,
                    "qualifier": figure.qualifier,
                    "value_display": figure.value_display,
                    "rank": figure.rank,
                    "reported_on": figure.reported_on,
                    "reported_by": figure_reporter(figure, self),
                    "note": figure.note,
                }
                for figure in incident.casualty_figures.all()
            ],
            "perpetrators": [
                {
                    "kind": attribution.kind,
                    "kind_label": attribution.get_kind_display(),
                    "name": public_names.responsible(attribution),
                    "organization": self.ref(attribution.responsible_organization),
                    "person": self.ref(attribution.responsible_person),
                    "country": self.ref(attribution.responsible_country),
                    "role": attribution.role,
                }
                for attribution in incident.perpetrator_attributions
            ],
            "updated_at": incident.updated_at,
        }


def role_summary(role):
    where = joined(
        [public_names.first_named(role.organization, text=public_names.by_name), public_or_nothing(role.country)]
    )
    dates = " – ".join(d for d in (day(role.start_date), day(role.end_date)) if d)
    text = f"{role.title}, {where}" if where else role.title
    return f"{text} ({dates})" if dates else text


class PersonExporter(Exporter):
    noun_plural = "people"

    def columns(self):
        return [
            ("Name", lambda p: p.name),
            ("URL", self.url),
            ("Name is an alias", lambda p: "yes" if p.name_is_alias else "no"),
            ("Aliases", lambda p: joined(p.alias_list)),
            ("Native name", lambda p: p.native_name),
            ("Nationalities", lambda p: joined(self.name(c) for c in p.nationality_list)),
            ("Born", lambda p: p.born_display),
            ("Died", lambda p: p.died_display),
            ("Positions", lambda p: joined(role_summary(r) for r in p.role_list)),
            ("Description", lambda p: p.description),
            ("Slug", lambda p: p.slug),
        ]

    def item(self, person):
        return {
            "slug": person.slug,
            "url": self.url(person),
            "name": person.name,
            "name_is_alias": person.name_is_alias,
            "aliases": person.alias_list,
            "native_name": person.native_name,
            "native_name_lang": person.native_name_lang,
            "nationalities": [self.ref(c) for c in person.nationality_list],
            "born": partial_iso(person.born_on, person.born_precision) or None,
            "born_precision": person.born_precision or None,
            "born_display": person.born_display,
            "died": partial_iso(person.died_on, person.died_precision) or None,
            "died_precision": person.died_precision or None,
            "died_display": person.died_display,
            "roles": [
                {
                    "title": role.title,
                    "organization": self.ref(role.organization),
                    "country": self.ref(role.country),
                    "start_date": role.start_date,
                    "end_date": role.end_date,
                    "note": role.note,
                }
                for role in person.role_list
            ],
            "description": person.description,
            "updated_at": person.updated_at,
        }


class OrganizationExporter(Exporter):
    noun_plural = "organizations"

    def columns(self):
        return [
            ("Name", lambda o: o.name),
            ("URL", self.url),
            ("Short name", lambda o: o.short_name),
            ("Aliases", lambda o: joined(o.alias_list)),
            ("Native name", lambda o: o.native_name),
            ("Type", lambda o: o.get_kind_display()),
            ("Country", lambda o: self.name(o.country)),
            ("Part of", lambda o: self.name(o.parent)),
            ("Description", lambda o: o.description),
            ("Slug", lambda o: o.slug),
        ]

    def item(self, organization):
        return {
            "slug": organization.slug,
            "url": self.url(organization),
            "name": organization.name,
            "short_name": organization.short_name,
            "aliases": organization.alias_list,
            "native_name": organization.native_name,
            "native_name_lang": organization.native_name_lang,
            "kind": organization.kind,
            "kind_label": organization.get_kind_display(),
            "country": self.ref(organization.country),
            "parent": self.ref(organization.parent),
            "description": organization.description,
            "updated_at": organization.updated_at,
        }


def osm_url(place):
    if place.latitude is None or place.longitude is None:
        return ""
    return f"https://www.openstreetmap.org/?mlat={place.latitude}&mlon={place.longitude}"


class PlaceExporter(Exporter):
    noun_plural = "places"

    def columns(self):
        return [
            ("Name", lambda p: p.name),
            ("URL", self.url),
            ("Type", lambda p: p.get_kind_display()),
            ("Inside", lambda p: self.name(p.parent)),
            ("Native name", lambda p: p.native_name),
            ("Latitude", lambda p: p.latitude if p.latitude is not None else ""),
            ("Longitude", lambda p: p.longitude if p.longitude is not None else ""),
            ("Coordinates precision", lambda p: p.get_geo_precision_display()),
            ("Coordinates from", lambda p: p.coordinates_source.title if p.coordinates_source else ""),
            ("Gazetteer entry", lambda p: p.gazetteer_id),
            ("Point of the place it lies in", lambda p: "yes" if p.coordinates_from_parent else ""),
            ("OpenStreetMap", osm_url),
            ("Description", lambda p: p.description),
            ("Slug", lambda p: p.slug),
        ]

    def item(self, place):
        return {
            "slug": place.slug,
            "url": self.url(place),
            "name": place.name,
            "kind": place.kind,
            "kind_label": place.get_kind_display(),
            "parent": self.ref(place.parent),
            "native_name": place.native_name,
            "native_name_lang": place.native_name_lang,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "geo_precision": place.geo_precision or None,
            "coordinates_source": place.coordinates_source.title if place.coordinates_source else None,
            "gazetteer_id": place.gazetteer_id or None,
            "coordinates_from_parent": place.coordinates_from_parent,
            "openstreetmap_url": osm_url(place) or None,
            "description": place.description,
            "updated_at": place.updated_at,
        }


REACTION_FIELDS = [
    *("id", "slug", "category", "date", "channel", "summary", "quote", "actor_label", "updated_at"),
    *("incident_id", "person_id", "organization_id", "country_id"),
]
R_INCIDENT, R_PERSON, R_ORGANIZATION, R_COUNTRY = (
    REACTION_FIELDS.index(f"{name}_id") for name in ("incident", "person", "organization", "country")
)
StanceRow = tuple_row("StanceRow", (), ["reaction_id", "slug", "name"])
SourceRow = tuple_row("SourceRow", (), ["reaction_id", "title", "publisher", "url", "published_on"])


class ReactionDisplay:
    __slots__ = ()
    _meta = Reaction._meta
    get_category_display = choice_display("category", Reaction.Category.choices)


ReactionRow = tuple_row(
    "ReactionRow",
    (ReactionDisplay,),
    [*REACTION_FIELDS, "incident", "person", "organization", "country", "stance_list", "source_list"],
)


def reaction_rows(queryset, with_updated_at=True):
    """The reactions of `queryset` (filtered and ordered) as `ReactionRow`s with the records they name, their
    stances and their sources (each in its model's order, as .all() gives them): three queries a chunk and one for
    each type of record named that the chunks before did not. As model instances with prefetched relations a
    300,000-reaction export took a minute of CPU."""
    fields = [name if with_updated_at or name != "updated_at" else NO_TIME for name in REACTION_FIELDS]
    rows = queryset.prefetch_related(None).values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    named = RelatedRecords()
    stance_links, source_links = Reaction.stances.through.objects, Reaction.sources.through.objects
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        ids = [values[0] for values in chunk]
        stances, sources = {}, {}
        for v in (
            rows_of(stance_links, ids, "reaction_id")
            .order_by(*(f"stance__{field}" for field in Stance._meta.ordering))
            .values_list("reaction_id", "stance__slug", "stance__name")
        ):
            stances.setdefault(v[0], []).append(StanceRow(v))
        for v in (
            rows_of(source_links, ids, "reaction_id")
            .order_by(*(f"source__{field}" for field in Source._meta.ordering))
            .values_list("reaction_id", "source__title", "source__publisher", "source__url", "source__published_on")
        ):
            sources.setdefault(v[0], []).append(SourceRow(v))
        incidents = named.of(Incident, [v[R_INCIDENT] for v in chunk])
        people = named.of(Person, [v[R_PERSON] for v in chunk])
        organizations = named.of(Organization, [v[R_ORGANIZATION] for v in chunk])
        countries = named.of(Place, [v[R_COUNTRY] for v in chunk])
        for v in chunk:
            pk = v[0]
            records = (incidents[v[R_INCIDENT]], people[v[R_PERSON]], organizations[v[R_ORGANIZATION]])
            yield ReactionRow((*v, *records, countries[v[R_COUNTRY]], stances.get(pk, ()), sources.get(pk, ())))


class ReactionExporter(Exporter):
    noun_plural = "reactions"

    def records(self, queryset, format="json"):
        return reaction_rows(queryset, with_updated_at=format == "json")

    def columns(self):
        categories = {value: str(label) for value, label in Reaction.Category.choices}  # translated once per file
        return [
            ("Who", public_names.reaction_actor),
            ("URL", self.url),
            ("Incident", lambda r: str(r.incident)),
            ("Incident URL", lambda r: self.url(r.incident)),
            ("Category", lambda r: categories.get(r.category, r.category)),
            ("Stances", lambda r: joined(s.name for s in r.stance_list)),
            ("Date", lambda r: day(r.date)),
            ("Person", lambda r: self.name(r.person)),
            ("Organization", lambda r: self.name(r.organization)),
            ("Country", lambda r: self.name(r.country)),
            ("Channel", lambda r: r.channel),
            ("Summary", lambda r: r.summary),
            ("Quote", lambda r: r.quote),
            ("Sources", lambda r: joined(s.url or s.title for s in r.source_list)),
            ("Slug", lambda r: r.slug),
        ]

    def item(self, reaction):
        return {
            "slug": reaction.slug,
            "url": self.url(reaction),
            "actor": public_names.reaction_actor(reaction),
            "incident": self.ref(reaction.incident),
            "category": reaction.category,
            "category_label": reaction.get_category_display(),
            "stances": [{"slug": s.slug, "name": s.name} for s in reaction.stance_list],
            "date": reaction.date,
            "person": self.ref(reaction.person),
            "organization": self.ref(reaction.organization),
            "country": self.ref(reaction.country),
            "actor_label": reaction.actor_label,
            "channel": reaction.channel,
            "summary": reaction.summary,
            "quote": reaction.quote,
            "sources": [
                {"title": s.title, "publisher": s.publisher, "url": s.url or None, "published_on": s.published_on}
                for s in reaction.source_list
            ],
            "updated_at": reaction.updated_at,
        }


def written_out(chunks):
    """The text `chunks` in a temporary file on disk (memory stays flat however long the list), rewound for
    sending; FileResponse closes it once sent. A failure while writing closes it and goes on up."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse, or below)
    try:
        # Encoded and written a thousand rows at a time: one call per row was a twentieth of the export.
        chunks = iter(chunks)
        while batch := list(itertools.islice(chunks, 1000)):
            file.write("".join(batch).encode())
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return file


# Kind → exporter, for every type declared in events/registry.py (which names its exporter in this module).
EXPORTERS = {record_type.key: globals()[record_type.exporter] for record_type in registry.RECORD_TYPES}
