"""Incidents and the rows that hang off them: casualty figures, attributions, timeline entries, links."""

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from ..choices import DatePrecision, Status
from ..statements import keyed_queryset
from .actors import Organization, Person
from .base import (
    PERPETRATOR_KINDS,
    KeyedRecord,
    Publishable,
    PublishableQuerySet,
    SourcedStatement,
    cached_reverse,
    check_partial_date,
    claims_prefetch,
    date_precision_constraints,
    date_precision_pair_constraint,
    format_partial_date,
    indexed_where_set,
    related_model,
    shown_joins,
)
from .places import Place
from .sources import Source


class IncidentQuerySet(PublishableQuerySet):
    def for_list(self):
        return shown_joins(self.published().select_related("place"))

    def attributed_to(self, organization):
        """Incidents whose attributions name `organization` as behind them (claimed, assessed, stated, identified)."""
        named = Attribution.objects.filter(kind__in=PERPETRATOR_KINDS, responsible_organization=organization)
        return self.filter(pk__in=named.values("incident_id"))

    def with_reactions(self):
        return self.published().filter(reactions__status=Status.PUBLISHED).distinct()

    def in_place(self, place):
        return self.filter(place__in=Place.objects.descendant_ids(place))

    def for_detail(self, include_unpublished=False):
        return self.visible(include_unpublished).select_related("place__parent__parent__parent")

    def page_prefetches(self):
        """Everything else the incident's page shows; the sources of all of it come from prefetch_sources(),
        and the related incidents from related_links() (one query each instead of seven)."""
        reactions = related_model(self.model, "reactions").objects
        return [
            Prefetch(
                "casualty_figures",
                queryset=shown_joins(
                    CasualtyFigure.objects.select_related("reported_by_organization", "reported_by_person")
                ),
            ),
            Prefetch("timeline", queryset=self._timeline_queryset()),
            Prefetch(
                "attributions",
                queryset=shown_joins(
                    Attribution.objects.select_related(
                        "reaction__person",
                        "reaction__organization",
                        "reaction__country",
                        *Attribution.NAMED,
                    )
                ),
            ),
            Prefetch(
                "reactions",
                queryset=shown_joins(
                    reactions.published()
                    .select_related("person", "organization", "country")
                    .prefetch_related("stances")
                    .order_by("category", "slug")
                ),
            ),
            claims_prefetch(self.model),
        ]

    def for_export(self):
        """Published incidents with what an export row carries: the place chain, every figure, the perpetrators."""
        return (
            self.published()
            .select_related("place__parent__parent__parent")
            .prefetch_related(
                Prefetch(
                    "casualty_figures",
                    queryset=CasualtyFigure.objects.select_related("reported_by_organization", "reported_by_person"),
                ),
                Prefetch(
                    "attributions",
                    queryset=Attribution.objects.filter(kind__in=PERPETRATOR_KINDS).select_related(
                        "responsible_organization", "responsible_person", "responsible_country"
                    ),
                    to_attr="perpetrator_attributions",
                ),
            )
        )

    @staticmethod
    def _timeline_queryset():
        return shown_joins(TimelineEntry.objects.select_related("place").order_by("date", "sequence"))


def public_timeline_entries():
    """Timeline entries of published incidents, with their incident and place joined."""
    # EXISTS, not a join condition: with `incident.status = 'published'` in the join, SQLite scanned every
    # incident and sorted all entries (90 ms at 100,000 incidents); EXISTS keeps the walk down the date index
    # that stops at the page's last entry (4 ms).
    published = Incident.objects.filter(pk=OuterRef("incident_id"), status=Status.PUBLISHED)
    return shown_joins(TimelineEntry.objects.filter(Exists(published)).select_related("incident", "place"))


def first_timeline_entries_in(place_ids, limit):
    """The first `limit` public timeline entries, by date, in the places `place_ids` (a place and all inside it).

    The entries in those places are read first by the place index, up to a thousand: a country's page walked
    the whole timeline down the date index looking for its twenty (150 ms at 100,000 incidents for a country
    with none; SQLite's statistics give every place the same share of entries). Those are then sorted by key;
    places holding more than a thousand take the walk down the date index, which soon finds twenty of them."""
    some = TimelineEntry.objects.filter(place__in=place_ids).order_by().values_list("pk", flat=True)
    keys = list(some[: FEW_TIMELINE_ENTRIES + 1])
    chosen = Q(pk__in=keys) if len(keys) <= FEW_TIMELINE_ENTRIES else Q(place__in=place_ids)
    return public_timeline_entries().filter(chosen).order_by("date", "sequence")[:limit]


