"""The archive's records: incidents and everything that gives them context and sources.

Every seeded model has a natural key (its slug or key), so fixtures refer to rows by name and loading
them twice updates rows instead of duplicating them.
"""

import functools
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from simple_history.models import HistoricalRecords

from .. import place_tree
from ..choices import DatePrecision, Status
from ..querysets import (
    IncidentQuerySet,
    NaturalKeyManager,
    OrganizationQuerySet,
    PersonQuerySet,
    PlaceQuerySet,
    ReactionQuerySet,
)


def format_partial_date(value, precision):
    """Show a date only as precisely as it is known: '1978', 'January 2024', '3 January 2024'."""
    if value is None:
        return ""
    # Month names straight from Django's translated list: the general date formatter costs ten times more,
    # and a list page shows dozens of dates.
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return f"{MONTHS[value.month]} {value.year}"
    return f"{value.day} {MONTHS[value.month]} {value.year}"


def cached_reverse(view_name, slug=None):
    """reverse() remembered per URLconf and script prefix: a list page links dozens of records and every page
    shows the menu, and reversing costs more than everything else a row does."""
    return _reverse(view_name, slug, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=20_000)
def _reverse(view_name, slug, urlconf, script_prefix):
    return reverse(view_name, kwargs={"slug": slug} if slug is not None else None, urlconf=urlconf)


def check_partial_date(value, precision, field, precision_field):
    """Errors for a date whose precision is missing or that claims detail the precision denies."""
    errors = {}
    if value is None:
        if precision:
            errors[precision_field] = "Leave the precision empty when the date is unknown."
        return errors
    if not precision:
        errors[precision_field] = "Say how precisely the date is known (day, month or year)."
    elif precision == DatePrecision.MONTH and value.day != 1:
        errors[field] = "A date known only to the month is entered as the 1st of that month."
    elif precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        errors[field] = "A date known only to the year is entered as 1 January of that year."
    return errors


def date_precision_pair_constraint(field, precision_field, name, label):
    return models.CheckConstraint(
        condition=(Q(**{f"{field}__isnull": True}) & Q(**{precision_field: ""}))
        | (Q(**{f"{field}__isnull": False}) & ~Q(**{precision_field: ""})),
        name=name,
        violation_error_message=f"Give the {label} and its precision together, or neither.",
    )


def date_precision_constraints(field, precision_field, prefix):
    """A month-precision date is stored as the 1st, a year-precision date as 1 January.

    The day and month lookups compile to EXTRACT on PostgreSQL and to Django's django_date_extract()
    function on SQLite, which Django registers on every connection it opens (the sqlite3 shell lacks it,
    so write to these tables through Django).
    """
    return [
        models.CheckConstraint(
            condition=~Q(**{precision_field: DatePrecision.MONTH}) | Q(**{f"{field}__day": 1}),
            name=f"{prefix}_month_precision_is_first",
            violation_error_message="A date known only to the month is entered as the 1st of that month.",
        ),
        models.CheckConstraint(
            condition=~Q(**{precision_field: DatePrecision.YEAR}) | Q(**{f"{field}__day": 1, f"{field}__month": 1}),
            name=f"{prefix}_year_precision_is_first_of_january",
            violation_error_message="A date known only to the year is entered as 1 January of that year.",
        ),
    ]


# One tracker for every archive model (inherit=True gives each its Historical<Model>); kept by name so
# events.history can record versions of rows that loaddata saved without any.
HISTORY = HistoricalRecords(inherit=True, excluded_fields=["version"])


class StaleEditError(Exception):
    """A save based on a version of the record that someone else has changed since."""

    def __init__(self, record):
        self.record = record
        super().__init__(
            f"{record._meta.verbose_name.capitalize()} “{record}” was changed by someone else after you opened it."
        )


