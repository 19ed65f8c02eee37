"""The FilterSets behind the public lists. Each filters the published queryset its view hands it.

Choices name records by slug, so a filtered list has a readable, shareable address
(`/incidents/?place=kerman&kind=bombing&ordering=most-killed`). Invalid values make the form invalid, and
FilterView then shows no rows, the form's errors, and never a server error.

Every list is faceted: each option of a choice filter says how many records it would give, counted
against the other active filters (choosing a type never zeroes the other types' counts).
"""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, TextField, Value
from django.db.models.functions import Cast
from django.http import QueryDict
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from django_filters.constants import EMPTY_VALUES

from . import place_tree, widget_memo
from .caching import cached, note, note_counts_read, reading
from .models import (
    PERPETRATOR_KINDS,
    Attribution,
    FacetCount,
    FacetPair,
    Incident,
    Organization,
    Person,
    Place,
    Reaction,
    Stance,
    union_all,
)
from .search import SEARCH_FIELDS, search_words, text_search, with_keys
from .search import first_match_keys as search_first_match_keys

# Parameters that never count as a filter: paging, and sorting (which has its own links).
NOT_FILTERS = {"page", "ordering"}

# The most options a choice of records lists (see FacetedFilterSet.choose_options).
MAX_OPTIONS = 50


class SearchFilter(django_filters.CharFilter):
    """A free-text box searching several fields at once, ignoring case and accents."""

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


def ordering_filter(orderings):
    return django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _order) in orderings.items()],
        method="order",
        label="Sort by",
        empty_label=None,
    )


def read_place_parents():
    """{place id: parent id} of every place, drafts included: the whole place tree in one query."""
    return dict(Place.objects.order_by().values_list("pk", "parent_id"))