FEW_TIMELINE_ENTRIES = 1000


def related_links(incident):
    """(links from `incident`, links to it) with published incidents at the other end, in one query (compiled
    once per process: events/statements.py)."""
    links = keyed_queryset(
        ("related links",), _links_of, incident.pk, router.db_for_read(IncidentLink, instance=incident)
    )
    return [link for link in links if link.from_incident_id == incident.pk], [
        link for link in links if link.to_incident_id == incident.pk
    ]


def _links_of(key):
    links = IncidentLink.objects.filter(
        Q(from_incident=key, to_incident__status=Status.PUBLISHED)
        | Q(to_incident=key, from_incident__status=Status.PUBLISHED)
    ).select_related("from_incident", "to_incident")
    return shown_joins(links)


FIRST_YEAR_WITH_TIMES, LAST_YEAR_WITH_TIMES = 2, 9998


@functools.cache
def known_time_zones():
    """The IANA zones a place can be in: not the server's own ("localtime", whatever the machine is set to) nor
    "Factory" (no zone at all), which the zone database also lists."""
    return available_timezones() - {"localtime", "Factory"}


class Incident(Publishable):
    class Kind(models.TextChoices):
        BOMBING = "bombing", "Bombing"
        SUICIDE_BOMBING = "suicide_bombing", "Suicide bombing"
        MASS_SHOOTING = "mass_shooting", "Mass shooting"
        STAMPEDE = "stampede", "Stampede"
        TARGETED_KILLING = "targeted_killing", "Targeted killing"
        AIR_STRIKE = "air_strike", "Air or drone strike"
        MISSILE_STRIKE = "missile_strike", "Missile strike"
        ARSON = "arson", "Arson"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    date = models.DateField(
        null=True, blank=True, db_index=True, help_text="Leave empty when the sources give no date."
    )
    date_precision = models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        help_text="How precisely the date is known. A year-only date is entered as 1 January and shown as the year.",
    )
    end_date = models.DateField(null=True, blank=True, help_text="Last day, for incidents spanning several days.")
    start_time = models.DateTimeField(null=True, blank=True, help_text="Local time at the place, in its zone below.")
    end_time = models.DateTimeField(null=True, blank=True, help_text="Local time at the place, like the start.")
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="IANA zone of the place, e.g. 'Asia/Tehran'. Times are shown in it."
    )
    time_zone_abbreviation = models.CharField(
        max_length=10, blank=True, help_text="Abbreviation the sources use, e.g. 'IRST'."
    )
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    target = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=300, blank=True, help_text="Method and weapons, as the sources report them.")
    summary = models.TextField(help_text="Two or three sentences in the archive's own words.")
    description = models.TextField(blank=True)
    # Headline figures are copies of the preferred casualty figures (the one source of truth), kept in
    # step by Incident.refresh_headline_figures() so that lists can sort and filter on a plain column.
    killed = models.PositiveIntegerField(null=True, blank=True, editable=False, db_index=True)
    injured = models.PositiveIntegerField(null=True, blank=True, editable=False, db_index=True)
    perpetrators_killed = models.PositiveIntegerField(null=True, blank=True, editable=False)
    killed_qualifier = models.CharField(max_length=10, blank=True, editable=False)
    injured_qualifier = models.CharField(max_length=10, blank=True, editable=False)
    perpetrators_killed_qualifier = models.CharField(max_length=10, blank=True, editable=False)
    sources = models.ManyToManyField(Source, blank=True, related_name="incidents")

    objects = IncidentQuerySet.as_manager()
    _history_m2m_fields = ["sources"]
    # What naming or linking it reads, where another record's page joins it (`shown_joins`): its title and date.
    NAMED_BY = ("title", "slug", "status", "date", "date_precision", "end_date")

    class Meta:
        ordering = [models.F("date").desc(nulls_last=True), "title"]
        permissions = [("publish_incident", "Can publish and unpublish incidents")]
        # One per sort order of the public list, led by the status every public query filters on, so a page
        # (and the ids of a deep page) is read in index order instead of sorting the table.
        indexes = [
            models.Index(fields=["status", "-date", "title"], name="incident_list_newest_idx"),
            models.Index(fields=["status", "-killed", "-date", "title"], name="incident_list_killed_idx"),
            models.Index(fields=["status", "-injured", "-date", "title"], name="incident_list_injured_idx"),
            models.Index(fields=["status", "title"], name="incident_list_title_idx"),
            # The type facet counts per kind; a list of one type is read newest first from the same index. The
            # facet of a list filtered by date or by killed reads it alone (killed too): 115 -> 15 ms at 100,000.
            models.Index(fields=["status", "kind", "-date", "title", "killed"], name="incident_status_kind_idx"),
            # A place's page lists its newest incidents; the place facet counts per place (as the type's).
            models.Index(fields=["status", "place", "-date", "title", "killed"], name="incident_status_place_idx"),
        ]
        constraints = [
            date_precision_pair_constraint("date", "date_precision", "incident_date_precision_pair", "date"),
            *date_precision_constraints("date", "date_precision", "incident_date"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(date__isnull=False),
                name="incident_end_date_needs_date",
                violation_error_message="Give the first day before giving a last day.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(date__isnull=True) | Q(end_date__gte=models.F("date")),
                name="incident_end_date_after_date",
                violation_error_message="The last day cannot be before the first day.",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(end_time__gte=models.F("start_time")),
                name="incident_end_time_after_start",
                violation_error_message="The end time cannot be before the start time.",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True) | ~Q(time_zone=""),
                name="incident_time_has_zone",
                violation_error_message="Give the local time zone with the times.",
            ),
        ]

    STR_FIELDS = ("title",)

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return cached_reverse("events:incident-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        errors = check_partial_date(self.date, self.date_precision, "date", "date_precision")
        if self.time_zone:
            if self.time_zone not in known_time_zones():
                errors["time_zone"] = f"'{self.time_zone}' is not a known time zone; use a name like 'Asia/Tehran'."
        elif self.start_time:
            errors["time_zone"] = "Give the local time zone with the times."
        for name in ("start_time", "end_time"):
            value = getattr(self, name)
            # Stored in UTC and shown in the place's zone, a time on the calendar's first or last day can fall off
            # it (year 0 or 10000): every page showing it would fail.
            if value is not None and not FIRST_YEAR_WITH_TIMES <= value.year <= LAST_YEAR_WITH_TIMES:
                errors[name] = f"Give a time between the years {FIRST_YEAR_WITH_TIMES} and {LAST_YEAR_WITH_TIMES}."
        if errors:
            raise ValidationError(errors)

    def dependent_publication_problems(self):
        """Every casualty figure, attribution and claim of a published incident cites its own source."""
        unsourced = [
            *self.casualty_figures.filter(sources=None).select_related("incident"),
            *self.attributions.filter(sources=None).select_related("incident"),
            *self.claims.filter(sources=None),
        ]
        return [
            f"Incident “{self}” cannot be published while its {row._meta.verbose_name} “{row}” cites no source: "
            "every casualty figure, attribution and claim cites its own."
            for row in unsourced
        ]

    @property
    def date_display(self):
        shown = format_partial_date(self.date, self.date_precision)
        if self.date and self.end_date and self.end_date != self.date:
            same_month = (self.date.year, self.date.month) == (self.end_date.year, self.end_date.month)
            if self.date_precision == DatePrecision.DAY and same_month:
                return f"{self.date.day}–{format_partial_date(self.end_date, DatePrecision.DAY)}"
            return f"{shown} – {format_partial_date(self.end_date, DatePrecision.DAY)}"
        return shown

    @property
    def zone(self):
        try:
            return ZoneInfo(self.time_zone) if self.time_zone else None
        except (ZoneInfoNotFoundError, ValueError):
            return None

    @property
    def time_display(self):
        """'15:50–16:00 IRST (UTC+03:30)': the times in the place's own zone."""
        zone = self.zone
        if not self.start_time or zone is None:
            return ""
        start = timezone.localtime(self.start_time, zone)
        shown = start.strftime("%H:%M")
        if self.end_time:
            shown += "–" + timezone.localtime(self.end_time, zone).strftime("%H:%M")
        offset = start.strftime("%z")
        utc = f"UTC{offset[:3]}:{offset[3:]}"
        label = self.time_zone_abbreviation or start.tzname()
        return f"{shown} {label} ({utc})"

    HEADLINE_FIELDS = ("killed", "injured", "perpetrators_killed")

    def refresh_headline_figures(self, save=True):
        """Copy the preferred whole-incident figures (value and qualifier) into the headline columns."""
        preferred = {f.kind: f for f in self.casualty_figures.filter(rank=CasualtyFigure.Rank.PREFERRED, group="")}
        values = {}
        for field in self.HEADLINE_FIELDS:
            figure = preferred.get(field)
            values[field] = figure.value if figure else None
            values[f"{field}_qualifier"] = figure.qualifier if figure else ""
        for name, value in values.items():
            setattr(self, name, value)
        if save:
            Incident.objects.filter(pk=self.pk).update(**values)

    def _headline_display(self, field):
        value = getattr(self, field)
        if value is None:
            return ""
        return figure_display(value, getattr(self, f"{field}_qualifier"))

    @property
    def killed_display(self):
        return self._headline_display("killed")

    @property
    def injured_display(self):
        return self._headline_display("injured")

    @property
    def perpetrators_killed_display(self):
        return self._headline_display("perpetrators_killed")


class CasualtyFigure(SourcedStatement, KeyedRecord):
    """One reported figure. Competing figures are all kept; the rank says which one the archive prefers."""

    class Kind(models.TextChoices):
        KILLED = "killed", "Killed"
        INJURED = "injured", "Injured"
        PERPETRATORS_KILLED = "perpetrators_killed", "Perpetrators killed"
        ARRESTED = "arrested", "Arrested"

    class Qualifier(models.TextChoices):
        EXACT = "exact", "exactly"
        AT_LEAST = "at_least", "at least"
        MORE_THAN = "more_than", "more than"
        ABOUT = "about", "about"

    class Rank(models.TextChoices):
        PREFERRED = "preferred", "Preferred"
        REPORTED = "reported", "Reported"
        SUPERSEDED = "superseded", "Superseded"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="casualty_figures")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    group = models.CharField(
        max_length=100,
        blank=True,
        help_text="Leave empty for the whole incident; otherwise who is counted, e.g. 'students'.",
    )
    value = models.PositiveIntegerField()
    qualifier = models.CharField(max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT)
    rank = models.CharField(
        max_length=10,
        choices=Rank.choices,
        default=Rank.REPORTED,
        help_text="One preferred figure per incident, kind and group sets the headline. Superseded figures stay "
        "on record.",
    )
    reported_on = models.DateField(null=True, blank=True, help_text="When the figure was reported, if known.")
    reported_by_organization = models.ForeignKey(
        Organization, null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="reported_figures"
    )
    reported_by_person = models.ForeignKey(
        Person, null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="reported_figures"
    )
    reported_by_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who reported it when no record fits, as the source words it, e.g. 'Iranian officials'.",
    )
    note = models.CharField(max_length=300, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="casualty_figures")

    _history_m2m_fields = ["sources"]

    class Meta(KeyedRecord.Meta):
        # Undated reports first on every database (SQLite and PostgreSQL order NULLs differently).
        ordering = ["incident_id", "kind", "group", models.F("reported_on").asc(nulls_first=True), "-value"]
        indexes = indexed_where_set("figure", "reported_by_organization", "reported_by_person")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="figure_value_not_negative",
                violation_error_message="A figure cannot be negative.",
            ),
            models.UniqueConstraint(
                fields=["incident", "kind", "group"],
                condition=Q(rank="preferred"),
                name="figure_one_preferred_per_kind_and_group",
                violation_error_message="This incident already has a preferred figure of this kind and group; "
                "mark the other one as reported or superseded first.",
            ),
        ]

    def __str__(self):
        group = f" {self.group}" if self.group else ""
        return f"{self.incident}: {self.value_display} {self.get_kind_display().lower()}{group}"

    @property
    def value_display(self):
        return figure_display(self.value, self.qualifier)

    @property
    def reported_by(self):
        return self.reported_by_person or self.reported_by_organization or self.reported_by_label


