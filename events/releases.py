"""Versioned dataset releases: the published archive as a Frictionless Data Package that a paper can cite.

`manage.py release_dataset VERSION` writes, into settings.DATA_RELEASES_DIR/<VERSION>/:
- datapackage.json: every table's schema (types, primary and foreign keys, a description of every column:
  the codebook), with each CSV's size and SHA-256, which `frictionless validate` checks;
- one CSV per table (TABLES below), its cells passed through spreadsheet.neutralise() like every CSV the
  site writes;
- data.json: the same rows as JSON, typed (numbers, nulls), for programs;
- CITATION.cff: how to cite this release;
- changes.json: records added, changed and removed per table since the previous release;
- SHA256SUMS: the checksums of all of the above, in the format `sha256sum -c` reads.

The public rule is the pages' rule: only published records; a row that hangs off a record (a figure, a role,
a claim) only when that record is published; a related record that is not published is named by
public_names.public_name() and given no id. Rows are sorted by their primary key and no file carries the time
it was written (the release date is the data's last change, or --date), so releasing the same data twice
gives the same bytes.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max

from . import public_names
from .choices import DatePrecision, Status
from .linked_data import absolute_url
from .models import (
    Attribution,
    CasualtyFigure,
    Claim,
    Incident,
    IncidentClaim,
    IncidentLink,
    Organization,
    OrganizationClaim,
    Person,
    PersonClaim,
    Place,
    Reaction,
    Revision,
    Role,
    Source,
    public_timeline_entries,
)
from .spreadsheet import neutralise

PUBLISHED = Status.PUBLISHED
# MAJOR.MINOR or MAJOR.MINOR.PATCH: the folder name and the URL segment, so nothing else can become a path.
VERSION_PATTERN = r"[0-9]{1,6}\.[0-9]{1,6}(?:\.[0-9]{1,6})?"
PACKAGE_NAME = "kerman-incident-archive"
TITLE = "Kerman incident archive"
SUMS_FILE = "SHA256SUMS"
SEPARATOR = "; "


class ReleaseError(Exception):
    """A release that cannot be written; the message says why in plain words and nothing was changed."""


def is_version(text):
    return re.fullmatch(VERSION_PATTERN, text or "") is not None


def version_key(version):
    return tuple(int(part) for part in version.split("."))


def releases_dir():
    return Path(settings.DATA_RELEASES_DIR)


# Columns ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    value: callable
    type: str = "string"  # a Table Schema type: string, integer, number, boolean, date, datetime
    required: bool = False
    enum: tuple = ()
    reference: tuple = ()  # (table, its key column): a foreign key


def attr(name, description, type="string", **kwargs):
    return Column(name, description, lambda row: getattr(row, name), type=type, **kwargs)


def coded(name, choices, description):
    """A coded column and its label beside it, the codes listed in the schema."""
    labels = dict(choices)
    return [
        Column(name, f"{description} Codes: {', '.join(labels)}.", lambda row: getattr(row, name), enum=tuple(labels)),
        Column(f"{name}_label", f"What the {name} code means, in words.", lambda row: labels.get(getattr(row, name))),
    ]


def precision(name, of):
    return Column(
        name,
        f"How precisely {of} is known: day, month or year. A month is stored as its 1st, a year as 1 January.",
        lambda row: getattr(row, name),
        enum=tuple(DatePrecision.values),
    )


def key_of(record):
    return getattr(record, "slug", None) or record.key


def ref(name, table, what, required=False):
    """A related record: its id when it is published, and its public name (a neutral phrase when it is not)."""

    def related_id(row):
        record = getattr(row, name)
        return key_of(record) if record is not None and public_names.is_named_in_public(record) else None

    def related_name(row):
        record = getattr(row, name)
        return public_names.public_name(record, getattr(record, "name", None)) if record is not None else None

    return [
        Column(
            name,
            f"{what}: the slug of the record in {table}.csv; empty when there is none or it is not published.",
            related_id,
            required=required,
            reference=(table, "slug"),
        ),
        Column(
            f"{name}_name",
            f"{what}, by name; “an unpublished …” when the record is not published.",
            related_name,
        ),
    ]


def sources_column():
    return Column(
        "sources",
        f"The sources cited for this row: slugs in sources.csv, separated by “{SEPARATOR}”.",
        lambda row: SEPARATOR.join(sorted(source.slug for source in row.sources.all())),
    )


def page_column(noun):
    return Column(
        "page",
        f"The {noun}'s page on the site.",
        lambda row: absolute_url(None, row.get_absolute_url()),
    )


def updated_column(noun):
    return attr("updated_at", f"When the {noun} was last saved (UTC).", type="datetime")


def slug_column(noun):
    return attr("slug", f"The {noun}'s identifier, stable across releases and in its page's address.", required=True)


def key_column(noun):
    return attr("key", f"The {noun}'s identifier, stable across releases.", required=True)


def joined(values):
    return SEPARATOR.join(value for value in values if value)


# Tables ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    rows: callable  # () -> the published rows, in primary-key order
    columns: list = field(default_factory=list)
    primary_key: tuple = ("slug",)


def incidents():
    return Incident.objects.published().select_related("place").prefetch_related("sources").order_by("slug")


def incident_children(model, *related):
    return (
        model.objects.filter(incident__status=PUBLISHED)
        .select_related("incident", *related)
        .prefetch_related("sources")
        .order_by("key")
    )


def claims():
    rows = []
    for model, subject in ((IncidentClaim, "incident"), (PersonClaim, "person"), (OrganizationClaim, "organization")):
        found = (
            model.objects.filter(**{f"{subject}__status": PUBLISHED})
            .select_related(subject, "place", "by_organization", "by_person")
            .prefetch_related("sources")
        )
        for claim in found:
            claim.subject_type = subject
            for other in ("incident", "person", "organization"):
                if other != subject:
                    setattr(claim, other, None)
            rows.append(claim)
    return sorted(rows, key=lambda claim: (claim.subject_type, claim.key))


TABLES = (
    Table(
        "incidents",
        "Incidents",
        "Every published incident: what happened, when and where, and its headline figures.",
        incidents,
        [
            slug_column("incident"),
            attr("title", "The incident's title.", required=True),
            *coded("kind", Incident.Kind.choices, "The type of incident."),
            attr("date", "The first day, as precisely as known (see date_precision); empty when unknown.", "date"),
            precision("date_precision", "the date"),
            attr("end_date", "The last day, for incidents spanning several days.", "date"),
            attr("start_time", "When it began (UTC).", "datetime"),
            attr("end_time", "When it ended (UTC).", "datetime"),
            attr("time_zone", "The IANA time zone of the place, e.g. Asia/Tehran."),
            attr("time_zone_abbreviation", "The zone's abbreviation as the sources use it, e.g. IRST."),
            *ref("place", "places", "Where it happened"),
            attr("target", "Who or what was targeted."),
            attr("method", "Method and weapons, as the sources report them."),
            attr("summary", "Two or three sentences in the archive's own words.", required=True),
            attr("description", "A longer account."),
            *(
                column
                for name, noun in (
                    ("killed", "killed"),
                    ("injured", "injured"),
                    ("perpetrators_killed", "perpetrators killed"),
                )
                for column in (
                    attr(name, f"The preferred whole-incident figure of {noun} (see casualty_figures.csv).", "integer"),
                    Column(
                        f"{name}_qualifier",
                        f"How exact the {noun} figure is. Codes: {', '.join(CasualtyFigure.Qualifier.values)}.",
                        lambda row, name=name: getattr(row, f"{name}_qualifier"),
                        enum=tuple(CasualtyFigure.Qualifier.values),
                    ),
                )
            ),
            sources_column(),
            page_column("incident"),
            updated_column("incident"),
        ],
    ),
    Table(
        "casualty_figures",
        "Casualty figures",
        "Every reported figure of published incidents: competing and superseded figures stay, ranked.",
        lambda: incident_children(CasualtyFigure, "reported_by_organization", "reported_by_person"),
        [
            key_column("figure"),
            *ref("incident", "incidents", "The incident counted", required=True)[:1],
            *coded("kind", CasualtyFigure.Kind.choices, "What is counted."),
            attr("group", "Who is counted, when not the whole incident (e.g. students); empty for the whole incident."),
            attr("value", "The figure.", "integer", required=True),
            *coded("qualifier", CasualtyFigure.Qualifier.choices, "How exact the figure is."),
            *coded("rank", CasualtyFigure.Rank.choices, "Which figure the archive prefers; one preferred per kind."),
            attr("reported_on", "When the figure was reported.", "date"),
            Column("reported_by", "Who reported it, as the site names them.", public_names.reporter),
            *ref("reported_by_organization", "organizations", "The organization that reported it"),
            *ref("reported_by_person", "people", "The person who reported it"),
            attr("reported_by_label", "Who reported it when no record fits, as the source words it."),
            attr("note", "A note on the figure."),
            sources_column(),
        ],
        primary_key=("key",),
    ),
    Table(
        "attributions",
        "Attributions",
        "Who is said to be behind published incidents, and who says so: claims, assessments, accusations, denials.",
        lambda: incident_children(
            Attribution,
            *Attribution.NAMED,
        ),
        [
            key_column("attribution"),
            *ref("incident", "incidents", "The incident", required=True)[:1],
            *coded("kind", Attribution.Kind.choices, "What is said."),
            Column("responsible", "Who is held responsible, as the site names them.", public_names.responsible),
            *ref("responsible_organization", "organizations", "The organization held responsible"),
            *ref("responsible_person", "people", "The person held responsible"),
            *ref("responsible_country", "places", "The country held responsible"),
            attr("responsible_label", "Who is held responsible when no record fits, as the source words it."),
            attr("role", "Their part, as the source says (e.g. mastermind)."),
            Column("claimant", "Who made the attribution, as the site names them.", public_names.claimant),
            *ref("by_organization", "organizations", "The organization that made it"),
            *ref("by_person", "people", "The person who made it"),
            *ref("by_country", "places", "The country that made it"),
            attr("mode", "How a claim was made (e.g. statement on Telegram)."),
            attr("date", "When it was made.", "date"),
            attr("summary", "What was said, in the archive's words."),
            attr("quote", "The exact words, where the source quotes them."),
            sources_column(),
        ],
        primary_key=("key",),
    ),
    Table(
        "claims",
        "Claims",
        "Statements about a published incident, person or organization that a source puts in someone's mouth "
        "(an attack type, a nationality), with who made them and a rank.",
        claims,
        [
            Column(
                "subject_type",
                "What the claim is about: incident, person or organization (the column of that name is filled).",
                lambda row: row.subject_type,
                required=True,
                enum=("incident", "organization", "person"),
            ),
            key_column("claim"),
            *ref("incident", "incidents", "The incident the claim is about")[:1],
            *ref("person", "people", "The person the claim is about")[:1],
            *ref("organization", "organizations", "The organization the claim is about")[:1],
            *coded("about", Claim.Subject.choices, "What kind of statement it is."),
            attr("value", "The statement in a few words, as the source reports it."),
            *ref("place", "places", "The place or country the claim names"),
            *coded("rank", Claim.Rank.choices, "Preferred: the account the archive follows; disputed: contradicted."),
            *ref("by_organization", "organizations", "The organization that made the claim"),
            *ref("by_person", "people", "The person who made the claim"),
            attr("by_label", "Who made it when no record fits, as the source words it."),
            attr("stated_on", "When the claim was made.", "date"),
            attr("note", "A note on the claim."),
            sources_column(),
        ],
        primary_key=("subject_type", "key"),
    ),
    Table(
        "reactions",
        "Reactions",
        "Published statements and acts in response to published incidents.",
        lambda: (
            Reaction.objects.published()
            .select_related("incident", "person", "organization", "country")
            .prefetch_related("stances", "sources")
            .order_by("slug")
        ),
        [
            slug_column("reaction"),
            *ref("incident", "incidents", "The incident reacted to", required=True)[:1],
            *coded("category", Reaction.Category.choices, "Who reacted, as the archive groups them."),
            Column("actor", "Who reacted, as the site names them.", public_names.reaction_actor),
            *ref("person", "people", "The person who reacted"),
            *ref("organization", "organizations", "The organization that reacted"),
            *ref("country", "places", "The country that reacted, or that of the person or body that did"),
            attr("actor_label", "Who reacted when it is a body with no record, as the source words it."),
            Column(
                "stances",
                f"What the reaction does (condemn, console, ...), separated by “{SEPARATOR}”.",
                lambda row: joined(sorted(stance.name for stance in row.stances.all())),
            ),
            attr("date", "When it was made.", "date"),
            attr("channel", "How it was made, if the source says."),
            attr("summary", "What was said or done, in the archive's words.", required=True),
            attr("quote", "The exact words, where the source quotes them."),
            sources_column(),
            page_column("reaction"),
            updated_column("reaction"),
        ],
    ),
    Table(
        "people",
        "People",
        "Published people: perpetrators, officials, commanders and those who reacted.",
        lambda: Person.objects.published().prefetch_related("nationalities", "sources").order_by("slug"),
        [
            slug_column("person"),
            attr("name", "The person's name.", required=True),
            attr("name_is_alias", "true when the only name known is an alias.", "boolean"),
            Column(
                "aliases",
                f"Other names and spellings, separated by “{SEPARATOR}”.",
                lambda row: joined(row.alias_list),
            ),
            attr("native_name", "The name in its own script."),
            attr("native_name_lang", "The language code of the native name (e.g. fa)."),
            Column(
                "nationalities",
                f"Published countries of nationality: slugs in places.csv, separated by “{SEPARATOR}”.",
                lambda row: joined(sorted(c.slug for c in row.nationalities.all() if c.is_published)),
            ),
            Column(
                "nationality_names",
                f"Every nationality the sources give, by name, separated by “{SEPARATOR}”; "
                "“an unpublished place” for a country that is not published.",
                lambda row: joined(public_names.public_name(c) for c in sorted(row.nationalities.all(), key=key_of)),
            ),
            attr("born_on", "Date of birth, as precisely as known.", "date"),
            precision("born_precision", "the date of birth"),
            attr("died_on", "Date of death, as precisely as known.", "date"),
            precision("died_precision", "the date of death"),
            attr("description", "Who they are, in the archive's words."),
            sources_column(),
            page_column("person"),
            updated_column("person"),
        ],
    ),
    Table(
        "organizations",
        "Organizations",
        "Published governments, agencies, armed groups, media and international bodies.",
        lambda: (
            Organization.objects.published()
            .select_related("country", "parent")
            .prefetch_related("sources")
            .order_by("slug")
        ),
        [
            slug_column("organization"),
            attr("name", "The organization's name.", required=True),
            attr("short_name", "Its acronym or short name."),
            Column("aliases", f"Other names, separated by “{SEPARATOR}”.", lambda row: joined(row.alias_list)),
            attr("native_name", "The name in its own script."),
            attr("native_name_lang", "The language code of the native name."),
            *coded("kind", Organization.Kind.choices, "The type of organization."),
            *ref("country", "places", "The country it belongs to"),
            *ref("parent", "organizations", "The organization it is part of"),
            attr("description", "What it is, in the archive's words."),
            sources_column(),
            page_column("organization"),
            updated_column("organization"),
        ],
    ),
    Table(
        "roles",
        "Roles",
        "Positions that published people held, in an organization or for a country.",
        lambda: (
            Role.objects.filter(person__status=PUBLISHED)
            .select_related("person", "organization", "country")
            .prefetch_related("sources")
            .order_by("key")
        ),
        [
            key_column("role"),
            *ref("person", "people", "The person", required=True)[:1],
            attr("title", "The position, as the source names it.", required=True),
            *ref("organization", "organizations", "The organization the position is in"),
            *ref("country", "places", "The country, for offices of a state"),
            attr("start_date", "When they took it up.", "date"),
            attr("end_date", "When they left it.", "date"),
            attr("note", "A note on the role."),
            sources_column(),
        ],
        primary_key=("key",),
    ),
    Table(
        "places",
        "Places",
        "Published countries, provinces, cities, sites and streets, nested by parent.",
        lambda: (
            Place.objects.published()
            .select_related("parent", "coordinates_source")
            .prefetch_related("sources")
            .order_by("slug")
        ),
        [
            slug_column("place"),
            attr("name", "The place's name.", required=True),
            *coded("kind", Place.Kind.choices, "The type of place."),
            *ref("parent", "places", "The place it lies in"),
            attr("native_name", "The name in its own script."),
            attr("native_name_lang", "The language code of the native name."),
            attr("latitude", "Latitude, WGS 84 degrees.", "number"),
            attr("longitude", "Longitude, WGS 84 degrees.", "number"),
            *coded("geo_precision", Place.GeoPrecision.choices, "How precise the coordinates are."),
            *ref("coordinates_source", "sources", "The gazetteer or other source the coordinates are from"),
            attr(
                "gazetteer_id",
                "The gazetteer entry of the coordinates: geonames:<id> (https://www.geonames.org/<id>), "
                "naturalearth:<ISO 3166-1 numeric> for a country, or naturalearth:<ISO>+<ISO>+... for a region "
                "computed from those countries' outlines. Empty for a point from another kind of source or no point.",
            ),
            attr(
                "coordinates_from_parent",
                "True when the gazetteers have no entry for this place and it carries the coordinates (and their "
                "precision, source and entry) of the place it lies in.",
                "boolean",
            ),
            attr("description", "What and where it is, in the archive's words."),
            sources_column(),
            page_column("place"),
            updated_column("place"),
        ],
    ),
    Table(
        "sources",
        "Sources",
        "Every source cited by a row of this release, and the sources those were reported in.",
        lambda: [],  # filled from the rows of the other tables (cited_sources())
        [
            slug_column("source"),
            attr("title", "The source's title.", required=True),
            attr("publisher", "Who published it, as the citation gives it."),
            attr("url", "Where it can be read; empty when no address is known."),
            attr("published_on", "When it was published.", "date"),
            *ref("reported_in", "sources", "The source through which this one is known")[:1],
            attr("note", "A note on the source."),
        ],
    ),
    Table(
        "timeline_entries",
        "Timeline entries",
        "Dated developments of published incidents.",
        lambda: public_timeline_entries().prefetch_related("sources").order_by("key"),
        [
            key_column("timeline entry"),
            *ref("incident", "incidents", "The incident", required=True)[:1],
            attr("date", "The day of the development, as precisely as known.", "date", required=True),
            precision("date_precision", "the date"),
            attr("sequence", "Orders entries that share a date.", "integer"),
            attr("title", "What happened.", required=True),
            attr("description", "More about it."),
            *ref("place", "places", "Where it happened"),
            sources_column(),
        ],
        primary_key=("key",),
    ),
    Table(
        "incident_links",
        "Incident links",
        "Typed links between published incidents (retaliation for, commemorates, deadliest since, ...).",
        lambda: (
            IncidentLink.objects.filter(from_incident__status=PUBLISHED, to_incident__status=PUBLISHED)
            .select_related("from_incident", "to_incident")
            .prefetch_related("sources")
            .order_by("key")
        ),
        [
            key_column("link"),
            *ref("from_incident", "incidents", "The incident the link is from", required=True)[:1],
            *ref("to_incident", "incidents", "The incident the link is to", required=True)[:1],
            *coded("kind", IncidentLink.Kind.choices, "How the first incident relates to the second."),
            attr("note", "A note on the link."),
            sources_column(),
        ],
        primary_key=("key",),
    ),
)
TABLE_NAMES = tuple(table.name for table in TABLES)
FILES = (
    "datapackage.json",
    *(f"{name}.csv" for name in TABLE_NAMES),
    "data.json",
    "CITATION.cff",
    "changes.json",
    SUMS_FILE,
)


def cited_sources(records):
    """The sources `records` cite, the gazetteers their coordinates are from, and the sources those were reported
    in, by slug."""
    ids = {source.pk for record in records if hasattr(record, "sources") for source in record.sources.all()}
    ids |= {record.coordinates_source_id for record in records if getattr(record, "coordinates_source_id", None)}
    found, wanted = {}, ids
    while wanted:
        batch = list(Source.objects.filter(pk__in=wanted).select_related("reported_in"))
        found.update((source.pk, source) for source in batch)
        wanted = {s.reported_in_id for s in batch if s.reported_in_id and s.reported_in_id not in found}
    return sorted(found.values(), key=lambda source: source.slug)


# Values ----------------------------------------------------------------------------------------------------


def json_value(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value == "":
        return None
    return value


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return neutralise(str(value))


def read_rows():
    """{table name: [row dicts]}, every table of the release, the values typed as in data.json."""
    records = {table.name: list(table.rows()) for table in TABLES}
    records["sources"] = cited_sources([record for rows in records.values() for record in rows])
    return {
        table.name: [
            {column.name: json_value(column.value(record)) for column in table.columns}
            for record in records[table.name]
        ]
        for table in TABLES
    }


def release_date(rows):
    """The day of the data's last change: the newest save of a released record or revision of one."""
    latest = [row["updated_at"] for table in rows.values() for row in table if row.get("updated_at")]
    for model, table in (
        (Incident, "incidents"),
        (Person, "people"),
        (Organization, "organizations"),
        (Place, "places"),
    ):
        slugs = [row["slug"] for row in rows[table]]
        if not slugs:
            continue
        newest = (
            Revision.objects.public()
            .filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=model.objects.filter(slug__in=slugs).values("pk"),
            )
            .aggregate(newest=Max("created_at"))["newest"]
        )
        if newest is not None:
            latest.append(json_value(newest))
    return max(latest)[:10] if latest else dt.date(1970, 1, 1).isoformat()


