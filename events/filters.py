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
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, Value
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
    counted_as_text,
    counted_in_shared,
    union_all,
)
from .search import SEARCH_FIELDS, remembered_match_keys, search_words, text_search, with_keys

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


def remembered_place_parents():
    """read_place_parents(), remembered with the count cache on until a place is added, removed or moved (the
    caller notes that it read it, so what it computes from it is dropped with it); read afresh without."""
    if settings.COUNT_CACHE:
        return cached("place-tree", "parents", read_place_parents)
    return read_place_parents()


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
            return remembered_place_parents()
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
                keys = remembered_match_keys(searched)
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
        applied = self.applied_filters()
        if len(applied) != 1 or applied[0] not in self.facet_names() or not self.over_published_rows():
            return None
        return applied[0], self.stored_value(applied[0], self.form.cleaned_data[applied[0]])

    def counts_are_stored(self):
        """Whether the counts are those kept in FacetCount (events/aggregates.py): no filter in the address, and
        the filterset filtering exactly the list's published rows (what is stored)."""
        return not self.filter_state() and self.over_published_rows()

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
        values in the whole list}, the list's total when counted on the way, else None): stored when nothing is
        filtered, else from one query (filtered_facets), with the stored number of values of each facet (which a
        long choice's "and N more" says: read here, whatever the archive's size, rather than in a query of its
        own once a choice is long)."""
        if self.counts_are_stored():
            counts, sizes, total = self.stored_facets()
            return counts, sizes, sizes, total
        return self.filtered_facets()

    def filtered_facets(self, read_stored=True):
        """count_facets() of a filtered list, from one query joining each facet's counts by UNION ALL. A facet
        counts the rows the *other* filters give, and those counts are kept as records change when the other
        filters are none (FacetCount: the whole list's) or one value of one other facet (FacetPair): a list
        filtered by a stance and a category reads its stance and category counts there, and groups its records
        only for the facets both filters narrow.

        A choice of records counts only its MAX_OPTIONS values giving most rows (ORDER BY count DESC LIMIT) and
        the chosen one: the reaction list's incidents are 100,000 in a large archive. Facets up the place tree
        count every place with rows (a few thousand at most) to add them up the tree, or read the totals up the
        tree that are stored. With `read_stored` false every facet is grouped from the records by a query of its
        own (the reference the tests compare with)."""
        names = self.facet_names()
        chosen = self.form.cleaned_data if self.is_bound else {}
        applied = self.applied_filters()
        label = self._meta.model._meta.label_lower
        over_published = read_stored and self.over_published_rows()
        # The facets no filter of the address narrows by itself all count the rows every filter gives: those
        # counting a column of the list's own rows read them from one computation of those rows (at 100,000
        # incidents a stance and a category give 10,611 of 300,036 reactions; their incident and country
        # facets found them in one scan each, 68 and 510 ms, where one shared scan and two groupings take 77 ms).
        everything, shared = self.queryset_without(None), {}
        parts, finishers = [], []
        for position, name in enumerate(names):
            limit = MAX_OPTIONS if isinstance(self.filters[name], django_filters.ModelChoiceFilter) else None
            value = self.stored_value(name, chosen.get(name))
            others = [other for other in applied if other != name]
            if over_published and len(others) <= 1 and all(other in names for other in others):
                if others:
                    given = others[0]
                    given_first = names.index(given) < position
                    column = "other_value" if given_first else "value"
                    rows = FacetPair.objects.within(
                        label, given, self.stored_value(given, chosen[given]), name, given_first
                    )
                else:
                    column = "value"
                    rows = FacetCount.objects.of(label).filter(facet=name).exclude(value="").order_by("-count")
                parts.append(rows.values_list(Value(position), column, "count")[:limit])
                if value is not None and limit:
                    # The chosen value's count, in case it is not among the busiest.
                    parts.append(
                        rows.filter(**{column: value}).order_by().values_list(Value(position), column, "count")
                    )
                finishers.append(None)
                continue
            if read_stored and name not in applied:
                rows, field, count, finish = self.facet_query(name, everything)
                if self.column_of(rows, field, count, everything):
                    shared[f"f{position}"] = field
                    parts.append(counted_in_shared(position, f"f{position}", None if finish else limit))
                    finishers.append(finish)
                    continue
            else:
                rows, field, count, finish = self.facet_query(name, self.queryset_without(name))

            def grouped(rows, position=position, field=field, count=count):
                return counted_as_text(rows, Value(position), [field], count)

            if finish is None and limit:
                parts.append(grouped(rows).order_by("-n")[:limit])
                if value is not None:
                    # Filtered first, so that a relation to many is joined once.
                    parts.append(grouped(rows.filter(**{field: chosen[name].pk})))
            else:
                parts.append(grouped(rows))
            finishers.append(finish)
        if names:
            note_counts_read(label)
            summaries = FacetCount.objects.of(label).filter(facet__in=names, value="").order_by()
            parts.append(summaries.values_list(Value(len(names)), "facet", "count"))
        rows = None
        if shared:
            # The key too: a filter across a relation to many makes the rows DISTINCT, which must not merge two.
            rows = everything.values(key=F("pk"), **{alias: F(field) for alias, field in shared.items()})
            parts.append(("SELECT -1, '', COUNT(*) FROM shared", []))  # the list's total, on the way
        counts = [{} for _ in [*names, "sizes", "total"]]
        if parts:
            for position, found, number in union_all(parts, rows):
                counts[position].setdefault(found, number)
        facets = {}
        for name, found, finish in zip(names, counts, finishers, strict=False):
            found = {
                None if value is None else self.facet_value(name, value): number for value, number in found.items()
            }
            facets[name] = finish(found) if finish else found
        return facets, {}, counts[-2], counts[-1].get("")

    def column_of(self, rows, field, count, everything):
        """Whether a facet's counts are the rows of `everything` (the list as filtered) per value of one of their
        own columns, each row counted once: what filtered_facets() can count from their shared computation."""
        if rows is not everything or not isinstance(count, Count) or count.distinct or "__" in field:
            return False
        try:
            column = self._meta.model._meta.get_field(field)
        except FieldDoesNotExist:
            return False
        return column.concrete and not column.many_to_many

    def over_published_rows(self):
        """Whether the filterset's rows before any filter are exactly the list's published records, which is
        what the stored counts count."""
        published = self._meta.model._default_manager.published()
        return self.queryset.query.where == published.query.where

    def stored_value(self, name, value):
        """A filter's cleaned value as the stored counts write it (a record's key, a choice's value), or None."""
        if value is None or value == "":
            return None
        return str(value.pk if hasattr(value, "_meta") else value)

    def stored_count(self):
        """The number of records of the list as filtered, when it is kept (no filter, or one value of one facet:
        the whole list's count of that value), else None."""
        if self.counts_are_stored():
            return self.stored_total()
        one = self.one_filter()
        if one is None:
            return None
        name, value = one
        # The chosen value's one row in FacetCount, rather than counted_facets: a page whose filter form comes
        # from its cached fragment needs no facet counts at all.
        label = self._meta.model._meta.label_lower
        note_counts_read(label)
        rows = FacetCount.objects.of(label).filter(facet=name, value=value).values_list("count", flat=True)
        return rows.first() or 0

    @property
    def counted_facets(self):
        """count_facets(), remembered per filter state until the next edit (events.caching), or ({}, {}, {}, None)
        when the filters could not be understood.

        Read once per request, and what it read noted again at each use: the page and the filter form's fragment
        are cached apart, each with the tags of the counts it shows, and either may read them first."""
        counted, tags = self._counted_facets
        note(tags)
        return counted

    @cached_property
    def _counted_facets(self):
        if self.is_bound and not self.is_valid():
            return ({}, {}, {}, None), ()
        with reading() as seen:
            # The 4: keyed apart from the shorter tuples older code cached (a shared cache may still hold some).
            counted = cached("facets", (type(self).__name__, self.filter_state(), 4), self.count_facets)
        return counted, seen.all_tags()

    def counted_total(self):
        """The number of records of the list as filtered, when counting its facets counted it too (their rows
        were computed once for several facets: filtered_facets), else None."""
        return self.counted_facets[3]

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
        if not self.is_bound:
            return ""
        # A parameter that is no filter (a campaign tag) or that a submitted form left empty filters nothing: such
        # an address shares the plain one's counts, stored or cached, instead of grouping the records anew.
        filters = sorted(
            (key, values)
            for key, values in self.data.lists()
            if key in self.filters and key not in NOT_FILTERS and any(value != "" for value in values)
        )
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

    @property
    def has_choices(self):
        """Whether the address chooses a filter or a sort: what the form's "Clear all filters" clears. A page
        number or a parameter that filters nothing is no choice (and the cached form does not depend on it)."""
        return self.form_state() != "|"

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
        queryset=Stance.objects.public(),
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
