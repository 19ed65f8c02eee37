"""Admin forms: turn what the database would refuse (and answer with a 500) into plain-words form errors.

Inline forms leave their foreign key to the parent out of model validation (the parent may not exist yet),
so every constraint that names the parent is skipped on an inline row and only the database would catch
it. The formsets below put those checks back.

Every admin form also carries the record's `version` (a stale form is refused, never saved over a newer
version) and the editorial rules: who may set which status, and what a record needs to be published.
"""

import datetime as dt

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from simple_history.models import to_historic

from . import revisions, widget_memo, workflow
from .models import CasualtyFigure, Incident, Publishable, SourcedStatement, Status, stored_value
from .search import text_search

# The widest integer either database stores: a bigger number in a form is no row's key.
LARGEST_KEY = 2**63 - 1


def is_row_number(value):
    """Whether `value` (from an address or a form) can be a row's integer key."""
    return str(value).isdigit() and int(value) <= LARGEST_KEY


def stale_edit_message(record, your_version=None):
    """Plain words, with links to the newer version and to the history, for a form someone saved meanwhile."""
    opts = record._meta
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
    history_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.pk])
    return format_html(
        "Not saved: someone else saved this {} after you opened it{}. Your changes would overwrite theirs, so "
        'nothing was saved. <a href="{}">Open the current version</a> (see what changed in its '
        '<a href="{}">history</a>) and make your changes again.',
        opts.verbose_name,
        _versions_in_words(record, your_version) if your_version else "",
        change_url,
        history_url,
    )


def _versions_in_words(record, your_version):
    """ " (you edited revision 7; it is now at revision 8)": the numbers the record's history shows."""
    current = record.current_version()
    if revisions.is_root(type(record)):
        live = revisions.revisions_of(record).live()
        yours = live.filter(record_version=your_version).order_by("-number").values_list("number", flat=True).first()
        now = live.order_by("-number").values_list("number", flat=True).first()
        if yours and now:
            return f" (you edited revision {yours}; it is now at revision {now})"
    return f" (you edited save {your_version} of this row; it is now at save {current})"


CHANGED_SINCE_LISTED = (
    "was changed after this list was shown to you. Open it to see what changed, or reload the list, before "
    "publishing it."
)
LIST_OUT_OF_DATE = "this came from a list that does not say when it was shown. Reload the list and try again."


def drawn_at_field():
    """A hidden field holding when its page was drawn. Text, read by `when_drawn`: a value that is no time must not
    make Django's action bar say "No action selected"."""
    return forms.CharField(
        widget=forms.HiddenInput, required=False, label="", initial=lambda: timezone.now().isoformat()
    )


# A page's clock and the server's are one; a little leeway for a POST that crosses a clock adjustment.
DRAWN_AT_LEEWAY = dt.timedelta(minutes=1)


def when_drawn(value):
    """The time a page says it was drawn, or None when it says none, or one that is no time or is still to come
    (a page cannot have been drawn after the POST it sends)."""
    moment = parse_datetime(value or "")
    if moment is None or timezone.is_naive(moment) or moment > timezone.now() + DRAWN_AT_LEEWAY:
        return None
    return moment


