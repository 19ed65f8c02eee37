"""The query vocabulary of the archive: views and admin ask for these instead of repeating filters."""

from django.db import models
from django.db.models import Prefetch, Q


class NaturalKeyManager(models.Manager):
    """Looks rows up by their slug or key, so fixtures can name them instead of using primary keys."""

    def __init__(self, field="slug"):
        super().__init__()
        self.natural_key_field = field

    def get_by_natural_key(self, value):
        return self.get(**{self.natural_key_field: value})


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status="published")

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class PlaceQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("parent")

    def descendant_ids(self, place):
        """Primary keys of `place` and every place inside it, however deep."""
        found, frontier = {place.pk}, {place.pk}
        while frontier:
            frontier = set(self.filter(parent__in=frontier).values_list("pk", flat=True)) - found
            found |= frontier
        return found


class OrganizationQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("country", "parent")


class PersonQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().prefetch_related("nationalities")


class IncidentQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("place")

    def in_place(self, place):
        from .models import Place

        return self.filter(place__in=Place.objects.descendant_ids(place))

    def for_detail(self):
        from .models import Attribution, CasualtyFigure, IncidentLink, Reaction

        return self.published().select_related("place__parent__parent__parent").prefetch_related(
            "sources",
            Prefetch(
                "casualty_figures",
                queryset=CasualtyFigure.objects.select_related(
                    "reported_by_organization", "reported_by_person"
                ).prefetch_related("sources"),
            ),
            Prefetch("timeline", queryset=self._timeline_queryset()),
            Prefetch(
                "attributions",
                queryset=Attribution.objects.select_related(
                    "responsible_organization",
                    "responsible_person",
                    "responsible_country",
                    "by_organization",
                    "by_person",
                    "by_country",
                ).prefetch_related("sources"),
            ),
            Prefetch(
                "reactions",
                queryset=Reaction.objects.published()
                .select_related("person", "organization", "country")
                .prefetch_related("stances", "sources")
                .order_by("category", "slug"),
            ),
            Prefetch(
                "links_out",
                queryset=IncidentLink.objects.filter(to_incident__status="published").select_related("to_incident"),
            ),
            Prefetch(
                "links_in",
                queryset=IncidentLink.objects.filter(from_incident__status="published").select_related(
                    "from_incident"
                ),
            ),
        )

    @staticmethod
    def _timeline_queryset():
        from .models import TimelineEntry

        return TimelineEntry.objects.select_related("place").order_by("date", "sequence")


class ReactionQuerySet(PublishableQuerySet):
    def published(self):
        return self.filter(status="published", incident__status="published")

    def for_list(self):
        return (
            self.published()
            .select_related("incident", "person", "organization", "country")
            .prefetch_related("stances")
        )

    def by_actor(self, person=None, organization=None):
        condition = Q()
        if person is not None:
            condition |= Q(person=person)
        if organization is not None:
            condition |= Q(organization=organization)
        return self.filter(condition)
