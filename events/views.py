"""The public site: the archive's front page, faceted lists with their exports, search, the timeline, and a
page for every published record.

Lists are FilterViews whose get_queryset() hands the filterset the model's `for_list()`; details are
DetailViews over `for_detail()`. Both only ever see published rows, so drafts cannot leak through a view;
the one exception is a staff member previewing a draft's page, which is marked as such and never cached.
"""

import datetime as dt
from collections import Counter, OrderedDict

from django.conf import settings
from django.db import router
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.dateformat import format as date_format
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import aggregates, caching, charts, filters, linked_data, place_tree, registry, revisions, search
from .caching import cached, cached_count, content_version
from .exports import EXPORTERS, written_out
from .forms import TimelineForm
from .models import (
    PERPETRATOR_KINDS,
    Attribution,
    CasualtyFigure,
    DatePrecision,
    Incident,
    Organization,
    Person,
    Place,
    Reaction,
    Revision,
    first_timeline_entries_in,
    prefetch_record,
    prefetch_sources,
    public_timeline_entries,
    related_links,
)
from .pagination import ArchivePaginator, PageMissing, first_matches, page_number
from .search import search_words, site_search
from .search import summary as search_summary
from .statements import keyed_queryset

KERMAN_SLUG = "2024-kerman-bombings"


def grouped(items, key, choices, with_values=False):
    """[(label, [items...]), ...] in the order of `choices`, leaving out empty groups; with_values:
    [(value, label, [items...]), ...], for pages that link each group to its filtered list."""
    buckets = {value: [] for value, _ in choices}
    for item in items:
        buckets.setdefault(getattr(item, key), []).append(item)
    labels = dict(choices)
    if with_values:
        return [(value, labels.get(value, value), rows) for value, rows in buckets.items() if rows]
    return [(labels.get(value, value), rows) for value, rows in buckets.items() if rows]


def stance_counts(reactions):
    """[(stance, number of the reactions taking it)], most taken first: the incident page's links to its
    reactions narrowed by stance. Reads the prefetched stances, so costs no query."""
    counts, stances = Counter(), {}
    for reaction in reactions:
        for stance in reaction.stances.all():
            counts[stance.pk] += 1
            stances[stance.pk] = stance
    return [
        (stances[pk], number) for pk, number in sorted(counts.items(), key=lambda kv: (-kv[1], str(stances[kv[0]])))
    ]


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


def other_figures_by_kind(figures):
    """{kind: [the other whole-incident figures]}, for 'also reported' beside the preferred headline figure.
    Counts of a group (students, paramedics) are breakdowns, not competing figures: the table lists them."""
    found = {}
    for figure in figures:
        if figure.group == "" and figure.rank != CasualtyFigure.Rank.PREFERRED:
            found.setdefault(figure.kind, []).append(figure)
    return found


class SectionMixin:
    """Tells the base template which part of the site the page belongs to."""

    section = ""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("section", self.section)
        return super().get_context_data(**kwargs)


