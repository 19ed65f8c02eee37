"""Sources: what every record cites."""

from django.db import models
from django.db.models import Q

from .base import NaturalKeyManager, Versioned


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


def prefetch_sources(records):
    """Fill `record.sources.all()` for every record given, of any mix of models, from one query: for each model,
    the sources its records cite with the citing record's id, all in one UNION ALL, in the sources' order.

    An incident's page cites sources for the incident, each figure, timeline entry, attribution and reaction;
    prefetching each relation separately costs a query apiece. Each part keeps the rows pointing to its own
    records, so a page cached with it is dropped when one of them cites another source, not when any record
    of the kind does (events/caching.py reads each part of a UNION as a query of its own)."""
    by_model = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    if not by_model:
        return
    parts = []
    for position, (model, rows) in enumerate(by_model.items()):
        citing = model._meta.get_field("sources").related_query_name()
        parts.append(
            Source.objects.filter(**{f"{citing}__in": [row.pk for row in rows]})
            .annotate(cited_position=models.Value(position), cited_by=models.F(citing))
            .order_by()
        )
    cited = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    found, sources = {}, {}
    for source in cited.order_by(*Source._meta.ordering, "pk"):
        key = (source.cited_position, source.cited_by)
        found.setdefault(key, []).append(sources.setdefault(source.pk, source))
    for position, rows in enumerate(by_model.values()):
        for row in rows:
            queryset = row.sources.all()
            queryset._result_cache = found.get((position, row.pk), [])
            queryset._prefetch_done = True
            if not hasattr(row, "_prefetched_objects_cache"):
                row._prefetched_objects_cache = {}
            row._prefetched_objects_cache["sources"] = queryset
