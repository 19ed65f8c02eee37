"""Whole-record revisions: one revision per save of a record and everything edited with it.

Editors and readers think in records, not rows: an incident is its text *and* its casualty figures,
reactions, attributions, timeline and links. So a revision (events.models.Revision) is a snapshot of the
whole aggregate, taken once per write — an admin form with its inlines, a child row's own page, an action,
an import, a restore — however many rows that write touched (django-reversion's `create_revision()` with
`follow=`). Row-by-row versions (django-simple-history) are still recorded underneath, so nothing recorded
before revisions existed is lost.

Three operations build on snapshots:
- `summarize()`/`diff()`: what changed between two revisions, across the aggregate, in words.
- `apply()`: make the live rows equal to a snapshot, atomically, then check every model rule; refuse and
  change nothing if a rule would break. Restoring a revision and publishing a pending one are both this.
- `reviewed_write()`: the one review rule for every write path. Whatever runs inside it is recorded; if it
  changed a public record and the user may not publish, the write is rolled back and kept as a pending
  revision for a Reviewer instead, so the public never sees an unreviewed change.
"""

import hashlib
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from . import registry, workflow
from .models import (
    Attribution,
    CasualtyFigure,
    DatePrecision,
    Incident,
    IncidentClaim,
    IncidentLink,
    Organization,
    OrganizationClaim,
    Person,
    PersonClaim,
    Place,
    Publishable,
    Reaction,
    Revision,
    Role,
    Source,
    Stance,
    Status,
    TimelineEntry,
    format_partial_date,
    stored_value,
)
from .public_names import public_name

# Each record type that has revisions, with the rows edited with it and the foreign key tying them to it.
AGGREGATES = {
    Incident: (
        (CasualtyFigure, "incident"),
        (Reaction, "incident"),
        (Attribution, "incident"),
        (TimelineEntry, "incident"),
        (IncidentLink, "from_incident"),
        (IncidentClaim, "incident"),
    ),
    Person: ((Role, "person"), (PersonClaim, "person")),
    Organization: ((OrganizationClaim, "organization"),),
    Place: (),
    Source: (),
    Stance: (),
}
CHILD_OF = {child: (root, fk) for root, children in AGGREGATES.items() for child, fk in children}
# Records with a public page have a public address for each revision in which they were published.
PERMALINKED = {t.model: t.key for t in registry.RECORD_TYPES if t.revision_permalinks}  # events/registry.py
# Never in a snapshot: the save counter (a restore takes the current one) and what is derived or audited.
SKIPPED_FIELDS = {"version"}


class RevisionRefused(Exception):
    """A snapshot that cannot become the live record without breaking a rule; nothing was changed."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def is_root(model):
    return model in AGGREGATES


def root_of(obj):
    """The record whose revisions cover `obj`: itself for a root, its incident or person for a child row."""
    model = type(obj)
    if model in AGGREGATES:
        return obj
    if model in CHILD_OF:
        return getattr(obj, CHILD_OF[model][1])
    return None


def _key(model, pk):
    return (model._meta.label_lower, pk)


def _model(key):
    return apps.get_model(key[0])


# Snapshots -------------------------------------------------------------------------------------------------


def _field_names(model, skip=()):
    names = [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in SKIPPED_FIELDS and f.name not in skip
    ]
    return names + [f.name for f in model._meta.many_to_many]


def _serialize(model, objs, skip=()):
    rows = serializers.serialize("python", objs, fields=_field_names(model, skip))
    for row in rows:
        for f in model._meta.many_to_many:
            row["fields"][f.name] = sorted(row["fields"].get(f.name, []))
        del row["model"]
    # Through JSON once, so a fresh snapshot compares equal to one read back from the database.
    return json.loads(json.dumps(rows, cls=DjangoJSONEncoder))


def snapshot(root):
    """The whole record as plain data: its fields and linked ids, and each kind of child row by id."""
    return snapshots(type(root), [root])[root.pk]


def snapshots(model, roots):
    """{key: snapshot} for records of one model, as `snapshot()` takes each, reading each kind of child row
    once for them all. The records' own fields are the instances' (links from their prefetched rows, if any)."""
    taken = {row["pk"]: {**row, "children": {}} for row in _serialize(model, roots)}
    for child, fk in AGGREGATES[model]:
        rows = child._base_manager.filter(**{f"{fk}__in": list(taken)}).order_by("pk")
        rows = rows.prefetch_related(*(f.name for f in child._meta.many_to_many))
        attname = child._meta.get_field(fk).attname
        of_root = {pk: [] for pk in taken}
        for row in rows:
            of_root[getattr(row, attname)].append(row)
        label = child._meta.label_lower
        for pk, data in taken.items():
            data["children"][label] = _serialize(child, of_root[pk], skip=(fk,))
    return taken


def _build(model, row):
    """An unsaved instance with the row's field values converted back to Python, and its links by field."""
    item = next(serializers.deserialize("python", [{"model": model._meta.label_lower, **row}]))
    return item.object, item.m2m_data