class ArchiveAdminForm(forms.ModelForm):
    """The base of every admin form: optimistic locking, the status workflow and the publication rules.

    The admin sets `user` on a subclass per request (see events.admin.ArchiveAdmin.get_form).
    """

    user = None
    change_reason = forms.CharField(
        label="What changed and why",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="Optional; shown in the record's history beside this revision.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            # Not required: a new record starts at the model's default; a changed one must say its version.
            self.fields["version"].widget = forms.HiddenInput()
            self.fields["version"].required = False
        if "status" in self.fields and self.user is not None and not workflow.can_publish(self.user, self._meta.model):
            current = self.instance.status if self.instance.pk else Status.DRAFT
            allowed = {*workflow.EDITOR_STATUSES, current}
            self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0] in allowed]
        historic = to_historic(self.instance)
        if historic is not None and not self.is_bound:
            # Restoring an old version: its linked rows (sources, stances...) come back too, not only its fields.
            for name in getattr(self._meta.model, "_history_m2m_fields", []):
                if name in self.fields:
                    column = self._meta.model._meta.get_field(name).m2m_reverse_field_name()
                    self.initial[name] = list(getattr(historic, name).values_list(f"{column}_id", flat=True))

    def clean(self):
        cleaned = super().clean()
        # Browsers send a textarea's line breaks as CRLF; stored text keeps LF, so that saving a form nobody
        # changed changes nothing (and a revision's summary names only what the editor did).
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        self._check_version(cleaned)
        self._check_workflow(cleaned)
        return cleaned

    # The saved row's version and status, when its inline formset read them for all its rows (see
    # ArchiveInlineFormSet); else read here.
    stored_row = None

    def _stored(self, field):
        """The saved row's `field` (None if the row is gone)."""
        if self.stored_row is not None:
            return self.stored_row.get(field)
        return stored_value(self._meta.model, self.instance.pk, field)

    def _check_version(self, cleaned):
        if "version" not in self.fields:
            return
        if self.instance._state.adding or self.instance.pk is None:
            if cleaned.get("version") is None:
                cleaned["version"] = self.instance.version
            return
        submitted, current = cleaned.get("version"), self._stored("version")
        if current is not None and submitted != current:
            raise ValidationError(stale_edit_message(self.instance, submitted), code="stale")

    def _check_workflow(self, cleaned):
        instance, model = self.instance, self._meta.model
        if issubclass(model, Publishable) and "status" in cleaned:
            saved = self._stored("status") if instance.pk else Status.DRAFT
            new = cleaned["status"]
            if self.user is not None and (problem := workflow.status_problem(self.user, model, saved, new)):
                self.add_error("status", problem)
            elif new == Status.PUBLISHED:
                if saved != Status.PUBLISHED and instance.pk is not None:
                    self._check_named_records_unchanged()
                sources = cleaned.get("sources") if "sources" in self.fields else None
                for problem in instance.publication_problems(sources=sources, dependents=self.check_dependents):
                    self.add_error("sources" if "sources" in self.fields else "status", problem)
        # On a record's inline, the subject is the record form's instance, with the status just submitted.
        subject = getattr(model, "subject_field", None)
        if issubclass(model, SourcedStatement) and "sources" in self.fields and subject in cleaned:
            problem = instance.source_problem(sources=cleaned.get("sources"), subject=cleaned[subject])
            if problem:
                # For the whole row: on a wide tabular inline the sources cell may be scrolled out of view.
                self.add_error(None, problem)

    # The incident form's own inlines hold its figures and attributions; their formsets check them.
    check_dependents = False

    def _check_named_records_unchanged(self):
        """Publishing from the form publishes what the form showed: a record it names whose changes no Reviewer
        sees (a new stance it takes, renamed after the form was opened) refuses it. The form's own version covers
        the record itself. `shown_at` is the form's hidden "drawn at" (ArchiveAdmin.get_form)."""
        # An inline row (a reaction published on its incident's form) goes by its record form's field.
        shown_at = when_drawn(self.data.get(self.add_prefix("shown_at") if "shown_at" in self.fields else "shown_at"))
        if shown_at is None:
            self.add_error("status", "This form does not say when it was opened: open the record again to publish it.")
        elif self.instance.pk is not None and revisions.changed_since(self.instance, shown_at):
            self.add_error(
                "status",
                "A record it names (a source, a stance, a place...) was changed after you opened this form. Open "
                "it again to see the change, then publish it.",
            )


class PublishableAdminForm(ArchiveAdminForm):
    """A record with a status: its form also carries when it was opened, for `_check_named_records_unchanged`."""

    shown_at = drawn_at_field()


class ChangelistStatusForm(ArchiveAdminForm):
    """The list page's status column: the same rules, with the record's saved sources and rows."""

    check_dependents = True
    listed_at = None  # when the list was drawn (ListedActionForm); set per request by the admin

    def _check_named_records_unchanged(self):
        pass  # a list's row goes by when the list was drawn, below

    def _check_workflow(self, cleaned):
        super()._check_workflow(cleaned)
        publishing = cleaned.get("status") == Status.PUBLISHED and self._stored("status") != Status.PUBLISHED
        if publishing and self.listed_at is None:
            self.add_error("status", LIST_OUT_OF_DATE[:1].upper() + LIST_OUT_OF_DATE[1:])
        elif publishing and revisions.changed_since(self.instance, self.listed_at):
            self.add_error("status", f"It {CHANGED_SINCE_LISTED}")

    # Fifty rows' status <select>s, each drawn once per process for what it shows (events/widget_memo.py):
    # drawing them option by option was half of a searched incident changelist's time.
    default_renderer = widget_memo.renderer


