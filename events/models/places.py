"""Places: countries down to streets, nested by parent."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .. import place_tree
from ..choices import Status
from .base import Publishable, PublishableQuerySet, cached_reverse, related_model
from .sources import Source


class PlaceQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("parent")

    def descendant_ids(self, place):
        """Primary keys of `place` and every place inside it, however deep."""
        return place_tree.descendant_ids(self, place)

    def for_export(self):
        return self.for_list()

    def for_detail(self, include_unpublished=False):
        """Published places with enough of their parent chain joined for a breadcrumb of ancestors."""
        return self.visible(include_unpublished).select_related("parent__parent__parent__parent")

    def countries(self):
        return self.published().filter(kind="country")

    def with_children(self):
        return self.published().filter(children__status=Status.PUBLISHED).distinct()

    def incident_places_and_countries(self):
        """Every published country, and published places with a published incident in them or up to three
        levels below (site, city, province): the places worth filtering incidents by."""
        level = related_model(self.model, "incidents").objects.published().values("place_id")
        wanted = Q(kind="country") | Q(pk__in=level)
        for _ in range(3):
            level = self.model.objects.filter(pk__in=level).values("parent_id")
            wanted |= Q(pk__in=level)
        return self.published().filter(wanted)


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