# Recording -------------------------------------------------------------------------------------------------


def revisions_of(record):
    return Revision.objects.of(record)


def latest_live(record):
    return revisions_of(record).live().order_by("-number").first()


def _public_in(model, snap):
    return issubclass(model, Publishable) and snap["fields"].get("status") == Status.PUBLISHED


def _content_type(model):
    # Read, not taken from ContentType's process-wide cache: a flush inside a rolled-back transaction (tests,
    # a restore into a scratch database) leaves that cache naming ids that no longer exist.
    return ContentType.objects.get(app_label=model._meta.app_label, model=model._meta.model_name)


def create_revision(
    root,
    snap,
    *,
    user=None,
    reason="",
    state=Revision.State.LIVE,
    base=None,
    previous=None,
    record_version=None,
    content_type=None,
    last_number=None,
):
    """Store `snap` as the record's next revision, with a one-line summary of what changed since the last.
    A caller that read them already passes the record's content type and its highest revision number (0 for
    none), and its latest live revision as `previous`."""
    model = type(root)
    content_type = content_type or _content_type(model)
    existing = Revision.objects.filter(content_type=content_type, object_id=root.pk)
    if previous is None and last_number is None:
        previous = existing.filter(state=Revision.State.LIVE).order_by("-number").first()
    if last_number is None:
        last_number = existing.aggregate(n=Max("number"))["n"] or 0
    number = last_number + 1
    summary = summarize(model, previous.snapshot, snap) if previous else "Record created"
    return Revision.objects.create(
        content_type=content_type,
        object_id=root.pk,
        object_repr=str(root)[:200],
        number=number,
        state=state,
        public=state == Revision.State.LIVE and _public_in(model, snap),
        snapshot=snap,
        summary=summary[:600],
        reason=reason[:300],
        user=user if user is not None and user.pk else None,
        record_version=record_version or stored_value(type(root), root.pk, "version"),
        base=base,
    )


def record_if_changed(root, *, user=None, reason=""):
    """A live revision of `root` unless its latest one already holds exactly this state."""
    snap = snapshot(root)
    previous = latest_live(root)
    if previous is not None and previous.snapshot == snap:
        return None
    return create_revision(root, snap, user=user, reason=reason, previous=previous)


# Records read, snapshotted and compared at a time by record_all_changed.
RECORDS_AT_A_TIME = 500


def record_all_changed(user, reason):
    """A revision for every record whose state differs from its latest live revision (after a bulk load), as
    record_if_changed() would make it. The records, their child rows, latest revisions and revision numbers are
    read RECORDS_AT_A_TIME records at a time: one record at a time, a first load of the seed made 1,232 queries."""
    created = 0
    for model in AGGREGATES:
        content_type = _content_type(model)
        roots = model._base_manager.order_by("pk").prefetch_related(*(f.name for f in model._meta.many_to_many))
        batch = []
        for root in roots.iterator(chunk_size=RECORDS_AT_A_TIME):
            batch.append(root)
            if len(batch) == RECORDS_AT_A_TIME:
                created += _record_changed(model, content_type, batch, user, reason)
                batch = []
        if batch:
            created += _record_changed(model, content_type, batch, user, reason)
    return created


def _record_changed(model, content_type, roots, user, reason):
    snaps = snapshots(model, roots)
    revisions = Revision.objects.filter(content_type=content_type, object_id__in=list(snaps))
    live = Revision.objects.filter(content_type=content_type, state=Revision.State.LIVE)
    newest_live = live.filter(object_id=OuterRef("object_id")).order_by("-number").values("number")[:1]
    latest = {revision.object_id: revision for revision in revisions.live().filter(number=Subquery(newest_live))}
    numbers = dict(revisions.order_by().values("object_id").annotate(n=Max("number")).values_list("object_id", "n"))
    created = 0
    for root in roots:
        previous, snap = latest.get(root.pk), snaps[root.pk]
        if previous is not None and previous.snapshot == snap:
            continue
        create_revision(
            root,
            snap,
            user=user,
            reason=reason,
            previous=previous,
            record_version=root.version,
            content_type=content_type,
            last_number=numbers.get(root.pk, 0),
        )
        created += 1
    return created


# Writes: one scope per request or command, one revision per record it touched ----------------------------


@dataclass
class _Before:
    public: bool
    snapshot: dict | None  # kept only for records with no revision yet: their state before this write
    version: int | None = None


@dataclass
class _Scope:
    user: object
    reason: str = ""
    touched: dict = field(default_factory=dict)  # key -> None, in the order records were touched
    before: dict = field(default_factory=dict)  # key -> _Before, taken at the first touch
    created: set = field(default_factory=set)  # (label, pk) of rows this write inserted
    pending: list = field(default_factory=list)
    recorded: list = field(default_factory=list)


