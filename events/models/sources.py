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
    """Fill `record.sources.all()` for every record given, of any mix of models, from two queries: the citations
    of all of them (one UNION ALL over the models' link tables), then the sources they cite.

    An incident's page cites sources for the incident, each figure, timeline entry, attribution and reaction;
    prefetching each relation separately costs a query apiece."""
    by_model = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    if not by_model:
        return
    citations = []
    for position, (model, rows) in enumerate(by_model.items()):
        field = model._meta.get_field("sources")
        owner, cited = field.m2m_column_name(), field.m2m_reverse_name()
        links = field.remote_field.through.objects.filter(**{f"{owner}__in": [row.pk for row in rows]})
        citations.append(links.values_list(models.Value(position), owner, cited))
    found = {}
    for position, owner_id, source_id in citations[0].union(*citations[1:], all=True):
        found.setdefault((position, owner_id), set()).add(source_id)
    cited_ids = set().union(*found.values()) if found else set()
    sources = list(Source.objects.filter(pk__in=cited_ids)) if cited_ids else []
    for position, rows in enumerate(by_model.values()):
        for row in rows:
            ids = found.get((position, row.pk), set())
            queryset = row.sources.all()
            queryset._result_cache = [source for source in sources if source.pk in ids]
            queryset._prefetch_done = True
            if not hasattr(row, "_prefetched_objects_cache"):
                row._prefetched_objects_cache = {}
            row._prefetched_objects_cache["sources"] = queryset
