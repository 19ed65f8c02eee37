"""Filters for the API's types that have no public list (and so no FilterSet in events/filters.py): kept to
the record they belong to and their code. The five listed types use their public list's FilterSet."""

import django_filters

from ..models import Attribution, CasualtyFigure, Incident, Organization, Person, Role, TimelineEntry


class IncidentRowFilter(django_filters.FilterSet):
    incident = django_filters.ModelChoiceFilter(
        queryset=Incident.objects.published(), to_field_name="slug", help_text="The incident's slug."
    )


class CasualtyFigureFilter(IncidentRowFilter):
    kind = django_filters.ChoiceFilter(choices=CasualtyFigure.Kind.choices)

    class Meta:
        model = CasualtyFigure
        fields = []


class AttributionFilter(IncidentRowFilter):
    kind = django_filters.ChoiceFilter(choices=Attribution.Kind.choices)

    class Meta:
        model = Attribution
        fields = []


class TimelineEntryFilter(IncidentRowFilter):
    class Meta:
        model = TimelineEntry
        fields = []


class RoleFilter(django_filters.FilterSet):
    person = django_filters.ModelChoiceFilter(
        queryset=Person.objects.published(), to_field_name="slug", help_text="The person's slug."
    )
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.published(), to_field_name="slug", help_text="The organization's slug."
    )

    class Meta:
        model = Role
        fields = []