class RecordListView(SectionMixin, FilterView):
    """A paginated, faceted, sortable list of published records that downloads as CSV and JSON."""

    intro = ""
    export_key = ""
    # One layout for every list: each row is drawn by its record type's item template.
    template_name = "events/list_base.html"

    paginator_class = ArchivePaginator

    def get_paginate_by(self, queryset):
        return settings.EVENTS_PAGE_SIZE

    def get_queryset(self):
        return self.model.objects.for_list()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except PageMissing as missing:
            return self.page_missing(missing)

    def search_cap(self):
        """The most matches a searched list holds (search.MAX_COUNTED), or None for a list without a search."""
        filterset = getattr(self, "filterset", None)
        if filterset is None or not filterset.is_bound or not filterset.is_valid():
            return None
        return search.MAX_COUNTED if search_words(filterset.form.cleaned_data.get("q")) else None

    def paginate_queryset(self, queryset, page_size):
        cap = self.search_cap()
        found = {}
        if cap is not None:
            keys = self.filterset.list_match_keys()
            queryset = first_matches(self.filterset.queryset, queryset, cap, keys=keys)
            # Every key is a row of the list, so their number is its total: counting it again would remember a
            # total under the filters without what the search read (an edit that makes a record match).
            found["count"] = len(keys)
        paginator = self.get_paginator(
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
            cap=cap,
            **found,
        )
        number = page_number(paginator, self.request.GET.get(self.page_kwarg) or 1)
        page = paginator.page(number)
        return paginator, page, page.object_list, page.has_other_pages()

    def page_missing(self, missing):
        query = self.request.GET.copy()
        query["page"] = missing.paginator.num_pages
        context = {
            "section": self.section,
            "asked": missing.asked,
            "num_pages": missing.paginator.num_pages,
            "capped": missing.paginator.capped,
            "cap": missing.paginator.cap,
            "noun_plural": self.model._meta.verbose_name_plural,
            "last_page_query": query.urlencode(),
            "list_url": self.request.path,
        }
        return render(self.request, "events/page_missing.html", context, status=404)

    def get_paginator(self, queryset, per_page, **kwargs):
        # The total depends only on the filters (not on the order or page): counted once per filter state.
        filterset = getattr(self, "filterset", None)
        if filterset is not None and (not filterset.is_bound or filterset.is_valid()):
            # The unfiltered list, or one filtered by one value of one facet: its total is kept as records change.
            stored = filterset.stored_count()
            if stored is None and "count" not in kwargs:
                # Counted with the facets, when they were (a searched list's is the number of its keys, above).
                stored = filterset.counted_total()
            if stored is not None:
                kwargs["count"] = stored
            kwargs["count_key"] = ("list", type(filterset).__name__, filterset.filter_state(), kwargs.get("cap"))
        return super().get_paginator(queryset, per_page, **kwargs)

    def get_context_data(self, **kwargs):
        # The rendered filter form (its options and counts) is cached per filter state like the counts; the
        # versions it depends on (the records it names among them) are read with the counts'.
        form_key = f"{type(self.filterset).__name__}:{self.filterset.form_state()}" if settings.COUNT_CACHE else None
        if form_key:
            caching.expect("fragment", ("filter-form", form_key))
        context = super().get_context_data(**kwargs)
        meta = self.model._meta
        page = context["page_obj"]
        filterset = context["filter"]
        query = self.request.GET.copy()
        query.pop("page", None)
        export_query = f"?{query.urlencode()}" if query else ""
        context.update(
            page_title=str(meta.verbose_name_plural).capitalize(),
            noun=meta.verbose_name,
            noun_plural=meta.verbose_name_plural,
            intro=self.intro,
            list_url=self.request.path,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1) if page else [],
            active_filters=filterset.active_filters(),
            filter_form_key=form_key,
            sort_links=filterset.sort_links(),
            exports=[
                ("CSV", reverse(f"events:{self.export_key}-export", kwargs={"format": "csv"}) + export_query),
                ("JSON", reverse(f"events:{self.export_key}-export", kwargs={"format": "json"}) + export_query),
            ],
        )
        return context


class ExportView(View):
    """A list's rows, with the list's filters and order, as a CSV or JSON file.

    The file is written out whole before the first byte is sent, to a temporary file on disk (memory stays
    flat), and then sent with its Content-Length. So a download that cannot complete never looks complete: an
    export that fails while it is written is a 500, not a 200 with a short file; one cut off while it is sent
    has fewer bytes than it announced, which every HTTP client reports (curl exits 18, browsers mark the
    download failed, Python's http.client raises IncompleteRead), HTTP/1.0 clients included. And the database
    is read at full speed and let go before a slow reader starts downloading.
    """

    list_view = None
    content_types = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

    def get_queryset(self):
        return self.list_view.model.objects.for_export()

    def get(self, request, format):
        list_view = self.list_view
        filterset = list_view.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        if filterset.is_bound and not filterset.is_valid():
            errors = "; ".join(
                f"{filterset.filters[name].label}: {' '.join(messages)}" for name, messages in filterset.errors.items()
            )
            return HttpResponseBadRequest(
                f"Some filter values could not be understood ({errors}). Correct them and download again.",
                content_type="text/plain; charset=utf-8",
            )
        exporter = EXPORTERS[list_view.export_key](request)
        records = exporter.records(filterset.qs, format)
        if format == "csv":
            content = exporter.csv_rows(records)
        else:
            active = {name: request.GET[name] for name in filterset.filters if request.GET.get(name)}
            content = exporter.json_chunks(records, active)
        return FileResponse(
            written_out(content),
            content_type=self.content_types[format],
            as_attachment=True,
            filename=f"{exporter.noun_plural}.{format}",
        )


class ReactionExportView(ExportView):
    def get_queryset(self):
        return super().get_queryset().in_article_order()