class Versioned(models.Model):
    """Optimistic locking and history for every record editors change.

    Every save bumps `version`, and a save refuses (StaleEditError) when the row's version is no longer the
    one the instance was read at: the UPDATE itself carries `WHERE version = n`, so two editors racing
    cannot overwrite each other even between the form's check and the write.
    """

    version = models.PositiveIntegerField(
        default=1, help_text="Counts saves; a form based on an older version cannot overwrite a newer one."
    )
    # Who changed what and when. `version` is left out: a restored version takes the current one.
    history = HISTORY

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    def _save_table(self, raw=False, *args, **kwargs):
        # Fixture rows carry no version: loaddata's raw saves bump the row's version without checking it.
        # (Here rather than in save_base(), which loaddata calls as Model.save_base(obj), past any override.)
        self._raw_save = raw
        try:
            return super()._save_table(raw, *args, **kwargs)
        finally:
            del self._raw_save

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        read_at = self.version
        values = [(f, m, F("version") + 1 if f.attname == "version" else v) for f, m, v in values]
        checked = base_qs if getattr(self, "_raw_save", False) else base_qs.filter(version=read_at)
        updated = super()._do_update(checked, using, pk_val, values, update_fields, forced_update)
        if not updated and checked is not base_qs and base_qs.filter(pk=pk_val).exists():
            raise StaleEditError(self)
        if updated:
            self.version = base_qs.filter(pk=pk_val).values_list("version", flat=True).get()
        return updated

    def current_version(self):
        return type(self)._base_manager.filter(pk=self.pk).values_list("version", flat=True).first()


class Publishable(Versioned):
    """Records with a public page: only published ones are shown to the public.

    Draft → in review → published (→ unpublished). Publishing needs the model's `publish_<model>`
    permission and at least one source (see publication_problems()).
    """

    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text="Only published records appear on the public site. Editors submit drafts for review; "
        "reviewers publish them.",
    )
    # Defaults rather than auto_now: loaddata saves raw, which skips auto_now, and fixtures should not
    # have to carry timestamps.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    def publication_problems(self, sources=None, dependents=True):
        """Plain-words reasons this record cannot be published; empty when it can.

        `sources` stands in for the saved ones when a form is about to change them; `dependents=False` leaves
        out the rows that hang off the record (an incident's figures), for forms that check those themselves.
        """
        cited = bool(sources) if sources is not None else self.pk is not None and self.sources.exists()
        problems = []
        if not cited:
            problems.append(
                f"{self._meta.verbose_name.capitalize()} “{self}” cannot be published without a source: "
                "cite at least one under Sources."
            )
        return problems + (self.dependent_publication_problems() if dependents else [])

    def dependent_publication_problems(self):
        return []


