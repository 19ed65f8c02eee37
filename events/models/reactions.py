"""Reactions to incidents, and the stances they take."""

from django.db import models
from django.db.models import Prefetch, Q

from ..choices import Status
from .actors import Organization, Person
from .base import NaturalKeyManager, Publishable, PublishableQuerySet, Versioned, cached_reverse, shown_joins
from .incidents import Incident
from .places import Place
from .sources import Source


class StanceQuerySet(models.QuerySet):
    def public(self):
        """Stances a published reaction takes: the public never reads one no reaction takes (the reactions list's
        filter offers these), so an editor's new or renamed stance is public only once a reviewer publishes a
        reaction taking it."""
        return self.filter(models.Exists(Reaction.objects.published().filter(stances=models.OuterRef("pk"))))


class Stance(Versioned):
    """What a reaction does: condemn, console, show solidarity, vow punishment, accuse, deny..."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)

    objects = NaturalKeyManager.from_queryset(StanceQuerySet)("slug")

    class Meta:
        ordering = ["name"]

    STR_FIELDS = ("name",)

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def is_public(self):
        return Stance.objects.filter(pk=self.pk).public().exists()


class ReactionQuerySet(PublishableQuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED, incident__status=Status.PUBLISHED)

    def for_detail(self, include_unpublished=False):
        return shown_joins(
            self.visible(include_unpublished).select_related("incident__place", "person", "organization", "country")
        )

    def page_prefetches(self):
        return [Prefetch("stances"), Prefetch("sources")]

    def for_list(self):
        return shown_joins(
            self.published().select_related("incident", "person", "organization", "country").prefetch_related("stances")
        )

    def for_export(self):
        """What the export reads, as rows (events/exports.py, `reaction_rows`)."""
        return self.for_list()

    def in_article_order(self):
        """Incident by incident, newest first; within one, Domestic, then countries, supranational organizations
        and non-state entities, as the seed article groups its reactions."""
        category_order = models.Case(
            *(models.When(category=value, then=position) for position, value in enumerate(self.model.Category.values)),
            output_field=models.IntegerField(),
        )
        return self.alias(category_order=category_order).order_by(
            models.F("incident__date").desc(nulls_last=True), "incident__title", "category_order", "slug"
        )

    def by_actor(self, person=None, organization=None):
        condition = Q()
        if person is not None:
            condition |= Q(person=person)
        if organization is not None:
            condition |= Q(organization=organization)
        return self.filter(condition)


class Reaction(Publishable):
    """A statement or act about an incident by a person, an organization and/or a country."""

    class Category(models.TextChoices):
        DOMESTIC = "domestic", "Domestic"
        COUNTRY = "country", "International: countries"
        SUPRANATIONAL = "supranational", "International: supranational organizations"
        NON_STATE = "non_state", "International: non-state entities"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reactions")
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=15, choices=Category.choices)  # indexed in Meta, with what facets read
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
        indexes = [
            models.Index(fields=["incident", "status", "category", "country"], name="reaction_facets_idx"),
            # A list filtered by category finds its reactions, and the incident and country its facets count,
            # in the index alone: the rows of a stance and a category at 100,000 incidents, 76 -> 43 ms.
            models.Index(fields=["category", "status", "incident", "country"], name="reaction_category_idx"),
        ]
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
