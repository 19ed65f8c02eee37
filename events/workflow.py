"""Who may do what to a record: editors write drafts and submit them for review; reviewers publish.

Editor: add, change and view every record (and its history), set draft ⇄ in review; no publishing, no
deleting, and records that are published or unpublished are theirs to read, not to change.
Reviewer: all of that, plus delete, and the `publish_<model>` permission that moves a record to or from
published and unpublished. Superusers have every permission.
"""

from django.apps import apps

from .models import BOOKKEEPING_MODELS, Place, Publishable, Source, Stance, Status, stored_value

EDITOR_STATUSES = (Status.DRAFT, Status.IN_REVIEW)
PUBLIC_STATUSES = (Status.PUBLISHED, Status.UNPUBLISHED)


def publish_permission(model):
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def can_publish(user, model):
    """Whether `user` may make a change to `model` public. A source or stance has no status of its own: it is
    public through the records that cite or take it, so whoever may publish every kind of record (a Reviewer) may
    publish a change to it; without this an Editor's pending change to one could never be published."""
    if issubclass(model, Publishable):
        return user.has_perm(publish_permission(model))
    if model in (Source, Stance):
        return user.has_perms([publish_permission(m) for m in publishable_models()])
    return False


def publishable_models():
    return [m for m in apps.get_app_config("events").get_models() if issubclass(m, Publishable)]


def workflow_owner(obj):
    """The record whose status governs `obj`: itself if publishable, else the incident or person it belongs to."""
    if obj is None or isinstance(obj, Publishable):
        return obj
    # Each row declares the record it belongs to, rather than the owner being guessed from field names (a
    # claim's `organization` is its subject, a role's is only where the person served).
    subject = getattr(type(obj), "subject_field", None)
    owner = getattr(obj, subject, None) if subject else None
    return owner if isinstance(owner, Publishable) else None


def is_locked_for(user, obj):
    """Published and unpublished records (and rows that belong to one) change only by a reviewer's hand."""
    owner = workflow_owner(obj)
    if owner is None or owner.pk is None:
        return False
    saved_status = stored_value(type(owner), owner.pk, "status")
    return saved_status in PUBLIC_STATUSES and not can_publish(user, type(owner))


def allowed_statuses(user, model):
    return list(Status) if can_publish(user, model) else list(EDITOR_STATUSES)


def status_problem(user, model, old, new):
    """Plain words for a status change this user may not make; empty when allowed."""
    if old == new or can_publish(user, model):
        return ""
    if new in PUBLIC_STATUSES or old in PUBLIC_STATUSES:
        verbose = model._meta.verbose_name_plural
        return (
            f"Only reviewers can publish or unpublish {verbose}: set the status to “In review” and a reviewer "
            "will publish it."
        )
    return ""


def is_public(record):
    """Whether the public sees `record`, so that an Editor's change to it must wait for a Reviewer.

    A publishable record is public once published (and stays under review once unpublished); a shared
    reference record (a source, a stance) is public while the public reads it (its own `is_public()`); a draft place
    is public while something public lies in it (pages walk up through it: `Place.holds_public_records`).
    """
    if isinstance(record, Place) and record.status not in PUBLIC_STATUSES:
        return record.holds_public_records()
    if isinstance(record, Publishable):
        return record.status in PUBLIC_STATUSES
    if isinstance(record, (Source, Stance)):
        return record.is_public()
    return False


# The editorial groups, as migrations 0003 and 0012 made them: every archive model but the bookkeeping ones
# (events.models.BOOKKEEPING_MODELS: the content version and the cache's tags, revisions, the stored counts).
EDITORIAL_GROUPS = ("Editor", "Reviewer")


def editorial_group_permissions(using="default"):
    """{group name: [permissions]}: Editors add, change and view records and read their history; Reviewers
    also delete them and hold every `publish_<model>` permission."""
    from django.contrib.auth.models import Permission

    permissions = (
        Permission.objects.using(using).filter(content_type__app_label="events").select_related("content_type")
    )
    records, history_view = [], []
    for permission in permissions:
        model = permission.content_type.model
        if model.startswith("historical"):
            if permission.codename.startswith("view_"):
                history_view.append(permission)
        elif model not in BOOKKEEPING_MODELS:
            records.append(permission)
    action = {p: p.codename.split("_", 1)[0] for p in records}
    editor = [p for p in records if action[p] in ("add", "change", "view")] + history_view
    reviewer = editor + [p for p in records if action[p] in ("delete", "publish")]
    return dict(zip(EDITORIAL_GROUPS, (editor, reviewer), strict=True))


def ensure_editorial_groups(using="default"):
    """Make the groups that are missing (after `flush`, which empties the tables migrations filled); groups that
    exist are left as the site's administrators keep them."""
    from django.contrib.auth.models import Group

    missing = [name for name in EDITORIAL_GROUPS if not Group.objects.using(using).filter(name=name).exists()]
    if not missing:
        return
    granted = editorial_group_permissions(using)
    for name in missing:
        Group.objects.using(using).create(name=name).permissions.set(granted[name])
