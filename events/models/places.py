"""Places: countries down to streets, nested by parent."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from .. import geography, place_tree
from ..choices import Status
from .base import Publishable, PublishableQuerySet, cached_reverse, related_model
from .sources import Source, used_publicly


class PlaceQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("parent")

    def descendant_ids(self, place):
        """Primary keys of `place` and every place inside it, however deep."""
        return place_tree.descendant_ids(self, place)

    def for_export(self):
        return self.for_list().select_related("coordinates_source")

    def for_detail(self, include_unpublished=False):
        """Published places with enough of their parent chain joined for a breadcrumb of ancestors."""
        return self.visible(include_unpublished).select_related("parent__parent__parent__parent", "coordinates_source")

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
        """What the point stands for, as GTD's `specificity` and ACLED's `geo_precision`: the spot itself, or
        somewhere in the city, region (a province, a strip, an area) or country it marks."""

        EXACT = "exact", "Exact site"
        CITY = "city", "City"
        REGION = "region", "Region"
        COUNTRY = "country", "Country"

    # A point: what a place the gazetteer lacks takes from its parent, and what fill_coordinates writes.
    POINT_FIELDS = ("latitude", "longitude", "geo_precision", "coordinates_source_id", "gazetteer_id")

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
        "precision",
        max_length=10,
        choices=GeoPrecision.choices,
        blank=True,
        help_text="What the point stands for: the exact site, or somewhere in the city, region or country. "
        "Required with coordinates.",
    )
    coordinates_source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="located_places",
        verbose_name="coordinates from",
        help_text="The gazetteer (GeoNames, Natural Earth) or other source the point is taken from. Required "
        "with coordinates: a point is never guessed.",
    )
    gazetteer_id = models.CharField(
        "gazetteer identifier",
        # Long enough for a region of twenty-odd countries: 17 ISO numbers make the Middle East's 80 characters.
        max_length=120,
        blank=True,
        validators=[
            RegexValidator(
                r"^[a-z]+:[A-Za-z0-9._-]+(\+[A-Za-z0-9._-]+)*$",
                message='Write the gazetteer and its identifier for the entry, e.g. "geonames:128234", or Natural '
                'Earth countries joined by "+" for a region, e.g. "naturalearth:368+760".',
            )
        ],
        help_text='The gazetteer\'s entry for the point, e.g. "geonames:128234" (a GeoNames id) or '
        '"naturalearth:364" (a Natural Earth country by ISO number); "naturalearth:368+760" is the centre of area '
        "of those countries together, for a region no gazetteer has. Empty for a point from another kind of source.",
    )
    coordinates_from_parent = models.BooleanField(
        "point taken from the parent",
        default=False,
        help_text="Tick when the gazetteer has no entry for this place (a street, a cemetery): the place takes "
        "its parent's point, source and precision, and the page says so. Leave the coordinates empty to "
        "have them copied.",
    )
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="places")

    objects = PlaceQuerySet.as_manager()
    _history_m2m_fields = ["sources"]
    # What naming or linking it reads, where another record's page joins it (`shown_joins`).
    NAMED_BY = ("name", "kind", "slug", "status")

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
                condition=Q(latitude__isnull=True, coordinates_source__isnull=True)
                | Q(latitude__isnull=False, coordinates_source__isnull=False),
                name="place_coordinates_cite_a_source",
                violation_error_message="A point needs the source it is taken from, and a source of coordinates "
                "needs a point.",
            ),
            models.CheckConstraint(
                condition=Q(gazetteer_id="") | Q(coordinates_source__isnull=False),
                name="place_gazetteer_entry_with_its_source",
                violation_error_message="A gazetteer identifier needs the point and the gazetteer it is from.",
            ),
            models.CheckConstraint(
                condition=Q(coordinates_from_parent=False) | Q(parent__isnull=False, latitude__isnull=False),
                name="place_point_from_parent_has_a_parent",
                violation_error_message="Only a place that lies in another can take its parent's point.",
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

    STR_FIELDS = ("name",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return cached_reverse("events:place-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    def holds_public_records(self):
        """Whether something the public reads lies in this place or below it: a published place, incident,
        person, reaction... Public pages walk up from those through every place above them, drafts included (a
        place's "lies in", the place filter of every list, the exports' place column): a draft place's own name
        stays hidden, but where it lies is public, so changing that waits for review."""
        inside = place_tree.descendant_ids(Place._base_manager.all(), self)
        return Place._base_manager.filter(used_publicly(Place), pk__in=inside).exists()

    def clean(self):
        if self.pk is not None and self.pk in {p.pk for p in place_tree.parents(self)}:
            raise ValidationError({"parent": "A place cannot lie inside itself or one of its own sub-places."})
        if self.coordinates_from_parent:
            self.take_parent_point()
        errors = {}
        has_point = self.latitude is not None or self.longitude is not None
        if has_point and not self.geo_precision:
            errors["geo_precision"] = "Say what the point stands for: the exact site, a city, a region or a country."
        if has_point and self.coordinates_source_id is None:
            errors["coordinates_source"] = "Cite the gazetteer or source the point is taken from."
        if not has_point:
            described = {
                "geo_precision": self.geo_precision,
                "coordinates_source": self.coordinates_source_id,
                "gazetteer_id": self.gazetteer_id,
            }
            for name, value in described.items():
                if value:
                    errors[name] = "Give the point (latitude and longitude) this describes, or leave it empty."
        if errors:
            raise ValidationError(errors)

    def take_parent_point(self):
        """Copy the parent's point, its precision, source and gazetteer entry: for a place the gazetteer lacks."""
        parent = self.parent
        if parent is None or parent.latitude is None:
            raise ValidationError(
                {"coordinates_from_parent": "The parent has no point to take: give this place its own, or none."}
            )
        self.coordinates_from_parent = True
        for name in self.POINT_FIELDS:
            setattr(self, name, getattr(parent, name))

    PRECISION_WORDS = {
        GeoPrecision.EXACT: "the point is the site itself",
        GeoPrecision.CITY: "the point stands for the whole city, not a spot in it",
        GeoPrecision.REGION: "the point stands for the whole region, not a spot in it",
        GeoPrecision.COUNTRY: "the point stands for the whole country or territory, not a spot in it",
    }

    def precision_words(self):
        return self.PRECISION_WORDS.get(self.geo_precision, "")

    def entry_words(self):
        """How the point was made from its gazetteer entry, where that is more than the entry's own point: a
        city's entry standing for a wider area (the Gaza Strip by Gaza city's point), or a region's point computed
        from the countries counted in it (the Middle East). "" for any other entry."""
        prefix, _, number = self.gazetteer_id.partition(":")
        wider = (self.GeoPrecision.REGION, self.GeoPrecision.COUNTRY)
        if prefix == "geonames" and self.geo_precision in wider:
            return f"a city's entry standing for the whole {self.get_geo_precision_display().lower()}"
        if prefix == "naturalearth" and "+" in number:
            try:
                countries = geography.countries_by_iso_numeric(number.split("+"))
            except LookupError:
                return ""
            names = sorted(country.name for country in countries)
            return (
                f"the centre of area of {', '.join(names[:-1])} and {names[-1]} taken together (each by its main "
                "territory): the region has no agreed boundary, so the archive states which countries it counts "
                "in it and computes the point from their outlines"
            )
        return ""

    def gazetteer_url(self):
        """The public page of the gazetteer entry, where it has one: GeoNames does, Natural Earth does not."""
        prefix, _, number = self.gazetteer_id.partition(":")
        return f"https://www.geonames.org/{number}" if prefix == "geonames" and number.isdigit() else ""

    @property
    def has_point(self):
        return self.latitude is not None and self.longitude is not None

    def point_origin(self):
        """The nearest place whose own point this one carries (itself, or the ancestor it was taken from)."""
        if not self.coordinates_from_parent:
            return self
        return next((p for p in self.ancestors() if not p.coordinates_from_parent), None)

    def ancestors(self):
        """The chain of enclosing places, nearest first (Kerman → Kerman Province → Iran)."""
        return [p for p in place_tree.parents(self) if p.pk != self.pk]

    @property
    def country(self):
        if self.kind == self.Kind.COUNTRY:
            return self
        return next((p for p in self.ancestors() if p.kind == self.Kind.COUNTRY), None)