@functools.lru_cache(maxsize=4096)
def figure_display(value, qualifier):
    """'95', 'at least 95', 'about 3,000': a figure as reported. Remembered: the same few hundred figures come
    back on every list and 200,000 times in the incident export (the labels are plain text, not translated)."""
    if not qualifier or qualifier == CasualtyFigure.Qualifier.EXACT:
        return f"{value:,}"
    return f"{dict(CasualtyFigure.Qualifier.choices).get(qualifier, qualifier)} {value:,}"


class Attribution(SourcedStatement, KeyedRecord):
    """Who is said to be behind an incident, and who says so. Competing claims stand side by side."""

    class Kind(models.TextChoices):
        CLAIMED = "claimed", "Claimed responsibility"
        ASSESSED = "assessed", "Assessed responsible"
        STATED = "stated", "Stated as responsible"
        ACCUSED = "accused", "Accused"
        DENIED = "denied", "Denied involvement"
        # A third party's view that someone was not behind it ("no reason to believe"): not a denial, which is
        # the accused party's own word, and not an assessment of responsibility either.
        DOUBTED = "doubted", "Involvement doubted"
        IDENTIFIED = "identified", "Identified as involved"
        ARRESTED = "arrested", "Arrested"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attributions")
    kind = models.CharField(max_length=12, choices=Kind.choices, db_index=True)
    responsible_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="attributed_incidents",
    )
    responsible_person = models.ForeignKey(
        Person, null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="attributed_incidents"
    )
    responsible_country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="attributed_incidents",
        limit_choices_to={"kind": Place.Kind.COUNTRY},
    )
    responsible_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who is held responsible when no record fits, e.g. '35 people believed to be involved'.",
    )
    role = models.CharField(
        max_length=100, blank=True, help_text="Their part, as the source says: 'mastermind', 'suicide bomber'."
    )
    by_organization = models.ForeignKey(
        Organization, null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="attributions_made"
    )
    by_person = models.ForeignKey(
        Person, null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="attributions_made"
    )
    by_country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="attributions_made",
        limit_choices_to={"kind": Place.Kind.COUNTRY},
    )
    mode = models.CharField(max_length=150, blank=True, help_text="How a claim was made, e.g. 'statement on Telegram'.")
    date = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    quote = models.TextField(blank=True, help_text="The exact words, only where the source quotes them.")
    # An accusation (or a denial) made in a public statement is one record, the reaction: this row only says
    # whom it names and in what part, and the incident's Responsibility section reads the words through it.
    # A string reference: reactions are further along the module chain than incidents.
    reaction = models.ForeignKey(
        "events.Reaction",
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="attributions",
        help_text="The reaction in which this was said, if it was a public statement (an accusation, a denial). "
        "Its summary and quote are then the reaction's: leave them empty here (a date, if given, is the reaction's).",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="attributions")

    _history_m2m_fields = ["sources"]
    # The records an attribution names: who is said to be behind the incident, and who says so.
    NAMED = (
        "responsible_organization",
        "responsible_person",
        "responsible_country",
        "by_organization",
        "by_person",
        "by_country",
    )

    class Meta(KeyedRecord.Meta):
        ordering = ["incident_id", models.F("date").asc(nulls_last=True), "kind", "key"]
        indexes = indexed_where_set(
            "attribution",
            *("responsible_organization", "responsible_person", "responsible_country"),
            *("by_organization", "by_person", "by_country", "reaction"),
        )
        constraints = [
            models.CheckConstraint(
                condition=Q(reaction__isnull=True) | (Q(summary="") & Q(quote="")),
                name="attribution_words_are_its_reactions",
                violation_error_message="This was said in a reaction: its summary and quote are the reaction's, "
                "so leave them empty here and edit the reaction.",
            ),
            models.CheckConstraint(
                condition=Q(responsible_organization__isnull=False)
                | Q(responsible_person__isnull=False)
                | Q(responsible_country__isnull=False)
                | ~Q(responsible_label=""),
                name="attribution_names_who_is_responsible",
                violation_error_message="Say who is held responsible: an organization, a person, a country or a "
                "description.",
            ),
        ]

    def __str__(self):
        return f"{self.incident}: {self.get_kind_display()} — {self.responsible_name}"

    @property
    def responsible_name(self):
        who = self.responsible_person or self.responsible_organization or self.responsible_country
        return str(who) if who else self.responsible_label

    @property
    def by_name(self):
        who = self.by_person or self.by_organization or self.by_country
        return str(who) if who else ""

    def clean(self):
        if self.reaction_id:
            errors = reaction_mismatch(self, self.reaction)
            if errors:
                raise ValidationError(errors)

    @property
    def statement(self):
        """What holds the words shown with the attribution: its reaction when it was said in one (None while
        that reaction is unpublished, so a draft's words stay out of public pages), else the row itself."""
        if not self.reaction_id:
            return self
        return self.reaction if self.reaction.is_published else None


