"""Accent-, case- and dash-insensitive text search, and the site-wide search across record types.

"Erdogan" finds "Erdoğan" and "ISIS-K" finds "ISIS–K" because both sides are folded the same way:
accents dropped (NFKD, combining marks removed), lower case, every kind of dash turned into "-"
(events/folding.py).

Folding in the database needs a function the database knows. On SQLite the archive registers its own,
`unaccent_fold`, on every connection, and search reads a stored index of the folded fields (one FTS5 table
per kind, events/search_index.py) instead of folding every row per request. On
PostgreSQL the `unaccent` extension (migration 0004) does the same job, and the site-wide search ranks
its results with full-text search under the accent-folding `archive` configuration. Any other backend
falls back to plain `icontains`, which is case- but not accent-insensitive.
"""

from functools import reduce
from operator import and_, or_

from django.db import connections
from django.db.models import Q, Value

from . import registry, search_index
from .folding import Fold, PostgresFold, fold

# Read from here by each list's search box, the signals and migration 0008.
from .folding import register_sqlite_function as register_sqlite_function
from .public_names import searched_value
from .registry import SEARCH_FIELDS as SEARCH_FIELDS


def _sqlite_condition(queryset, fields, words):
    if search_index.covers(queryset.model, fields):
        return queryset.filter(pk__in=search_index.matching(queryset.model, words))
    return _folded_columns_condition(queryset, fields, words)


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
    model = queryset.model
    aliases = {f"_fold_{index}": PostgresFold(searched_value(model, field)) for index, field in enumerate(fields)}
    queryset = queryset.alias(**aliases)
    conditions = [reduce(or_, (Q(**{f"{alias}__contains": fold(word)}) for alias in aliases)) for word in words]
    return queryset.filter(reduce(and_, conditions))


# Where a backend's accent-insensitive search plugs in: vendor → builder(queryset, fields, words).
CONDITION_BUILDERS = {"sqlite": _sqlite_condition, "postgresql": _postgresql_condition}


def ranked(queryset, fields, value):
    """On PostgreSQL, best matches first by full-text rank (accent-folding `archive` configuration)."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    # The first field (title or name) weighs most, the second (summary, short name) next, the rest least.
    weights = ["A", "B"] + ["C"] * (len(fields) - 2)
    vector = reduce(
        lambda a, b: a + b,
        (
            SearchVector(PostgresFold(searched_value(queryset.model, f)), config="archive", weight=w)
            for f, w in zip(fields, weights, strict=True)
        ),
    )
    query = SearchQuery(fold(" ".join(search_words(value))), config="archive", search_type="plain")
    return queryset.annotate(search_rank=SearchRank(vector, query)).order_by("-search_rank", *queryset.query.order_by)


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
    """(key, label, queryset, list url name, item template) for each kind of record the site-wide search covers."""
    return [
        (
            record_type.key,
            record_type.label,
            record_type.search_queryset(record_type.model),
            record_type.url_name("list"),
            record_type.item_template,
        )
        for record_type in registry.searchable()
    ]


def site_search(value, limit=5):
    """The first `limit` matches of each kind with the total for each: one query per kind.

    The total is a scalar subquery, which the database counts once; a window count over the matches made
    the database build every matching row with its joins first (3 s for a word in all 300,000 reactions)."""
    from django.db.models import Count, Subquery
    from django.urls import reverse
    from django.utils.http import urlencode

    groups = []
    for key, label, queryset, url_name, item_template in search_groups():
        found = text_search(queryset, SEARCH_FIELDS[key], value)
        total = found.order_by().annotate(_all=Value(1)).values("_all").annotate(n=Count("pk")).values("n")
        matched = ranked(found, SEARCH_FIELDS[key], value).annotate(search_total=Subquery(total))
        rows = list(matched[:limit])
        groups.append(
            {
                "key": key,
                "label": label,
                "total": rows[0].search_total if rows else 0,
                "results": rows,
                "list_url": f"{reverse(url_name)}?{urlencode({'q': value})}",
                "item_template": item_template,
            }
        )
    return groups