# Files -----------------------------------------------------------------------------------------------------


def to_csv(table, rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in table.columns])
    for row in rows:
        writer.writerow([csv_cell(row[column.name]) for column in table.columns])
    return buffer.getvalue().encode()


def dumps(data):
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def sha256(content):
    return hashlib.sha256(content).hexdigest()


def schema(table):
    fields = []
    for column in table.columns:
        described = {"name": column.name, "type": column.type, "description": column.description}
        if column.type == "datetime":
            described["format"] = "%Y-%m-%dT%H:%M:%SZ"
        constraints = {}
        if column.required:
            constraints["required"] = True
        if column.enum:
            constraints["enum"] = list(column.enum)
        if constraints:
            described["constraints"] = constraints
        fields.append(described)
    foreign_keys = [
        {
            "fields": column.name,
            # A table pointing into itself (a place's parent) names no resource, per the Table Schema spec.
            "reference": {
                "resource": "" if column.reference[0] == table.name else column.reference[0],
                "fields": "slug",
            },
        }
        for column in table.columns
        if column.reference
    ]
    described = {"fields": fields, "primaryKey": list(table.primary_key), "missingValues": [""]}
    if foreign_keys:
        described["foreignKeys"] = foreign_keys
    return described


def datapackage(version, date, csv_files):
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": f"{TITLE}, release {version}",
        "description": "The published records of the Kerman incident archive: incidents, every reported casualty "
        "figure, attributions, claims, reactions, the people, organizations and places involved, their roles, "
        "timelines and sources. Records that are not published are left out; a related record that is not "
        "published is named by a neutral phrase (“an unpublished person”) and given no id. Each table's "
        "schema describes every column. Cells a spreadsheet would read as a formula start with a single quote.",
        "version": version,
        "created": f"{date}T00:00:00Z",
        "resources": [
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": f"{table.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(csv_files[table.name]),
                "hash": f"sha256:{sha256(csv_files[table.name])}",
                "schema": schema(table),
            }
            for table in TABLES
        ],
    }


