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
import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.messages.storage import default_storage
from django.db import IntegrityError, OperationalError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from kerman_site import database

from . import revisions
from .forms import is_row_number

logger = logging.getLogger(__name__)

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
            keys = [*args, *(value for name, value in kwargs.items() if name in KEYED_URL_PARTS)]
            if not all(is_row_number(value) for value in keys):
                raise Http404("No record has that number.")
            if request.method != "POST" or not request.user.is_authenticated:
                return inner(request, *args, **kwargs)
            try:
                with revisions.reviewed_write(request.user) as write:
                    response = inner(request, *args, **kwargs)
            except OperationalError as error:
                if not database.is_busy(error):
                    raise
                database.log_fault(request, error)
                return refused_response(request, view, inner, args, kwargs, BUSY_FORM, BUSY_OTHER)
            except IntegrityError as error:
                # What the forms could not see: a row saved by someone else meanwhile, or two rows of one form
                # that only clash once both are written (a reaction deleted while a new row names it).
                logger.warning(
                    "A write clashed with the database and was rolled back: %s %s: %s",
                    request.method,
                    request.path,
                    error,
                )
                form_message, other = clash_messages(error)
                return refused_response(request, view, inner, args, kwargs, form_message, other)
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


# The parts of admin addresses that name a row by its number (every model here has an integer key), and every
# unnamed one (django-simple-history's "<record>/history/<version>/"): "abc" or a number too big for the column
# is no row, a 404, where the views' own lookups failed with a 500.
KEYED_URL_PARTS = ("object_id", "version_id", "id")


def clash_messages(error):
    said = f"Nothing was saved: the change clashes with the archive as it is now (the database said: {error})."
    return (
        f"{said} Your form is as you left it: reload the record in another tab to see what changed, then save again.",
        (f"{said} Please do it again."),
    )


def refused_response(request, view, inner, args, kwargs, form_message, other_message):
    """The write was rolled back: say so, and keep what the editor sent.

    A record's add or change form is shown again from the POST, refused (see `refused_while_busy`) and read in a
    transaction that never waits for SQLite's lock; any other POST (an action, a delete) is asked for again. The
    view's "changed successfully" (queued before the commit failed) is taken back.
    """
    kept = [m for m in messages.get_messages(request) if m.level != messages.SUCCESS]
    # A fresh store: the page drawn again in this request would show what the old one had read, success included.
    request._messages = default_storage(request)
    for message in kept:
        messages.add_message(request, message.level, message.message, extra_tags=message.extra_tags)
    model_admin = getattr(view, "__self__", None)
    if getattr(model_admin, "keeps_forms_when_busy", False) and view.__name__ in ("add_view", "change_view"):
        request.write_refused = form_message
        with database.reading_only():
            response = inner(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        return response
    messages.error(request, other_message)
    return HttpResponseRedirect(request.get_full_path())


def refused_while_busy(request, form_class):
    """`form_class`, refusing to validate when this request's write was already rolled back (it waited past the
    busy timeout, or clashed with the database), with the words `refused_response` chose."""
    message = getattr(request, "write_refused", None)
    if message is None:
        return form_class

    def clean(self):
        raise forms.ValidationError(message, code="refused")

    return type(form_class.__name__, (form_class,), {"clean": clean})
