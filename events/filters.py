"""The FilterSets behind the public lists. Each filters the published queryset its view hands it.

Choices name records by slug, so a filtered list has a readable, shareable address
(`/incidents/?place=kerman&kind=bombing`). Invalid values make the form invalid, and FilterView then
shows no rows, the form's errors, and never a server error.
"""

from functools import reduce
from operator import and_, or_

import django_filters
from django import forms
from django.db.models import F, Q

from .models import Incident, Organization, Person, Place, Reaction, Stance


def text_search(queryset, fields, value):
    """Rows where every word of `value` appears (case-insensitively) in at least one of `fields`."""
    words = value.split()
    if not words:
        return queryset
    conditions = [reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)) for word in words]
    return queryset.filter(reduce(and_, conditions))


class SearchFilter(django_filters.CharFilter):
    """A free-text box searching several fields at once."""

    def __init__(self, *args, search_fields, **kwargs):
        kwargs.setdefault("label", "Search")
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search"}))
        super().__init__(*args, **kwargs)
        self.search_fields = search_fields

    def filter(self, qs, value):
        if not value:
            return qs
        return text_search(qs, self.search_fields, value)


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IncidentFilter(django_filters.FilterSet):
    ORDERINGS = {
        "newest": (F("date").desc(nulls_last=True), "title"),
        "oldest": (F("date").asc(nulls_last=True), "title"),
        "most-killed": (F("killed").desc(nulls_last=True), F("date").desc(nulls_last=True), "title"),
        "title": ("title",),
    }

    q = SearchFilter(
        search_fields=("title", "summary", "description", "target", "place__name"),
        help_text="Words in the title, summary, description, target or place name.",
    )
    date_after = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From date", widget=date_input(), help_text="YYYY-MM-DD"
    )
    date_before = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To date", widget=date_input(), help_text="YYYY-MM-DD"
    )
    kind = django_filters.ChoiceFilter(choices=Incident.Kind.choices, label="Type", empty_label="Any type")
    place = django_filters.ModelChoiceFilter(
        queryset=Place.objects.incident_places_and_countries(),
        to_field_name="slug",
        method="filter_place",
        label="Place",
        empty_label="Anywhere",
        help_text="The place and everywhere inside it.",
    )
    perpetrator = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.named_perpetrators(),
        to_field_name="slug",
        method="filter_perpetrator",
        label="Perpetrator",
        empty_label="Any perpetrator",
        help_text="Organizations that claimed it or were assessed, stated or identified as behind it.",
    )
    min_killed = django_filters.NumberFilter(
        field_name="killed",
        lookup_expr="gte",
        label="At least this many killed",
        min_value=0,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1}),
    )
    ordering = django_filters.ChoiceFilter(
        choices=[
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
            ("most-killed", "Most killed first"),
            ("title", "Title (A–Z)"),
        ],
        method="order",
        label="Order",
        empty_label=None,
    )

    class Meta:
        model = Incident
        fields = []

    def filter_place(self, queryset, name, value):
        return queryset.in_place(value) if value else queryset

    def filter_perpetrator(self, queryset, name, value):
        return queryset.attributed_to(value) if value else queryset

    def order(self, queryset, name, value):
        return queryset.order_by(*self.ORDERINGS.get(value, self.ORDERINGS["newest"]))


class PersonFilter(django_filters.FilterSet):
    q = SearchFilter(
        search_fields=("name", "aliases", "description"), help_text="Words in the name, aliases or description."
    )
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.with_public_members(),
        field_name="roles__organization",
        to_field_name="slug",
        label="Organization",
        empty_label="Any organization",
        distinct=True,
    )
    nationality = django_filters.ModelChoiceFilter(
        queryset=Place.objects.countries(),
        field_name="nationalities",
        to_field_name="slug",
        label="Nationality",
        empty_label="Any nationality",
        distinct=True,
    )

    class Meta:
        model = Person
        fields = []


class OrganizationFilter(django_filters.FilterSet):
    q = SearchFilter(
        search_fields=("name", "short_name", "aliases", "description"),
        help_text="Words in the name, short name, aliases or description.",
    )
    kind = django_filters.ChoiceFilter(choices=Organization.Kind.choices, label="Type", empty_label="Any type")
    country = django_filters.ModelChoiceFilter(
        queryset=Place.objects.countries(), to_field_name="slug", label="Country", empty_label="Any country"
    )
    parent = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.with_branches(),
        to_field_name="slug",
        label="Part of",
        empty_label="Any organization",
    )

    class Meta:
        model = Organization
        fields = []


class ReactionFilter(django_filters.FilterSet):
    q = SearchFilter(
        search_fields=(
            "summary",
            "quote",
            "actor_label",
            "person__name",
            "organization__name",
            "organization__short_name",
            "country__name",
        ),
        help_text="Words in the summary, the quote or the name of who reacted.",
    )
    incident = django_filters.ModelChoiceFilter(
        queryset=Incident.objects.with_reactions(), to_field_name="slug", label="Incident", empty_label="Any incident"
    )
    category = django_filters.ChoiceFilter(choices=Reaction.Category.choices, label="Category", empty_label="Any")
    stance = django_filters.ModelChoiceFilter(
        queryset=Stance.objects.all(),
        field_name="stances",
        to_field_name="slug",
        label="Stance",
        empty_label="Any stance",
        distinct=True,
    )
    country = django_filters.ModelChoiceFilter(
        queryset=Place.objects.countries(), to_field_name="slug", label="Country", empty_label="Any country"
    )

    class Meta:
        model = Reaction
        fields = []


class PlaceFilter(django_filters.FilterSet):
    q = SearchFilter(
        search_fields=("name", "native_name", "description"), help_text="Words in the name or description."
    )
    kind = django_filters.ChoiceFilter(choices=Place.Kind.choices, label="Type", empty_label="Any type")
    country = django_filters.ModelChoiceFilter(
        queryset=Place.objects.countries(),
        to_field_name="slug",
        method="filter_country",
        label="Country",
        empty_label="Any country",
        help_text="Places inside this country, however deep.",
    )
    parent = django_filters.ModelChoiceFilter(
        queryset=Place.objects.with_children(),
        to_field_name="slug",
        label="Directly inside",
        empty_label="Anywhere",
    )

    class Meta:
        model = Place
        fields = []

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Place.objects.descendant_ids(value) - {value.pk})
