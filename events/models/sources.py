"""Sources: what every record cites."""

from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from .base import NaturalKeyManager, Publishable, Versioned


def public_rows(model):
    """The rows of `model` the public reads: a published record (by that model's own `published()`: a reaction
    only while its incident is published too), or a row of one (a figure of a published incident). A model that
    is neither says whose status governs it (`subject_field`), or is refused here."""
    if issubclass(model, Publishable):
        return model.objects.published()
    if getattr(model, "subject_field", None):
        owner = model._meta.get_field(model.subject_field).related_model
        return model._base_manager.filter(**{f"{model.subject_field}__in": owner.objects.published()})
    raise TypeError(f"{model.__name__} has no status and no subject_field naming the record it belongs to")


def used_publicly(target, skip=()):
    """The condition on rows of `target` that a row the public reads points to, by any relation to `target`
    (every foreign key and many-to-many of every model, so a new one is covered): for a source, being cited."""
    condition = Q(pk__in=[])
    for relation in target._meta.related_objects:
        if relation.related_model in skip:
            continue
        rows = public_rows(relation.related_model)
        condition |= Exists(rows.filter(**{relation.field.name: OuterRef("pk")}))
    return condition


def cited_publicly():
    """The condition on sources that something the public reads cites: a published record, a row of one, or a
    published place whose point it gives (`used_publicly`). A source's "reported in" is the chain, followed by
    `SourceQuerySet.public()`."""
    return used_publicly(Source, skip=(Source,))


class SourceQuerySet(models.QuerySet):
    def public(self):
        """Sources the public can read: those cited publicly (`cited_publicly`) and, up each chain, the sources they
        were reported in (a citation names where it was reported). The one rule for the API's sources and for
        whether an editor's change to a source waits for review (events/workflow.py). The chain is followed in
        the database, however long, and stays a lazy queryset (the API's schema is drawn without a database)."""
        cited, params = Source._base_manager.filter(cited_publicly()).order_by().values("pk").query.sql_with_params()
        table = connection.ops.quote_name(Source._meta.db_table)
        # UNION, not UNION ALL: a chain that loops (A reported in B in A) ends when it finds no new source.
        chain = (
            f'WITH RECURSIVE chain(id) AS ({cited} UNION SELECT {table}."reported_in_id" FROM {table} '
            f'JOIN chain ON {table}."id" = chain.id WHERE {table}."reported_in_id" IS NOT NULL) SELECT id FROM chain'
        )
        return self.filter(pk__in=RawSQL(chain, params))


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

    objects = NaturalKeyManager.from_queryset(SourceQuerySet)("slug")

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

    def is_public(self):
        """Whether the public reads this source (`SourceQuerySet.public()`)."""
        return Source.objects.filter(pk=self.pk).public().exists()


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
