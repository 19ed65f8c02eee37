"""Accent-, case- and dash-insensitive text search, and the site-wide search across record types.

"Erdogan" finds "Erdoğan" and "ISIS-K" finds "ISIS–K" because both sides are folded the same way:
accents dropped (NFKD, combining marks removed), lower case, every kind of dash turned into "-"
(events/folding.py).

Search reads a stored index of each kind's folded SEARCH_FIELDS (events/search_index.py), kept in step by the
write signals, instead of folding every row per request: on SQLite an FTS5 trigram table (every word a
substring), on PostgreSQL a tsvector with a GIN index (every word the start of a word; the site-wide search
ranks by it). Fields the index does not hold are folded per row (SQLite's registered `unaccent_fold`,
PostgreSQL's `unaccent`); any other backend falls back to plain `icontains`, which is case- but not
accent-insensitive.

Every word must match. The site-wide search counts at most MAX_COUNTED matches per kind ("1,000+"), and on
PostgreSQL ranks the first MAX_COUNTED + 1 the index yields: a word found in every record costs what a
thousand matches cost.
"""

from contextlib import nullcontext
from functools import reduce
from operator import and_, or_

from django.db import connections
from django.db.models import BooleanField, Q, Value

from . import caching, registry, search_index
from .folding import Fold, PostgresFold, fold

# Read from here by each list's search box, the signals and migration 0008.
from .folding import register_sqlite_function as register_sqlite_function
from .models.base import union_all
from .public_names import searched_value
from .registry import SEARCH_FIELDS as SEARCH_FIELDS

# Above this many matches a kind's total reads "1,000+": counting every match of a common word costs as
# much as the search itself.
MAX_COUNTED = 1000


def _indexed(queryset, fields, words):
    """The rows the stored index finds, or None when it does not hold these fields of this model."""
    if not search_index.covers(queryset.model, fields):
        return None
    if connections[queryset.db].vendor == "sqlite":
        return search_index.joined_match(queryset, words)
    return queryset.filter(pk__in=search_index.matching(queryset.model, words, using=queryset.db))


def indexed_matches(queryset, words):
    """The rows of `queryset` whose indexed fields hold every word (the index of its kind), or None when the
    index does not cover its model."""
    kind = search_index.indexed_kinds().get(queryset.model)
    return None if kind is None else _indexed(queryset, SEARCH_FIELDS[kind], words)


def _sqlite_condition(queryset, fields, words):
    found = _indexed(queryset, fields, words)
    return found if found is not None else _folded_columns_condition(queryset, fields, words)


def _folded_columns_condition(queryset, fields, words):
    """Folds every field of every row per query: for fields the SQLite search index does not hold."""
    model = queryset.model
    aliases = {f"_fold_{index}": Fold(searched_value(model, field)) for index, field in enumerate(fields)}
    queryset = queryset.alias(**aliases)
    conditions = [reduce(or_, (Q(**{f"{alias}__contains": fold(word)}) for alias in aliases)) for word in words]
    return queryset.filter(reduce(and_, conditions))


def _icontains_condition(queryset, fields, words):
    model = queryset.model
    aliases = {f"_field_{index}": searched_value(model, field) for index, field in enumerate(fields)}
    queryset = queryset.alias(**aliases)
    conditions = [reduce(or_, (Q(**{f"{alias}__icontains": word}) for alias in aliases)) for word in words]
    return queryset.filter(reduce(and_, conditions))


def _postgresql_condition(queryset, fields, words):
    found = _indexed(queryset, fields, words)
    return found if found is not None else _postgresql_folded_columns_condition(queryset, fields, words)


def _postgresql_folded_columns_condition(queryset, fields, words):
    """Folds every field of every row per query (substrings): for fields the index does not hold."""
    model = queryset.model
    aliases = {f"_fold_{index}": PostgresFold(searched_value(model, field)) for index, field in enumerate(fields)}
    queryset = queryset.alias(**aliases)
    conditions = [reduce(or_, (Q(**{f"{alias}__contains": fold(word)}) for alias in aliases)) for word in words]
    return queryset.filter(reduce(and_, conditions))