def reaction_mismatch(attribution, reaction):
    """Errors, by field, where an attribution disagrees with the reaction it was said in."""
    errors = {}
    if reaction.incident_id != attribution.incident_id:
        errors["reaction"] = "This reaction is about another incident."
        return errors
    said_by = {
        "by_person": reaction.person_id,
        "by_organization": reaction.organization_id,
        "by_country": reaction.country_id,
    }
    # The one who reacted is the one who attributes: the reaction's first named actor must be the same here.
    for field, actor in said_by.items():
        if actor:
            if getattr(attribution, f"{field}_id") != actor:
                errors[field] = f"The reaction was made by someone else; give its {field.removeprefix('by_')} here."
            break
    if attribution.date and reaction.date and attribution.date != reaction.date:
        errors["date"] = f"The reaction is dated {reaction.date.day} {reaction.date:%B %Y}; give the same date or none."
    return errors


class TimelineEntry(KeyedRecord):
    """A dated development of an incident."""

    subject_field = "incident"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    date = models.DateField()
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    sequence = models.PositiveSmallIntegerField(default=0, help_text="Orders entries that share a date.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="timeline_entries")
    sources = models.ManyToManyField(Source, blank=True, related_name="timeline_entries")

    _history_m2m_fields = ["sources"]

    class Meta(KeyedRecord.Meta):
        ordering = ["incident_id", "date", "sequence"]
        verbose_name_plural = "timeline entries"
        indexes = [
            models.Index(fields=["date", "sequence"], name="timeline_date_idx"),
            # A place's page lists the developments there in date order without walking every entry's date.
            models.Index(fields=["place", "date", "sequence"], name="timeline_place_date_idx"),
        ]
        constraints = date_precision_constraints("date", "date_precision", "timeline")

    def __str__(self):
        return f"{self.date_display}: {self.title}"

    def clean(self):
        errors = check_partial_date(self.date, self.date_precision, "date", "date_precision")
        if errors:
            raise ValidationError(errors)

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)