def citation_cff(version, date):
    site = getattr(settings, "SITE_URL", "")
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below."',
        "type: dataset",
        f'title: "{TITLE}: dataset release {version}"',
        "authors:",
        f'  - name: "{TITLE}"',
        f'version: "{version}"',
        f"date-released: {date}",
    ]
    if site:
        lines.append(f'url: "{site}/data/"')
    lines += ["keywords:", '  - "political violence"', '  - "Kerman bombings"', '  - "incident data"']
    return ("\n".join(lines) + "\n").encode()


def primary_key(table, row):
    return "/".join(str(row[name]) for name in table.primary_key)


def changes(previous_rows, rows):
    """Per table: the records added, changed and removed, by primary key."""
    found = {}
    for table in TABLES:
        old = {primary_key(table, row): row for row in previous_rows.get(table.name, [])}
        new = {primary_key(table, row): row for row in rows[table.name]}
        found[table.name] = {
            "added": sorted(new.keys() - old.keys()),
            "changed": sorted(key for key in new.keys() & old.keys() if new[key] != old[key]),
            "removed": sorted(old.keys() - new.keys()),
        }
    return found


def existing_versions(directory=None):
    directory = directory or releases_dir()
    if not directory.is_dir():
        return []
    found = [path.name for path in directory.iterdir() if path.is_dir() and is_version(path.name)]
    return sorted(found, key=version_key)


