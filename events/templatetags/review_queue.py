"""The admin index's "Waiting for review" block: drafts editors have submitted and pending changes to public
records, oldest first."""

from django import template
from django.apps import apps
from django.urls import reverse

from events.models import Publishable, Revision, Status

register = template.Library()


@register.inclusion_tag("admin/events/waiting_for_review.html", takes_context=True)
def waiting_for_review(context, limit=10):
    user = context["request"].user
    groups = []
    for model in apps.get_app_config("events").get_models():
        opts = model._meta
        if not issubclass(model, Publishable) or not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        waiting = model.objects.filter(status=Status.IN_REVIEW).order_by("updated_at")
        count = waiting.count()
        if count:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            groups.append(
                {
                    "name": opts.verbose_name if count == 1 else opts.verbose_name_plural,
                    "count": count,
                    "records": [
                        (record, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]))
                        for record in waiting[:limit]
                    ],
                    "all_url": f"{changelist}?status__exact={Status.IN_REVIEW}",
                }
            )
    pending = [
        revision
        for revision in Revision.objects.pending().select_related("user", "content_type").order_by("created_at")
        if user.has_perm(f"events.view_{revision.content_type.model}")
    ]
    return {
        "groups": groups,
        "pending": pending[:limit],
        "pending_count": len(pending),
        "pending_url": reverse("admin:events_revision_changelist") + f"?state__exact={Revision.State.PENDING}",
    }