_local = threading.local()


def _scope():
    return getattr(_local, "scope", None)


def set_reason(reason):
    """The editor's "what changed and why" for the revision(s) the current write will record."""
    scope = _scope()
    if scope is not None and reason:
        scope.reason = reason


def _note_before(key):
    scope = _scope()
    if scope is None or key in scope.before or key in scope.created:
        return
    model, pk = _model(key), key[1]
    root = model._base_manager.filter(pk=pk).first()
    if root is None:
        return
    has_revision = revisions_of(root).exists()
    scope.before[key] = _Before(
        public=workflow.is_public(root), snapshot=None if has_revision else snapshot(root), version=root.version
    )


def _roots_now(instance):
    """Keys of the records `instance` belongs to in the database now (before a change), and will after it."""
    model = type(instance)
    if model in AGGREGATES:
        return [_key(model, instance.pk)] if instance.pk is not None else []
    root_model, fk = CHILD_OF[model]
    attname = model._meta.get_field(fk).attname
    keys = []
    saved = stored_value(model, instance.pk, attname)
    if saved is not None:
        keys.append(_key(root_model, saved))
    new = getattr(instance, attname)
    if new is not None and _key(root_model, new) not in keys:
        keys.append(_key(root_model, new))
    return keys


def before_change(instance):
    """Signal handler body: called before any save, delete or link change of a row with revisions."""
    scope = _scope()
    if scope is None:
        return
    for key in _roots_now(instance):
        _note_before(key)
        # The record a row leaves is changed as much as the one it joins: a figure moved off a published incident
        # to a draft takes it off the public page, so the write is reviewed for both.
        scope.touched.setdefault(key, None)


def after_change(instance, created=False):
    """Signal handler body: called after any save, delete or link change of a row with revisions."""
    scope = _scope()
    if scope is None:
        return
    if created:
        scope.created.add((type(instance)._meta.label_lower, instance.pk))
    model = type(instance)
    if model in AGGREGATES:
        keys = [_key(model, instance.pk)]
    else:
        root_model, fk = CHILD_OF[model]
        root_id = getattr(instance, model._meta.get_field(fk).attname)
        keys = [_key(root_model, root_id)] if root_id is not None else []
    for key in keys:
        scope.touched.setdefault(key, None)


def _pending_snapshot(root, scope):
    """The proposed state, with rows this write inserted marked as new (their ids are rolled back)."""
    snap = snapshot(root)
    for label, rows in snap["children"].items():
        for row in rows:
            if (label, row["pk"]) in scope.created:
                row["pk"] = None
    return snap


def _write_baselines(scope):
    """Records that had no revision yet get one of their state before this write, so it can be restored."""
    for key, before in scope.before.items():
        if before.snapshot is None or key not in scope.touched:
            continue
        root = _model(key)._base_manager.filter(pk=key[1]).first()
        if root is not None and not revisions_of(root).exists():
            create_revision(
                root,
                before.snapshot,
                reason="State before whole-record revisions were kept",
                record_version=before.version,
            )


@contextmanager
def reviewed_write(user, reason=""):
    """Run a write as `user`, recording one revision per record it touched, under the review rule.

    When the write changed a record the public sees (workflow.is_public) and `user` may not publish that kind
    of record, everything the write did is rolled back and each touched record gets a pending revision
    holding its proposed state instead. `user=None` is the system (a management command): never reviewed.
    Yields the scope: `.pending` and `.recorded` list the revisions made. Nested calls join the outermost write.
    """
    if _scope() is not None:
        set_reason(reason)
        yield _scope()
        return
    scope = _Scope(user=user, reason=reason)
    _local.scope = scope
    try:
        with transaction.atomic():
            savepoint = transaction.savepoint()
            yield scope
            roots = []
            for key in scope.touched:
                root = _model(key)._base_manager.filter(pk=key[1]).first()
                if root is not None:
                    roots.append((key, root))
            review = [
                key
                for key, root in roots
                if user is not None and _was_public(scope, key, root) and not workflow.can_publish(user, type(root))
            ]
            if review:
                # A record this write created is rolled back with the rest: there is nothing to propose for it
                # (the admin creates records in requests of their own, so this is only a script's concern).
                proposed = [(root, _pending_snapshot(root, scope)) for key, root in roots if key not in scope.created]
                proposed = [(root, snap) for root, snap in proposed if not _same_as_live(root, snap, scope)]
                transaction.savepoint_rollback(savepoint)
                _local.scope = None  # what follows writes revisions, not archive rows
                _write_baselines(scope)
                for root, snap in proposed:
                    root = type(root)._base_manager.filter(pk=root.pk).first() or root
                    scope.pending.append(
                        create_revision(
                            root,
                            snap,
                            user=user,
                            reason=scope.reason,
                            state=Revision.State.PENDING,
                            base=latest_live(root),
                        )
                    )
            else:
                transaction.savepoint_commit(savepoint)
                _local.scope = None
                _write_baselines(scope)
                for _, root in roots:
                    revision = record_if_changed(root, user=user, reason=scope.reason)
                    if revision is not None:
                        scope.recorded.append(revision)
    finally:
        _local.scope = None