# Where a backend's accent-insensitive search plugs in: vendor → builder(queryset, fields, words).
CONDITION_BUILDERS = {"sqlite": _sqlite_condition, "postgresql": _postgresql_condition}


def _rank(queryset, fields, value):
    if not search_index.covers(queryset.model, fields):
        return None
    return search_index.rank(queryset.model, search_words(value), using=queryset.db)


def ranked(queryset, fields, value):
    """On PostgreSQL, best matches first: ts_rank over the stored vector (title or name weighs most, then the
    summary or short name, then the rest), ties in the queryset's own order. Elsewhere, or for fields the
    index does not hold, the queryset's own order."""
    rank = _rank(queryset, fields, value)
    if rank is None:
        return queryset
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    return queryset.annotate(search_rank=rank).order_by("-search_rank", *ordering, "pk")


# Each word adds a condition over every field: a query of thousands of words is refused by the database
# ("expression tree is too large") and costly before that. Words past this many are ignored.
MAX_SEARCH_WORDS = 12


def search_words(value):
    # NUL never belongs in a search, and PostgreSQL refuses it in any text it is handed.
    value = (value or "").replace("\x00", "")
    return [word for word in value.split() if word.strip("-–—")][:MAX_SEARCH_WORDS]


def text_search(queryset, fields, value):
    """Rows where every word of `value` appears in at least one of `fields`, ignoring case and accents."""
    words = search_words(value)
    if not words:
        return queryset
    vendor = connections[queryset.db].vendor
    builder = CONDITION_BUILDERS.get(vendor, _icontains_condition)
    return builder(queryset, fields, words)


def search_groups():
    """(key, label, queryset, list url name) for each kind of record the site-wide search covers."""
    return [
        (
            record_type.key,
            record_type.label,
            record_type.search_queryset(record_type.model),
            record_type.url_name("list"),
        )
        for record_type in registry.searchable()
    ]


def among(queryset, *keys):
    """A condition for `queryset`: the primary key is one of `keys`, bounded values("pk") subqueries.

    `= ANY(ARRAY(...))` rather than IN on PostgreSQL: the planner takes IN of a thousand keys for a semi-join
    and reads the whole table to hash it (60 ms for 60,000 reactions), the array for keys to fetch by index
    (3 ms). Several subqueries make one array: `ANY(a) OR ANY(b)` was checked against every row (2.3 s for
    the admin's search at 100,000 incidents)."""
    if connections[queryset.db].vendor != "postgresql":
        return reduce(or_, (Q(pk__in=some) for some in keys))
    arrays, params = [], []
    for some in keys:
        sql, some_params = some.query.get_compiler(using=queryset.db).as_sql()
        arrays.append(f"ARRAY({sql})")
        params += some_params
    return Q(search_index.OnKey(f"{{key}} = ANY({' || '.join(arrays)})", params, output_field=BooleanField()))


def first_match_keys(found, limit=None):
    """The primary keys of the first `limit` (MAX_COUNTED + 1) rows of `found`, as the index yields them: read
    once, where a request needs the same matches several times (a list's total, its page and each facet; the
    site search's total and results). On PostgreSQL a GIN index hands over every match of a common word before
    the first is taken (33 ms for 300,000 reactions), so each subquery repeating the search paid that again."""
    return first_match_keys_of([found], limit)[0]


def remembered_match_keys(found):
    """first_match_keys(found), remembered while the count cache is on until a tag of what the read depends on
    moves (events.caching.cached): a searched list's page, sort and facets then share one read of the index
    across requests, and an edit of a record past a common word's first thousand matches keeps it
    (events.caching.search_read_tags). Kept under the read's SQL: whatever narrows it is in there."""
    read, kind = _key_reads([found])[0]
    return caching.cached_query(
        "match-keys",
        read,
        lambda: _read_keys([(read, kind)])[0][0],
        [],
        recheck=lambda keys, changed: _rechecked(found, keys, changed),
    )


