"""The editors' admin: every record, searchable, filterable and linked through autocompletes.

Every record keeps its history (who changed what and when, a diff between any two versions, restore), its
form carries the version it was opened at (a stale save is refused), and status changes follow the
editorial workflow in events.workflow.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import revisions, search, search_index, workflow
from .admin_filters import ArchiveChangeList, BusiestRelatedFilter
from .admin_site import refused_while_busy
from .admin_widgets import (
    ChosenOptions,
    InlineAdminFormSet,
    PageAutocompleteSelect,
    PageAutocompleteSelectMultiple,
    RelatedLinksWrapper,
)
from .forms import (
    CHANGED_SINCE_LISTED,
    LIST_OUT_OF_DATE,
    ArchiveAdminForm,
    ArchiveInlineFormSet,
    CasualtyFigureForm,
    CasualtyFigureInlineFormSet,
    ChangelistStatusForm,
    KeyedMultipleChoiceField,
    ListedActionForm,
    ParentConstraintsInlineFormSet,
    PublishableAdminForm,
    is_row_number,
    stale_edit_message,
    when_drawn,
)
from .models import (
    Attribution,
    CasualtyFigure,
    Incident,
    IncidentClaim,
    IncidentLink,
    Organization,
    OrganizationClaim,
    Person,
    PersonClaim,
    Place,
    Reaction,
    Revision,
    Role,
    Source,
    StaleEditError,
    Stance,
    Status,
    TimelineEntry,
    stored_value,
)
from .pagination import CappedPaginator
from .registry import SEARCH_FIELDS
from .resources import (
    CheckedConfirmImportForm,
    IncidentResource,
    LimitedImportForm,
    OrganizationResource,
    PersonResource,
    ReactionResource,
    sign_seen_versions,
)
from .spreadsheet import SafeCSV, SafeXLSX

AUDIT_FIELDS = ("created_at", "updated_at")
STATUS_REASONS = {
    Status.IN_REVIEW: "Submitted for review",
    Status.PUBLISHED: "Published",
    Status.UNPUBLISHED: "Unpublished",
}


# Shared behaviour ------------------------------------------------------------------------------------------


class ChoiceLabelsContextHelper(HistoricalRecordContextHelper):
    """Diffs read "Draft → In review", not the stored "draft → in_review"."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and not field.many_to_many:
            value = dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


def with_user(form_class, request, **attrs):
    """The form class, bound to the user whose rights it checks."""
    return type(form_class.__name__, (form_class,), {"user": request.user, **attrs})


