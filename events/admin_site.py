"""The admin site, with the review rule on every write it serves.

Every POST through the admin — a record's form with its inlines, a child row's own add/change/delete page,
a list action, the list's status column, an import, a restore — runs inside events.revisions.reviewed_write:
it records one revision per record it touched, and an Editor's change to a public record becomes a pending
revision for a Reviewer instead of reaching the public. The rule is written once, here, not per view.
"""

import functools

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from . import revisions


class ArchiveAdminSite(admin.AdminSite):
    site_header = "Kerman incident archive — editors"
    site_title = "Incident archive admin"
    index_title = "Records"
    index_template = "admin/events/index.html"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def reviewed(request, *args, **kwargs):
            if request.method != "POST" or not request.user.is_authenticated:
                return inner(request, *args, **kwargs)
            with revisions.reviewed_write(request.user) as write:
                response = inner(request, *args, **kwargs)
            if write.pending:
                response = pending_response(request, write.pending, response)
            return response

        return functools.update_wrapper(reviewed, inner)


def pending_response(request, pending, response):
    """Tell the Editor in words what happened to their change, and show them the pending revision."""
    # The view said "changed successfully"; nothing public changed, so take that back.
    kept = [m for m in messages.get_messages(request) if m.level != messages.SUCCESS]
    for message in kept:
        messages.add_message(request, message.level, message.message, extra_tags=message.extra_tags)
    first = pending[0]
    messages.info(
        request,
        format_html(
            "Your change to {} “{}” is saved as pending revision {}. It will be public once a reviewer publishes "
            "it; until then the public sees the published version.",
            first.record_model._meta.verbose_name,
            first.object_repr,
            first.number,
        ),
    )
    if response.status_code in (301, 302, 303):
        return HttpResponseRedirect(reverse("admin:events_revision_change", args=[first.pk]))
    return response
