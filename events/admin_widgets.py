"""What keeps a big record's change page cheap to draw: the chosen options of its autocompletes read once for
the page, their addresses and those of the links beside them reversed once, its inlines' media gathered once
per inline.

The 2024 Kerman bombings' page (36 reactions, 18 attributions, 14 figures and more: 111 rows) drew 452
autocompletes, each reading its own chosen options (about 280 queries, 1.7 s of its 4.7 s), reversed 1,500
addresses and built and merged the media of every row (1.2 s in a profile).
"""

from collections import defaultdict

from django import forms
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple, RelatedFieldWidgetWrapper
from django.core.exceptions import EmptyResultSet, ValidationError

from .forms import LARGEST_KEY
from .models import Reaction, cached_reverse


class ChosenOptions:
    """The chosen options of every autocomplete on one admin page, read in one query per kind of choice.

    `remember()` walks the page's forms before it is drawn and notes what each autocomplete holds; the first
    autocomplete drawn reads them all, one query for every set of fields choosing from the same queryset (the
    sources of every reaction, figure and attribution together). A widget holding values nobody noted reads its
    own, as Django's does.
    """

    def __init__(self):
        self._wanted = defaultdict(lambda: [None, set()])  # field and database -> [a widget, chosen values]
        self._found = None  # field and database -> (the values read, {value: object} in the queryset's order)

    def remember(self, forms):
        for form in forms:
            for name, field in form.fields.items():
                widget = getattr(field.widget, "widget", field.widget)  # inside the related-field wrapper
                if isinstance(widget, PageAutocompleteMixin):
                    widget.chosen_options = self
                    wanted = self._wanted[widget.kind]
                    wanted[0] = widget
                    wanted[1] |= widget.chosen_values(widget.format_value(form[name].value()))

    def objects(self, widget, chosen):
        """The objects of `chosen` in the order the widget's own query would give, or None if not read here."""
        if self._found is None:
            self._found = self._read()
        values, found = self._found.get(widget.kind, ((), {}))
        if not chosen.issubset(values):
            return None
        return [obj for value, obj in found.items() if value in chosen]

    def _read(self):
        groups = {}
        for kind, (widget, values) in self._wanted.items():
            if not values:
                continue
            queryset = widget.choices.queryset.using(widget.db)
            try:
                # Fields whose querysets read the same rows in the same order share one query.
                sql = queryset.query.sql_with_params()
            except EmptyResultSet:
                continue
            group = groups.setdefault((queryset.model, widget.to_field_name, queryset.db, sql), [queryset, set(), []])
            group[1] |= values
            group[2].append(kind)
        read = {}
        for (model, to_field_name, _, _), (queryset, values, kinds) in groups.items():
            usable = _values_naming_rows(model, to_field_name, values)
            rows = queryset.filter(**{f"{to_field_name}__in": usable}).select_related(
                *LABEL_SELECT_RELATED.get(model, ())
            )
            found = {str(getattr(obj, to_field_name)): obj for obj in rows}
            for kind in kinds:
                read[kind] = (values, found)
        return read


def _values_naming_rows(model, to_field_name, values):
    """The chosen values that can name a row. A form sent back with "abc" or a number too big for the column (its
    errors say so) draws that box empty, as a choice naming no row, instead of failing the page's query."""
    field = model._meta.pk if to_field_name == "pk" else model._meta.get_field(to_field_name)
    usable = set()
    for value in values:
        try:
            value = field.to_python(value)
        except ValidationError:
            continue
        if not isinstance(value, int) or -LARGEST_KEY <= value <= LARGEST_KEY:
            usable.add(value)
    return usable


# What an option's label (the record's __str__) reads beyond its own row, by the model chosen.
LABEL_SELECT_RELATED = {Reaction: ("incident", "person", "organization", "country")}


class PageAutocompleteMixin:
    """An autocomplete whose chosen options come from the page's ChosenOptions when it has them, and whose
    address is reversed once."""

    chosen_options = None

    @property
    def media(self):
        # After Django's autocomplete.js, whose set-up of every box at once it spreads out (see the file): named
        # together, since Django orders the files of two lists it merges only as each list orders them.
        return super().media + forms.Media(
            js=["admin/js/autocomplete.js", "events/admin/autocomplete-deferred.js"],
            css={"screen": ["events/admin/autocomplete-deferred.css"]},
        )

    def get_url(self):
        return cached_reverse(self.url_name % self.admin_site.name)

    @property
    def kind(self):
        return (self.field, self.db)

    @property
    def to_field_name(self):
        remote_opts = self.field.remote_field.model._meta
        return remote_opts.get_field(getattr(self.field.remote_field, "field_name", remote_opts.pk.attname)).attname

    def chosen_values(self, value):
        return {str(v) for v in value if str(v) not in self.choices.field.empty_values}

    def optgroups(self, name, value, attr=None):
        selected_choices = self.chosen_values(value)
        if not selected_choices:
            objects = []  # nothing chosen (the inlines' blank row for "Add another"): nothing to read
        elif self.chosen_options is not None:
            objects = self.chosen_options.objects(self, selected_choices)
        else:
            objects = None
        if objects is None:
            return super().optgroups(name, value, attr)
        # As AutocompleteMixin.optgroups (Django 5.2), over the objects read for the whole page.
        default = (None, [], 0)
        has_selected = False
        if not self.is_required and not self.allow_multiple_selected:
            default[1].append(self.create_option(name, "", "", False, 0))
        to_field_name = self.to_field_name
        for obj in objects:
            option_value = getattr(obj, to_field_name)
            selected = str(option_value) in value and (has_selected is False or self.allow_multiple_selected)
            has_selected |= selected
            default[1].append(
                self.create_option(
                    name,
                    option_value,
                    self.choices.field.label_from_instance(obj),
                    selected_choices,
                    len(default[1]),
                )
            )
        return [default]


class PageAutocompleteSelect(PageAutocompleteMixin, AutocompleteSelect):
    pass


class PageAutocompleteSelectMultiple(PageAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class InlineAdminFormSet(helpers.InlineAdminFormSet):
    @property
    def media(self):
        # Every form of a formset has the same widgets, hence the same media (Django's own BaseFormSet.media
        # reads the first form's); Django's InlineAdminFormSet built and merged the media of every row.
        return self.opts.media + self.formset.media


class RelatedLinksWrapper(RelatedFieldWidgetWrapper):
    """Django's wrapper of a related field's widget, each address of its links reversed once per URLconf and
    script prefix."""

    def get_related_url(self, info, action, *args):
        return cached_reverse("admin:{}_{}_{}".format(*info, action), args=args, current_app=self.admin_site.name)