class FacetedFilterSet(django_filters.FilterSet):
    """A FilterSet whose choice filters carry counts, whose active filters can be listed and removed one by one,
    and which sorts by one of `ORDERINGS` (key → (label, order_by arguments))."""

    ORDERINGS = {}
    # Sorts by a column that may be empty in every row (key → that column): offered only when some row has a
    # value, since sorting by a column nobody has filled leaves the list as it was and only misleads.
    SORTS_NEEDING = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._descendants = {}
        self._place_parents = None
        self._first_match_keys = {}

    def get_form_class(self):
        form_class = super().get_form_class()
        # Each widget drawn once per process for what it shows (events/widget_memo.py).
        form_class.default_renderer = widget_memo.renderer
        return form_class

    def order(self, queryset, name, value):
        order = self.ORDERINGS.get(value, ("", ()))[1]
        return queryset.order_by(*order) if order else queryset

    def place_parents(self):
        """{place id: parent id}, the place tree: read once for a request's walks down it (a place filter) and up
        it (the place facets, the map's points), where each walk down cost a query per level of the tree.

        With the count cache on it is remembered until a place is added, removed or moved, and each caller
        notes that it read it (a cached count or a map's points computed from it is dropped with it); without,
        it is read once for this filterset."""
        if settings.COUNT_CACHE:
            return cached("place-tree", "parents", read_place_parents)
        if self._place_parents is None:
            self._place_parents = read_place_parents()
        return self._place_parents

    def descendant_ids(self, place):
        """The primary keys of `place` and every place inside it, remembered: the facets apply each filter
        several times."""
        if place.pk not in self._descendants:
            self._descendants[place.pk] = place_tree.descendants_in(self.place_parents(), place.pk)
        return self._descendants[place.pk]

    def ancestor_counts(self, direct_counts):
        """Counts per place of the rows in that place or anywhere below it, from counts per direct place."""
        return place_tree.totals_up_the_tree(direct_counts, self.place_parents())

    # Facets

    def facet_names(self):
        return [
            name
            for name, f in self.filters.items()
            if isinstance(f, django_filters.ChoiceFilter) and name != "ordering"  # model choices included
        ]

    def queryset_without(self, excluded):
        """The queryset with every valid active filter applied except `excluded`, unordered.

        A searched list's rows are the first MAX_COUNTED + 1 the search finds with those filters, as the list
        itself holds (events/pagination.py): its facets count what the list can show, and never group every
        match of a common word (2 s for the reaction list of an archive of 100,000 incidents)."""
        base = self.queryset.order_by().prefetch_related(None)
        if not self.is_bound:
            return base
        queryset = base
        for name, value in self.form.cleaned_data.items():
            if name != excluded and name != "ordering":
                queryset = self.filters[name].filter(queryset, value)
        if excluded != "q" and search_words(self.form.cleaned_data.get("q")):
            applied = tuple(name for name in self.applied_filters() if name != excluded)
            queryset = with_keys(base, self.first_match_keys(queryset, applied))
        return queryset

    def first_match_keys(self, searched, applied):
        """The keys of the first MAX_COUNTED + 1 rows of `searched` (the search with the filters `applied`), read
        once per request for each set of filters: the facets that leave out a filter the address does not set,
        and the list itself, share one (events/search.py, first_match_keys).

        What the read noted (the search index, the searched columns) is noted again at each use: the facets
        are remembered with the tags of what they read (events/caching.py), and a record edited to match the
        search must move them although the list read the keys first, outside their scope."""
        if applied not in self._first_match_keys:
            with reading() as seen:
                keys = search_first_match_keys(searched)
            self._first_match_keys[applied] = (keys, seen.all_tags())
        keys, tags = self._first_match_keys[applied]
        note(tags)
        return keys

    def list_match_keys(self):
        """first_match_keys() of the list as filtered (self.qs), for its page; their number is its total."""
        return self.first_match_keys(self.qs, self.applied_filters())

    def applied_filters(self):
        """The filters the address sets: django-filter leaves the rows alone for an empty value."""
        cleaned = self.form.cleaned_data
        return tuple(name for name, value in cleaned.items() if name != "ordering" and value not in EMPTY_VALUES)

    def facet_query(self, name, queryset):
        """(rows to group, the field whose values are counted, the count, a function finishing {value: count})
        for one facet; a filter with its own way of counting supplies `facet_<name>` returning the same."""
        custom = getattr(self, f"facet_{name}", None)
        if custom is not None:
            return custom(queryset)
        f = self.filters[name]
        # A filter across a many-to-many relation (distinct=True) may meet a row twice: count each row once.
        return queryset, f.field_name, Count("pk", distinct=f.distinct), None

    def pair_path(self, name):
        """The path from a record of the list to its direct values of facet `name`, for the counts of pairs of
        values (events/aggregates.py): the field the filter reads, unless a filter says otherwise."""
        return self.PAIR_PATHS.get(name, self.filters[name].field_name)

    PAIR_PATHS = {}

    def pair_rows(self, queryset):
        """The records with what the pair paths need (a filtered relation) joined."""
        return queryset

    def one_filter(self):
        """(filter name, its value as stored) when the address filters by one value of one facet and nothing
        else, over exactly the list's published records: its counts are kept in FacetPair. Else None."""
        if not self.is_bound or not self.is_valid():
            return None
        active = [
            (name, value)
            for name, value in self.form.cleaned_data.items()
            if name not in NOT_FILTERS and value is not None and value != ""
        ]
        if len(active) != 1 or active[0][0] not in self.facet_names():
            return None
        published = self._meta.model._default_manager.published()
        if self.queryset.query.where != published.query.where:
            return None
        name, value = active[0]
        return name, str(value.pk if hasattr(value, "_meta") else value)

    def counts_are_stored(self):
        """Whether the counts are those kept in FacetCount (events/aggregates.py): no filter in the address, and
        the filterset filtering exactly the list's published rows (what is stored)."""
        if self.filter_state():
            return False
        published = self._meta.model._default_manager.published()
        return self.queryset.query.where == published.query.where

    def stored_facets(self):
        """({filter name: {value: count}}, {filter name: number of values}, total) from FacetCount, one query:
        each facet's MAX_OPTIONS values giving most rows, never all of a long facet's."""
        names = self.facet_names()
        label = self._meta.model._meta.label_lower
        counts, sizes, total = {name: {} for name in names}, {}, 0
        note_counts_read(label)
        for facet, value, number in FacetCount.objects.top(label, dict.fromkeys(names, MAX_OPTIONS)):
            if facet == "" and value == "":
                total = number
            elif value == "":
                sizes[facet] = number
            elif facet in counts:
                counts[facet][self.facet_value(facet, value)] = number
        return counts, sizes, total

    def facet_value(self, name, text):
        return int(text) if isinstance(self.filters[name], django_filters.ModelChoiceFilter) else text

    def count_facets(self):
        """({filter name: {value: count}}, {filter name: number of values when known}, {filter name: number of
        values in the whole list}): stored when nothing is filtered, else from one query, each facet's GROUP BY
        joined by UNION ALL, with the stored number of values of each (which a long choice's "and N more" says:
        read here, whatever the archive's size, rather than in a query of its own once a choice is long).

        A choice of records counts only its MAX_OPTIONS values giving most rows (ORDER BY count DESC LIMIT) and
        the chosen one: the reaction list's incidents are 100,000 in a large archive. Facets up the place tree
        count every place with rows (a few thousand at most) to add them up the tree. A list filtered by one value
        of one facet (a link from a record's page, an option chosen) reads FacetPair instead (stored_facets_within),
        its busiest values of each facet and the chosen one likewise."""
        if self.counts_are_stored():
            counts, sizes, _total = self.stored_facets()
            return counts, sizes, sizes
        one = self.one_filter()
        if one is not None:
            return self.stored_facets_within(*one)
        return self.grouped_facets()

    def grouped_facets(self):
        """count_facets() from the records: each facet's GROUP BY over the rows the other filters give."""
        names = self.facet_names()
        chosen = self.form.cleaned_data if self.is_bound else {}
        parts, finishers = [], []
        for position, name in enumerate(names):
            rows, field, count, finish = self.facet_query(name, self.queryset_without(name))

            # Every facet's values as text, so that PostgreSQL accepts ids and choice values in one column.
            def grouped(rows, position=position, field=field, count=count):
                return rows.order_by().values_list(Value(position), Cast(field, TextField())).annotate(n=count)

            if finish is None and isinstance(self.filters[name], django_filters.ModelChoiceFilter):
                parts.append(grouped(rows).order_by("-n")[:MAX_OPTIONS])
                if chosen.get(name) is not None:
                    # The chosen value's count, in case it is not among the busiest (filtered first, so that a
                    # relation to many is joined once).
                    parts.append(grouped(rows.filter(**{field: chosen[name].pk})))
            else:
                parts.append(grouped(rows))
            finishers.append(finish)
        label = self._meta.model._meta.label_lower
        if names:
            note_counts_read(label)
            summaries = FacetCount.objects.of(label).filter(facet__in=names, value="").order_by()
            parts.append(summaries.values_list(Value(len(names)), "facet", "count"))
        counts = [{} for _ in [*names, "sizes"]]
        if parts:
            for position, value, number in union_all(parts):
                counts[position].setdefault(value, number)
        facets = {}
        for name, found, finish in zip(names, counts, finishers, strict=False):
            if isinstance(self.filters[name], django_filters.ModelChoiceFilter):
                found = {None if value is None else int(value): number for value, number in found.items()}
            facets[name] = finish(found) if finish else found
        return facets, {}, counts[-1]

    def stored_facets_within(self, given, value):
        """count_facets() of a list filtered by one value of one facet, from the stored counts in one query: the
        chosen facet's own counts are the whole list's (FacetCount: its busiest values and the chosen one),
        every other facet's are its values among the chosen value's records (FacetPair), the busiest first."""
        names = self.facet_names()
        label = self._meta.model._meta.label_lower
        note_counts_read(label)
        parts = []
        for position, name in enumerate(names):
            limit = MAX_OPTIONS if isinstance(self.filters[name], django_filters.ModelChoiceFilter) else None
            if name == given:
                rows = FacetCount.objects.of(label).filter(facet=name).exclude(value="").order_by("-count")
                rows = rows.values_list(Value(position), "value", "count")
                parts.append(rows[:limit] if limit else rows)
                chosen = FacetCount.objects.of(label).filter(facet=name, value=value).order_by()
                parts.append(chosen.values_list(Value(position), "value", "count"))
            else:
                given_first = names.index(given) < position
                rows = FacetPair.objects.within(label, given, value, name, given_first)
                column = "other_value" if given_first else "value"
                parts.append(
                    rows.values_list(Value(position), column, "count")[:limit]
                    if limit
                    else rows.values_list(Value(position), column, "count")
                )
        summaries = FacetCount.objects.of(label).filter(facet__in=names, value="").order_by()
        parts.append(summaries.values_list(Value(len(names)), "facet", "count"))
        counts = [{} for _ in [*names, "sizes"]]
        for position, found, number in union_all(parts):
            counts[position].setdefault(found, number)
        facets = {
            name: {self.facet_value(name, v): n for v, n in found.items()}
            for name, found in zip(names, counts, strict=False)
        }
        return facets, {}, counts[-1]

    def stored_count(self):
        """The number of records of the list as filtered, when it is kept (no filter, or one value of one facet:
        the whole list's count of that value), else None."""
        if self.counts_are_stored():
            return self.stored_total()
        one = self.one_filter()
        if one is None:
            return None
        name, value = one
        # Read here rather than from counted_facets: whatever caches this page must note the counts it shows,
        # and the cached form's fragment reads counted_facets later, in a scope of its own.
        label = self._meta.model._meta.label_lower
        note_counts_read(label)
        rows = FacetCount.objects.of(label).filter(facet=name, value=value).values_list("count", flat=True)
        return rows.first() or 0

    @cached_property
    def counted_facets(self):
        """count_facets(), remembered per filter state until the next edit (events.caching), or ({}, {}, {}) when
        the filters could not be understood."""
        if self.is_bound and not self.is_valid():
            return {}, {}, {}
        # The 3: keyed apart from the shorter tuples older code cached (a shared cache may still hold some).
        return cached("facets", (type(self).__name__, self.filter_state(), 3), self.count_facets)

    @property
    def facet_counts(self):
        """{filter name: {value: count}}, or {} when the filters could not be understood."""
        return self.counted_facets[0]

    def stored_total(self):
        """The number of published records of the list, kept in FacetCount (see counts_are_stored)."""
        note_counts_read(self._meta.model._meta.label_lower)
        return FacetCount.objects.summaries(self._meta.model._meta.label_lower).get("", 0)

    def filter_state(self):
        """The filters in the address, in a fixed order (not the page or the sort): what the counts depend on."""
        filters = sorted((k, v) for k, v in self.data.lists() if k not in NOT_FILTERS) if self.is_bound else []
        return repr(filters) if filters else ""

    def add_counts_to_choices(self):
        """Write each option's count into its label: 'Suicide bombing (1)'; long choices of records are cut
        to the options giving most rows (choose_options)."""
        for name, counts in self.facet_counts.items():
            field = self.form.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                field.label_from_instance = lambda obj, counts=counts: f"{obj} ({counts.get(obj.pk, 0)})"
                self.choose_options(name, field, counts)
            else:
                # django-filter's ChoiceField puts its empty label ("Any type") back in front of whatever
                # choices it is given, so the empty option is left out here or it shows twice.
                field.choices = [
                    (value, f"{label} ({counts.get(value, 0)})") for value, label in field.choices if value
                ]

    @cached_property
    def counted_form(self):
        """The form with each option's count in its label: the template asks for it only when the rendered
        form is not already cached for this filter state."""
        self.add_counts_to_choices()
        if "ordering" in self.form.fields:
            offered = self.offered_orderings
            field = self.form.fields["ordering"]
            field.choices = [(key, label) for key, label in field.choices if key in offered]
        return self.form

    @cached_property
    def offered_orderings(self):
        """The sort keys to offer: those of SORTS_NEEDING only when some row of the list has the column filled.
        One asked for in the address stays offered, so a shared link still shows how it is sorted."""
        chosen = self.data.get("ordering") if self.is_bound else None

        def fillable():
            return [
                key
                for key, column in self.SORTS_NEEDING.items()
                if self.queryset.filter(**{f"{column}__isnull": False}).exists()
            ]

        filled = set(cached("sorts", type(self).__name__, fillable)) if self.SORTS_NEEDING else set()
        return [key for key in self.ORDERINGS if key not in self.SORTS_NEEDING or key in filled or key == chosen]

    def form_state(self):
        """What the rendered form depends on: the filters and the chosen sort (the form has a sort field)."""
        return f"{self.filter_state()}|{self.data.get('ordering', '') if self.is_bound else ''}"

    def choose_options(self, name, field, counts):
        """The options of a choice of records, from one query: every option when there are at most
        MAX_OPTIONS, else the MAX_OPTIONS that give the most rows, and the chosen one, with a word on how many
        more there are.

        A choice of records may hold thousands (perpetrators, places in a large archive): a <select> of
        thousands of options is slow to make, to send and to use. Any other value still works in the address,
        and the record's own page links to its filtered list. The counts alone cannot tell a short choice from
        a long one: a narrow search gives rows in a handful of places, but the choice still holds every place."""
        giving = sorted((pk for pk in counts if pk is not None), key=lambda pk: -counts[pk])[:MAX_OPTIONS]
        chosen = self.form.cleaned_data.get(name) if self.is_bound and hasattr(self.form, "cleaned_data") else None
        size = self.counted_facets[1].get(name)
        if size is None and self.counted_facets[2].get(name, 0) > MAX_OPTIONS:
            # A filtered list's facet: its values are some of the whole list's, whose number is stored. More than
            # MAX_OPTIONS there is a long choice (every value with published rows is an option); asking the choice
            # itself cost a query over every incident on PostgreSQL (343 ms for a place filter at 100,000).
            size = self.counted_facets[2][name]
        model = field.queryset.model
        # An option is its label and value: the columns the model's __str__ reads, not all of them.
        named_by = getattr(model, "STR_FIELDS", None)
        label_fields = [*named_by, field.to_field_name or "pk"] if named_by else None
        if size is not None and size > MAX_OPTIONS:
            # Known long: only the busiest are read, each published (a value counted in the stored facet has
            # published rows, which is what the choice's own query asks, at the cost of reading them all).
            manager = model._default_manager
            options = getattr(manager, "published", manager.all)().filter(pk__in=giving).order_by()
        else:
            # The busiest options and up to MAX_OPTIONS + 1 others, in the choice's own order: reading more than
            # MAX_OPTIONS others says the choice is long, and nothing sorts the whole choice to find out.
            some = field.queryset.order_by().values("pk")[: MAX_OPTIONS + 1]
            options = field.queryset.filter(Q(pk__in=giving) | Q(pk__in=some))
        options = list(options.only(*label_fields) if label_fields else options)
        if len(options) > MAX_OPTIONS or len(counts) > MAX_OPTIONS or (size or 0) > MAX_OPTIONS:
            busiest = set(giving)
            options = sorted((obj for obj in options if obj.pk in busiest), key=lambda obj: (-counts[obj.pk], str(obj)))
            field.help_text = f"{field.help_text} {self.more_options(name, len(options), size)}".strip()
            # A bound form made its bound fields while it was validated, each with the help text it had then.
            self.form[name].help_text = field.help_text
        if chosen is not None and chosen.pk not in {obj.pk for obj in options}:
            options.append(chosen)
        to_field = field.to_field_name or "pk"
        field.widget.choices = [("", field.empty_label)] + [
            (getattr(obj, to_field), field.label_from_instance(obj)) for obj in options
        ]

    def more_options(self, name, listed, size=None):
        """Says that a long choice lists only its busiest options, and how many more it has (the number of values
        with published rows, kept in FacetCount)."""
        if size is None:
            size = self.counted_facets[2].get(name, 0)
        listed_text = f"The {listed} with the most {self.noun_plural()} are listed"
        more = size - listed
        if more <= 0:
            return f"{listed_text}."
        label, nouns = str(self.filters[name].label).lower(), self.noun_plural()
        return f"{listed_text}, and {more:,} more: search for another {label} by name; its page links to its {nouns}."

    def noun_plural(self):
        return str(self._meta.model._meta.verbose_name_plural)

    # Active filters

    def active_filters(self):
        """[{label, value, remove_query, invalid}] for each filter in the address, in the form's order."""
        if not self.is_bound:
            return []
        errors = self.form.errors
        cleaned = getattr(self.form, "cleaned_data", {})
        active = []
        for name, f in self.filters.items():
            raw = self.data.get(name, "")
            if name in NOT_FILTERS or raw == "":
                continue
            value = cleaned.get(name) if name not in errors else None
            query = self.data.copy()
            query.pop(name, None)
            query.pop("page", None)
            active.append(
                {
                    "name": name,
                    "label": f.label,
                    "value": raw if value in (None, "") else self.display_value(f, value),
                    "remove_query": query.urlencode(),
                    "invalid": name in errors,
                }
            )
        return active

    @staticmethod
    def display_value(f, value):
        if hasattr(value, "_meta"):
            return str(value)
        if isinstance(f, django_filters.ChoiceFilter):
            return dict(f.extra.get("choices", [])).get(value, value)
        if hasattr(value, "isoformat"):
            return date_format(value, "j F Y")
        return str(value)

    # Sorting

    def sort_links(self):
        """[{key, label, query, current}] for the sort options, each keeping the filters."""
        current = self.data.get("ordering") or next(iter(self.ORDERINGS), "")
        links = []
        offered = self.offered_orderings
        for key, (label, _order) in self.ORDERINGS.items():
            if key not in offered:
                continue
            query = self.data.copy() if self.is_bound else QueryDict(mutable=True)
            query.pop("page", None)
            query["ordering"] = key
            links.append({"key": key, "label": label, "query": query.urlencode(), "current": key == current})
        return links