class PageAutocompletes:
    """Autocompletes that read their chosen options with the rest of the page's, and related-record links
    reversed once (events/admin_widgets.py)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is RelatedFieldWidgetWrapper:
            formfield.widget.__class__ = RelatedLinksWrapper  # as Django built it, with the links' addresses kept
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PageAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeyedMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PageAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ArchiveAdmin(PageAutocompletes, SimpleHistoryAdmin):
    """Every archive model: history with diff and restore, optimistic locking, workflow-aware permissions."""

    form = ArchiveAdminForm
    # A save refused because the database stayed busy shows this form again, as the editor filled it in.
    keeps_forms_when_busy = True
    object_history_template = "admin/events/object_history.html"
    object_history_list_template = "admin/events/history_list.html"
    # Each row draws its workflow status as a form field: 100 rows were two thirds of a changelist's cost.
    list_per_page = 50

    class Media:
        js = ["events/admin/time-zone-notes.js"]

    def get_changelist(self, request, **kwargs):
        return ArchiveChangeList

    def response_action(self, request, queryset):
        if not all(is_row_number(pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME)):
            # Django reads the ticked rows' numbers straight into a query: "abc" failed it with a 500.
            self.message_user(
                request, "Nothing was done: the selection named rows this list does not hold.", messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def action_checkbox(self, obj):
        # Django's column as its CheckboxInput draws it (tests/test_admin.py compares the two): a widget per row,
        # even remembered (events/widget_memo.py), cost twice as much (112 against 53 us a row).
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # A restored version has no inlines on its page: its figures and attributions are checked from the
        # database when it is restored as published.
        restoring = getattr(request, "restoring_version", False)
        form = with_user(form, request, check_dependents=form.check_dependents or restoring)
        return refused_while_busy(request, form)

    def get_fieldsets(self, request, obj=None):
        # The "what changed and why" box goes last, under the record's own fields, on every form.
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != "change_reason"]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        revision_fields = ["revision_shown", "change_reason"] if obj is not None and self.has_revisions else []
        revision_fields = revision_fields or ["change_reason"]
        if "shown_at" in self.form.base_fields:
            # The admin draws only the fields its fieldsets name: a browser never sent the hidden "opened at" of
            # PublishableAdminForm, and every publish from the form was refused (tests read the form, not the page).
            revision_fields = [*revision_fields, "shown_at"]
        return [*fieldsets, ("Revision", {"fields": revision_fields})]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "revision_shown") if self.has_revisions else readonly

    @property
    def has_revisions(self):
        return revisions.is_root(self.model)

    @admin.display(description="Revision")
    def revision_shown(self, obj):
        latest = revisions.latest_live(obj) if obj is not None and obj.pk else None
        if latest is None:
            return "No revision recorded yet"
        history = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])
        return format_html(
            'Revision {}, saved {} by {} (<a href="{}">history</a>)',
            latest.number,
            date_format(timezone.localtime(latest.created_at), "DATETIME_FORMAT"),
            latest.user or "the system",
            history,
        )

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            inline_formset.__class__ = InlineAdminFormSet  # the same, with its media gathered once
        return inline_formsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        inline_forms = [form for inline in context["inline_admin_formsets"] for form in inline.formset.forms]
        ChosenOptions().remember([context["adminform"].form, *inline_forms])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason", "")
        if reason:
            revisions.set_reason(reason)
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET" and object_id:
            self._say_what_saving_does(request, object_id)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleEditError as error:
            # Someone saved between this form's check and its write; the UPDATE matched no row, the
            # transaction rolled back, and nothing was overwritten.
            self.message_user(request, stale_edit_message(error.record), messages.ERROR)
            return HttpResponseRedirect(request.path)

    # History: a diff between any two versions, and restore -------------------------------------------------

    def get_urls(self):
        opts = self.model._meta
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.revision_compare_view if self.has_revisions else self.history_compare_view),
            name=f"{opts.app_label}_{opts.model_name}_history_compare",
        )
        # Row-by-row versions, as recorded before whole-record revisions (and still recorded beneath them).
        rows = path(
            "<path:object_id>/history/rows/",
            self.admin_site.admin_view(super().history_view),
            name=f"{opts.app_label}_{opts.model_name}_row_history",
        )
        return [compare, rows, *super().get_urls()]

    def revert_disabled(self, request, obj=None):
        # A record with revisions is restored whole (its figures, reactions... with it), never row by row.
        return self.has_revisions or super().revert_disabled(request, obj)

    def _say_what_saving_does(self, request, object_id):
        obj = self.get_object(request, object_id)
        root = revisions.root_of(obj) if obj is not None else None
        if root is None:
            return
        opts = root._meta
        if workflow.is_public(root) and not workflow.can_publish(request.user, type(root)):
            self.message_user(
                request,
                f"{opts.verbose_name.capitalize()} “{root}” is public. Your change will be saved as a pending "
                "revision and will be public once a reviewer publishes it; until then readers see the "
                "published version.",
                messages.INFO,
            )
        waiting = list(revisions.revisions_of(root).pending().select_related("user").order_by("number"))
        if waiting:
            links = format_html_join(
                ", ",
                '<a href="{}">revision {}</a> by {}',
                (
                    (reverse("admin:events_revision_change", args=[r.pk]), r.number, r.user or "someone")
                    for r in waiting
                ),
            )
            self.message_user(
                request,
                format_html(
                    "{} of “{}” {} waiting for review: {}.",
                    f"{len(waiting)} pending revision{'s' if len(waiting) != 1 else ''}",
                    root,
                    "is" if len(waiting) == 1 else "are",
                    links,
                ),
                messages.WARNING,
            )

    def _history_object(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        if not self.has_view_history_or_change_history_permission(request, obj):
            raise PermissionDenied
        return obj

    def _history_context(self, request, obj, title):
        opts = self.model._meta
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": opts,
            "object": obj,
            "history_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]),
        }

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_revisions:
            return super().history_view(request, object_id, extra_context)
        obj = self._history_object(request, object_id)
        opts = self.model._meta
        found = revisions.revisions_of(obj).select_related("user").order_by("-number")
        context = {
            **self._history_context(request, obj, f"History of {obj}"),
            "revisions": found,
            # Compare the two newest saved revisions unless the editor picks others.
            "compare_default": list(found.filter(state=Revision.State.LIVE).values_list("number", flat=True)[:2]),
            "row_versions": obj.history.count(),
            "compare_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_history_compare", args=[obj.pk]),
            "rows_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_row_history", args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/events/revision_history.html", context)

    def revision_compare_view(self, request, object_id):
        obj = self._history_object(request, object_id)
        found = revisions.revisions_of(obj).select_related("user")
        try:
            older = found.get(number=request.GET.get("from"))
            newer = found.get(number=request.GET.get("to"))
        except (Revision.DoesNotExist, ValueError):
            raise Http404("Choose two revisions of this record to compare.") from None
        if older.number > newer.number:
            older, newer = newer, older
        context = {
            **self._history_context(request, obj, f"Compare revisions of {obj}"),
            "older": older,
            "newer": newer,
            "changes": revisions.diff(self.model, older.snapshot, newer.snapshot),
        }
        return TemplateResponse(request, "admin/events/revision_compare.html", context)

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelsContextHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history hides the Restore button from those who may not change the record but would still
        # save a POST; refuse it here. A restore is an edit like any other: same workflow, same checks.
        obj = get_object_or_404(self.model, pk=object_id)
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        request.restoring_version = True
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except StaleEditError as error:
            self.message_user(request, stale_edit_message(error.record), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def history_form_view_title(self, request, obj):
        if self.revert_disabled(request, obj):
            return f"View an earlier version of {obj}"
        return f"Restore an earlier version of {obj}"

    def history_compare_view(self, request, object_id):
        obj = self._history_object(request, object_id)
        versions = obj.history.all()
        try:
            older = versions.get(history_id=request.GET.get("from"))
            newer = versions.get(history_id=request.GET.get("to"))
        except (versions.model.DoesNotExist, ValueError):
            raise Http404("Choose two versions of this record to compare.") from None
        if older.history_date > newer.history_date:
            older, newer = newer, older
        delta = newer.diff_against(older, foreign_keys_are_objs=True)
        changes = ChoiceLabelsContextHelper(self.model, newer).context_for_delta_changes(delta)
        context = {
            **self._history_context(request, obj, f"Compare versions of {obj}"),
            "older": older,
            "newer": newer,
            "changes": changes,
        }
        return TemplateResponse(request, "admin/events/history_compare.html", context)


class PublishableAdmin(ArchiveAdmin):
    """Records with a public page: the workflow's status, bulk submit/publish/unpublish, audit dates."""

    form = PublishableAdminForm
    list_editable = ("status",)
    readonly_fields = AUDIT_FIELDS
    actions = ("submit_for_review", "publish", "unpublish")
    action_form = ListedActionForm
    publication_fieldset = ("Publication", {"fields": ("status", *AUDIT_FIELDS, "version")})

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user, self.model)

    def get_changelist_form(self, request, **kwargs):
        form = with_user(ChangelistStatusForm, request, listed_at=self._listed_at(request))
        return super().get_changelist_form(request, form=form, **kwargs)

    def publish_children(self, request, obj, publish):
        """After `obj` is published: its child records that stay drafts, published with it or named."""

    def _set_status(self, request, queryset, status, done, already, allowed_from=None, with_children=False):
        opts = self.model._meta
        changed, unchanged = [], 0
        listed_at = self._listed_at(request) if status == Status.PUBLISHED else None
        if status == Status.PUBLISHED and listed_at is None:
            self.message_user(request, f"Nothing {done}: {LIST_OUT_OF_DATE}", messages.ERROR)
            return
        for obj in queryset:
            if obj.status == status:
                unchanged += 1
                continue
            if listed_at is not None and revisions.changed_since(obj, listed_at):
                self.message_user(
                    request, f"Not {done}: {opts.verbose_name} “{obj}” {CHANGED_SINCE_LISTED}", messages.ERROR
                )
                continue
            if allowed_from is not None and obj.status not in allowed_from:
                self.message_user(
                    request,
                    f"Not {done}: {opts.verbose_name} “{obj}” is {obj.get_status_display().lower()}; only drafts "
                    "can be submitted for review.",
                    messages.ERROR,
                )
                continue
            problems = obj.publication_problems() if status == Status.PUBLISHED else []
            for problem in problems:
                self.message_user(request, f"Not published: {problem}", messages.ERROR)
            if problems:
                continue
            obj.status = status
            obj._history_user = request.user
            obj._change_reason = f"{STATUS_REASONS[status]} from the list of {opts.verbose_name_plural}"
            try:
                obj.save(update_fields=["status"])
            except StaleEditError:
                self.message_user(request, f"Not {done}: “{obj}” changed while this ran; try again.", messages.ERROR)
                continue
            self.log_change(request, obj, [{"changed": {"fields": ["Status"]}}])
            changed.append(obj)
        if status == Status.PUBLISHED:
            for obj in changed:
                self.publish_children(request, obj, publish=with_children)
        if changed or unchanged:
            message = f"{len(changed)} {opts.verbose_name if len(changed) == 1 else opts.verbose_name_plural} {done}."
            if unchanged:
                message += f" {unchanged} {'was' if unchanged == 1 else 'were'} {already}."
            self.message_user(request, message, messages.SUCCESS if changed or not unchanged else messages.INFO)

    def _listed_at(self, request):
        """When the list page that sent this POST was drawn (its action bar's hidden field); None for a GET."""
        if request.method != "POST":
            return None
        return when_drawn(request.POST.get("listed_at"))

    @admin.action(description="Submit selected %(verbose_name_plural)s for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._set_status(
            request,
            queryset,
            Status.IN_REVIEW,
            "submitted for review",
            "already in review",
            allowed_from=(Status.DRAFT,),
        )

    @admin.action(description="Publish selected %(verbose_name_plural)s", permissions=["publish"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED, "published", "already published")

    @admin.action(description="Unpublish selected %(verbose_name_plural)s", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._set_status(
            request,
            queryset,
            Status.UNPUBLISHED,
            "unpublished",
            "not published",
            allowed_from=(Status.PUBLISHED,),
        )


class ImportExportAdmin(ImportExportMixin):
    """CSV, XLSX and JSON in and out. Importing can publish, so it takes a reviewer; a bad row imports nothing.

    The dry run's page carries the version of every record it read; the confirmation refuses the whole file
    if any of them changed since. Files over the limits in events.resources are refused before they are read.
    The spreadsheet formats quote formula cells on the way out and unquote them on the way in (spreadsheet.py).
    """

    formats = (SafeCSV, SafeXLSX, base_formats.JSON)
    import_form_class = LimitedImportForm
    confirm_form_class = CheckedConfirmImportForm

    def has_import_permission(self, request):
        return workflow.can_publish(request.user, self.model)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if "confirm_form" in context:
            confirm_form = context["confirm_form"]
            confirm_form.initial["seen"] = sign_seen_versions(
                confirm_form.initial["import_file_name"], context["result"].seen_versions
            )
        return response

    def process_import(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            confirm_form = self.create_confirm_form(request)
            if not confirm_form.is_valid():
                return self._nothing_imported(request, " ".join(confirm_form.non_field_errors()))
        return super().process_import(request, **kwargs)

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        seen = form.cleaned_data.get("seen_versions") if isinstance(form, CheckedConfirmImportForm) else None
        # Without rollback_on_validation_errors, confirming an import would skip the invalid rows and save the rest.
        kwargs = {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}
        return {**kwargs, "seen_versions": seen} if seen is not None else kwargs

    def process_result(self, result, request):
        changed = [
            *getattr(result, "changed_since_dry_run", []),
            *(
                str(error.error)
                for row in result.rows
                for error in row.errors
                if isinstance(error.error, StaleEditError)
            ),
        ]
        if changed:
            return self._nothing_imported(
                request,
                f"{'; '.join(changed)}. Import the file again to check it against what is saved now.",
            )
        if result.has_errors() or result.has_validation_errors():
            invalid = len(result.invalid_rows) + sum(1 for row in result.rows if row.errors)
            return self._nothing_imported(
                request,
                f"{invalid} row{'s' if invalid != 1 else ''} had errors. Fix them and import the whole file again.",
            )
        return super().process_result(result, request)

    def _nothing_imported(self, request, why):
        self.message_user(request, f"Nothing was imported: {why}", messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))


class IndexedSearchAdmin:
    """The changelist's search box and the autocompletes read the public search's stored index
    (events/search_index.py) instead of a LIKE '%…%' per column and a join per related name: every word, in
    any accent or case, in the fields the public search reads (related names while published), or the
    record's exact slug. Models the index does not cover search their `search_fields` as Django does.

    A search holds the first search.MAX_COUNTED + 1 matches the index yields (with the list's filters), and
    the count stops there ("1,000+"): ordering, counting and the date hierarchy read a thousand rows, not
    every match of a common word (6 s for "synthetic" in 100,000 incidents). Nor is the whole table counted
    beside the search (show_full_result_count)."""

    search_help_text = (
        "Every word, in any accent or case, in the name, text or a published related name; or the slug. "
        "A search lists at most the first 1,000 matches: add words or filters to narrow it."
    )
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        words = search.search_words(search_term)
        found = search.indexed_matches(queryset, words) if words and search_index.uses_index(queryset.db) else None
        if found is None:
            return super().get_search_results(request, queryset, search_term)
        # The keys read once (with the record whose slug is the term, searched or not): the changelist's total,
        # page and date drill-down each ran the search again (four times 30 ms for a common word on PostgreSQL).
        first, slug = search.first_match_keys_of([found, queryset.filter(slug=search_term.strip())])
        return search.with_keys(queryset, [*first, *(key for key in slug if key not in first)]), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        searched = search_index.indexed_kinds().get(self.model) and search.search_words(request.GET.get(SEARCH_VAR))
        cap = search.MAX_COUNTED if searched else None
        return CappedPaginator(queryset, per_page, orphans, allow_empty_first_page, cap=cap)


class KeyedRecordAdmin(ArchiveAdmin):
    """Rows known to fixtures by `key`: optional when adding (filled in on save), fixed once saved."""

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "key") if obj is not None else readonly


class ArchiveInline(PageAutocompletes):
    """Inline rows: each carries its version; an Editor's change under a public record waits for review."""

    form = ArchiveAdminForm
    formset = ArchiveInlineFormSet
    extra = 0
    show_change_link = True
    # What a row's name (its __str__, the heading of its form) reads beyond the row itself.
    row_select_related = ()

    def get_queryset(self, request):
        # Every row's name and many-to-many values (its form's initial data) are read for all rows at once,
        # not in a query per row and relation (200 on the Kerman bombings' page).
        joined = self.row_select_related
        if request.method not in ("GET", "HEAD"):
            # A POST saves the record before the change message names its rows, which then read it afresh.
            opts = self.model._meta
            joined = [name for name in joined if opts.get_field(name).related_model is not self.parent_model]
        in_form = set(flatten_fieldsets(self.get_fieldsets(request)))
        many = [field.name for field in self.model._meta.many_to_many if field.name in in_form]
        return super().get_queryset(request).select_related(*joined).prefetch_related(*many)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_user(formset.form, request)
        return formset


# Inlines ---------------------------------------------------------------------------------------------------
# `key` stays out of every inline: it is filled in on save and shown on the record's own page.


class CasualtyFigureInline(ArchiveInline, admin.TabularInline):
    model = CasualtyFigure
    form = CasualtyFigureForm
    formset = CasualtyFigureInlineFormSet
    fields = (
        "kind",
        "group",
        "qualifier",
        "value",
        "rank",
        "reported_on",
        "reported_by_organization",
        "reported_by_person",
        "reported_by_label",
        "note",
        "sources",
        "version",
    )
    autocomplete_fields = ("reported_by_organization", "reported_by_person", "sources")
    row_select_related = ("incident",)


class ReactionInline(ArchiveInline, admin.StackedInline):
    model = Reaction
    formset = ParentConstraintsInlineFormSet
    fields = (
        ("slug", "category", "status"),
        ("person", "organization", "country"),
        "actor_label",
        ("stances", "date", "channel"),
        "summary",
        "quote",
        "sources",
        "version",
    )
    autocomplete_fields = ("person", "organization", "country", "stances", "sources")
    row_select_related = ("incident", "person", "organization", "country")


class AttributionInline(ArchiveInline, admin.StackedInline):
    model = Attribution
    formset = ParentConstraintsInlineFormSet
    fields = (
        ("kind", "role", "date"),
        ("responsible_organization", "responsible_person", "responsible_country"),
        "responsible_label",
        ("by_organization", "by_person", "by_country"),
        ("mode", "reaction"),
        "summary",
        "quote",
        "sources",
        "version",
    )
    autocomplete_fields = (*Attribution.NAMED, "reaction", "sources")
    row_select_related = ("incident", "responsible_organization", "responsible_person", "responsible_country")


class TimelineEntryInline(ArchiveInline, admin.TabularInline):
    model = TimelineEntry
    formset = ParentConstraintsInlineFormSet
    fields = ("date", "date_precision", "sequence", "title", "place", "description", "sources", "version")
    autocomplete_fields = ("place", "sources")


class IncidentLinkInline(ArchiveInline, admin.TabularInline):
    model = IncidentLink
    formset = ParentConstraintsInlineFormSet
    fk_name = "from_incident"
    fields = ("kind", "to_incident", "note", "sources", "version")
    autocomplete_fields = ("to_incident", "sources")
    row_select_related = ("from_incident", "to_incident")
    verbose_name = "link to another incident"
    verbose_name_plural = "links to other incidents"


class ClaimInline(ArchiveInline, admin.StackedInline):
    """Who says what about the record: each claim with its source, so competing accounts stand side by side.
    Stacked, grouped as a sentence reads (what, who and when, why), because eleven columns do not fit."""

    formset = ParentConstraintsInlineFormSet
    fields = (
        ("about", "rank"),
        ("value", "place"),
        ("by_organization", "by_person", "by_label"),
        "stated_on",
        "note",
        "sources",
        "version",
    )
    autocomplete_fields = ("place", "by_organization", "by_person", "sources")
    row_select_related = ("place", "by_organization", "by_person")


class IncidentClaimInline(ClaimInline):
    model = IncidentClaim
    fk_name = "incident"


class PersonClaimInline(ClaimInline):
    model = PersonClaim
    fk_name = "person"


class OrganizationClaimInline(ClaimInline):
    model = OrganizationClaim
    fk_name = "organization"


class RoleInline(ArchiveInline, admin.TabularInline):
    model = Role
    formset = ParentConstraintsInlineFormSet
    fields = ("title", "organization", "country", "start_date", "end_date", "note", "sources", "version")
    autocomplete_fields = ("organization", "country", "sources")
    row_select_related = ("person", "organization", "country")


# Reference records -----------------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(ArchiveAdmin):
    list_display = ("title", "publisher", "published_on", "url", "reported_in")
    list_filter = (("url", admin.EmptyFieldListFilter), ("reported_in", admin.EmptyFieldListFilter))
    search_fields = ("title", "slug", "publisher", "url", "note")
    date_hierarchy = "published_on"
    list_select_related = ("reported_in",)
    ordering = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("reported_in",)
    fields = ("title", "slug", "publisher", "url", "published_on", "reported_in", "note", "version")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # Django 6's default; addresses typed without a scheme
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Stance)
class StanceAdmin(ArchiveAdmin):
    list_display = ("name", "slug", "description", "reaction_count")
    search_fields = ("name", "slug", "description")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", "version")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reaction_count=Count("reactions"))

    @admin.display(description="Reactions", ordering="reaction_count")
    def reaction_count(self, obj):
        return obj.reaction_count


