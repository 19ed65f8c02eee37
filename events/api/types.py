"""The record types the API serves, and the public rows of each.

The types with public pages come from the registry (events/registry.py), with their list's queryset and
FilterSet, so the API lists exactly what the public list shows. The rows that belong to an incident or a
person (figures, attributions, timeline entries, roles) and the sources are the API's own additions: they are
public when what they belong to is published, as on the record's page.
"""

from dataclasses import dataclass

from .. import registry
from ..choices import Status
from ..models import Attribution, CasualtyFigure, Role, Source, TimelineEntry, public_timeline_entries
from . import filters, serializers

PUBLISHED = Status.PUBLISHED


@dataclass(frozen=True)
class ApiType:
    basename: str  # the URL names api:<basename>-list and -detail
    prefix: str  # /api/v1/<prefix>/
    model: type
    serializer: type
    queryset: callable
    filterset_class: type
    lookup: str = "slug"
    description: str = ""


# What a type's serializer reads beyond its list page's queryset, joined so a page of rows costs one query.
ALSO_JOINED = {"place": ("coordinates_source",)}


def list_rows(list_view, joined):
    """The list view's own queryset (published rows, in the list's default order), with `joined` as well."""
    rows = list_view().get_queryset()
    # select_related() with no names would join every foreign key.
    return rows.select_related(*joined) if joined else rows


def from_registry(record_type):
    list_view = record_type.views["list"]
    joined = ALSO_JOINED.get(record_type.key, ())
    return ApiType(
        basename=record_type.key,
        prefix=record_type.prefix,
        model=record_type.model,
        serializer=getattr(serializers, f"{record_type.model.__name__}Serializer"),
        queryset=lambda: list_rows(list_view, joined),
        filterset_class=list_view.filterset_class,
        description=f"Published {record_type.label.lower()}: the filters and sort orders of /{record_type.prefix}/.",
    )


def public_sources():
    """Sources the public can read (`SourceQuerySet.public`), with the one each was reported in."""
    return Source.objects.public().select_related("reported_in")


OWN_TYPES = (
    ApiType(
        basename="casualty-figure",
        prefix="casualty-figures",
        model=CasualtyFigure,
        serializer=serializers.CasualtyFigureSerializer,
        queryset=lambda: (
            CasualtyFigure.objects.filter(incident__status=PUBLISHED)
            .select_related("incident", "reported_by_organization", "reported_by_person")
            .prefetch_related("sources")
            .order_by("pk")
        ),
        filterset_class=filters.CasualtyFigureFilter,
        lookup="key",
        description="Every reported figure of published incidents, competing and superseded ones included.",
    ),
    ApiType(
        basename="attribution",
        prefix="attributions",
        model=Attribution,
        serializer=serializers.AttributionSerializer,
        queryset=lambda: (
            Attribution.objects.filter(incident__status=PUBLISHED)
            .select_related(
                "incident",
                *Attribution.NAMED,
            )
            .prefetch_related("sources")
            .order_by("pk")
        ),
        filterset_class=filters.AttributionFilter,
        lookup="key",
        description="Claims, assessments, accusations and denials of responsibility for published incidents.",
    ),
    ApiType(
        basename="role",
        prefix="roles",
        model=Role,
        serializer=serializers.RoleSerializer,
        queryset=lambda: (
            Role.objects.filter(person__status=PUBLISHED)
            .select_related("person", "organization", "country")
            .order_by("pk")
        ),
        filterset_class=filters.RoleFilter,
        lookup="key",
        description="Positions published people held.",
    ),
    ApiType(
        basename="timeline-entry",
        prefix="timeline-entries",
        model=TimelineEntry,
        serializer=serializers.TimelineEntrySerializer,
        queryset=lambda: public_timeline_entries().order_by("date", "sequence"),
        filterset_class=filters.TimelineEntryFilter,
        lookup="key",
        description="Developments of published incidents, in date order.",
    ),
    ApiType(
        basename="source",
        prefix="sources",
        model=Source,
        serializer=serializers.SourceSerializer,
        queryset=lambda: public_sources().order_by("slug"),
        filterset_class=None,
        description="Sources cited by published records. No filters.",
    ),
)

API_TYPES = (*(from_registry(record_type) for record_type in registry.RECORD_TYPES), *OWN_TYPES)