def _rechecked(found, keys, changed):
    """The `keys` of all of `found`'s matches (a complete read, in key order), once the records `changed` since
    they were read are looked at again: those that match now are in, those that no longer match are out. None
    when there are now too many to read whole (the search is made again, and stops at its first matches)."""
    if not changed:
        return keys
    matching, _tags = _read_keys(_key_reads([found.filter(pk__in=sorted(changed))]))[0]
    now = sorted({key for key in keys if key not in changed} | set(matching))
    return now if len(now) <= MAX_COUNTED else None


def first_match_keys_of(searches, limit=None):
    """first_match_keys() of each of several searches, from one query (a UNION ALL of their key reads)."""
    return [keys for keys, _tags in _read_keys(_key_reads(searches, limit), limit)]


def _key_reads(searches, limit=None):
    """[(the read of a search's first keys, the kind of index it reads in key order or None)]."""
    limit = MAX_COUNTED + 1 if limit is None else limit
    reads = []
    for position, found in enumerate(searches):
        ordered, in_order = search_index.in_index_order(found)
        kind = search_index.indexed_kinds().get(found.model) if in_order else None
        reads.append((ordered.values_list(Value(position), "pk")[:limit], kind))
    return reads


def _read_keys(reads, limit=None):
    """[(keys, the search tags noted for them)] of each read: in key order a read that stopped at `limit` depends
    only on the records up to its last key (events.caching.search_read_tags); a read in any other order, on
    its index's every change, as the query noted."""
    limit = MAX_COUNTED + 1 if limit is None else limit
    apart = all(kind is not None for _read, kind in reads)
    rows = [[] for _ in reads]
    with caching.search_reads_noted_apart() if apart else nullcontext():
        for position, pk in union_all([read for read, _kind in reads]):
            rows[position].append(pk)
    found = []
    for (_read, kind), keys in zip(reads, rows, strict=True):
        tags = caching.search_read_tags(kind, keys, complete=len(keys) < limit) if apart else set()
        caching.note(tags)
        found.append((list(dict.fromkeys(keys)), tags))  # each once: a filter across a relation to many may repeat one
    return found


def with_keys(queryset, keys):
    """The rows of `queryset` whose primary keys are among `keys` (first_match_keys). On PostgreSQL the keys go
    in as an array the planner does not look into, as ARRAY(subquery) did: with a thousand keys written out it
    expected them spread over the table and walked a list's whole order to find a page of them (54 ms for
    the reaction list), instead of fetching them by key and sorting (2 ms)."""
    if not keys:
        return queryset.none()
    # Written into the SQL as they are (integers the database gave): Django's `__in` prepares each of a
    # thousand keys one by one, 3.5 ms for every query that reads them.
    listed = ",".join(map(str, map(int, keys)))
    if connections[queryset.db].vendor != "postgresql":
        sql = f"{{key}} IN ({listed})"
    else:
        sql = f"{{key}} = ANY(ARRAY(SELECT unnest('{{{listed}}}'::bigint[])))"
    return queryset.filter(Q(search_index.OnKey(sql, [], output_field=BooleanField())))