@admin.register(Place)
class PlaceAdmin(IndexedSearchAdmin, PublishableAdmin):
    list_display = (
        "name",
        "kind",
        "parent",
        "native_name",
        "geo_precision",
        "coordinates_source",
        "status",
        "updated_at",
    )
    list_filter = ("status", "kind", "geo_precision", "coordinates_from_parent")
    search_fields = ("slug", *SEARCH_FIELDS["place"])  # read from the search index (IndexedSearchAdmin)
    list_select_related = ("parent", "coordinates_source")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent", "sources", "coordinates_source")
    fieldsets = (
        ("What", {"fields": ("name", "slug", "kind", ("native_name", "native_name_lang"))}),
        (
            "Location",
            {
                "fields": (
                    "parent",
                    ("latitude", "longitude", "geo_precision"),
                    ("coordinates_source", "gazetteer_id"),
                    "coordinates_from_parent",
                ),
                "description": "A point is never guessed: it cites where it is from, usually a gazetteer "
                "(GeoNames for cities, Natural Earth for countries), with the entry's identifier. "
                "<code>manage.py fill_coordinates</code> fills the points it can find and keeps any set here "
                "from another source. A place no gazetteer has (a street, a cemetery) takes its parent's point: "
                "tick the box and leave the coordinates empty.",
            },
        ),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )


@admin.register(Organization)
class OrganizationAdmin(IndexedSearchAdmin, ImportExportAdmin, PublishableAdmin):
    resource_classes = [OrganizationResource]
    list_display = ("name", "short_name", "kind", "country", "parent", "status", "updated_at")
    list_filter = ("status", "kind", ("country", BusiestRelatedFilter))
    search_fields = ("slug", *SEARCH_FIELDS["organization"])  # read from the search index (IndexedSearchAdmin)
    list_select_related = ("country", "parent")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("country", "parent", "sources")
    inlines = (OrganizationClaimInline,)
    fieldsets = (
        ("What", {"fields": ("name", "slug", "short_name", "kind", "aliases", ("native_name", "native_name_lang"))}),
        ("Where", {"fields": ("country", "parent")}),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )


@admin.register(Person)
class PersonAdmin(IndexedSearchAdmin, ImportExportAdmin, PublishableAdmin):
    resource_classes = [PersonResource]
    list_display = ("name", "name_is_alias", "nationality_list", "born", "died", "status", "updated_at")
    list_filter = ("status", "name_is_alias", ("nationalities", BusiestRelatedFilter))
    search_fields = ("slug", *SEARCH_FIELDS["person"])  # read from the search index (IndexedSearchAdmin)
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("nationalities", "sources")
    inlines = (RoleInline, PersonClaimInline)
    fieldsets = (
        ("Who", {"fields": ("name", "slug", "name_is_alias", "aliases", ("native_name", "native_name_lang"))}),
        ("Where from", {"fields": ("nationalities",)}),
        ("When", {"fields": (("born_on", "born_precision"), ("died_on", "died_precision"))}),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("nationalities")

    @admin.display(description="Nationalities")
    def nationality_list(self, obj):
        return ", ".join(place.name for place in obj.nationalities.all())

    @admin.display(description="Born", ordering="born_on")
    def born(self, obj):
        return obj.born_display

    @admin.display(description="Died", ordering="died_on")
    def died(self, obj):
        return obj.died_display


@admin.register(Role)
class RoleAdmin(KeyedRecordAdmin):
    list_display = ("person", "title", "organization", "country", "start_date", "end_date")
    list_filter = (("organization", BusiestRelatedFilter), ("country", BusiestRelatedFilter))
    search_fields = (
        "title",
        "key",
        "note",
        "person__name",
        "person__aliases",
        "organization__name",
        "organization__short_name",
        "country__name",
    )
    list_select_related = ("person", "organization", "country")
    ordering = ("person__name", "start_date", "title")
    autocomplete_fields = ("person", "organization", "country", "sources")
    fields = (
        "person",
        "title",
        "organization",
        "country",
        ("start_date", "end_date"),
        "note",
        "sources",
        "key",
        "version",
    )


# Incidents and what hangs off them -------------------------------------------------------------------------


class IncidentAdminForm(PublishableAdminForm):
    publish_draft_reactions = forms.BooleanField(
        required=False,
        label="Also publish its draft reactions",
        help_text="When the incident is published: its reactions that are still drafts are published with it. "
        "Left unticked, they stay drafts and the page says so.",
    )


def changelist_links(obj, field, lists):
    """Links to the changelists of `lists` ([(model, label)]) narrowed to the rows whose `field` is `obj`."""
    if obj is None or obj.pk is None:
        return "-"
    return format_html_join(
        " · ",
        '<a href="{}?{}__id__exact={}">{}</a>',
        (
            (reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), field, obj.pk, label)
            for model, label in lists
        ),
    )


