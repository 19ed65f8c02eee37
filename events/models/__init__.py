"""The archive's records: incidents and everything that gives them context and sources.

Every seeded model has a natural key (its slug or key), so fixtures refer to rows by name and loading
them twice updates rows instead of duplicating them.

One module per part of the archive, each queryset above its model; everything is re-exported here, so code
imports `from events.models import X`.
"""

# ruff: noqa: I001 -- imported in the order each module's models point to the last's, with the bookkeeping last:
# that is the order Django lists the models in (the admin's review queue, the fixture checks).

from ..choices import DatePrecision, Status
from .base import (
    HISTORY,
    PERPETRATOR_KINDS,
    KeyedRecord,
    NaturalKeyManager,
    Publishable,
    PublishableQuerySet,
    SourcedStatement,
    StaleEditError,
    Versioned,
    cached_reverse,
    check_partial_date,
    date_precision_constraints,
    date_precision_pair_constraint,
    format_partial_date,
    prefetch_record,
    related_model,
    stored_value,
    counted_as_text,
    counted_in_shared,
    union_all,
    union_all_sql,
)
from .sources import Source, prefetch_sources
from .places import Place, PlaceQuerySet
from .actors import Organization, OrganizationQuerySet, Person, PersonQuerySet, Role
from .incidents import (
    Attribution,
    CasualtyFigure,
    Incident,
    IncidentLink,
    IncidentQuerySet,
    TimelineEntry,
    figure_display,
    first_timeline_entries_in,
    public_timeline_entries,
    related_links,
)
from .reactions import Reaction, ReactionQuerySet, Stance
from .claims import Claim, IncidentClaim, OrganizationClaim, PersonClaim
from .archive import (
    BOOKKEEPING_MODELS,
    ArchiveState,
    CacheTag,
    FacetCount,
    FacetPair,
    Revision,
    RevisionQuerySet,
    SearchChange,
)

__all__ = [
    "BOOKKEEPING_MODELS",
    "HISTORY",
    "PERPETRATOR_KINDS",
    "ArchiveState",
    "CacheTag",
    "SearchChange",
    "Attribution",
    "CasualtyFigure",
    "Claim",
    "DatePrecision",
    "FacetCount",
    "FacetPair",
    "Incident",
    "IncidentClaim",
    "IncidentLink",
    "IncidentQuerySet",
    "KeyedRecord",
    "NaturalKeyManager",
    "Organization",
    "OrganizationClaim",
    "OrganizationQuerySet",
    "Person",
    "PersonClaim",
    "PersonQuerySet",
    "Place",
    "PlaceQuerySet",
    "Publishable",
    "PublishableQuerySet",
    "Reaction",
    "ReactionQuerySet",
    "Revision",
    "RevisionQuerySet",
    "Role",
    "Source",
    "SourcedStatement",
    "StaleEditError",
    "Stance",
    "Status",
    "TimelineEntry",
    "Versioned",
    "cached_reverse",
    "check_partial_date",
    "date_precision_constraints",
    "date_precision_pair_constraint",
    "figure_display",
    "format_partial_date",
    "prefetch_record",
    "prefetch_sources",
    "first_timeline_entries_in",
    "public_timeline_entries",
    "related_links",
    "related_model",
    "stored_value",
    "counted_as_text",
    "counted_in_shared",
    "union_all",
    "union_all_sql",
]
