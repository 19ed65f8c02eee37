"""Versions recorded outside the admin: the seed content's first version, attributed to the system user."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from .models import HISTORY

SYSTEM_USERNAME = "system"
FIXTURE_REASON = "Loaded from fixtures"


def system_user():
    """The account that automated changes are attributed to; it has no password and cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "System"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def tracked_models():
    """The archive's models with a history, without the historical models themselves."""
    return [m for m in apps.get_app_config("events").get_models() if hasattr(m, "history") and not is_historical(m)]


def is_historical(model):
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges)


def _m2m_fields(model):
    return [model._meta.get_field(name) for name in getattr(model, "_history_m2m_fields", [])]


def _through_rows(field, owner_ids):
    """The rows linking `owner_ids` through a many-to-many field, grouped by owner id."""
    through = field.remote_field.through
    owner = field.m2m_field_name()
    grouped = {}
    for row in through.objects.filter(**{f"{owner}_id__in": owner_ids}):
        grouped.setdefault(getattr(row, f"{owner}_id"), []).append(row)
    return grouped


def _linked_ids(rows, field):
    return {getattr(row, f"{field.m2m_reverse_field_name()}_id") for row in rows}


def record_changed_versions(user, reason):
    """Give every row whose state differs from its latest version (or that has none) a new version.

    loaddata saves raw, and raw saves record no history; this is run after it, so a first load gives every
    row its first version and a reload adds versions only where the fixtures changed something. Versions
    are written in bulk: the seed has hundreds of rows.
    """
    created, now = 0, timezone.now()
    for model in tracked_models():
        history_model = model.history.model
        fields = [f for f in HISTORY.fields_included(model()) if f.editable]
        m2m_fields = _m2m_fields(model)
        rows = list(model.objects.all())
        current_links = {field.name: _through_rows(field, [r.pk for r in rows]) for field in m2m_fields}
        latest = {version.id: version for version in _latest_versions(model)}
        version_links = {
            field.name: _version_links(field, [v.history_id for v in latest.values()]) for field in m2m_fields
        }
        new = []
        for row in rows:
            previous = latest.get(row.pk)
            if previous is not None and previous.history_type != "-":
                same_fields = all(getattr(previous, f.attname) == getattr(row, f.attname) for f in fields)
                same_links = all(
                    _linked_ids(current_links[f.name].get(row.pk, []), f)
                    == version_links[f.name].get(previous.history_id, set())
                    for f in m2m_fields
                )
                if same_fields and same_links:
                    continue
            attrs = {f.attname: getattr(row, f.attname) for f in HISTORY.fields_included(row)}
            version = history_model(
                history_date=now,
                history_type="+" if previous is None else "~",
                history_user=user,
                history_change_reason=reason,
                **attrs,
            )
            new.append((row, version))
        history_model.objects.bulk_create([version for _, version in new])
        for field in m2m_fields:
            m2m_history = HISTORY.m2m_models[field]
            # By column (`source_id`), not by field: reading `link.source` fetched each linked row, a query a link.
            through_columns = [f.attname for f in field.remote_field.through._meta.fields]
            m2m_history.objects.bulk_create(
                m2m_history(history=version, **{name: getattr(link, name) for name in through_columns})
                for row, version in new
                for link in current_links[field.name].get(row.pk, [])
            )
        created += len(new)
    return created


def _version_links(field, history_ids):
    """The linked ids each version recorded, by history id."""
    m2m_history = HISTORY.m2m_models[field]
    column = f"{field.m2m_reverse_field_name()}_id"
    grouped = {}
    for history_id, linked in m2m_history.objects.filter(history_id__in=history_ids).values_list("history_id", column):
        grouped.setdefault(history_id, set()).add(linked)
    return grouped


def _latest_versions(model):
    history = model.history.model
    newest = history.objects.filter(id=models.OuterRef("id")).order_by("-history_date", "-history_id")
    return history.objects.filter(history_id=models.Subquery(newest.values("history_id")[:1]))