@admin.register(Incident)
class IncidentAdmin(IndexedSearchAdmin, ImportExportAdmin, PublishableAdmin):
    form = IncidentAdminForm
    resource_classes = [IncidentResource]
    actions = (*PublishableAdmin.actions, "publish_with_reactions")
    list_display = ("title", "when", "kind", "place", "killed_shown", "injured_shown", "status")
    list_filter = ("status", "kind", "date_precision", ("place", BusiestRelatedFilter))
    search_fields = ("slug", *SEARCH_FIELDS["incident"])  # read from the search index (IndexedSearchAdmin)
    date_hierarchy = "date"
    list_select_related = ("place",)
    # At archive scale a second COUNT over the whole table on every search costs more than the search.
    show_full_result_count = False
    ordering = (F("date").desc(nulls_last=True), "title")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("place", "sources")
    readonly_fields = ("killed_shown", "injured_shown", "perpetrators_killed_shown", "its_lists", *AUDIT_FIELDS)
    inlines = (
        CasualtyFigureInline,
        IncidentClaimInline,
        ReactionInline,
        AttributionInline,
        TimelineEntryInline,
        IncidentLinkInline,
    )
    fieldsets = (
        ("What", {"fields": ("title", "slug", "kind", "target", "method")}),
        (
            "When",
            {
                "fields": (
                    ("date", "date_precision"),
                    "end_date",
                    ("start_time", "end_time"),
                    ("time_zone", "time_zone_abbreviation"),
                )
            },
        ),
        ("Where", {"fields": ("place",)}),
        (
            "Figures",
            {
                "fields": (("killed_shown", "injured_shown", "perpetrators_killed_shown"),),
                "description": "Copied from the preferred whole-incident casualty figures below; edit those "
                "to change these.",
            },
        ),
        ("Text", {"fields": ("summary", "description")}),
        ("Sources", {"fields": ("sources",)}),
        ("Publication", {"fields": ("status", "publish_draft_reactions", *AUDIT_FIELDS, "version")}),
    )

    @admin.display(description="Date", ordering="date")
    def when(self, obj):
        return obj.date_display

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.pk:
            fieldsets = [*fieldsets[:-1], ("Its rows in the lists", {"fields": ["its_lists"]}), fieldsets[-1]]
        if not workflow.can_publish(request.user, Reaction):
            return [
                (name, {**options, "fields": [f for f in options["fields"] if f != "publish_draft_reactions"]})
                for name, options in fieldsets
            ]
        return fieldsets

    @admin.display(description="Lists")
    def its_lists(self, obj):
        # The changelists' incident filters offer a few incidents only (BusiestRelatedFilter): this is the way
        # to any incident's rows, at no query.
        return changelist_links(
            obj,
            "incident",
            [
                (Reaction, "Reactions to this incident"),
                (CasualtyFigure, "Its casualty figures"),
                (Attribution, "Its attributions"),
                (TimelineEntry, "Its timeline entries"),
            ],
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.status == Status.PUBLISHED:
            self.publish_children(request, form.instance, form.cleaned_data.get("publish_draft_reactions", False))

    def publish_children(self, request, obj, publish):
        if not workflow.can_publish(request.user, Reaction):
            return
        drafts = list(
            # Drafts and reactions in review only: an unpublished one was taken down by a reviewer's decision.
            obj.reactions.filter(status__in=workflow.EDITOR_STATUSES).select_related(
                "person", "organization", "country"
            )
        )
        if not drafts:
            return
        if not publish:
            self.message_user(
                request,
                f"{len(drafts)} reaction{'s' if len(drafts) != 1 else ''} of “{obj}” "
                f"{'stay drafts' if len(drafts) != 1 else 'stays a draft'} and "
                f"{'are' if len(drafts) != 1 else 'is'} not public: "
                + "; ".join(r.actor_name for r in drafts)
                + ". To publish them with it, tick “Also publish its draft reactions” and save, or use the action "
                "“Publish selected incidents with their draft reactions”.",
                messages.WARNING,
            )
            return
        published = []
        for reaction in drafts:
            problems = reaction.publication_problems()
            for problem in problems:
                self.message_user(request, f"Not published: {problem}", messages.ERROR)
            if problems:
                continue
            reaction.status = Status.PUBLISHED
            reaction._change_reason = f"Published with incident “{obj}”"
            reaction.save(update_fields=["status"])
            published.append(reaction.actor_name)
        if published:
            self.message_user(
                request,
                f"Published with “{obj}”: {len(published)} reaction{'s' if len(published) != 1 else ''} "
                f"({'; '.join(published)}).",
                messages.SUCCESS,
            )

    @admin.action(description="Publish selected incidents with their draft reactions", permissions=["publish"])
    def publish_with_reactions(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED, "published", "already published", with_children=True)
        for incident in queryset.filter(status=Status.PUBLISHED):
            self.publish_children(request, incident, publish=True)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Editors type times as they were on the clock at the place; the form reads and shows them in
        # the incident's own zone (the one being submitted, else the saved one), not the server's UTC.
        zone_name = request.POST.get("time_zone")
        if zone_name is None and object_id:
            zone_name = stored_value(Incident, object_id, "time_zone")
        try:
            zone = ZoneInfo(zone_name) if zone_name else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # Render now: a TemplateResponse would otherwise format the times after the override ends.
            if hasattr(response, "render"):
                response.render()
            return response

    @admin.display(description="Killed", ordering="killed")
    def killed_shown(self, obj):
        return obj.killed_display or "-"

    @admin.display(description="Injured", ordering="injured")
    def injured_shown(self, obj):
        return obj.injured_display or "-"

    @admin.display(description="Perpetrators killed", ordering="perpetrators_killed")
    def perpetrators_killed_shown(self, obj):
        return obj.perpetrators_killed_display or "-"


@admin.register(CasualtyFigure)
class CasualtyFigureAdmin(KeyedRecordAdmin):
    form = CasualtyFigureForm
    list_display = ("incident", "kind", "counted", "figure", "rank", "reporter", "reported_on")
    list_filter = ("kind", "rank", "qualifier", ("incident", BusiestRelatedFilter))
    search_fields = (
        "key",
        "group",
        "note",
        "reported_by_label",
        "incident__title",
        "reported_by_organization__name",
        "reported_by_organization__short_name",
        "reported_by_person__name",
    )
    date_hierarchy = "reported_on"
    list_select_related = ("incident", "reported_by_organization", "reported_by_person")
    ordering = ("incident", "kind", "group", "reported_on", "-value")
    autocomplete_fields = ("incident", "reported_by_organization", "reported_by_person", "sources")
    fieldsets = (
        ("What", {"fields": ("incident", "kind", "group", ("qualifier", "value"), "rank")}),
        (
            "Reported",
            {"fields": ("reported_on", "reported_by_organization", "reported_by_person", "reported_by_label")},
        ),
        ("Text", {"fields": ("note",)}),
        ("Sources", {"fields": ("sources",)}),
        ("Record", {"fields": ("key", "version")}),
    )

    @admin.display(description="Group", ordering="group")
    def counted(self, obj):
        return obj.group or "whole incident"

    @admin.display(description="Figure", ordering="value")
    def figure(self, obj):
        return obj.value_display

    @admin.display(description="Reported by")
    def reporter(self, obj):
        return obj.reported_by


@admin.register(Reaction)
class ReactionAdmin(IndexedSearchAdmin, ImportExportAdmin, PublishableAdmin):
    resource_classes = [ReactionResource]
    list_display = ("actor", "incident", "category", "stance_list", "date", "status")
    list_filter = (
        "status",
        "category",
        "stances",
        ("incident", BusiestRelatedFilter),
        ("country", BusiestRelatedFilter),
    )
    search_fields = ("slug", *SEARCH_FIELDS["reaction"])  # read from the search index (IndexedSearchAdmin)
    date_hierarchy = "date"
    list_select_related = ("incident", "person", "organization", "country")
    ordering = ("incident", "category", "slug")
    autocomplete_fields = ("incident", "person", "organization", "country", "stances", "sources")
    fieldsets = (
        ("What", {"fields": ("incident", "slug", "category", "stances")}),
        ("Who", {"fields": ("person", "organization", "country", "actor_label")}),
        ("When", {"fields": ("date", "channel")}),
        ("Text", {"fields": ("summary", "quote")}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stances")

    @admin.display(description="Actor")
    def actor(self, obj):
        return obj.actor_name

    @admin.display(description="Stances")
    def stance_list(self, obj):
        return ", ".join(stance.name for stance in obj.stances.all())


@admin.register(Attribution)
class AttributionAdmin(KeyedRecordAdmin):
    list_display = ("incident", "kind", "responsible", "role", "by", "date")
    list_filter = ("kind", ("incident", BusiestRelatedFilter))
    search_fields = (
        "key",
        "responsible_label",
        "role",
        "mode",
        "summary",
        "quote",
        "incident__title",
        "responsible_organization__name",
        "responsible_organization__short_name",
        "responsible_person__name",
        "responsible_country__name",
        "by_organization__name",
        "by_person__name",
        "by_country__name",
    )
    date_hierarchy = "date"
    list_select_related = ("incident", *Attribution.NAMED)
    ordering = ("incident", F("date").asc(nulls_last=True), "kind", "key")
    autocomplete_fields = ("incident", *Attribution.NAMED, "reaction", "sources")
    fieldsets = (
        ("What", {"fields": ("incident", "kind", "role")}),
        (
            "Who is held responsible",
            {"fields": ("responsible_organization", "responsible_person", "responsible_country", "responsible_label")},
        ),
        ("Who says so", {"fields": ("by_organization", "by_person", "by_country", "mode", "date")}),
        ("Text", {"fields": ("reaction", "summary", "quote")}),
        ("Sources", {"fields": ("sources",)}),
        ("Record", {"fields": ("key", "version")}),
    )

    @admin.display(description="Held responsible")
    def responsible(self, obj):
        return obj.responsible_name

    @admin.display(description="Said by")
    def by(self, obj):
        return obj.by_name


@admin.register(TimelineEntry)
class TimelineEntryAdmin(KeyedRecordAdmin):
    list_display = ("title", "when", "sequence", "incident", "place")
    list_filter = ("date_precision", ("incident", BusiestRelatedFilter))
    search_fields = ("key", "title", "description", "incident__title", "place__name")
    date_hierarchy = "date"
    list_select_related = ("incident", "place")
    ordering = ("incident", "date", "sequence")
    autocomplete_fields = ("incident", "place", "sources")
    fieldsets = (
        ("What", {"fields": ("incident", "title")}),
        ("When", {"fields": (("date", "date_precision"), "sequence")}),
        ("Where", {"fields": ("place",)}),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        ("Record", {"fields": ("key", "version")}),
    )

    @admin.display(description="Date", ordering="date")
    def when(self, obj):
        return obj.date_display


@admin.register(IncidentLink)
class IncidentLinkAdmin(KeyedRecordAdmin):
    list_display = ("from_incident", "kind", "to_incident", "note")
    list_filter = ("kind",)
    search_fields = ("key", "note", "from_incident__title", "to_incident__title")
    list_select_related = ("from_incident", "to_incident")
    ordering = ("from_incident", "kind", "to_incident")
    autocomplete_fields = ("from_incident", "to_incident", "sources")
    fields = ("from_incident", "kind", "to_incident", "note", "sources", "key", "version")


# Revisions: the review queue, and one page per revision to publish, reject or restore it --------------------


class RecordTypeFilter(admin.SimpleListFilter):
    title = "record type"
    parameter_name = "record_type"

    def lookups(self, request, model_admin):
        return [
            (model._meta.model_name, model._meta.verbose_name_plural.capitalize()) for model in revisions.AGGREGATES
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(content_type__app_label="events", content_type__model=self.value())
        return queryset


class ClaimAdmin(KeyedRecordAdmin):
    """Every claim of one kind of subject, to browse and filter; a claim is usually edited on its record's page."""

    list_display = ("subject", "about", "statement", "by", "stated_on", "rank")
    list_filter = ("about", "rank")
    search_fields = ("key", "value", "note", "by_label", "place__name", "by_organization__name", "by_person__name")
    list_select_related = ("place", "by_organization", "by_person")
    autocomplete_fields = ("place", "by_organization", "by_person", "sources")

    def get_fields(self, request, obj=None):
        subject = self.model.subject_field
        return (
            subject,
            "about",
            "value",
            "place",
            "rank",
            ("by_organization", "by_person", "by_label"),
            "stated_on",
            "note",
            "sources",
            "key",
            "version",
        )

    def get_autocomplete_fields(self, request):
        return (self.model.subject_field, *self.autocomplete_fields)

    def get_list_select_related(self, request):
        return (self.model.subject_field, *self.list_select_related)

    @admin.display(description="record")
    def subject(self, claim):
        return getattr(claim, self.model.subject_field)

    @admin.display(description="who says so")
    def by(self, claim):
        return claim.by_name


@admin.register(IncidentClaim)
class IncidentClaimAdmin(ClaimAdmin):
    pass


@admin.register(PersonClaim)
class PersonClaimAdmin(ClaimAdmin):
    pass


@admin.register(OrganizationClaim)
class OrganizationClaimAdmin(ClaimAdmin):
    pass


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Pending revisions wait here for a Reviewer; every revision has a page with what it changed."""

    list_display = ("__str__", "state", "summary", "user", "created_at")
    list_filter = ("state", RecordTypeFilter)
    list_select_related = ("user", "content_type")
    search_fields = ("object_repr", "summary", "reason")
    ordering = ("-created_at",)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        if obj is None:
            return True
        opts = obj.record_model._meta
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "content_type", "reviewed_by")

    @staticmethod
    def _not_what_was_shown(request, revision, record):
        """Why the page this POST came from no longer says what publishing or restoring would do; empty if it does."""
        against, shown = request.POST.get("against"), request.POST.get("shown")
        if against is None or shown is None:
            return "this came from a page that does not say what it would change. Open the revision again."
        latest = revisions.latest_live(record)
        if against != (str(latest.number) if latest is not None else ""):
            return (
                f"“{revision.object_repr}” was saved again (it is now at revision {latest.number}) after this page "
                "was shown to you, so what this would change is no longer what you saw. Check the differences below "
                "and try again."
            )
        if shown != revisions.page_shown(revision, record):
            return (
                "a record it names (a source, a stance, a place...) or a row it offers to publish was changed after "
                "this page was shown to you. Check the differences below and try again."
            )
        return ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        model = revision.record_model
        opts = model._meta
        record = model._base_manager.filter(pk=revision.object_id).first()
        may_publish = workflow.can_publish(request.user, model)
        may_restore = (
            record is not None
            and revision.state == Revision.State.LIVE
            and request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
        )
        here = reverse("admin:events_revision_change", args=[revision.pk])
        if request.method == "POST":
            return self._act(request, revision, record, may_publish, may_restore) or HttpResponseRedirect(here)
        current = revisions.snapshot(record) if record is not None else None
        latest = revisions.latest_live(record) if record is not None else None
        previous = (
            revisions.revisions_of(record).live().filter(number__lt=revision.number).order_by("-number").first()
            if record is not None and revision.state != Revision.State.PENDING
            else None
        )
        names = revisions.Names().preload(model, revision.snapshot, current, previous and previous.snapshot)
        against_live = revisions.diff(model, current, revision.snapshot, names) if current else None
        drafts = [
            revisions.row_label(child, row, names) for child, row in revisions.draft_children(model, revision.snapshot)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": str(revision),
            "here": f"Revision {revision.number}",
            "subtitle": None,
            "opts": opts,
            "revision_opts": self.model._meta,
            "revision": revision,
            "record": record,
            "latest": latest,
            "previous": previous,
            "changes": revisions.diff(model, previous.snapshot, revision.snapshot, names) if previous else None,
            "against_live": against_live,
            "outdated": revision.is_pending and latest is not None and revision.base_id != latest.pk,
            "shown": revisions.shown_fingerprint(model, revision.snapshot, latest, against_live, drafts)
            if record is not None
            else "",
            "draft_children": drafts,
            "may_publish": may_publish and revision.is_pending and record is not None,
            "may_restore": may_restore and latest is not None and latest.pk != revision.pk,
            "history_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.pk])
            if record is not None
            else None,
            "public_url": revisions.public_url(revision),
        }
        return TemplateResponse(request, "admin/events/revision_detail.html", context)

    def _act(self, request, revision, record, may_publish, may_restore):
        action = request.POST.get("action")
        note = request.POST.get("note", "").strip()
        allowed = (action == "publish" and may_publish and revision.is_pending) or (action == "restore" and may_restore)
        if allowed and record is not None:
            problem = self._not_what_was_shown(request, revision, record)
            if problem:
                verb = "published" if action == "publish" else "restored"
                self.message_user(request, f"Not {verb}: {problem}", messages.ERROR)
                return None
        try:
            if action in ("publish", "reject") and may_publish and revision.is_pending:
                if action == "publish":
                    revisions.publish(
                        revision, request.user, note, publish_children=bool(request.POST.get("publish_children"))
                    )
                    self.message_user(
                        request,
                        f"Published revision {revision.number} of “{revision.object_repr}”: it is now the public "
                        "record, saved as the newest revision below.",
                        messages.SUCCESS,
                    )
                else:
                    revisions.reject(revision, request.user, note)
                    self.message_user(
                        request,
                        f"Rejected revision {revision.number} of “{revision.object_repr}”; the public record is "
                        "unchanged.",
                        messages.SUCCESS,
                    )
            elif action == "restore" and may_restore:
                revisions.restore(revision, request.user, note)
                self.message_user(
                    request,
                    f"Restored revision {revision.number} of “{revision.object_repr}”, with everything edited with it.",
                    messages.SUCCESS,
                )
            else:
                raise PermissionDenied
        except revisions.RevisionRefused as refused:
            verb = "restored" if action == "restore" else "published"
            self.message_user(
                request,
                f"Not {verb}: revision {revision.number} would break a rule, so nothing was changed. "
                + " ".join(refused.problems),
                messages.ERROR,
            )
            return None
        except StaleEditError as error:
            self.message_user(request, stale_edit_message(error.record), messages.ERROR)
            return None
        if record is not None:
            opts = record._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.pk]))
        return None