def previous_version(version, directory=None):
    earlier = [v for v in existing_versions(directory) if version_key(v) < version_key(version)]
    return earlier[-1] if earlier else None


def write_release(version, *, force=False, date=None, directory=None):
    """Write release `version`; returns its folder. ReleaseError, with nothing changed, when it cannot."""
    if not is_version(version):
        raise ReleaseError(
            f"“{version}” is not a plain version string: give MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.0 or 1.2.3."
        )
    directory = Path(directory or releases_dir())
    target = directory / version
    if target.exists() and not force:
        raise ReleaseError(f"Release {version} already exists in {directory}; use --force to write it again.")
    rows = read_rows()
    date = date.isoformat() if date else release_date(rows)
    previous = previous_version(version, directory)
    previous_rows = {}
    if previous:
        try:
            previous_rows = json.loads((directory / previous / "data.json").read_text())["tables"]
        except (OSError, ValueError, KeyError) as error:
            raise ReleaseError(
                f"Release {previous} cannot be read to compare with ({error}); nothing written."
            ) from None
    csv_files = {table.name: to_csv(table, rows[table.name]) for table in TABLES}
    files = {
        "datapackage.json": dumps(datapackage(version, date, csv_files)),
        **{f"{name}.csv": content for name, content in csv_files.items()},
        "data.json": dumps({"name": PACKAGE_NAME, "version": version, "created": date, "tables": rows}),
        "CITATION.cff": citation_cff(version, date),
        "changes.json": dumps({"version": version, "previous": previous, "tables": changes(previous_rows, rows)}),
    }
    files[SUMS_FILE] = "".join(f"{sha256(content)}  {name}\n" for name, content in files.items()).encode()
    # Written beside the target and moved into place: a failure halfway leaves no half-written release.
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / f".{version}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name, content in files.items():
        (staging / name).write_bytes(content)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