class HomeView(SectionMixin, TemplateView):
    template_name = "events/home.html"
    section = "home"

    def get_context_data(self, **kwargs):
        # Both queries compiled once per process (events/statements.py): a fifth of the page's CPU was compiling.
        incidents = Incident.objects.for_list
        using = router.db_for_read(Incident)
        named = keyed_queryset(("home", "featured"), lambda slug: incidents().filter(slug=slug)[:1], KERMAN_SLUG, using)
        _label, deadliest_first = filters.IncidentFilter.ORDERINGS["most-killed"]
        featured = next(iter(named), None) or incidents().order_by(*deadliest_first).first()
        if featured is not None:
            latest = keyed_queryset(("home", "latest"), lambda pk: incidents().exclude(pk=pk)[:5], featured.pk, using)
        else:
            latest = incidents()[:5]
        kwargs.update(
            featured=featured,
            latest_incidents=latest,
            counts=self.counts(),
        )
        return super().get_context_data(**kwargs)

    def counts(self):
        """[(prefix, label, published records, list URL name)], read from the stored totals in one query
        (events/aggregates.py); a type whose counts are not stored is counted and cached until the next edit."""
        types = [record_type for record_type in registry.menu() if record_type.home_count]
        stored = aggregates.home_counts(
            [t.model._meta.label_lower for t in types if t.model._meta.label_lower in aggregates.LISTS]
        )
        return [
            (
                t.prefix,
                t.label,
                stored.get(t.model._meta.label_lower)
                if t.model._meta.label_lower in stored
                else cached_count(t.model.objects.published(), f"home-{t.prefix}"),
                t.url_name("list"),
            )
            for t in types
        ]


class SearchView(SectionMixin, TemplateView):
    """One box over every kind of record: names, aliases, summaries and quotes, grouped by kind with counts."""

    template_name = "events/search.html"
    section = "search"

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()[:200]
        groups = site_search(query) if search_words(query) else []
        total, total_capped = search_summary(groups)
        kwargs.update(query=query, groups=groups, total=total, total_capped=total_capped)
        return super().get_context_data(**kwargs)


class TimelineItem:
    """An incident or a timeline entry on the timeline page, with what the page needs to show and sort it."""

    def __init__(self, *, kind, date, precision, title, url, incident, record, sequence=0):
        self.kind, self.date, self.precision, self.title = kind, date, precision, title
        self.url, self.incident, self.record, self.sequence = url, incident, record, sequence

    @property
    def sort_key(self):
        return (self.date, self.kind != "incident", self.sequence, self.title)


def incident_item(incident):
    return TimelineItem(
        kind="incident",
        date=incident.date,
        precision=incident.date_precision,
        title=incident.title,
        url=incident.get_absolute_url(),
        incident=incident,
        record=incident,
    )


def entry_item(entry):
    return TimelineItem(
        kind="entry",
        date=entry.date,
        precision=entry.date_precision,
        title=entry.title,
        url=f"{entry.incident.get_absolute_url()}#entry-{entry.key}",
        incident=entry.incident,
        record=entry,
        sequence=entry.sequence,
    )


