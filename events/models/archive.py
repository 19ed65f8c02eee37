"""The archive's own bookkeeping: the content version, the cache's tag versions and whole-record revisions."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .base import union_all


class ArchiveState(models.Model):
    """One row: the archive's content version, which moves on every change to any archive record.

    It is the sequence the cache's tag versions are drawn from (CacheTag below, events/caching.py): a page
    rendered after reading version N is stored only if none of the tags it read moved past N. It lives in the
    database, not a per-process cache, so every worker of every server sees the same one.
    """

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "archive state"

    def __str__(self):
        return f"Content version {self.version}"


class CacheTag(models.Model):
    """The version of one thing a cached page or count can depend on: a record ("events.incident:42"), the rows
    of a table ("events.incident"), one of its columns ("events.incident.status"), or any change to a kind of
    record ("events.incident.*"). A write moves the tags of what it changed to the content version of that
    write (events/caching.py says which); a tag never written has version 0."""

    name = models.CharField(max_length=200, primary_key=True)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "cache tag"

    def __str__(self):
        return f"{self.name} at {self.version}"


class SearchChange(models.Model):
    """The journal of the search index: when the indexed text of one record last changed (the content version of
    that write). A search whose matches are all remembered reads it to check again only the records changed since
    it was made, instead of the kind's whole index (events/caching.py, `search_changes`)."""

    kind = models.CharField(max_length=40)
    record = models.BigIntegerField()  # its primary key
    version = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = "search change"
        constraints = [models.UniqueConstraint(fields=["kind", "record"], name="search_change_once_per_record")]
        indexes = [models.Index(fields=["kind", "version"], name="search_change_since")]

    def __str__(self):
        return f"{self.kind} {self.record} at {self.version}"


class RevisionQuerySet(models.QuerySet):
    def of(self, record):
        """The revisions of `record` (a root: an incident, person, organization, place, source or stance)."""
        return self.of_model(type(record), record.pk)

    def of_model(self, model, pk):
        """The revisions of the `model` record `pk` (a value, or OuterRef("pk") in a subquery)."""
        # By the content type's natural key, joined: no separate content type query on a public page.
        opts = model._meta
        return self.filter(content_type__app_label=opts.app_label, content_type__model=opts.model_name, object_id=pk)

    def live(self):
        return self.filter(state=Revision.State.LIVE)

    def pending(self):
        return self.filter(state=Revision.State.PENDING)

    def public(self):
        """Revisions in which the record was published: each has a permanent public address."""
        return self.filter(state=Revision.State.LIVE, public=True)


class Revision(models.Model):
    """One state of a whole record: the record and everything edited with it, as one snapshot.

    An incident's revision holds its casualty figures, reactions, attributions, timeline entries and links
    out; a person's its roles. A *live* revision is what the record became after one save (an admin form
    with its inlines, an import row, a restore); a *pending* one is a change an Editor proposed to a public
    record, kept out of the live tables until a Reviewer publishes it (it then becomes a new live revision)
    or rejects it. Row-by-row versions (django-simple-history) are still kept beneath; see events.revisions.
    """

    class State(models.TextChoices):
        LIVE = "live", "Saved"
        PENDING = "pending", "Pending review"
        PUBLISHED = "published", "Published by a reviewer"
        REJECTED = "rejected", "Rejected"

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    number = models.PositiveIntegerField(help_text="Counts the record's revisions, pending ones included.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.LIVE)
    public = models.BooleanField(default=False, help_text="The record was published in this revision.")
    snapshot = models.JSONField()
    summary = models.CharField(max_length=600, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="What changed and why, in the editor's words.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    record_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The record's save counter at this revision: what its forms carry."
    )
    base = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a pending revision: the live revision it was proposed against.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["content_type", "object_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"], name="revision_number_unique_per_record"
            ),
        ]
        indexes = [
            # The review queue: pending revisions, oldest first.
            models.Index(fields=["state", "created_at"], name="revision_state_idx"),
        ]

    def __str__(self):
        return f"{self.object_repr}, revision {self.number}"

    @property
    def record_model(self):
        return self.content_type.model_class()

    @property
    def is_pending(self):
        return self.state == self.State.PENDING


class FacetCountQuerySet(models.QuerySet):
    def of(self, label):
        return self.filter(model_label=label)

    def summaries(self, label):
        """The list's total (facet "") and each facet's number of values, as {facet: count}."""
        return dict(self.of(label).filter(value="").values_list("facet", "count"))

    def top(self, label, limits, chosen=None):
        """[(facet, value, count)]: for each facet of `limits` ({facet: n}) its n values giving most rows, the
        values of `chosen` ({facet: value}) and every summary row of the list, in one query (UNION ALL)."""
        rows = self.order_by().values_list("facet", "value", "count")
        parts = [rows.filter(model_label=label, value="")]
        for facet, limit in limits.items():
            parts.append(rows.filter(model_label=label, facet=facet).exclude(value="").order_by("-count")[:limit])
        for facet, value in (chosen or {}).items():
            parts.append(rows.filter(model_label=label, facet=facet, value=value))
        return union_all(parts)