def _same_as_live(root, snap, scope):
    latest = latest_live(root)
    if latest is not None:
        return latest.snapshot == snap
    before = scope.before.get(_key(type(root), root.pk))
    return before is not None and before.snapshot == snap


def shown_fingerprint(model, snap, latest, against_live, draft_labels):
    """What a revision's page says publishing or restoring it would do, as a short digest: the live revision it is
    drawn against, the differences in words, the drafts it offers to publish, and the save counter of every record
    it names whose changes no Reviewer sees (`unreviewed_names`: a new source renamed after the page was shown
    would be published under a title no reviewer read). A published record it names may change meanwhile: that
    change was reviewed. The POST is refused when the digest has moved."""
    named = []
    for related, pks in sorted(unreviewed_names(model, snap).items(), key=lambda item: item[0]._meta.label):
        rows = related._base_manager.filter(pk__in=pks).order_by("pk").values_list("pk", "version")
        named += [(related._meta.label, *row) for row in rows]
    shown = [latest.number if latest is not None else None, against_live, draft_labels, named]
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:32]


def unreviewed_names(model, snap):
    """{model: ids} of the records a snapshot names, with the sources they were reported in and the places above
    each place however far (the public reads those through them), whose changes go live without a Reviewer:
    sources and stances the public does not read yet, and records not published. Publishing the snapshot would
    put them before the public, so they must be as the reviewer saw them."""
    named = _pointed_to(model, snap)
    if Source in named:
        named[Source] = _up_the_chain(Source, "reported_in", named[Source])
    if Place in named:
        named[Place] = _up_the_chain(Place, "parent", named[Place])
    found = {}
    for related, pks in named.items():
        if related in (Source, Stance):
            unreviewed = pks - set(related.objects.filter(pk__in=pks).public().values_list("pk", flat=True))
        elif issubclass(related, Publishable):
            unreviewed = set(
                related._base_manager.filter(pk__in=pks).exclude(status=Status.PUBLISHED).values_list("pk", flat=True)
            )
        else:
            continue
        if unreviewed:
            found[related] = unreviewed
    return found


def _up_the_chain(model, above, pks):
    """`pks` and every row above them by the foreign key `above`, however far: a query a step up (a chain is a few
    steps; the whole table was read for each record a list published)."""
    found, frontier = set(pks), set(pks)
    while frontier:
        steps = model._base_manager.filter(pk__in=frontier, **{f"{above}__isnull": False})
        frontier = set(steps.values_list(above, flat=True)) - found
        found |= frontier
    return found


def page_shown(revision, record):
    """The fingerprint of a revision's page as it would be drawn now (see `shown_fingerprint`)."""
    model = revision.record_model
    current = snapshot(record)
    names = Names().preload(model, revision.snapshot, current)
    against_live = diff(model, current, revision.snapshot, names)
    drafts = [row_label(child, row, names) for child, row in draft_children(model, revision.snapshot)]
    return shown_fingerprint(model, revision.snapshot, latest_live(record), against_live, drafts)


def _pointed_to(model, *snapshots):
    """{model: ids} of every record the snapshots (of `model`, with their rows) point to."""
    wanted = {}
    for snap in snapshots:
        if not snap:
            continue
        rows = [(model, snap)] + [
            (child, row)
            for child, _ in AGGREGATES.get(model, ())
            for row in snap["children"].get(child._meta.label_lower, [])
        ]
        for row_model, row in rows:
            for name, value in row["fields"].items():
                f = row_model._meta.get_field(name)
                if f.is_relation and value not in (None, []):
                    wanted.setdefault(f.related_model, set()).update(value if f.many_to_many else [value])
    return wanted


def changed_since(record, moment):
    """Whether the record, a row saved with it (a figure, a reaction), or a record it names whose changes no
    Reviewer sees (`unreviewed_names`: a new stance it takes, renamed) changed after `moment`."""
    model = type(record)
    if is_root(model):
        latest = latest_live(record)
        if record.updated_at > moment or (latest is not None and latest.created_at > moment):
            return True
        snap = snapshot(record)
    elif record.updated_at > moment:
        return True
    else:
        snap = {**_serialize(model, [record])[0], "children": {}}  # a reaction: its own row, its stances
    for related, pks in unreviewed_names(model, snap).items():
        if any(f.name == "updated_at" for f in related._meta.fields):
            if related._base_manager.filter(pk__in=pks, updated_at__gt=moment).exists():
                return True
        elif (
            Revision.objects.live()
            .filter(
                content_type__app_label=related._meta.app_label,
                content_type__model=related._meta.model_name,
                object_id__in=pks,
                created_at__gt=moment,
            )
            .exists()
        ):
            return True
    return False


