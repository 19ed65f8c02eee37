"""The public site: the archive's front page, a filterable list and a page for every published record.

Lists are FilterViews whose get_queryset() hands the filterset the model's `for_list()`; details are
DetailViews over `for_detail()`. Both only ever see published rows, so drafts cannot leak through a view.
"""

from django.conf import settings
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import filters
from .models import Attribution, CasualtyFigure, Incident, Organization, Person, Place, Reaction
from .querysets import PERPETRATOR_KINDS

KERMAN_SLUG = "2024-kerman-bombings"


def grouped(items, key, choices):
    """[(label, [items...]), ...] in the order of `choices`, leaving out empty groups."""
    buckets = {value: [] for value, _ in choices}
    for item in items:
        buckets.setdefault(getattr(item, key), []).append(item)
    labels = dict(choices)
    return [(labels.get(value, value), rows) for value, rows in buckets.items() if rows]


def incidents_of(*record_groups):
    """The distinct incidents of attributions and reactions, oldest first."""
    seen = {}
    for records in record_groups:
        for record in records:
            seen.setdefault(record.incident_id, record.incident)
    return sorted(seen.values(), key=lambda incident: (incident.date is None, incident.date, incident.title))


def perpetrators_of(attributions):
    """Attributions naming who is behind an incident, one per party and kind (a group claiming twice shows once)."""
    seen, found = set(), []
    for attribution in attributions:
        party = (attribution.responsible_name, attribution.kind)
        if attribution.kind in PERPETRATOR_KINDS and party not in seen:
            seen.add(party)
            found.append(attribution)
    return found


class SectionMixin:
    """Tells the base template which part of the site the page belongs to."""

    section = ""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("section", self.section)
        return super().get_context_data(**kwargs)


class RecordListView(SectionMixin, FilterView):
    """A paginated, filterable list of published records."""

    intro = ""

    def get_paginate_by(self, queryset):
        return settings.EVENTS_PAGE_SIZE

    def get_queryset(self):
        return self.model.objects.for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meta = self.model._meta
        page = context["page_obj"]
        context.update(
            page_title=str(meta.verbose_name_plural).capitalize(),
            noun=meta.verbose_name,
            noun_plural=meta.verbose_name_plural,
            intro=self.intro,
            list_url=self.request.path,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1) if page else [],
        )
        return context


class HomeView(SectionMixin, TemplateView):
    template_name = "events/home.html"
    section = "home"

    def get_context_data(self, **kwargs):
        incidents = Incident.objects.for_list()
        featured = (
            incidents.filter(slug=KERMAN_SLUG).first()
            or incidents.order_by(*filters.IncidentFilter.ORDERINGS["most-killed"]).first()
        )
        latest = incidents
        if featured is not None:
            latest = latest.exclude(pk=featured.pk)
        kwargs.update(
            featured=featured,
            latest_incidents=latest[:5],
            counts=[
                ("incidents", "Incidents", incidents.count(), "events:incident-list"),
                ("people", "People", Person.objects.published().count(), "events:person-list"),
                (
                    "organizations",
                    "Organizations",
                    Organization.objects.published().count(),
                    "events:organization-list",
                ),
                ("reactions", "Reactions", Reaction.objects.published().count(), "events:reaction-list"),
                ("places", "Places", Place.objects.published().count(), "events:place-list"),
            ],
        )
        return super().get_context_data(**kwargs)


class IncidentListView(RecordListView):
    model = Incident
    intro = "Every published incident, newest first. Filter by date, type, place, perpetrator or death toll."
    filterset_class = filters.IncidentFilter
    section = "incidents"


class IncidentDetailView(SectionMixin, DetailView):
    # The page cites the sources of each timeline entry too, which for_detail() does not fetch.
    queryset = Incident.objects.for_detail()
    section = "incidents"

    def get_context_data(self, **kwargs):
        incident = self.object
        attributions = list(incident.attributions.all())
        place_chain = []
        if incident.place is not None:
            place_chain = [p for p in [incident.place, *incident.place.ancestors()] if p.is_published]
        kwargs.update(
            place_chain=place_chain,
            figures_by_kind=grouped(incident.casualty_figures.all(), "kind", CasualtyFigure.Kind.choices),
            attributions_by_kind=grouped(attributions, "kind", Attribution.Kind.choices),
            perpetrators=perpetrators_of(attributions),
            reactions_by_category=grouped(incident.reactions.all(), "category", Reaction.Category.choices),
            links_out=incident.links_out.all(),
            links_in=incident.links_in.all(),
        )
        return super().get_context_data(**kwargs)


class PersonListView(RecordListView):
    model = Person
    intro = "People who appear in the archive: perpetrators, officials, commanders and those who reacted."
    filterset_class = filters.PersonFilter
    section = "people"


class PersonDetailView(SectionMixin, DetailView):
    queryset = Person.objects.for_detail()
    section = "people"

    def get_context_data(self, **kwargs):
        person = self.object
        reactions = person.reactions.all()
        held_responsible = person.attributed_incidents.all()
        attributions_made = person.attributions_made.all()
        kwargs["incidents"] = incidents_of(held_responsible, attributions_made, reactions)
        return super().get_context_data(**kwargs)


class OrganizationListView(RecordListView):
    model = Organization
    intro = "Governments, agencies, armed groups, media and international bodies named in the records."
    filterset_class = filters.OrganizationFilter
    section = "organizations"


class OrganizationDetailView(SectionMixin, DetailView):
    queryset = Organization.objects.for_detail()
    section = "organizations"

    def get_context_data(self, **kwargs):
        organization = self.object
        kwargs["incidents"] = incidents_of(
            organization.attributed_incidents.all(),
            organization.attributions_made.all(),
            organization.reactions.all(),
        )
        return super().get_context_data(**kwargs)


class ReactionListView(RecordListView):
    model = Reaction
    intro = "Statements and acts in response to incidents, by country, organization and person."
    filterset_class = filters.ReactionFilter
    section = "reactions"

    def get_queryset(self):
        return super().get_queryset().in_article_order()


class ReactionDetailView(SectionMixin, DetailView):
    queryset = Reaction.objects.for_detail()
    section = "reactions"


class PlaceListView(RecordListView):
    model = Place
    intro = "Countries, provinces, cities and sites where incidents happened or actors come from."
    filterset_class = filters.PlaceFilter
    section = "places"


class PlaceDetailView(SectionMixin, DetailView):
    queryset = Place.objects.for_detail()
    section = "places"

    def get_context_data(self, **kwargs):
        place = self.object
        kwargs.update(
            ancestors=[p for p in reversed(place.ancestors()) if p.is_published],
            children=place.children.published(),
            incidents=Incident.objects.for_list().in_place(place)[: settings.EVENTS_PAGE_SIZE + 1],
            incidents_shown=settings.EVENTS_PAGE_SIZE,
            organizations=place.organizations.for_list() if place.kind == Place.Kind.COUNTRY else [],
        )
        return super().get_context_data(**kwargs)