class TimelineView(SectionMixin, TemplateView):
    """Incidents and the developments of each, in chronological pages grouped by year and month.

    A page holds at most settings.EVENTS_TIMELINE_SIZE items from its `start` date on, and ends on a day
    boundary so that the next page starts on the following day; "earlier" and "later" move by dates, which
    the date indexes find directly, so a page costs the same anywhere in a timeline of any length.
    """

    template_name = "events/timeline.html"
    section = "timeline"

    def get_context_data(self, **kwargs):
        form = TimelineForm(self.request.GET or None)
        items, undated, earlier, later = [], [], None, None
        if not form.is_bound or form.is_valid():
            data = form.cleaned_data if form.is_bound else {}
            incidents, entries = self.sources(data)
            size = settings.EVENTS_TIMELINE_SIZE
            start = data.get("start")
            items = self.window(incidents, entries, data, start, size + 1, forward=True)
            if len(items) > size:
                later = items[size].date
                kept = [item for item in items[:size] if item.date < later]
                items = kept or items[:size]
                if not kept:  # more than a page on one day: the next page starts the day after
                    later = later + dt.timedelta(days=1)
            if start is not None:
                before = self.window(incidents, entries, data, start, size, forward=False)
                earlier = before[0].date if before else None
            if later is None and data.get("show") != "entries":
                undated = [incident_item(incident) for incident in incidents.filter(date=None)[:size]]
        query = self.request.GET.copy()
        query.pop("start", None)
        kwargs.update(
            form=form,
            years=self.group(items),
            undated=undated,
            count=len(items) + len(undated),
            earlier_query=self.start_query(query, earlier),
            later_query=self.start_query(query, later),
        )
        return super().get_context_data(**kwargs)

    @staticmethod
    def start_query(query, start):
        if start is None:
            return None
        query = query.copy()
        query["start"] = start.isoformat()
        return query.urlencode()

    @staticmethod
    def sources(data):
        incidents = Incident.objects.for_list()
        entries = public_timeline_entries()
        if data.get("incident"):
            named = [incident.pk for incident in data["incident"]]
            incidents = incidents.filter(pk__in=named)
            entries = entries.filter(incident__in=named)
        if data.get("kind"):
            incidents = incidents.filter(kind=data["kind"])
            entries = entries.filter(incident__kind=data["kind"])
        return incidents, entries

    @staticmethod
    def window(incidents, entries, data, start, limit, forward):
        """Up to `limit` items from `start` on (forward) or just before it, in timeline order."""
        if forward:
            incidents = incidents.filter(date__isnull=False).order_by("date", "title")
            entries = entries.order_by("date", "sequence")
            if start is not None:
                incidents, entries = incidents.filter(date__gte=start), entries.filter(date__gte=start)
        else:
            incidents = incidents.filter(date__lt=start).order_by("-date", "-title")
            entries = entries.filter(date__lt=start).order_by("-date", "-sequence")
        found = []
        if data.get("show") != "entries":
            found += [incident_item(incident) for incident in incidents[:limit]]
        if data.get("show") != "incidents":
            found += [entry_item(entry) for entry in entries[:limit]]
        found.sort(key=lambda item: item.sort_key, reverse=not forward)
        found = found[:limit]
        return found if forward else found[::-1]

    @staticmethod
    def group(items):
        """[(year, [(month label, [items])])]: year-only items under '{year}, month unknown', first in the year."""
        years = OrderedDict()
        for item in sorted(items, key=lambda i: i.sort_key):
            months = years.setdefault(item.date.year, OrderedDict())
            if item.precision == DatePrecision.YEAR:
                label = f"{item.date.year}, month unknown"
                key = (0, 0)
            else:
                label = date_format(item.date, "F Y")
                key = (1, item.date.month)
            months.setdefault(key, (label, []))[1].append(item)
        return [(year, [months[key] for key in sorted(months)]) for year, months in years.items()]