def public_url(revision, slug=None):
    """The permanent public address of a revision in which its record was published; None otherwise."""
    model = revision.record_model
    if not revision.public or model not in PERMALINKED:
        return None
    if slug is None:
        slug = stored_value(model, revision.object_id, "slug")
    if slug is None:
        return None
    return permalink(model, slug, revision.number)


def permalink(model, slug, number):
    """The permanent address of the public revision `number` of the `model` record `slug` (None for a type
    without revision permalinks); no query."""
    if model not in PERMALINKED:
        return None
    return reverse(f"events:{PERMALINKED[model]}-revision", kwargs={"slug": slug, "number": number})


def _was_public(scope, key, root):
    if (key[0], key[1]) in scope.created:
        return False
    before = scope.before.get(key)
    return before.public if before is not None else workflow.is_public(root)


# Applying a snapshot: restore and publish ------------------------------------------------------------------


def _check_references(model, row, problems, brought_back=frozenset()):
    """Every record the row points to must still exist (a restore cannot bring back a deleted person), unless
    it is a row of the snapshot itself, which the restore brings back (an attribution naming a reaction)."""
    for name, value in row["fields"].items():
        field_ = model._meta.get_field(name)
        if not field_.is_relation or value in (None, []):
            continue
        target = field_.related_model
        wanted = set(value) if field_.many_to_many else {value}
        wanted = {pk for pk in wanted if (target, pk) not in brought_back}
        found = set(target._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        for pk in sorted(wanted - found, key=str):
            problems.append(
                f"It names {target._meta.verbose_name} “{_deleted_name(target, pk)}” ({field_.verbose_name}), "
                "which has been deleted since."
            )


def _check_owners(model, root, snap, problems):
    """A snapshot's rows that now belong to another record stay there: applying it would take them off that
    record's page, which no one reviewing this one was shown."""
    for child, fk in AGGREGATES[model]:
        wanted = {row["pk"] for row in snap["children"].get(child._meta.label_lower, []) if row["pk"] is not None}
        attname = child._meta.get_field(fk).attname
        elsewhere = child._base_manager.filter(pk__in=wanted).exclude(**{attname: root.pk})
        for row in elsewhere.select_related(fk):
            owner = getattr(row, fk)
            kind = owner._meta.verbose_name
            problems.append(
                f"It takes {child._meta.verbose_name} “{row}” from {kind} “{owner}”, which still holds it: that "
                f"{kind} must be saved or published without it first."
            )


def _deleted_name(model, pk):
    history = getattr(model, "history", None)
    version = history.filter(id=pk).order_by("-history_date").first() if history is not None else None
    return str(version.instance) if version is not None else f"#{pk}"


def _copy(instance, built, names):
    for name in names:
        f = instance._meta.get_field(name)
        if not f.many_to_many:
            setattr(instance, f.attname, getattr(built, f.attname))


def apply(root, snap, *, keep_status=True, publish_children=False):
    """Make the live record equal to `snap`, atomically: rows added since go, deleted ones come back.

    `keep_status` keeps the record's own workflow status as it is now (a restore changes content, not
    whether the record is published). `publish_children` publishes child records (an incident's reactions)
    that the snapshot holds as drafts. Every model rule is checked afterwards; RevisionRefused is raised,
    and nothing is changed, when one would break.
    """
    model = type(root)
    problems = []
    _check_references(model, snap, problems)
    brought_back = {
        (child, row["pk"])
        for child, _fk in AGGREGATES[model]
        for row in snap["children"].get(child._meta.label_lower, [])
    }
    for child, _fk in AGGREGATES[model]:
        for row in snap["children"].get(child._meta.label_lower, []):
            _check_references(child, row, problems, brought_back)
    _check_owners(model, root, snap, problems)
    if problems:
        raise RevisionRefused(list(dict.fromkeys(problems)))  # two rows naming one deleted record: said once
    scope = _scope()
    touched = dict(scope.touched) if scope is not None else None
    try:
        with transaction.atomic():
            _apply(root, snap, keep_status=keep_status, publish_children=publish_children)
    except IntegrityError as error:
        scope_forget(scope, touched)
        raise RevisionRefused([f"It clashes with a record saved since (the database said: {error})."]) from None
    except RevisionRefused:
        scope_forget(scope, touched)
        raise


def scope_forget(scope, touched):
    """After a refused apply (rolled back), the write no longer counts the records it touched."""
    if scope is not None:
        scope.touched = touched


def _apply(root, snap, *, keep_status, publish_children):
    model = type(root)
    root = model._base_manager.select_for_update().get(pk=root.pk)
    names = _field_names(model)
    if keep_status and issubclass(model, Publishable):
        names = [n for n in names if n != "status"]
    built, links = _build(model, snap)
    _copy(root, built, names)
    root.save()
    for name, ids in links.items():
        getattr(root, name).set(ids)
    children = []
    for child, fk in AGGREGATES[model]:
        wanted = snap["children"].get(child._meta.label_lower, [])
        wanted_pks = {row["pk"] for row in wanted if row["pk"] is not None}
        for row in child._base_manager.filter(**{fk: root.pk}).exclude(pk__in=wanted_pks):
            row.delete()
        if child is CasualtyFigure:
            # One preferred figure per kind and group is checked row by row; let go of it before rewriting.
            child._base_manager.filter(pk__in=wanted_pks, rank=CasualtyFigure.Rank.PREFERRED).update(
                rank=CasualtyFigure.Rank.REPORTED
            )
        existing = child._base_manager.in_bulk(wanted_pks)
        child_names = _field_names(child, skip=(fk,))
        for row in wanted:
            built, links = _build(child, row)
            instance = existing.get(row["pk"]) or child(pk=row["pk"])
            _copy(instance, built, child_names)
            setattr(instance, child._meta.get_field(fk).attname, root.pk)
            if publish_children and issubclass(child, Publishable) and instance.status in workflow.EDITOR_STATUSES:
                instance.status = Status.PUBLISHED
            instance.save()
            for name, ids in links.items():
                getattr(instance, name).set(ids)
            children.append(instance)
    if model is Incident:
        root.refresh_headline_figures()
    _validate(root, children)


def _messages(error):
    if hasattr(error, "message_dict"):
        return [f"{name}: {m}" if name != "__all__" else m for name, ms in error.message_dict.items() for m in ms]
    return list(error.messages)


def _validate(root, children):
    problems = []
    for record in (root, *children):
        try:
            record.full_clean()
        except ValidationError as error:
            problems += [f"{record._meta.verbose_name.capitalize()} “{record}”: {m}" for m in _messages(error)]
        if isinstance(record, Publishable) and record.status == Status.PUBLISHED:
            problems += record.publication_problems()
    if problems:
        raise RevisionRefused(problems)


def restore(revision, user, note=""):
    """Make `revision` the live state of its record again, as a new revision ("Restored revision N")."""
    root = revision.record_model._base_manager.get(pk=revision.object_id)
    reason = f"Restored revision {revision.number}" + (f": {note}" if note else "")
    with reviewed_write(user, reason=reason) as scope:
        apply(root, revision.snapshot, keep_status=True)
    return scope


def publish(revision, reviewer, note="", publish_children=False):
    """A Reviewer accepts a pending revision: it becomes the live record, as a new live revision."""
    root = revision.record_model._base_manager.get(pk=revision.object_id)
    by = revision.user.get_username() if revision.user else "someone"
    reason = f"Published pending revision {revision.number} by {by}"
    if revision.reason:
        reason += f": {revision.reason}"
    with transaction.atomic(), reviewed_write(reviewer, reason=reason) as scope:
        apply(root, revision.snapshot, keep_status=False, publish_children=publish_children)
        _close(revision, reviewer, Revision.State.PUBLISHED, note)
    return scope


def reject(revision, reviewer, note=""):
    _close(revision, reviewer, Revision.State.REJECTED, note)


def _close(revision, reviewer, state, note):
    revision.state = state
    revision.reviewed_by = reviewer
    revision.reviewed_at = timezone.now()
    revision.review_note = note
    revision.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])