class FacetCount(models.Model):
    """How many published records of one public list have one value of one of its facets, kept as records change.

    The rows are what events/aggregates.py keeps in step with the records (every save, delete and link change
    adjusts the counts it moves, in the same transaction; a bulk load rebuilds them), so the unfiltered list's
    facets, its total and the home page's counts are read here instead of grouping every record again after
    every edit. A value of "" is a summary row: for facet "" the number of published records of the list, for a
    facet the number of values with at least one. Values are text (ids and choice values alike); a record
    without a value (an incident with no place) is not counted in that facet. A missing row is a zero: rows
    reaching zero are deleted.
    """

    model_label = models.CharField(max_length=40, help_text="The list's model, e.g. events.incident.")
    facet = models.CharField(max_length=40, blank=True, help_text="The list's filter counted; empty for the total.")
    value = models.CharField(max_length=64, blank=True, help_text="The value counted, as text; empty for a summary.")
    count = models.IntegerField()

    objects = FacetCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_label", "facet", "value"], name="facet_count_unique_value"),
        ]
        indexes = [
            # A facet's values giving most records: the busiest 50 are read, never all of them.
            models.Index(fields=["model_label", "facet", "-count"], name="facet_count_top_idx"),
            # A list's summary rows (its total, each facet's number of values), read by every list and the home
            # page: PostgreSQL read all 115,000 rows to find the reaction list's five (11 ms at 100,000
            # incidents), the unique index leading with the facet, not the value.
            models.Index(fields=["model_label", "facet"], condition=models.Q(value=""), name="facet_count_summary_idx"),
        ]

    def __str__(self):
        return f"{self.model_label} {self.facet or 'total'}={self.value or '*'}: {self.count}"


class FacetPairQuerySet(models.QuerySet):
    def of(self, label):
        return self.filter(model_label=label)

    def within(self, label, given, value, facet, given_first, limit=None):
        """(value, count) rows of `facet`'s values among the list's records whose `given` facet has `value`, those
        giving most records first (`limit` of them): one index range whichever way round the pair is stored
        (`given_first`: stored as given, facet)."""
        if given_first:
            rows = self.filter(model_label=label, facet=given, value=value, other_facet=facet)
            rows = rows.values_list("other_value", "count")
        else:
            rows = self.filter(model_label=label, facet=facet, other_facet=given, other_value=value)
            rows = rows.values_list("value", "count")
        rows = rows.order_by("-count")
        return rows[:limit] if limit is not None else rows


class FacetPair(models.Model):
    """How many published records of one public list have one value of a facet *and* one value of another, kept
    as records change like FacetCount: the facet counts of a list filtered by one value of one facet
    (/reactions/?category=country, /incidents/?place=iran) are read here instead of grouping its records.

    Each pair of values is stored once (the facets in the list's order), and read either way round: a list
    filtered by a category reads the incidents it has most reactions for, and one filtered by an incident the
    categories of its reactions, from the same rows. Facets over the place tree count up the tree on either
    side, as FacetCount's do. A missing row is a zero."""

    model_label = models.CharField(max_length=40, help_text="The list's model, e.g. events.reaction.")
    facet = models.CharField(max_length=40, help_text="The first facet of the pair, in the list's order.")
    value = models.CharField(max_length=64, help_text="Its value, as text.")
    other_facet = models.CharField(max_length=40, help_text="The second facet of the pair.")
    other_value = models.CharField(max_length=64, help_text="Its value, as text.")
    count = models.IntegerField()

    objects = FacetPairQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "facet", "value", "other_facet", "other_value"], name="facet_pair_unique"
            ),
        ]
        indexes = [
            # Either way round, a facet's values giving most records within one value of another.
            models.Index(fields=["model_label", "facet", "value", "other_facet", "-count"], name="facet_pair_top_idx"),
            models.Index(
                fields=["model_label", "other_facet", "other_value", "facet", "-count"], name="facet_pair_other_top_idx"
            ),
        ]

    def __str__(self):
        return f"{self.model_label} {self.facet}={self.value} {self.other_facet}={self.other_value}: {self.count}"


# The archive's own bookkeeping, not records anyone edits or the public reads as content: no editorial
# permissions (events/workflow.py), no fixtures, and no cache tags of their own (events/caching.py). A new
# bookkeeping model belongs here and in this set.
BOOKKEEPING_MODELS = frozenset(
    model._meta.model_name for model in (ArchiveState, CacheTag, SearchChange, Revision, FacetCount, FacetPair)
)
