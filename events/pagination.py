"""A paginator whose cost stays flat however large the list and however deep the page.

- The total is counted once per query and remembered until the next edit (events.caching.cached_count),
  instead of scanning the table on every request.
- A page past the first is read in two steps: the ids of its rows (`LIMIT/OFFSET` over the ordering's index, which never
  touches the table), then those rows with their joins and prefetches. Skipping 60,000 index entries costs
  little; skipping 60,000 joined rows, as a plain OFFSET does, grows with the page number.
- A searched list is capped (`cap`): it holds the first `cap` + 1 matches the search index yields, in the
  list's order, counted to `cap` + 1 at most. Above the cap the total reads "1,000+", the pages stop at the
  cap's last page, and a page past it is a 404 that says the search was capped. Counting and sorting every
  match of a common word cost seconds at 100,000 incidents; a thousand cost milliseconds.
"""

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.utils.functional import cached_property

from . import caching, search
from .caching import cached_count


class CappedPaginator(Paginator):
    """Django's paginator over a list that may be capped: with `cap`, a `count` above it is shown as "cap+"
    (`capped`) and the pages stop at the cap. The admin's searches page with it."""

    def __init__(self, *args, cap=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def found(self):
        """The rows counted: every row, or under a cap at most `cap` + 1 (the list holds no more)."""
        return self.object_list.count()

    @cached_property
    def capped(self):
        """Whether more rows match than the cap: the total is then shown as "1,000+"."""
        return self.cap is not None and self.found > self.cap

    @cached_property
    def count(self):
        return min(self.found, self.cap) if self.capped else self.found


class ArchivePaginator(CappedPaginator):
    def __init__(self, *args, count_key=None, count=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key
        self.known_count = count  # a total kept elsewhere (events/aggregates.py): nothing to count

    @cached_property
    def found(self):
        if self.known_count is not None:
            return self.known_count
        return cached_count(self.object_list, self.count_key)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        queryset = self.object_list
        if settings.COUNT_CACHE:
            # The page's keys only: its rows are drawn from their records (events/templatetags/fragments.py), which
            # are loaded, with their joins and collections, only where a row is not remembered. The keys are
            # remembered as the counts are, until a tag of what their query read moves (rows added or deleted, a
            # column it filters or sorts on): page 3,000 skips 60,000 index entries once, not on every view, and
            # an edit of a summary or a figure leaves them where they were.
            return Page(caching.Shown(queryset, dict.fromkeys(page_keys(queryset, bottom, top))), number, self)
        if bottom == 0:  # nothing to skip: one query
            return Page(list(queryset[:top]), number, self)
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = list(queryset.filter(pk__in=ids)) if ids else []
        # The second query orders its few rows the same way; distinct() lists may repeat a row in the first.
        position = {pk: index for index, pk in enumerate(ids)}
        rows.sort(key=lambda row: position[row.pk])
        return Page(rows, number, self)


def page_keys(queryset, bottom, top):
    """The keys of `queryset`'s rows from `bottom` to `top` in its order, remembered (events.caching.cached)."""
    keys = queryset.values_list("pk", flat=True)[bottom:top]
    return caching.cached_query("page-keys", keys, lambda: list(keys), [])


def first_matches(base, searched, cap, keys):
    """`base` (the list's rows before filtering) narrowed to the first `cap` + 1 rows of `searched` (filtered and
    searched), whose keys are `keys` (read once, search.first_match_keys), in `searched`'s order: what a capped
    paginator pages through.

    The rows are read from `base`, not `searched`: a search joined again outside the bounded keys made SQLite
    read every match of a common word once more (355 ms against 2 ms)."""
    ordered = search.with_keys(base, keys[: cap + 1])
    if searched.query.order_by or not searched.query.default_ordering:
        ordered = ordered.order_by(*searched.query.order_by)
    return ordered


class PageMissing(Exception):
    """A page number the list does not have (past the end, or not a number): answered with a 404 that says
    how many pages the list has and links to the last one, not the generic "no public record" page."""

    def __init__(self, asked, paginator):
        super().__init__(f"No page {asked!r}")
        self.asked, self.paginator = asked, paginator


def page_number(paginator, asked):
    """The page number `asked` names ("3", "last"), or PageMissing."""
    if asked == "last":
        return paginator.num_pages
    try:
        return paginator.validate_number(asked)
    except (InvalidPage, TypeError, ValueError):
        raise PageMissing(asked, paginator) from None