def draft_children(model, snap):
    """Child records the snapshot holds as drafts or in review (an incident's draft reactions); not the unpublished
    ones, which a reviewer took down and which publishing the record must not bring back."""
    found = []
    for child, _ in AGGREGATES[model]:
        if issubclass(child, Publishable):
            for row in snap["children"].get(child._meta.label_lower, []):
                if row["fields"].get("status") in workflow.EDITOR_STATUSES:
                    found.append((child, row))
    return found


# Differences, in words ---------------------------------------------------------------------------------------


class Names:
    """Names of the records snapshots point to, looked up once each; deleted ones say so.

    With `public_only`, a record that is not published is not named (a public page never names a draft).
    """

    def __init__(self, public_only=False, as_of=None):
        self._cache = {}
        self.public_only = public_only
        # A published revision's permanent page names a source or a stance as it was then (the latest revision of
        # it saved by `as_of`): they have no status of their own, and once nothing public uses one, it is an
        # editor's to rename, which must not rewrite what an old published revision said.
        self.as_of = as_of

    def preload(self, model, *snapshots):
        """Look up every record the snapshots point to in one query per kind, not one per name shown (the
        Kerman incident's revision names a hundred people, organizations, places and sources)."""
        for related, pks in _pointed_to(model, *snapshots).items():
            then = self._as_they_were(related, pks)
            found = related._base_manager.in_bulk(pks - {pk for m, pk in self._cache if m is related} - set(then))
            for pk in pks:
                if (related, pk) not in self._cache:
                    self._cache[(related, pk)] = str(then[pk]) if pk in then else self._name(related, pk, found.get(pk))
        return self

    def _as_they_were(self, model, pks):
        """{id: the record as its latest revision by `as_of` held it}, for sources and stances on a permanent page.
        One recorded only later (a load records its records one kind after another) is named by its first."""
        if self.as_of is None or not is_root(model) or issubclass(model, Publishable):
            return {}
        opts = model._meta
        saved = Revision.objects.live().filter(
            content_type__app_label=opts.app_label, content_type__model=opts.model_name, object_id__in=pks
        )
        chosen = {}
        for object_id, created_at, snap in saved.order_by("object_id", "number").values_list(
            "object_id", "created_at", "snapshot"
        ):
            if object_id not in chosen or created_at <= self.as_of:
                chosen[object_id] = snap
        return {object_id: _build(model, snap)[0] for object_id, snap in chosen.items()}

    def get(self, model, pk):
        key = (model, pk)
        if key not in self._cache:
            self._cache[key] = self._name(model, pk, model._base_manager.filter(pk=pk).first())
        return self._cache[key]

    def _name(self, model, pk, obj):
        if obj is None:
            return "(no longer in the archive)" if self.public_only else f"{_deleted_name(model, pk)} (deleted)"
        return public_name(obj) if self.public_only else str(obj)


