"""Admin forms: turn what the database would refuse (and answer with a 500) into plain-words form errors.

Inline forms leave their foreign key to the parent out of model validation (the parent may not exist yet),
so every constraint that names the parent is skipped on an inline row and only the database would catch
it. The formsets below put those checks back.
"""

from django import forms
from django.core.exceptions import ValidationError

from .models import CasualtyFigure


class CasualtyFigureForm(forms.ModelForm):
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
        )
        # The field's own minimum fires before the model constraint, so give it the constraint's words.
        error_messages = {"value": {"min_value": "A figure cannot be negative."}}


def _rows_to_check(formset):
    """Rows that will be written: valid so far, not being deleted, and not blank extra rows."""
    for form in formset.forms:
        blank_extra_row = form.instance._state.adding and not form.has_changed()
        if not (form.errors or blank_extra_row or formset._should_delete_form(form)):
            yield form


class ParentConstraintsInlineFormSet(forms.BaseInlineFormSet):
    """Re-run the model's constraints on each row with the parent included (e.g. a link to itself)."""

    def clean(self):
        super().clean()
        for form in _rows_to_check(self):
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


class CasualtyFigureInlineFormSet(forms.BaseInlineFormSet):
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
