"""Sources: what every record cites."""

from django.db import connections, models
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
    """Fill `record.sources.all()` for every record given, of any mix of models, from one query: the sources
    joined to the citations of all of them (one UNION ALL over the models' link tables), in the sources' order.

    An incident's page cites sources for the incident, each figure, timeline entry, attribution and reaction;
    prefetching each relation separately costs a query apiece (and two, links then sources, together)."""
    by_model = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    if not by_model:
        return
    citations = []
    for position, (model, rows) in enumerate(by_model.items()):
        field = model._meta.get_field("sources")
        links = field.remote_field.through.objects.filter(**{f"{field.m2m_field_name()}__in": [row.pk for row in rows]})
        citations.append(
            links.annotate(
                cited_position=models.Value(position),
                cited_owner=models.F(field.m2m_field_name()),
                cited_source=models.F(field.m2m_reverse_field_name()),
            ).values_list("cited_position", "cited_owner", "cited_source")
        )
    database = citations[0].db
    cited = citations[0].union(*citations[1:], all=True) if len(citations) > 1 else citations[0]
    cited_sql, params = cited.query.get_compiler(database).as_sql()
    quote = connections[database].ops.quote_name
    table = quote(Source._meta.db_table)
    columns = ", ".join(f"{table}.{quote(f.column)}" for f in Source._meta.concrete_fields)
    order = ", ".join(
        f"{table}.{quote(Source._meta.get_field(name.lstrip('-')).column)}{' DESC' if name.startswith('-') else ''}"
        for name in [*Source._meta.ordering, Source._meta.pk.name]
    )
    # The sources are the main table, every column read: each row is loaded as a Source (and noted by the page
    # cache as that record), the link tables only filter, as the two queries this replaces did.
    sql = (
        f'SELECT {columns}, "cited"."cited_position", "cited"."cited_owner" FROM {table} '
        f'INNER JOIN ({cited_sql}) "cited" ON "cited"."cited_source" = {table}.{quote(Source._meta.pk.column)} '
        f"ORDER BY {order}"
    )
    found, sources = {}, {}
    for source in Source.objects.raw(sql, params).using(database):
        cited_by = (source.cited_position, source.cited_owner)
        found.setdefault(cited_by, []).append(sources.setdefault(source.pk, source))
    for position, rows in enumerate(by_model.values()):
        for row in rows:
            queryset = row.sources.all()
            queryset._result_cache = found.get((position, row.pk), [])
            queryset._prefetch_done = True
            if not hasattr(row, "_prefetched_objects_cache"):
                row._prefetched_objects_cache = {}
            row._prefetched_objects_cache["sources"] = queryset