class CasualtyFigureForm(ArchiveAdminForm):
    class Meta:
        model = CasualtyFigure
        fields = (
            "incident",
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
            "key",
            "version",
        )
        # The field's own minimum fires before the model constraint, so give it the constraint's words.
        error_messages = {"value": {"min_value": "A figure cannot be negative."}}


def _rows_to_check(formset):
    """Rows that will be written: valid so far, not being deleted, and not blank extra rows."""
    for form in formset.forms:
        blank_extra_row = form.instance._state.adding and not form.has_changed()
        if not (form.errors or blank_extra_row or formset._should_delete_form(form)):
            yield form


class ArchiveInlineFormSet(forms.BaseInlineFormSet):
    """A record's inline rows. The version and status of every saved row are read in one query for all of
    them, for each form's stale-edit and workflow checks (a query a row and field: 130 on the Kerman
    bombings' page)."""

    def full_clean(self):
        if self.is_bound:
            self._read_stored_rows()
        super().full_clean()

    def clean(self):
        super().clean()
        if self.is_bound and self.instance.pk is not None:
            self._check_rows_saved_since()

    def _check_rows_saved_since(self):
        """The page's rows are the record's rows as they were when it was opened: a row someone added since (which
        this page would save over, or clash with) or changed since (which ticking Delete would throw away,
        unchecked: Django does not validate a row being deleted) refuses the whole save."""
        opts = self.model._meta
        listed = {form.instance.pk for form in self.initial_forms if form.instance.pk is not None}
        added = [row for row in self.get_queryset() if row.pk not in listed]
        if added:
            raise ValidationError(
                "Not saved: someone added %(rows)s to this record after you opened it: %(names)s. Reload the page "
                "to see them, and make your changes again.",
                code="rows_added",
                params={
                    "rows": f"a {opts.verbose_name}" if len(added) == 1 else f"{len(added)} {opts.verbose_name_plural}",
                    "names": "; ".join(f"“{row}”" for row in added),
                },
            )
        for form in (form for form in self.initial_forms if self._should_delete_form(form)):
            stored_row = getattr(form, "stored_row", None) or {}
            submitted = getattr(form, "cleaned_data", {}).get("version")
            if "version" in stored_row and submitted is not None and submitted != stored_row["version"]:
                raise ValidationError(stale_edit_message(form.instance, submitted), code="stale")

    def _read_stored_rows(self):
        opts = self.model._meta
        fields = [name for name in ("version", "status") if any(field.name == name for field in opts.fields)]
        saved = [form for form in self.initial_forms if form.instance.pk is not None]
        if not fields or not saved:
            return
        rows = self.model._base_manager.filter(pk__in=[form.instance.pk for form in saved])
        stored = {pk: dict(zip(fields, values, strict=True)) for pk, *values in rows.values_list("pk", *fields)}
        for form in saved:
            form.stored_row = stored.get(form.instance.pk, {})


class ParentConstraintsInlineFormSet(ArchiveInlineFormSet):
    """Re-run the model's constraints on each row with the parent included (e.g. a link to itself); a saved
    row nobody changed is left out: its fields and its parent are as they were stored."""

    def clean(self):
        super().clean()
        for form in _rows_to_check(self):
            if not (form.instance._state.adding or form.has_changed()):
                continue
            exclude = {field.name for field in self.model._meta.fields if field.name not in form.fields}
            try:
                form.instance.validate_constraints(exclude=exclude - {self.fk.name})
            except ValidationError as error:
                form.add_error(None, error)

    def get_unique_error_message(self, unique_check):
        # Two rows of one submission that clash: say it in the constraint's words, not its field names.
        for constraint in self.model._meta.total_unique_constraints:
            message = constraint.violation_error_message
            if set(constraint.fields) == set(unique_check) and message != constraint.default_violation_error_message:
                return message
        return super().get_unique_error_message(unique_check)