# Reading releases for /data/ -------------------------------------------------------------------------------


@dataclass
class ReleaseFile:
    name: str
    size: int
    sha256: str


@dataclass
class Release:
    version: str
    date: str
    files: list
    previous: str | None
    changes: list  # [(table name, added, changed, removed)]


def read_release(version, directory=None):
    """What /data/ shows of a release, or None when there is no such release."""
    if not is_version(version):
        return None
    folder = Path(directory or releases_dir()) / version
    try:
        sums = (folder / SUMS_FILE).read_text().splitlines()
        package = json.loads((folder / "datapackage.json").read_text())
        changed = json.loads((folder / "changes.json").read_text())
    except (OSError, ValueError):
        return None
    files = []
    for line in sums:
        digest, _, name = line.partition("  ")
        if name in FILES and (folder / name).is_file():
            files.append(ReleaseFile(name, (folder / name).stat().st_size, digest))
    files.append(ReleaseFile(SUMS_FILE, (folder / SUMS_FILE).stat().st_size, ""))
    return Release(
        version=version,
        date=package.get("created", "")[:10],
        files=files,
        previous=changed.get("previous"),
        changes=[
            (name, len(counts["added"]), len(counts["changed"]), len(counts["removed"]))
            for name, counts in changed.get("tables", {}).items()
        ],
    )


def all_releases(directory=None):
    """Every release, newest first."""
    found = (read_release(version, directory) for version in reversed(existing_versions(directory)))
    return [release for release in found if release is not None]


def release_file(version, name, directory=None):
    """The path of a file of a release, or None: only the names a release writes, in a release folder."""
    if not is_version(version) or name not in FILES:
        return None
    path = Path(directory or releases_dir()) / version / name
    return path if path.is_file() else None