def orderings(*rows):
    """ORDERINGS from (key, label, order_by arguments) rows, in menu order (the first is the default)."""
    return {key: (label, order) for key, label, order in rows}


class IncidentFilter(FacetedFilterSet):
    ORDERINGS = orderings(
        ("newest", "Newest first", (F("date").desc(nulls_last=True), "title")),
        ("oldest", "Oldest first", (F("date").asc(nulls_last=True), "title")),
        ("most-killed", "Most killed", (F("killed").desc(nulls_last=True), F("date").desc(nulls_last=True), "title")),
        (
            "most-injured",
            "Most injured",
            (F("injured").desc(nulls_last=True), F("date").desc(nulls_last=True), "title"),
        ),
        ("title", "Title (A–Z)", ("title",)),
    )

    q = SearchFilter(
        search_fields=SEARCH_FIELDS["incident"],
        help_text="Words in the title, summary, description, target, method or place name.",
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
    ordering = ordering_filter(ORDERINGS)

    class Meta:
        model = Incident
        fields = []

    # The perpetrators a pair counts are those the perpetrator filter finds (attributed_to).
    PAIR_PATHS = {"perpetrator": "named_attributions__responsible_organization"}

    def pair_rows(self, queryset):
        named = FilteredRelation("attributions", condition=Q(attributions__kind__in=PERPETRATOR_KINDS))
        return queryset.annotate(named_attributions=named)

    def filter_place(self, queryset, name, value):
        return queryset.filter(place__in=self.descendant_ids(value)) if value else queryset

    def filter_perpetrator(self, queryset, name, value: Organization):
        return queryset.attributed_to(value) if value else queryset

    def facet_place(self, queryset):
        # Counted per direct place, then added up the place tree: a city's incidents count for its country too.
        return queryset, "place_id", Count("pk"), self.ancestor_counts

    def facet_perpetrator(self, queryset):
        named = Attribution.objects.filter(kind__in=PERPETRATOR_KINDS, incident__in=queryset.values("pk"))
        return named, "responsible_organization", Count("incident", distinct=True), None


class PersonFilter(FacetedFilterSet):
    ORDERINGS = orderings(
        ("name", "Name (A–Z)", ("name",)),
        ("name-desc", "Name (Z–A)", ("-name",)),
        ("born", "Date of birth", (F("born_on").asc(nulls_last=True), "name")),
    )
    SORTS_NEEDING = {"born": "born_on"}

    q = SearchFilter(search_fields=SEARCH_FIELDS["person"], help_text="Words in the name, aliases or description.")
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
    ordering = ordering_filter(ORDERINGS)

    class Meta:
        model = Person
        fields = []


class OrganizationFilter(FacetedFilterSet):
    ORDERINGS = orderings(
        ("name", "Name (A–Z)", ("name",)),
        ("name-desc", "Name (Z–A)", ("-name",)),
    )

    q = SearchFilter(
        search_fields=SEARCH_FIELDS["organization"],
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
    ordering = ordering_filter(ORDERINGS)

    class Meta:
        model = Organization
        fields = []


class ReactionFilter(FacetedFilterSet):
    # The first ordering is the list's own (ReactionQuerySet.in_article_order), so it applies no order of its own.
    ORDERINGS = orderings(
        ("incident", "Incident, then category", ()),
        ("newest", "Newest first", (F("date").desc(nulls_last=True), "slug")),
        ("oldest", "Oldest first", (F("date").asc(nulls_last=True), "slug")),
    )

    q = SearchFilter(
        search_fields=SEARCH_FIELDS["reaction"],
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
        method="filter_stance",
        label="Stance",
        empty_label="Any stance",
    )
    country = django_filters.ModelChoiceFilter(
        queryset=Place.objects.countries(), to_field_name="slug", label="Country", empty_label="Any country"
    )
    ordering = ordering_filter(ORDERINGS)

    class Meta:
        model = Reaction
        fields = []

    def facet_stance(self, queryset):
        # Straight from the link table: (reaction, stance) pairs are unique, so no DISTINCT over a join.
        links = Reaction.stances.through.objects.filter(reaction__in=queryset.values("pk"))
        return links, "stance_id", Count("pk"), None

    def filter_stance(self, queryset, name, value):
        # EXISTS rather than a join: a join needs DISTINCT, and DISTINCT sorts every matching reaction (300,000
        # in a large archive) before the first page can be cut; EXISTS keeps the ordered index walk.
        if not value:
            return queryset
        stances = Reaction.stances.through.objects.filter(reaction=OuterRef("pk"), stance=value)
        return queryset.filter(Exists(stances))


class PlaceFilter(FacetedFilterSet):
    ORDERINGS = orderings(
        ("name", "Name (A–Z)", ("name",)),
        ("name-desc", "Name (Z–A)", ("-name",)),
        ("kind", "Type", ("kind", "name")),
    )

    q = SearchFilter(search_fields=SEARCH_FIELDS["place"], help_text="Words in the name or description.")
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
    ordering = ordering_filter(ORDERINGS)

    class Meta:
        model = Place
        fields = []

    # A place counts for the country its parent is in (facet_country).
    PAIR_PATHS = {"country": "parent"}

    def filter_country(self, queryset, name, value: Place):
        if not value:
            return queryset
        return queryset.filter(pk__in=self.descendant_ids(value) - {value.pk})

    def facet_country(self, queryset):
        # A place counts for every place above it, not for itself: counted per parent, then up the tree.
        return queryset, "parent_id", Count("pk"), self.ancestor_counts


# The lists whose counts are kept in FacetCount (events/aggregates.py).
COUNTED_FILTERS = (IncidentFilter, PersonFilter, OrganizationFilter, ReactionFilter, PlaceFilter)
