"""The map of incidents (/map/): the incident list's filters, a server-drawn SVG map of the places holding the
incidents they give, and the same points as a table for screen readers and print."""

from django.urls import reverse
from django_filters.views import FilterView

from . import filters, maps
from .caching import cached
from .models import Incident
from .views import SectionMixin

# Parameters of the list that mean nothing on a map: its page and its order.
NOT_MAP_PARAMETERS = ("page", "ordering")


class MapView(SectionMixin, FilterView):
    """The incidents the list's filters give, counted per place in one query (maps.incident_markers), never
    loaded one by one. An address the filters cannot understand shows their errors and an empty map."""

    model = Incident
    filterset_class = filters.IncidentFilter
    template_name = "events/map.html"
    section = "map"

    def get_queryset(self):
        return Incident.objects.for_list()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # A map has no order: the list's "Sort by" is left out of its form (the form is built on first use).
        filterset.filters.pop("ordering", None)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        query = self.request.GET.copy()
        for name in NOT_MAP_PARAMETERS:
            query.pop(name, None)
        list_url = reverse("events:incident-list")

        def incidents_at(marker):
            narrowed = query.copy()
            narrowed["place"] = marker.place.slug
            return f"{list_url}?{narrowed.urlencode()}"

        # Remembered per filter state until the next edit, like the list's counts (events.caching): at 100,000
        # incidents in 3,000 places the count per place and the places' tree take ~0.5 s.
        invalid = filterset.is_bound and not filterset.is_valid()

        def markers():
            # The place tree the filters and facets read too (read once a request).
            return maps.incident_markers(self.object_list, parent_ids=filterset.place_parents())

        points = markers() if invalid else cached("map-points", filterset.filter_state(), markers)
        incident_map = maps.incident_map(points.markers, url_for=incidents_at)
        context.update(
            incident_map=incident_map,
            points=points,
            unplaced=points.unplaced,
            placed=points.placed,
            invalid=invalid,
            active_filters=filterset.active_filters(),
            list_url=self.request.path,
            incident_list_url=f"{list_url}?{query.urlencode()}" if query else list_url,
            noun_plural="incidents",
        )
        return context