class IncidentLink(KeyedRecord):
    """A typed link from one incident to another (retaliation for, commemorates, deadliest since...)."""

    subject_field = "from_incident"

    class Kind(models.TextChoices):
        COMMEMORATES = "commemorates", "Commemorates"
        RETALIATION_FOR = "retaliation_for", "Retaliation for"
        CONTEXT = "context", "Context"
        DEADLIEST_SINCE = "deadliest_since", "Deadliest since"
        PREVIOUS_DEADLIEST = "previous_deadliest", "Overtook as deadliest"
        SAME_PERPETRATOR = "same_perpetrator", "Same perpetrator"
        SEE_ALSO = "see_also", "See also"

    from_incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_out")
    to_incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.CharField(max_length=300, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="incident_links")

    _history_m2m_fields = ["sources"]

    class Meta(KeyedRecord.Meta):
        ordering = ["from_incident_id", "kind", "to_incident_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_incident=models.F("to_incident")),
                name="link_not_to_itself",
                violation_error_message="An incident cannot be linked to itself.",
            ),
            models.UniqueConstraint(
                fields=["from_incident", "to_incident", "kind"],
                name="link_unique",
                violation_error_message="These incidents are already linked this way.",
            ),
        ]

    def __str__(self):
        return f"{self.from_incident} — {self.get_kind_display().lower()} → {self.to_incident}"
