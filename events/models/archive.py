"""The archive's own bookkeeping: the content version, the cache's tag versions and whole-record revisions."""

from django.conf import settings
from django.db import models
from django.utils import timezone


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


class RevisionQuerySet(models.QuerySet):
    def of(self, record):
        """The revisions of `record` (a root: an incident, person, organization, place, source or stance)."""
        # By the content type's natural key, joined: no separate content type query on a public page.
        opts = type(record)._meta
        return self.filter(
            content_type__app_label=opts.app_label, content_type__model=opts.model_name, object_id=record.pk
        )

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