class DraftPreviewMixin:
    """Staff may open the page of a record that is not public: it says so and is never cached."""

    def get_queryset(self):
        return self.model.objects.for_detail(include_unpublished=self.staff_preview())

    def get_object(self, queryset=None):
        """The record named by the address, its query compiled once per process and view (the record with its
        joins and current revision, as get_queryset() builds it for any slug), then the relations its page
        shows (`prefetch_record`)."""
        record = super().get_object(queryset) if queryset is not None else self._record_named()
        prefetch_record(record, "page", self.model.objects.page_prefetches)
        return record

    def _record_named(self):
        found = list(
            keyed_queryset(
                ("record page", type(self).__module__, type(self).__qualname__, self.staff_preview()),
                lambda slug: self.get_queryset().filter(slug=slug).order_by()[:2],
                self.kwargs[self.slug_url_kwarg],
                router.db_for_read(self.model),
            )
        )
        if len(found) != 1:
            raise Http404(f"No {self.model._meta.verbose_name} found matching the query")
        return found[0]

    def staff_preview(self):
        user = self.request.user
        return user.is_active and user.is_staff

    def is_public(self, record):
        return record.is_published

    def get_context_data(self, **kwargs):
        kwargs.setdefault("is_draft", not self.is_public(self.object))
        return super().get_context_data(**kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context.get("is_draft"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class CurrentRevisionMixin:
    """The page says which revision it shows ("Revision 7, 2 December 2026"), with its permanent address.

    The current public revision's number and date are read with the record, as two subqueries of its query,
    instead of loading the revision (and its content type, for its address) in two more."""

    def get_queryset(self):
        current = Revision.objects.of_model(self.model, OuterRef("pk")).public().order_by("-number")
        return (
            super()
            .get_queryset()
            .annotate(
                current_revision_number=Subquery(current.values("number")[:1]),
                current_revision_at=Subquery(current.values("created_at")[:1]),
            )
        )

    def get_context_data(self, **kwargs):
        record = self.object
        if record.current_revision_number is not None and record.is_published:
            kwargs["current_revision"] = Revision(
                object_id=record.pk,
                number=record.current_revision_number,
                created_at=record.current_revision_at,
                state=Revision.State.LIVE,
                public=True,
            )
            kwargs["revision_url"] = revisions.permalink(self.model, record.slug, record.current_revision_number)
        return super().get_context_data(**kwargs)


class IncidentDetailView(CurrentRevisionMixin, DraftPreviewMixin, SectionMixin, DetailView):
    model = Incident
    section = "incidents"

    def get_context_data(self, **kwargs):
        incident = self.object
        attributions = list(incident.attributions.all())
        figures = list(incident.casualty_figures.all())
        reactions = list(incident.reactions.all())
        prefetch_sources(
            [incident, *figures, *incident.timeline.all(), *attributions, *reactions, *incident.claims.all()]
        )
        links_out, links_in = related_links(incident)
        place_chain = []
        if incident.place is not None:
            place_chain = [p for p in [incident.place, *incident.place.ancestors()] if p.is_published]
        other_figures = other_figures_by_kind(figures)
        kwargs.update(
            place_chain=place_chain,
            figures_by_kind=grouped(figures, "kind", CasualtyFigure.Kind.choices),
            other_killed=other_figures.get(CasualtyFigure.Kind.KILLED, []),
            other_injured=other_figures.get(CasualtyFigure.Kind.INJURED, []),
            attributions_by_kind=grouped(attributions, "kind", Attribution.Kind.choices),
            perpetrators=perpetrators_of(attributions),
            reactions_by_category=grouped(reactions, "category", Reaction.Category.choices, with_values=True),
            reaction_stances=stance_counts(reactions),
            reaction_count=len(reactions),
            links_out=links_out,
            links_in=links_in,
            json_ld=linked_data.incident_data(self.request, incident),
        )
        return super().get_context_data(**kwargs)


class IncidentListView(RecordListView):
    model = Incident
    intro = "Every published incident, newest first. Filter by date, type, place, perpetrator or death toll."
    filterset_class = filters.IncidentFilter
    section = "incidents"
    export_key = "incident"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for name in ("page", "ordering"):
            query.pop(name, None)
        context["charts_url"] = reverse("events:charts") + (f"?{query.urlencode()}" if query else "")
        return context


class IncidentChartFilter(filters.IncidentFilter):
    """The incident list's filters without its sort, which a chart has no use for."""

    ordering = None


class ChartsView(SectionMixin, TemplateView):
    """Charts of the published archive: incidents and deaths per year with the incident list's filters, and the
    reactions to those incidents by category and by stance (events/charts.py draws them)."""

    template_name = "events/charts.html"
    section = "charts"

    def get_context_data(self, **kwargs):
        incidents = Incident.objects.for_list()
        filterset = IncidentChartFilter(self.request.GET or None, queryset=incidents, request=self.request)
        understood = not filterset.is_bound or filterset.is_valid()
        incident_charts, reaction_charts = [], []
        if understood:
            chosen = filterset.qs
            reactions = Reaction.objects.published()
            if filterset.active_filters():
                reactions = reactions.filter(incident__in=chosen.order_by().values("pk"))
            # Each counts every matching row (0.5-1.5 s a chart over 100,000 incidents and 300,000 reactions):
            # remembered per filter state until the next edit, as the lists' facet counts are.
            state = filterset.filter_state()
            incident_charts = cached("charts", ("incidents", state), lambda: charts.incident_charts(chosen))
            reaction_charts = cached("charts", ("reactions", state), lambda: charts.reaction_charts(reactions))
        query = self.request.GET.copy()
        kwargs.update(
            filter=filterset,
            understood=understood,
            active_filters=filterset.active_filters(),
            list_url=reverse("events:charts"),
            # The rendered form, its options and counts, remembered per filter state as the lists' are.
            filter_form_key=f"{content_version()[0]}:{type(filterset).__name__}:{filterset.form_state()}"
            if settings.COUNT_CACHE
            else None,
            incidents_url=reverse("events:incident-list") + (f"?{query.urlencode()}" if query else ""),
            noun_plural=Incident._meta.verbose_name_plural,
            incident_charts=incident_charts,
            reaction_charts=reaction_charts,
        )
        return super().get_context_data(**kwargs)


class PersonListView(RecordListView):
    model = Person
    intro = "People who appear in the archive: perpetrators, officials, commanders and those who reacted."
    filterset_class = filters.PersonFilter
    section = "people"
    export_key = "person"


class ActorDetailView(CurrentRevisionMixin, DraftPreviewMixin, SectionMixin, DetailView):
    """A person's or an organization's page: the incidents they are named in, and their linked data."""

    linked_data_builder = None

    def get_context_data(self, **kwargs):
        actor = self.object
        prefetch_sources([actor, *actor.claims.all()])
        kwargs["incidents"] = incidents_of(
            actor.attributed_incidents.all(), actor.attributions_made.all(), actor.reactions.all()
        )
        kwargs["json_ld"] = type(self).linked_data_builder(self.request, actor)
        return super().get_context_data(**kwargs)


class PersonDetailView(ActorDetailView):
    model = Person
    section = "people"
    linked_data_builder = linked_data.person_data


class OrganizationListView(RecordListView):
    model = Organization
    intro = "Governments, agencies, armed groups, media and international bodies named in the records."
    filterset_class = filters.OrganizationFilter
    section = "organizations"
    export_key = "organization"


class OrganizationDetailView(ActorDetailView):
    model = Organization
    section = "organizations"
    linked_data_builder = linked_data.organization_data


class ReactionListView(RecordListView):
    model = Reaction
    intro = "Statements and acts in response to incidents, by country, organization and person."
    filterset_class = filters.ReactionFilter
    section = "reactions"
    export_key = "reaction"

    def get_queryset(self):
        return super().get_queryset().in_article_order()


class ReactionDetailView(DraftPreviewMixin, SectionMixin, DetailView):
    model = Reaction
    section = "reactions"

    def is_public(self, record):
        return record.is_published and record.incident.is_published


class PlaceListView(RecordListView):
    model = Place
    intro = "Countries, provinces, cities and sites where incidents happened or actors come from."
    filterset_class = filters.PlaceFilter
    section = "places"
    export_key = "place"


class PlaceDetailView(CurrentRevisionMixin, DraftPreviewMixin, SectionMixin, DetailView):
    model = Place
    section = "places"

    def get_context_data(self, **kwargs):
        place = self.object
        # The place tree as the lists' place filters read it: remembered until a place is added, removed or moved
        # (a place page read every place, sorted by name, on each view: 1.8 ms of SQL at 100,000 incidents).
        below = place_tree.descendants_in(filters.remembered_place_parents(), place.pk)
        kwargs.update(
            ancestors=[p for p in reversed(place.ancestors()) if p.is_published],
            children=place.children.published(),
            incidents=Incident.objects.for_list().filter(place__in=below)[: settings.EVENTS_PAGE_SIZE + 1],
            incidents_shown=settings.EVENTS_PAGE_SIZE,
            timeline_entries=first_timeline_entries_in(below, settings.EVENTS_PAGE_SIZE),
            organizations=place.organizations.for_list() if place.kind == Place.Kind.COUNTRY else [],
            json_ld=linked_data.place_data(self.request, place),
        )
        return super().get_context_data(**kwargs)


class RevisionDetailView(SectionMixin, TemplateView):
    """A published revision of a public record, at a permanent address: the record as it was then.

    Only revisions in which the record was published are shown, and only while the record is public; what the
    revision held as drafts (a draft reaction) is left out, and linked records are named only if public.
    """

    template_name = "events/revision_detail.html"
    model = None

    def get_context_data(self, **kwargs):
        record = get_object_or_404(self.model.objects.published(), slug=self.kwargs["slug"])
        found = Revision.objects.of(record).public()
        revision = get_object_or_404(found, number=self.kwargs["number"])
        latest = found.order_by("-number").values_list("number", flat=True).first()
        names = revisions.Names(public_only=True, as_of=revision.created_at).preload(self.model, revision.snapshot)
        kwargs.update(
            record=record,
            revision=revision,
            is_current=revision.number == latest,
            fields=revisions.public_fields(self.model, revision.snapshot, names),
            parts=revisions.public_parts(self.model, revision.snapshot, names),
            section=self.section,
        )
        return super().get_context_data(**kwargs)


def revision_view(model, section):
    return RevisionDetailView.as_view(model=model, section=section)


def robots_txt(request):
    # The admin is left out on purpose: its address can be moved (ADMIN_URL), and naming it would publish it.
    lines = [
        "User-agent: *",
        "Disallow: /search/",
        "",
        f"Sitemap: {linked_data.absolute_url(request, reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