class CasualtyFigureInlineFormSet(ArchiveInlineFormSet):
    """One preferred figure per kind and group, checked across all of the incident's rows at once.

    The inline lists every figure of the incident, so its rows are the whole picture; checking them together
    (not each against the database) lets an editor supersede the old figure and prefer a new one in one save.
    """

    def clean(self):
        super().clean()
        preferred = {}
        for form in _rows_to_check(self):
            data = form.cleaned_data
            if data.get("rank") == CasualtyFigure.Rank.PREFERRED:
                preferred.setdefault((data.get("kind"), data.get("group", "")), []).append(form)
        errors = [
            ValidationError(
                "%(count)s rows mark the %(kind)s figure %(group)s as preferred, but only one can be. "
                "Mark the others as reported or superseded.",
                code="several_preferred",
                params={
                    "count": len(rows),
                    "kind": CasualtyFigure.Kind(kind).label.lower(),
                    "group": f"for “{group}”" if group else "for the whole incident",
                },
            )
            for (kind, group), rows in preferred.items()
            if len(rows) > 1
        ]
        if errors:
            raise ValidationError(errors)

    def save_existing_objects(self, commit=True):
        # The database checks the one-preferred rule after every single UPDATE, so moving the preference
        # between two saved rows would fail halfway. Rows this submission changes or deletes let go of it
        # first (inside the admin's transaction); saving them then writes their new rank.
        if commit:
            touched = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk and (form.has_changed() or self._should_delete_form(form))
            ]
            CasualtyFigure.objects.filter(pk__in=touched, rank=CasualtyFigure.Rank.PREFERRED).update(
                rank=CasualtyFigure.Rank.REPORTED
            )
        return super().save_existing_objects(commit)


# Public forms ----------------------------------------------------------------------------------------------


class IncidentNameField(forms.CharField):
    """Published incidents named by their address name or by words of their title ("Kerman"), as a list.

    A text box rather than a <select> of every incident, which a large archive would fill with a hundred thousand
    options; each incident's page links to its own timeline by address name."""

    MAX_MATCHES = 20

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        published = Incident.objects.published()
        by_slug = list(published.filter(slug=value))
        if by_slug:
            return by_slug
        found = list(text_search(published, ("title",), value).order_by("date", "title")[: self.MAX_MATCHES + 1])
        if not found:
            raise ValidationError(
                "No published incident has “%(value)s” in its title or address.",
                code="no_match",
                params={"value": value},
            )
        if len(found) > self.MAX_MATCHES:
            raise ValidationError(
                "More than %(most)s incidents have “%(value)s” in their title: add a word to narrow it.",
                code="too_many",
                params={"value": value, "most": self.MAX_MATCHES},
            )
        return found


class TimelineForm(forms.Form):
    incident = IncidentNameField(
        required=False,
        max_length=200,
        label="Incident",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. Kerman"}),
        help_text="Words of its title, or the last part of its address.",
    )
    kind = forms.ChoiceField(choices=[("", "Any type"), *Incident.Kind.choices], required=False, label="Incident type")
    show = forms.ChoiceField(
        choices=[("", "Incidents and developments"), ("incidents", "Incidents only"), ("entries", "Developments only")],
        required=False,
        label="Show",
    )
    start = forms.DateField(required=False, widget=forms.HiddenInput)


class ListedActionForm(ActionForm):
    """The list's action bar, with the time its list was drawn: a record changed after that is not published from
    it, since the reviewer ticking it has not seen the change (PublishableAdmin's `publish` actions)."""

    listed_at = drawn_at_field()


class KeyedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, with a key too big for the database column refused as not a valid choice, as "abc" is: Django
    checks each value alone with `=`, which such a number passes, then reads them all with IN, which fails the
    query (a 500 on SQLite)."""

    def clean(self, value):
        field = (
            self.queryset.model._meta.pk
            if self.to_field_name is None
            else self.queryset.model._meta.get_field(self.to_field_name)
        )
        if field.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
            for pk in value or ():
                digits = str(pk).strip().lstrip("-")
                if digits.isdigit() and not is_row_number(digits):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super().clean(value)