# What a public revision page shows: the record's fields and its published rows, in words.
PUBLIC_HIDDEN_FIELDS = {"status", "slug", "key", "native_name_lang", "time_zone", "date_precision", "sequence"}


def public_fields(model, row, names=None, skip=()):
    """(label, value) for each field the row fills in, as a reader reads them."""
    names = names or Names(public_only=True)
    built, _ = _build(model, row)
    shown = []
    for name in _field_names(model, skip):
        value = row["fields"].get(name)
        if name in PUBLIC_HIDDEN_FIELDS or value in (None, "", [], False):
            continue
        f = model._meta.get_field(name)
        if isinstance(f, models.DateTimeField):
            text = date_format(getattr(built, f.attname), "j F Y, H:i") + " UTC"
        elif isinstance(f, models.DateField):
            # date → date_precision, born_on → born_precision; a date with no precision field is to the day.
            precision = row["fields"].get(f"{name.removesuffix('_on')}_precision") or DatePrecision.DAY
            text = format_partial_date(getattr(built, f.attname), precision)
        else:
            text = display(model, name, value, names)
        shown.append((f.verbose_name.capitalize(), text))
    return shown


def public_parts(model, snap, names=None):
    """[(heading, [(row label, fields)])] for each kind of child row; unpublished child records left out."""
    names = names or Names(public_only=True).preload(model, snap)
    parts = []
    for child, fk in AGGREGATES[model]:
        rows = [
            row
            for row in snap["children"].get(child._meta.label_lower, [])
            if not issubclass(child, Publishable) or row["fields"].get("status") == Status.PUBLISHED
        ]
        if rows:
            parts.append(
                (
                    child._meta.verbose_name_plural.capitalize(),
                    [(row_label(child, row, names), public_fields(child, row, names, skip=(fk,))) for row in rows],
                )
            )
    return parts


