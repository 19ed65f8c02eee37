"""The admin site, with the review rule on every write it serves.

Every POST through the admin — a record's form with its inlines, a child row's own add/change/delete page,
a list action, the list's status column, an import, a restore — runs inside events.revisions.reviewed_write:
it records one revision per record it touched, and an Editor's change to a public record becomes a pending
revision for a Reviewer instead of reaching the public. The rule is written once, here, not per view.

On SQLite a write waits for another editor's write to finish (kerman_site/database.py); one that waits past
the busy timeout is refused, and the editor gets their own form back, with what they typed and a plain
request to save again.
"""

import functools

from django import forms
from django.contrib import admin, messages
from django.db import OperationalError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from kerman_site import database

from . import revisions

BUSY = "Nothing was saved: other changes to the archive were being saved at the same moment and yours waited too long."
BUSY_FORM = f"{BUSY} Your form is as you left it; please save it again."
BUSY_OTHER = f"{BUSY} Please do it again."


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
            try:
                with revisions.reviewed_write(request.user) as write:
                    response = inner(request, *args, **kwargs)
            except OperationalError as error:
                if not database.is_busy(error):
                    raise
                return busy_response(request, view, inner, args, kwargs, error)
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


def busy_response(request, view, inner, args, kwargs, error):
    """The write waited past the busy timeout and saved nothing: say so, and keep what the editor sent.

    A record's add or change form is shown again from the POST, refused (see `refused_while_busy`) and read in a
    transaction that never waits for the lock; any other POST (an action, a delete) is asked for again.
    """
    database.log_fault(request, error)
    model_admin = getattr(view, "__self__", None)
    if getattr(model_admin, "keeps_forms_when_busy", False) and view.__name__ in ("add_view", "change_view"):
        request.database_was_busy = True
        with database.reading_only():
            response = inner(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        return response
    messages.error(request, BUSY_OTHER)
    return HttpResponseRedirect(request.get_full_path())


def refused_while_busy(request, form_class):
    """`form_class`, refusing to validate when this request's write already waited past the busy timeout."""
    if not getattr(request, "database_was_busy", False):
        return form_class

    def clean(self):
        raise forms.ValidationError(BUSY_FORM, code="busy")

    return type(form_class.__name__, (form_class,), {"clean": clean})