def site_search(value, limit=5):
    """The first `limit` matches of each kind, with the total for each: one query reading the first matches of
    every kind, then one per kind that has any.

    The keys of each kind's first MAX_COUNTED + 1 matches are read once (first_match_keys_of): their number is the total
    (`total_capped` says the count stopped there), and the rows shown are taken from them: on PostgreSQL the
    best ranked, on SQLite the first in the list's own order. A window count over the matches made the
    database build every matching row with its joins first (3 s for a word in all 300,000 reactions); sorting
    every match of a common word was half its cost; counting the matches in a subquery beside the rows
    searched twice (on PostgreSQL a common word's 1,001 first matches cost 30 ms each time).

    Each kind's total and the keys of the rows it shows are remembered (events.caching.cached_each) until a tag
    of what that kind's search read moves: its search index (for a read stopped at its first matches, the
    records up to its last key), the columns its order reads; not what the rows show, which is the row cache's. A
    common word is then not searched again on every view (its five kinds' first matches are 10 ms of 27 at
    100,000 incidents), an edit sends only its own kind back to the index, and the rows shown are loaded only
    when they are drawn anew (events.caching.drawn_records): like Solr's query result cache, which keeps the
    ordered keys a query found until the index changes."""
    from django.urls import reverse
    from django.utils.http import urlencode

    kinds = search_groups()
    words = tuple(search_words(value))
    loaded = {}

    def found(at):
        return text_search(kinds[at][2], SEARCH_FIELDS[kinds[at][0]], value)

    def shown(at, read, keys, search_tags):
        """((the total, the keys of the rows shown, every key if the read was complete), tags) from a kind's keys."""
        key, _label, queryset, _url_name = kinds[at]
        fields = SEARCH_FIELDS[key]
        tags = caching.tags_of_query(*read.query.get_compiler(using=read.db).as_sql())
        rows = []
        if keys:
            # Which rows show, and in what order, is what the rows' order reads of the candidates, not what
            # the rows show (the row cache's concern): a casualty figure rewriting the headline of the one
            # incident shown leaves it remembered.
            order = ranked(with_keys(queryset, keys).select_related(None).prefetch_related(None), fields, value)
            order = order.values_list("pk", flat=True)[:limit]
            tags |= caching.tags_of_query(*order.query.get_compiler(using=order.db).as_sql())
            if _rank(queryset, fields, value) is None:  # SQLite: the list's own order
                rows = list(with_keys(queryset, keys)[:limit])
            else:
                # PostgreSQL: the best ranked, ranked without the rows' joins first (joining a thousand
                # candidates to draw five cost half of a common word's search), then only those fetched whole.
                rows = list(ranked(queryset.filter(pk__in=order), fields, value))
        loaded[at] = rows
        if search_tags:
            # Read in key order: the search tags of the records read (PostgreSQL's ranking reads the index
            # entries of those candidates alone), not of the whole index.
            tags = caching.without_search_tags(tags) | search_tags
        complete = len(keys) <= MAX_COUNTED and bool(search_tags)
        return (len(keys), tuple(row.pk for row in rows), tuple(keys) if complete else None), tags

    def search(positions):
        reads = _key_reads(found(at) for at in positions)
        return {
            at: shown(at, read, keys, search_tags)
            for at, (read, _kind), (keys, search_tags) in zip(positions, reads, _read_keys(reads), strict=True)
        }

    def recheck(stale):
        """The kinds whose every match is remembered, brought up to date by the records edited since."""
        made = {}
        for at, (remembered, changed, tags) in stale.items():
            keys = remembered[2]
            searched = found(at)
            now = None if keys is None else _rechecked(searched, list(keys), changed)
            if now is None:
                continue
            key, _label, queryset, _url_name = kinds[at]
            ranks = _rank(queryset, SEARCH_FIELDS[key], value) is not None
            if now == list(keys) and (not ranks or len(now) <= 1 or set(changed).isdisjoint(now)):
                # The same matches in the same order: SQLite shows them in the list's own order, which no edit
                # since moved (else a tag other than the search tag would have); PostgreSQL ranks each by its own
                # text alone (ts_rank, not weighed against the other records), so only an edited match can move,
                # and a single match cannot. What was remembered, and what it depended on, still hold.
                made[at] = (remembered, tags)
            else:
                read, kind = _key_reads([searched])[0]
                made[at] = shown(at, read, now, caching.search_read_tags(kind, now, complete=True))
        return made

    remembered = caching.cached_each(
        "site-search", [(key, queryset.db, words, limit) for key, _label, queryset, _url_name in kinds], search, recheck
    )
    groups = []
    for at, ((key, label, queryset, url_name), (total, shown_keys, _keys)) in enumerate(
        zip(kinds, remembered, strict=True)
    ):
        groups.append(
            {
                "key": key,
                "label": label,
                "total": min(total, MAX_COUNTED),
                "total_capped": total > MAX_COUNTED,
                "results": caching.Shown(queryset, shown_keys, loaded.get(at)),
                "list_url": f"{reverse(url_name)}?{urlencode({'q': value})}",
            }
        )
    return groups


def summary(groups):
    """(total, capped) over every group: the sum of the totals, and whether any stopped counting."""
    return sum(group["total"] for group in groups), any(group["total_capped"] for group in groups)