def display(model, name, value, names):
    """A stored value as an editor reads it: labels for choices, names for records, lists joined."""
    f = model._meta.get_field(name)
    if value in (None, "", []):
        return "—"
    if f.many_to_many:
        return ", ".join(names.get(f.related_model, pk) for pk in value)
    if f.is_relation:
        return names.get(f.related_model, value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def row_label(model, row, names):
    """A child row in a few words: "Killed: at least 95 (preferred)", "Reaction by Türkiye"."""
    f = row["fields"]

    def who(*fields):
        for name in fields:
            if f.get(name):
                return display(model, name, f[name], names)
        return ""

    if model is CasualtyFigure:
        kind = display(model, "kind", f["kind"], names)
        group = f" ({f['group']})" if f.get("group") else ""
        return f"{kind}{group} {_figure_value(model, f, names)}, {display(model, 'rank', f['rank'], names).lower()}"
    if model is Reaction:
        actor = who("person", "organization") or " ".join(
            part for part in (who("country"), f.get("actor_label", "")) if part
        )
        return f"Reaction by {actor}"
    if model is Attribution:
        responsible = who("responsible_person", "responsible_organization", "responsible_country")
        return f"{display(model, 'kind', f['kind'], names)}: {responsible or f.get('responsible_label', '')}"
    if model is TimelineEntry:
        return f"Timeline: {f.get('date', '')} {f.get('title', '')}"
    if model is IncidentLink:
        return f"Link: {display(model, 'kind', f['kind'], names)} → {who('to_incident')}"
    if model is Role:
        return f"Role: {f.get('title', '')}, {who('organization', 'country')}".rstrip(", ")
    return f"{model._meta.verbose_name} #{row.get('pk')}"


@dataclass
class Change:
    section: str  # "" for the record itself, else the child row's label
    field: str
    old: str
    new: str
    kind: str = "changed"  # changed | added | removed


def _changed_fields(model, a, b, skip=()):
    return [name for name in _field_names(model, skip) if a["fields"].get(name) != b["fields"].get(name)]


def _row_changes(model, old, new):
    """(child model, old row or None, new row or None, changed field names) for every child row that differs."""
    for child, fk in AGGREGATES[model]:
        label = child._meta.label_lower
        before = {row["pk"]: row for row in old["children"].get(label, []) if row["pk"] is not None}
        kept = set()
        for row in new["children"].get(label, []):
            previous = before.get(row["pk"]) if row["pk"] is not None else None
            if previous is None:
                yield child, None, row, []
                continue
            kept.add(row["pk"])
            changed = _changed_fields(child, previous, row, skip=(fk,))
            if changed:
                yield child, previous, row, changed
        for pk, row in before.items():
            if pk not in kept:
                yield child, row, None, []


def diff(model, old, new, names=None):
    """Every difference between two snapshots of one record, field by field, across its child rows."""
    names = names or Names().preload(model, old, new)
    changes = [
        Change(
            "",
            model._meta.get_field(name).verbose_name.capitalize(),
            display(model, name, old["fields"].get(name), names),
            display(model, name, new["fields"].get(name), names),
        )
        for name in _changed_fields(model, old, new)
    ]
    for child, a, b, changed in _row_changes(model, old, new):
        if a is None:
            changes.append(Change(row_label(child, b, names), "", "", "", "added"))
        elif b is None:
            changes.append(Change(row_label(child, a, names), "", "", "", "removed"))
        else:
            changes += [
                Change(
                    row_label(child, a, names),
                    child._meta.get_field(name).verbose_name.capitalize(),
                    display(child, name, a["fields"].get(name), names),
                    display(child, name, b["fields"].get(name), names),
                )
                for name in changed
            ]
    return changes


def _figure_value(model, fields, names):
    if fields.get("qualifier") in (None, "", CasualtyFigure.Qualifier.EXACT):
        return f"{fields['value']:,}"
    return f"{display(model, 'qualifier', fields['qualifier'], names)} {fields['value']:,}"


def summarize(model, old, new, names=None):
    """One line across the whole record: "Killed 12 → 14 (preferred); Reaction by Türkiye added"."""
    names = names or Names().preload(model, old, new)
    parts = []
    for name in _changed_fields(model, old, new):
        f = model._meta.get_field(name)
        label = f.verbose_name.capitalize()
        a, b = (display(model, name, side["fields"].get(name), names) for side in (old, new))
        if f.many_to_many:
            added = set(new["fields"].get(name, [])) - set(old["fields"].get(name, []))
            removed = set(old["fields"].get(name, [])) - set(new["fields"].get(name, []))
            word = f.related_model._meta.verbose_name.capitalize()
            parts += [f"{word} added: {names.get(f.related_model, pk)}" for pk in sorted(added)]
            parts += [f"{word} removed: {names.get(f.related_model, pk)}" for pk in sorted(removed)]
        elif isinstance(f, models.TextField) or len(a) + len(b) > 60:
            parts.append(f"{label} changed")
        else:
            parts.append(f"{label}: {a} → {b}")
    for child, a, b, changed in _row_changes(model, old, new):
        if a is None:
            parts.append(f"{row_label(child, b, names)} added")
        elif b is None:
            parts.append(f"{row_label(child, a, names)} removed")
        elif child is CasualtyFigure and {"value", "qualifier"} & set(changed):
            kind = display(child, "kind", b["fields"]["kind"], names)
            group = f" ({b['fields']['group']})" if b["fields"].get("group") else ""
            rank = display(child, "rank", b["fields"]["rank"], names).lower()
            old_value, new_value = _figure_value(child, a["fields"], names), _figure_value(child, b["fields"], names)
            parts.append(f"{kind}{group} {old_value} → {new_value} ({rank})")
        else:
            fields = ", ".join(child._meta.get_field(name).verbose_name for name in changed)
            parts.append(f"{row_label(child, b, names)}: {fields} changed")
    return "; ".join(parts) or "No change"


# Called by the receivers in events/signals.py -----------------------------------------------------------------


def tracked_models():
    """Every model whose rows belong to a revision: the records with revisions and their child rows."""
    return [*AGGREGATES, *CHILD_OF]


def links_changed(instance, action, reverse, model, pk_set):
    """A many-to-many change (an incident's sources, a reaction's stances), before or after it is made."""
    if _scope() is None:
        return
    owners = [instance] if not reverse else list(model._base_manager.filter(pk__in=pk_set or ()))
    for owner in owners:
        if type(owner) in AGGREGATES or type(owner) in CHILD_OF:
            (before_change if action.startswith("pre_") else after_change)(owner)