class Source(Versioned):
    """A citation. The seed article is the base source of every fixture record."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True, help_text="Stable identifier used in fixtures and URLs.")
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Who published it (agency, outlet, ministry), as the citation gives it."
    )
    url = models.URLField(blank=True, help_text="Leave empty when no address is known.")
    published_on = models.DateField(null=True, blank=True)
    reported_in = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_cited",
        help_text="The source through which this one is known (e.g. a statement quoted in the seed article).",
    )
    note = models.TextField(blank=True)

    objects = NaturalKeyManager("slug")

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reported_in=models.F("pk")),
                name="source_not_reported_in_itself",
                violation_error_message="A source cannot be reported in itself.",
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)


class Place(Publishable):
    """Countries, provinces, cities, sites and streets, nested by `parent`."""

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"
        PROVINCE = "province", "Province"
        CITY = "city", "City"
        SITE = "site", "Site"
        STREET = "street", "Street"
        OTHER = "other", "Other"

    class GeoPrecision(models.TextChoices):
        EXACT = "exact", "Exact site"
        CITY = "city", "City"
        PROVINCE = "province", "Province"
        COUNTRY = "country", "Country"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The place this one lies in (a site's city, a city's province, a province's country).",
    )
    native_name = models.CharField(max_length=200, blank=True, help_text="The name in its own script, if known.")
    native_name_lang = models.CharField(
        max_length=12, blank=True, help_text="Language code of the native name, e.g. 'fa' for Persian."
    )
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    geo_precision = models.CharField(
        max_length=10,
        choices=GeoPrecision.choices,
        blank=True,
        help_text="How precise the coordinates are (as GTD's specificity). Required with coordinates.",
    )
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="places")

    objects = PlaceQuerySet.as_manager()
    _history_m2m_fields = ["sources"]

    class Meta:
        ordering = ["name"]
        permissions = [("publish_place", "Can publish and unpublish places")]
        indexes = [models.Index(fields=["status", "name"], name="place_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True) & Q(geo_precision=""))
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False) & ~Q(geo_precision="")),
                name="place_coordinates_complete",
                violation_error_message="Give latitude, longitude and their precision together, or none of them.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_range",
                violation_error_message="Latitude must lie between -90 and 90.",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_range",
                violation_error_message="Longitude must lie between -180 and 180.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="place_not_own_parent",
                violation_error_message="A place cannot lie inside itself.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return cached_reverse("events:place-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.pk is not None and self.pk in {p.pk for p in place_tree.parents(self)}:
            raise ValidationError({"parent": "A place cannot lie inside itself or one of its own sub-places."})

    def ancestors(self):
        """The chain of enclosing places, nearest first (Kerman → Kerman Province → Iran)."""
        return [p for p in place_tree.parents(self) if p.pk != self.pk]

    @property
    def country(self):
        if self.kind == self.Kind.COUNTRY:
            return self
        return next((p for p in self.ancestors() if p.kind == self.Kind.COUNTRY), None)


class Organization(Publishable):
    class Kind(models.TextChoices):
        STATE_GOVERNMENT = "state_government", "State government"
        MINISTRY = "ministry", "Ministry or agency"
        MILITARY = "military", "Military or security force"
        INTELLIGENCE = "intelligence", "Intelligence"
        MILITANT = "militant", "Militant group"
        POLITICAL = "political", "Political or legislative body"
        MEDIA = "media", "News agency or media"
        HUMANITARIAN = "humanitarian", "Humanitarian"
        SUPRANATIONAL = "supranational", "Supranational"
        RELIGIOUS = "religious", "Religious"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    short_name = models.CharField(max_length=60, blank=True, help_text="Acronym or short name, e.g. IRGC, ISIS–K.")
    aliases = models.TextField(blank=True, help_text="Other names the organization is known by, one per line.")
    native_name = models.CharField(max_length=200, blank=True)
    native_name_lang = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        limit_choices_to={"kind": Place.Kind.COUNTRY},
        help_text="The country the organization belongs to; empty for international ones.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        help_text="The organization this one is part of (Quds Force → IRGC).",
    )
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="organizations")

    objects = OrganizationQuerySet.as_manager()
    _history_m2m_fields = ["sources"]

    class Meta:
        ordering = ["name"]
        permissions = [("publish_organization", "Can publish and unpublish organizations")]
        indexes = [models.Index(fields=["status", "name"], name="organization_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="organization_not_own_parent",
                violation_error_message="An organization cannot be its own parent.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def get_absolute_url(self):
        return cached_reverse("events:organization-detail", self.slug)

    def clean(self):
        if self.pk is not None and self.pk in {o.pk for o in place_tree.parents(self)}:
            raise ValidationError({"parent": "An organization cannot be part of itself or of one of its branches."})

    def natural_key(self):
        return (self.slug,)

    @property
    def alias_list(self):
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]


class Person(Publishable):
    name = models.CharField(max_length=200, db_index=True)
    slug = models.SlugField(max_length=120, unique=True)
    name_is_alias = models.BooleanField(
        default=False, help_text="Tick when the only name known is an alias (e.g. 'Abdollah Tajiki')."
    )
    aliases = models.TextField(blank=True, help_text="Other names and spellings, one per line.")
    native_name = models.CharField(max_length=200, blank=True, help_text="The name in its own script, if known.")
    native_name_lang = models.CharField(max_length=12, blank=True, help_text="Language code, e.g. 'fa'.")
    nationalities = models.ManyToManyField(
        Place,
        blank=True,
        related_name="nationals",
        limit_choices_to={"kind": Place.Kind.COUNTRY},
        help_text="Every nationality the sources give; a person can have more than one.",
    )
    born_on = models.DateField(null=True, blank=True)
    born_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    died_on = models.DateField(null=True, blank=True)
    died_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="people")

    objects = PersonQuerySet.as_manager()
    _history_m2m_fields = ["nationalities", "sources"]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["status", "name"], name="person_list_idx")]
        permissions = [("publish_person", "Can publish and unpublish people")]
        constraints = [
            date_precision_pair_constraint("born_on", "born_precision", "person_born_precision_pair", "date of birth"),
            date_precision_pair_constraint("died_on", "died_precision", "person_died_precision_pair", "date of death"),
            *date_precision_constraints("born_on", "born_precision", "person_born"),
            *date_precision_constraints("died_on", "died_precision", "person_died"),
            models.CheckConstraint(
                condition=Q(born_on__isnull=True) | Q(died_on__isnull=True) | Q(died_on__gte=models.F("born_on")),
                name="person_died_after_born",
                violation_error_message="The date of death cannot be before the date of birth.",
            ),
        ]

    def __str__(self):
        return f"{self.name} (alias)" if self.name_is_alias else self.name

    def get_absolute_url(self):
        return cached_reverse("events:person-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        errors = check_partial_date(self.born_on, self.born_precision, "born_on", "born_precision")
        errors |= check_partial_date(self.died_on, self.died_precision, "died_on", "died_precision")
        if errors:
            raise ValidationError(errors)

    @property
    def alias_list(self):
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]

    @property
    def born_display(self):
        return format_partial_date(self.born_on, self.born_precision)

    @property
    def died_display(self):
        return format_partial_date(self.died_on, self.died_precision)


class KeyedRecord(Versioned):
    """Rows with no page of their own, identified in fixtures by a stable `key`."""

    key = models.SlugField(
        max_length=120,
        unique=True,
        blank=True,
        help_text="Stable identifier used by fixtures; filled in automatically when left empty.",
    )

    objects = NaturalKeyManager("key")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = f"{self._meta.model_name}-{uuid.uuid4().hex[:12]}"
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.key,)

    def source_problem(self):
        """A figure or attribution of a published incident cites its own source (see SourcedInIncident)."""
        return ""


class SourcedInIncident:
    """Mixin for incident rows that state a fact (figures, attributions): each cites its own source once its
    incident is published, and the incident cannot be published while one of them cites none."""

    def source_problem(self, sources=None, incident=None):
        incident = incident or self.incident
        if incident is None or incident.status != Status.PUBLISHED:
            return ""
        cited = bool(sources) if sources is not None else self.pk is not None and self.sources.exists()
        if cited:
            return ""
        return (
            f"This {self._meta.verbose_name} belongs to a published incident, so it must cite its own source: "
            "cite at least one under Sources."
        )


class Role(KeyedRecord):
    """A position a person held, in an organization or for a country (Raisi, President of Iran)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200, help_text="The position as the source names it, e.g. 'Commander'.")
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roles",
        help_text="The organization the position is in. Give this or a country, or both.",
    )
    country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roles",
        limit_choices_to={"kind": Place.Kind.COUNTRY},
        help_text="For offices of a state (president, foreign minister) with no organization on record.",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="roles")

    _history_m2m_fields = ["sources"]

    class Meta(KeyedRecord.Meta):
        ordering = ["person__name", "start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(country__isnull=False),
                name="role_has_organization_or_country",
                violation_error_message="A role needs an organization or a country.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="role_ends_after_start",
                violation_error_message="A role cannot end before it starts.",
            ),
        ]

    def __str__(self):
        where = self.organization or self.country
        return f"{self.person}: {self.title}, {where}" if where else f"{self.person}: {self.title}"


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
            # The type facet counts per kind; a list of one type is read newest first from the same index.
            models.Index(fields=["status", "kind", "-date", "title"], name="incident_status_kind_idx"),
            # A place's page lists its newest incidents; the place facet counts per place.
            models.Index(fields=["status", "place", "-date", "title"], name="incident_status_place_idx"),
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

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return cached_reverse("events:incident-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        errors = check_partial_date(self.date, self.date_precision, "date", "date_precision")
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                errors["time_zone"] = f"'{self.time_zone}' is not a known time zone; use a name like 'Asia/Tehran'."
        elif self.start_time:
            errors["time_zone"] = "Give the local time zone with the times."
        if errors:
            raise ValidationError(errors)

    def dependent_publication_problems(self):
        """Every casualty figure and attribution of a published incident cites its own source."""
        unsourced = [
            *self.casualty_figures.filter(sources=None).select_related("incident"),
            *self.attributions.filter(sources=None).select_related("incident"),
        ]
        return [
            f"Incident “{self}” cannot be published while its {row._meta.verbose_name} “{row}” cites no source: "
            "every casualty figure and attribution cites its own."
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


class CasualtyFigure(SourcedInIncident, KeyedRecord):
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
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_figures"
    )
    reported_by_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_figures"
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


def figure_display(value, qualifier):
    """'95', 'at least 95', 'about 3,000': a figure as reported."""
    if not qualifier or qualifier == CasualtyFigure.Qualifier.EXACT:
        return f"{value:,}"
    return f"{dict(CasualtyFigure.Qualifier.choices).get(qualifier, qualifier)} {value:,}"


class Stance(Versioned):
    """What a reaction does: condemn, console, show solidarity, vow punishment, accuse, deny..."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)

    objects = NaturalKeyManager("slug")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Reaction(Publishable):
    """A statement or act about an incident by a person, an organization and/or a country."""

    class Category(models.TextChoices):
        DOMESTIC = "domestic", "Domestic"
        COUNTRY = "country", "International: countries"
        SUPRANATIONAL = "supranational", "International: supranational organizations"
        NON_STATE = "non_state", "International: non-state entities"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reactions")
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=15, choices=Category.choices, db_index=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="reactions")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="reactions"
    )
    country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reactions",
        limit_choices_to={"kind": Place.Kind.COUNTRY},
        help_text="The country that reacted, or the country of the person or body that did.",
    )
    actor_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who reacted, as the source words it, when it is a body with no record of its own "
        "(e.g. 'Foreign ministry', 'Iranian clerics'); give its country too.",
    )
    stances = models.ManyToManyField(Stance, related_name="reactions")
    date = models.DateField(null=True, blank=True, db_index=True)
    channel = models.CharField(
        max_length=100, blank=True, help_text="How it was made, if the source says: 'social media post', 'telegram'."
    )
    summary = models.TextField(help_text="What was said or done, in the archive's own words.")
    quote = models.TextField(blank=True, help_text="The exact words, only where the source quotes them.")
    sources = models.ManyToManyField(Source, blank=True, related_name="reactions")

    objects = ReactionQuerySet.as_manager()
    _history_m2m_fields = ["stances", "sources"]

    class Meta:
        ordering = ["incident_id", "category", "slug"]
        permissions = [("publish_reaction", "Can publish and unpublish reactions")]
        # Covers what the reaction list's facets group by, so counting them reads the index, not the table.
        indexes = [models.Index(fields=["incident", "status", "category", "country"], name="reaction_facets_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organization__isnull=False) | Q(country__isnull=False),
                name="reaction_has_actor",
                violation_error_message="A reaction needs an actor: a person, an organization or a country.",
            ),
        ]

    def __str__(self):
        return f"{self.actor_name} on {self.incident}"

    def get_absolute_url(self):
        return cached_reverse("events:reaction-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["events.incident", "events.person", "events.organization", "events.place"]

    @property
    def actor_name(self):
        if self.person_id:
            return self.person.name
        if self.organization_id:
            return self.organization.name
        if self.actor_label and self.country_id:
            return f"{self.country.name}: {self.actor_label}"
        return self.country.name if self.country_id else self.actor_label


class Attribution(SourcedInIncident, KeyedRecord):
    """Who is said to be behind an incident, and who says so. Competing claims stand side by side."""

    class Kind(models.TextChoices):
        CLAIMED = "claimed", "Claimed responsibility"
        ASSESSED = "assessed", "Assessed responsible"
        STATED = "stated", "Stated as responsible"
        ACCUSED = "accused", "Accused"
        DENIED = "denied", "Denied involvement"
        IDENTIFIED = "identified", "Identified as involved"
        ARRESTED = "arrested", "Arrested"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attributions")
    kind = models.CharField(max_length=12, choices=Kind.choices, db_index=True)
    responsible_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="attributed_incidents"
    )
    responsible_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="attributed_incidents"
    )
    responsible_country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
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
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="attributions_made"
    )
    by_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="attributions_made"
    )
    by_country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attributions_made",
        limit_choices_to={"kind": Place.Kind.COUNTRY},
    )
    mode = models.CharField(max_length=150, blank=True, help_text="How a claim was made, e.g. 'statement on Telegram'.")
    date = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    quote = models.TextField(blank=True, help_text="The exact words, only where the source quotes them.")
    sources = models.ManyToManyField(Source, blank=True, related_name="attributions")

    _history_m2m_fields = ["sources"]

    class Meta(KeyedRecord.Meta):
        ordering = ["incident_id", models.F("date").asc(nulls_last=True), "kind", "key"]
        constraints = [
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


class TimelineEntry(KeyedRecord):
    """A dated development of an incident."""

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


class ArchiveState(models.Model):
    """One row: the archive's content version, bumped by every change to any archive record.

    Cached pages and counts are keyed on it (events/caching.py), so an edit shows on the very next request.
    It lives in the database, not a per-process cache, so every worker of every server sees the same one.
    """

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "archive state"

    def __str__(self):
        return f"Content version {self.version}"


class RevisionQuerySet(models.QuerySet):
    def of(self, record):
        """The revisions of `record` (a root: an incident, person, organization, place, source or stance)."""
        # By the content type's natural key, joined: no separate content type query on a public page.
        opts = type(record)._meta
        return self.filter(
            content_type__app_label=opts.app_label, content_type__model=opts.model_name, object_id=record.pk
        )

    def live(self):
        return self.filter(state=Revision.State.LIVE)

    def pending(self):
        return self.filter(state=Revision.State.PENDING)

    def public(self):
        """Revisions in which the record was published: each has a permanent public address."""
        return self.filter(state=Revision.State.LIVE, public=True)


class Revision(models.Model):
    """One state of a whole record: the record and everything edited with it, as one snapshot.

    An incident's revision holds its casualty figures, reactions, attributions, timeline entries and links
    out; a person's its roles. A *live* revision is what the record became after one save (an admin form
    with its inlines, an import row, a restore); a *pending* one is a change an Editor proposed to a public
    record, kept out of the live tables until a Reviewer publishes it (it then becomes a new live revision)
    or rejects it. Row-by-row versions (django-simple-history) are still kept beneath; see events.revisions.
    """

    class State(models.TextChoices):
        LIVE = "live", "Saved"
        PENDING = "pending", "Pending review"
        PUBLISHED = "published", "Published by a reviewer"
        REJECTED = "rejected", "Rejected"

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    number = models.PositiveIntegerField(help_text="Counts the record's revisions, pending ones included.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.LIVE)
    public = models.BooleanField(default=False, help_text="The record was published in this revision.")
    snapshot = models.JSONField()
    summary = models.CharField(max_length=600, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="What changed and why, in the editor's words.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    record_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The record's save counter at this revision: what its forms carry."
    )
    base = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a pending revision: the live revision it was proposed against.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["content_type", "object_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"], name="revision_number_unique_per_record"
            ),
        ]
        indexes = [
            # The review queue: pending revisions, oldest first.
            models.Index(fields=["state", "created_at"], name="revision_state_idx"),
        ]

    def __str__(self):
        return f"{self.object_repr}, revision {self.number}"

    @property
    def record_model(self):
        return self.content_type.model_class()

    @property
    def is_pending(self):
        return self.state == self.State.PENDING
