"""Actors: organizations, people and the roles people hold."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q

from .. import place_tree
from ..choices import DatePrecision, Status
from .base import (
    PERPETRATOR_KINDS,
    KeyedRecord,
    Publishable,
    PublishableQuerySet,
    cached_reverse,
    check_partial_date,
    claims_prefetch,
    date_precision_constraints,
    date_precision_pair_constraint,
    format_partial_date,
    related_model,
    shown_joins,
)
from .places import Place
from .sources import Source


class OrganizationQuerySet(PublishableQuerySet):
    def for_list(self):
        return shown_joins(self.published().select_related("country", "parent"))

    def for_export(self):
        return self.for_list()

    def for_detail(self, include_unpublished=False):
        return self.visible(include_unpublished).select_related("country", "parent")

    def page_prefetches(self):
        """An organization's public branches, people, reactions and attributions; the sources of the organization
        and its claims come from prefetch_sources() (one query instead of two)."""
        reactions = related_model(self.model, "reactions").objects
        return [
            Prefetch("branches", queryset=shown_joins(self.model.objects.published().select_related("country"))),
            Prefetch(
                "roles",
                queryset=shown_joins(
                    Role.objects.filter(person__status=Status.PUBLISHED)
                    .select_related("person", "country")
                    .order_by(models.F("start_date").desc(nulls_last=True), "person__name")
                ),
            ),
            Prefetch("reactions", queryset=reactions.for_list().order_by("incident__date", "slug")),
            Prefetch("attributed_incidents", queryset=_public_attributions(self.model)),
            Prefetch("attributions_made", queryset=_public_attributions(self.model)),
            claims_prefetch(self.model),
        ]

    def named_perpetrators(self):
        """Published organizations named as behind a published incident (claimed, assessed, stated, identified)."""
        return (
            self.published()
            .filter(
                attributed_incidents__kind__in=PERPETRATOR_KINDS,
                attributed_incidents__incident__status=Status.PUBLISHED,
            )
            .distinct()
        )

    def with_branches(self):
        return self.published().filter(branches__status=Status.PUBLISHED).distinct()

    def with_public_members(self):
        return self.published().filter(roles__person__status=Status.PUBLISHED).distinct()


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
    # What naming or linking it reads, where another record's page joins it (`shown_joins`).
    NAMED_BY = ("name", "short_name", "slug", "status")

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

    STR_FIELDS = ("name", "short_name")

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


def public_nationalities(to_attr=None):
    """A person's nationalities as the public sees them: the published countries only."""
    return Prefetch("nationalities", queryset=Place.objects.published(), to_attr=to_attr)


class PersonQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().prefetch_related(public_nationalities())

    def for_export(self):
        """Published people with their public nationalities and their roles, as lists (`nationality_list`,
        `role_list`: prefetched into the related managers, Django made a manager and a queryset for each person
        and relation, two thirds of the export)."""
        return self.published().prefetch_related(
            public_nationalities(to_attr="nationality_list"),
            Prefetch(
                "roles",
                queryset=Role.objects.select_related("organization", "country").order_by(
                    models.F("start_date").asc(nulls_first=True), "title"
                ),
                to_attr="role_list",
            ),
        )

    def for_detail(self, include_unpublished=False):
        return self.visible(include_unpublished)

    def page_prefetches(self):
        """A person's public nationalities, roles, reactions and attributions; the sources of the person and their
        claims come from prefetch_sources() (one query instead of two)."""
        reactions = related_model(self.model, "reactions").objects
        return [
            public_nationalities(),
            Prefetch(
                "roles",
                queryset=shown_joins(
                    Role.objects.select_related("organization", "country").order_by(
                        models.F("start_date").desc(nulls_last=True), "title"
                    )
                ),
            ),
            Prefetch("reactions", queryset=reactions.for_list().order_by("incident__date", "slug")),
            Prefetch("attributed_incidents", queryset=_public_attributions(self.model)),
            Prefetch("attributions_made", queryset=_public_attributions(self.model)),
            claims_prefetch(self.model),
        ]


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
    NAMED_BY = ("name", "name_is_alias", "slug", "status")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["status", "name"], name="person_list_idx"),
            # Whether any person has a date of birth decides if the people list offers that sort; without it,
            # asking scanned every person (6 ms at 20,000 people) on the list's first view after an edit.
            models.Index(fields=["status", "born_on"], name="person_born_idx"),
        ]
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

    STR_FIELDS = ("name", "name_is_alias")

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


class Role(KeyedRecord):
    """A position a person held, in an organization or for a country (Raisi, President of Iran)."""

    subject_field = "person"

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


def _public_attributions(actor_model):
    """Attributions of published incidents, with everyone they name joined in (reached from an organization or
    a person: attributions live with incidents, which import this module)."""
    attribution = related_model(actor_model, "attributed_incidents")
    return shown_joins(
        attribution.objects.filter(incident__status=Status.PUBLISHED).select_related("incident", *attribution.NAMED)
    )
