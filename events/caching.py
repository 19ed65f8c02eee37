"""Caches that an edit invalidates where it shows: whole public pages, list and facet counts, fragments (the
filter form), and each record drawn as a row of a list (`drawn_records`).

What a cached thing shows is noted while it is made, as tags (events.models.CacheTag):
- a record tag, "events.incident:42", for every archive row loaded as a model instance (post_init, connected by
  events/signals.py, noting only inside `reading()`); above MAX_RECORD_TAGS rows of one kind, the kind's
  any-change tag "events.incident.*" stands for them;
- for every query run, the rows tag of each table it reads ("events.incident": a row added or deleted) and a
  column tag for each column it filters, joins, sorts or groups on, or reads as values rather than as model
  instances ("events.incident.status"): read from the SQL itself, so no query can be forgotten;
- a number compared with a bound ("killed >= 5": a list filtered by a minimum) depends on a range tag instead
  of the column tag: "events.incident.killed~5" names the span of values [5, 10) the bound lies in, and a write
  moves the range tags of the spans between the old value and the new, so that a list of incidents with at
  least 5 killed keeps its cached counts when a figure moves from 42 to 43;
- a query that keeps only the rows pointing to given records ("WHERE incident_id IN (...)": a record's
  reactions, figures, sources) depends on their pointer tags ("events.reaction.incident_id=42") instead of
  that table's rows and columns; a table joined only by its primary key adds no rows tag;
- record and pointer tags are moved by each row's save or delete, never by writes that send no signals
  (`events.signals.after_bulk_write`): what depends on any of a kind's depends on its bulk tag too
  ("events.incident.!"), which only those writes move;
- a search (its index holds every text of a record and the names it mentions) depends on its kind's search tag
  ("search.incident"), which a write moves only when it can change what the index holds (`search_tags`); a
  history table on its record kind's any-change tag;
- and every entry on "archive", which `bump_content_version()` moves: fixture loads, imports, flush.
An entry is stored with the version of each tag it read and served only while every one is still current:
one query on primary keys per request. A write (events/signals.py) moves the tags of what it changed: the row's
record tag and its kind's any-change tag, the column tags of the columns whose value changed, the rows tag
when a row is added or deleted, and the pointer tags of the records it points to, before and after: a new
reaction changes its incident's page and its person's, not the other incidents'. So an incident's new
description drops the pages that showed that incident and nothing else, while a new status drops every list
that filters on status.

Tag versions are drawn from the archive's content version (ArchiveState, a sequence that every write moves,
at least to the time in microseconds, so that it never repeats after a flush). A page is rendered after its
request read that sequence (S) and stored only if none of the tags it read moved past S: an edit that commits
while the page renders is never hidden behind versions that look current. Versions live in the database, so
every worker and server agrees; the entries may live in each process's memory (LocMemCache, the `pages`
alias) or in one Redis that all share (`SharedRedisCache`, production's DJANGO_CACHE_URL).

The page cache (kerman_site.middleware.PageCacheMiddleware, with the helpers below) serves anonymous GET and
HEAD requests only: any request carrying a session cookie (staff, draft previews) goes straight to the view,
and a response is stored only when it is a plain 200 that sets no cookie and does not forbid storing. Every
stored page carries an ETag and Last-Modified derived from the versions of its tags, so a browser's repeat
view of it is answered 304 without rendering anything; a conditional request for anything else (a 404, a
draft's address) gets that answer, never a 304. A page served from the cache gets a fresh CSP nonce, in its
body and its header, so no two readers share one.
"""

import base64
import datetime
import decimal
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager
from functools import cache as memoize
from functools import lru_cache
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe
from redis.exceptions import RedisError

from . import search_index
from .models import BOOKKEEPING_MODELS, ArchiveState, CacheTag, SearchChange
from .models.base import loading_instances

CACHE_ALIAS = "pages"
ROWS_ALIAS = "rows"
# A page stays cached at most this long even if nothing changes (it is dropped on any edit anyway).
PAGE_TIMEOUT = 60 * 60
# A page showing more rows of one kind than this depends on any change to that kind instead of on each row.
MAX_RECORD_TAGS = 200
# Every cached entry depends on it; bump_content_version() moves it.
GENERATION = "archive"
_SEQUENCE = "archive:sequence"  # the content version, as it comes back among the tags read
_scope = threading.local()
_NONCE = re.compile(r"'nonce-([^']+)'")
logger = logging.getLogger(__name__)


def cache():
    return caches[CACHE_ALIAS]


def rows_cache():
    """Where drawn rows are kept: a store of their own, so that thousands of rows never push a page or a count
    out of a bounded one (local memory keeps at most MAX_ENTRIES); the pages' store where none is configured."""
    return caches[ROWS_ALIAS] if ROWS_ALIAS in settings.CACHES else cache()


class SharedRedisCache(RedisCache):
    """Django's RedisCache, where a Redis that is down or too slow counts as a miss: the site gets slower, not
    down. Nothing cached is the only copy of anything; every entry is rebuilt from the database."""

    def _or(self, default, operation, *args):
        try:
            return operation(*args)
        except RedisError as error:
            logger.warning("The shared cache did not answer (%s): going without it.", error)
            return default

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._or({}, super().get_many, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._or(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(list(data), super().set_many, data, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, super().delete, key, version)


# The content version and the tags ----------------------------------------------------------------------


def content_version():
    """(version, changed_at) of the archive's content: the sequence every write moves."""
    remembered = getattr(_scope, "version", None)
    if remembered is not None:
        return remembered
    value = _read_version()
    if getattr(_scope, "depth", 0):
        _scope.version = value
    return value


@contextmanager
def request_scope():
    """Within it (one request), each tag's version and the content version are read at most once."""
    _scope.depth = getattr(_scope, "depth", 0) + 1
    _forget()
    try:
        yield
    finally:
        _scope.depth -= 1
        _forget()


def _forget():
    _scope.version = None
    _scope.sequence = None
    _scope.known = {}
    _scope.expected = set()
    _scope.model_tags_read = False
    _scope.owners_expected = set()


def _read_version():
    # A raw cursor, not the ORM: this runs on every request, and building a queryset costs more than the query.
    with connections[router.db_for_read(ArchiveState)].cursor() as cursor:
        cursor.execute(f"SELECT version, changed_at FROM {ArchiveState._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return (0, None)
    version, changed_at = row
    if isinstance(changed_at, str):  # SQLite hands back text
        changed_at = parse_datetime(changed_at)
    if changed_at is not None and timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, datetime.UTC)
    return (version, changed_at)


def is_archive_model(model):
    """Models whose rows the public site shows: the events app's own, not their history tables."""
    meta = model._meta
    return (
        meta.app_label == "events"
        # Revisions are bookkeeping, but a record's page reads its revision line: they move their record's tag.
        and (meta.model_name not in BOOKKEEPING_MODELS or meta.model_name == "revision")
        and not hasattr(model, "instance_type")  # django-simple-history's Historical<Model>
    )


def record_tag(model, pk):
    return f"{model._meta.label_lower}:{pk}"


def rows_tag(model):
    return model._meta.label_lower


def column_tag(model, column):
    return f"{model._meta.label_lower}.{column}"


def any_change_tag(model):
    return f"{model._meta.label_lower}.*"


def bulk_tag(model):
    """Moved only by writes that sent no signals (tags_of_models), which move no record's tag nor any pointer tag:
    whatever depends on one of those depends on its kind's bulk tag too."""
    return f"{model._meta.label_lower}.!"


# The spans a number column's values fall in, by their lower bound: a range tag names one. Bounds of lists'
# minimums are small numbers, and a figure corrected by one or two rarely leaves its span.
RANGE_BOUNDS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 100_000, 1_000_000)


def _span_tag(model, column, lower):
    return f"{model._meta.label_lower}.{column}~{lower}"


def range_tag(model, column, value):
    """The tag of the span of `column`'s values that `value` lies in: "events.incident.killed~5" for 5 to 9."""
    return _span_tag(model, column, next((b for b in reversed(RANGE_BOUNDS) if value >= b), RANGE_BOUNDS[0]))


def range_tags(model, column, before, after):
    """The range tags a value's change from `before` to `after` moves.

    A row enters or leaves the rows of `column >= b` (or <=, >, <) only if b lies between its two values, and
    b's span then lies between their spans: every span from the lower value's to the higher's is moved. No value
    (NULL) is in no comparison's rows, so a change from or to it moves every span."""
    if before is None or after is None:
        return {_span_tag(model, column, bound) for bound in RANGE_BOUNDS}
    low, high = sorted((before, after))
    return {
        _span_tag(model, column, bound)
        for index, bound in enumerate(RANGE_BOUNDS)
        if bound <= high and (index + 1 == len(RANGE_BOUNDS) or RANGE_BOUNDS[index + 1] > low)
    }


def counts_tag(label):
    """The stored counts of one list ("events.person"; events/aggregates.py). They are written in SQL, which
    sends no signal and which the tags of a query cannot name by list, so their readers note this tag and their
    writers move it (`note_counts_read`, aggregates.counts_moved)."""
    return f"events.facetcount:{label}"


def note_counts_read(*labels):
    note({counts_tag(label) for label in labels})


def pointer_tag(model, column, value):
    """The rows of `model` whose `column` points to the record `value`: "events.reaction.incident_id=42"."""
    return f"{model._meta.label_lower}.{column}={value}"


class Table(NamedTuple):
    model: type
    columns: frozenset | None  # None: a table whose rows follow any change of `model` (history)


# Rows read only on the pages of the record they belong to (through a generic key, which no pointer tag can
# follow): a query on them gives no tag of its own, and a write of one moves its record's tag instead. Every
# admin save writes a revision; were its table's rows tag moved, every record's page would be dropped.
OWNED_BY_THEIR_RECORD = frozenset({"events.revision"})


def _owner_tags(model, values):
    """The record tag of the record a row of OWNED_BY_THEIR_RECORD belongs to."""
    if model._meta.label_lower not in OWNED_BY_THEIR_RECORD:
        return set()
    owner = ContentType.objects.get_for_id(values["content_type_id"]).model_class()
    return {record_tag(owner, values["object_id"])} if owner is not None else set()


@memoize
def _tables():
    """{database table: Table} for the archive's tables, their many-to-many tables and their history tables."""
    found = {}
    for model in apps.get_app_config("events").get_models(include_auto_created=True):
        if model._meta.label_lower in OWNED_BY_THEIR_RECORD:
            continue
        if is_archive_model(model):
            found[model._meta.db_table] = Table(model, frozenset(f.column for f in model._meta.concrete_fields))
        elif getattr(model, "instance_type", None) is not None:
            found[model._meta.db_table] = Table(model.instance_type, None)
    return found


@memoize
def _range_columns():
    """{model: its number columns that a bound compares with: whole numbers other than keys and the row's own
    edit counter}."""
    found = {}
    for table in _tables().values():
        if table.columns is not None:
            found[table.model] = frozenset(
                field.column
                for field in table.model._meta.concrete_fields
                if isinstance(field, models.IntegerField)
                and not field.primary_key
                and not field.is_relation
                and field.name != "version"
            )
    return found


def is_range_column(model, column):
    return column in _range_columns().get(model, ())


@memoize
def model_tags():
    """Every tag that is not a record's: read in one go by the first cached count of a request."""
    names = {GENERATION}
    for table in _tables().values():
        if table.columns is not None:
            names |= {rows_tag(table.model), any_change_tag(table.model), bulk_tag(table.model)}
            names |= {column_tag(table.model, column) for column in table.columns}
    names |= {search_tag(kind) for kind in search_index.indexed_kinds().values()}
    names |= {search_spread_tag(kind) for kind in search_index.indexed_kinds().values()}
    # Range tags are left to the few pages that compare a number with a bound (one more small read of
    # versions there): up front, their 85 names would be read by every cold page.
    return frozenset(names)


@memoize
def _search_tags():
    """{search kind: the tags a search of that kind's index depends on}: its search tag."""
    return {kind: frozenset({search_tag(kind)}) for kind in search_index.indexed_kinds().values()}


def search_tag(kind):
    return f"search.{kind}"


# A search that stopped at its first thousand matches in key order depends on the records up to its last key
# only: an edit of a record's indexed text moves the tag of its span of keys, [0, 1000), [1000, 2000)...
SEARCH_SPAN = 1000


def search_span_tag(kind, pk):
    return f"search.{kind}~{pk // SEARCH_SPAN}"


def search_spread_tag(kind):
    """Moved by a change of the index that is not one record's text: rows added or deleted, a name its records
    mention, a write without signals."""
    return f"search.{kind}~*"


def search_change_tag(kind, pk):
    """Not a tag anything depends on: `bump` writes it into the search journal (SearchChange, `search_changes`)."""
    return f"search.{kind}#{pk}"


_JOURNALED = re.compile(r"search\.\w+#\d+")


def search_tags(model, changed=None, pk=None):
    """The search tags a write of a `model` row moves: its own kind's when the row is new or deleted (`changed`
    None) or a searched column changed (a text, or the key of a record whose name it searches), and the kinds'
    whose index holds its name when a field they read changed (a name, a status). A search does not follow every
    save of the kinds it reads: a casualty figure's save rewrites its incident's headline without a searched
    word. Each kind's search tag comes with its spread tag, or for a row `pk` whose own text changed, the tag of
    its span (search_read_tags) and its line in the search journal (`search_changes`)."""
    kinds = search_index.indexed_kinds()
    names = None if changed is None else {name for field in changed for name in (field.name, field.attname)}
    tags = set()
    if model in kinds and (names is None or names & _searched_columns(model)):
        kind = kinds[model]
        if changed is not None and pk is not None:
            tags |= {search_tag(kind), search_span_tag(kind, pk), search_change_tag(kind, pk)}
        else:
            tags |= {search_tag(kind), search_spread_tag(kind)}
    for reader, _relation, fields in search_index.dependents().get(model, []):
        if names is None or names & fields:
            tags |= {search_tag(kinds[reader]), search_spread_tag(kinds[reader])}
    return tags


def search_read_tags(kind, keys, complete):
    """The search tags a read of the `keys` of a kind's matches depends on: every change of its index, unless it
    stopped (not `complete`) at its first matches in key order (search_index.in_index_order): then only the
    changes that are not one record's, and those of the records up to its last key. A common word's first
    thousand incidents are not read again when an editor rewrites incident 50,000.

    A complete read depends on its spread tag too: while that stays, every change of the index since the read was
    one record's own text, written in the search journal, and a remembered read can be brought up to date by
    checking those records alone (`cached_each`'s `recheck`)."""
    if complete or not keys:
        return {search_tag(kind), search_spread_tag(kind)}
    spans = range(max(keys) // SEARCH_SPAN + 1)
    return {search_spread_tag(kind)} | {search_span_tag(kind, span * SEARCH_SPAN) for span in spans}


@contextmanager
def search_reads_noted_apart():
    """Inside, a query of a search index notes no search tag: the caller notes what it read (search_read_tags)."""
    previous = getattr(_scope, "searches_apart", False)
    _scope.searches_apart = True
    try:
        yield
    finally:
        _scope.searches_apart = previous


def without_search_tags(tags):
    return {tag for tag in tags if not tag.startswith("search.")}


@memoize
def _searched_columns(model):
    """The fields of `model` its own search reads: its texts, and the keys of the records whose names it reads."""
    kind = search_index.indexed_kinds()[model]
    return frozenset(path.split(LOOKUP_SEP)[0] for path in search_index.SEARCH_FIELDS[kind])


_TABLE = re.compile(r'"(events_\w+)"(?!\.)(?:\s+(?:AS\s+)?"?([A-Z]\d+)\b)?')
_COLUMN = re.compile(r'(?:"(events_\w+)"|\b([A-Z]\d+))\."(\w+)"')
_SEARCH = re.compile(r"\bevents_search_(\w+)")
_FROM = re.compile(r"[()]|\bFROM\b")


class Key(NamedTuple):
    """A key condition: its parameters name pointer tags."""

    model: type
    column: str
    first: int  # the position of its first parameter in the query's
    count: int  # how many


class Bound(NamedTuple):
    """A number column compared with a parameter: the parameter names a range tag."""

    model: type
    column: str
    position: int  # the parameter's position in the query's


class Analysis(NamedTuple):
    tags: frozenset
    keys: tuple  # of Key
    bounds: tuple = ()  # of Bound


@lru_cache(maxsize=4096)
def tags_of_sql(sql, instances=False):
    """The tags a query's answer depends on, from its SQL (parameters apart, so the answer is remembered).

    Every archive table it names gives its rows tag. Every column named after the main FROM (joined, filtered,
    sorted, grouped on) gives its column tag, and so does every column selected, unless the query selects every
    column of that table: then it loads model instances, each of which notes its own record tag. A query of
    `shown_joins()` (`instances`) loads instances while selecting only some columns of the records it joins:
    its main table and the tables it joins by their primary key alone are read as instances too.

    A query whose WHERE keeps only the rows of one table that point to given records (`"incident_id" IN (...)`,
    ANDed with the rest: a record's reactions, figures, sources) depends instead on the pointer tags of those
    records ("events.reaction.incident_id=42"), which every change to such a row moves, and not on that table's
    rows and columns: a new reaction drops its own incident's page, not every incident's.

    A compound query (UNION, UNION ALL) depends on what each of its SELECTs does, each read as a query of its
    own: one query for the sources an incident, its figures and its reactions cite depends on the pointer tags
    of each part's records.
    """
    parts = _compound_parts(sql)
    if len(parts) == 1:
        return _tags_of_select(sql, instances)
    tags, keys, bounds = set(), [], []
    for start, part in parts:
        found = _tags_of_select(part)
        tags |= found.tags
        offset = len(_PARAM.findall(sql, 0, start))
        keys += [key._replace(first=key.first + offset) for key in found.keys]
        bounds += [bound._replace(position=bound.position + offset) for bound in found.bounds]
    return Analysis(frozenset(tags), tuple(keys), tuple(bounds))


_COMPOUND = re.compile(r"[()]|\bUNION(?: ALL)?\b")


def _compound_parts(sql):
    """[(position, SQL)] of each SELECT of a compound query, without the parentheses PostgreSQL's come in;
    [(0, sql)] for a plain query."""
    parts, start = [], 0
    for match in _at_top_level(_COMPOUND, sql):
        parts.append((start, sql[start : match.start()]))
        start = match.end()
    if not parts:
        return [(0, sql)]
    parts.append((start, sql[start:]))
    unwrapped = []
    for start, part in parts:
        stripped = part.lstrip()
        start += len(part) - len(stripped)
        if stripped.startswith("("):
            close = _closing(stripped)
            if close is not None:
                # "(SELECT ...) ORDER BY ...": the parenthesis hides no parameter, so positions hold.
                stripped, start = stripped[1:close] + stripped[close + 1 :], start + 1
        unwrapped.append((start, stripped))
    return unwrapped


def _closing(sql):
    """The position of the parenthesis closing the one `sql` opens with, or None."""
    depth = 0
    for position, character in enumerate(sql):
        depth += 1 if character == "(" else -1 if character == ")" else 0
        if depth == 0:
            return position
    return None


def _tags_of_select(sql, instances=False):
    """tags_of_sql() of one SELECT."""
    tables = _tables()
    aliases = defaultdict(set)
    tags = set()
    named = defaultdict(int)
    for table, alias in _TABLE.findall(sql):
        known = tables.get(table)
        if known is None:
            continue
        named[table] += 1
        if alias:
            aliases[alias].add(table)
    # A table joined only by its primary key (select_related, a filter on the record a row points to) gives
    # the rows the joining rows point to: a row added to it changes nothing until one points to it.
    joined, joined_outside_subqueries = defaultdict(int), defaultdict(int)
    for match in _PK_JOIN.finditer(sql):
        table, _alias, column = match.groups()
        if table in tables and column == tables[table].model._meta.pk.column:
            joined[table] += 1
            joined_outside_subqueries[table] += _depth(sql, 0, match.start()) == 0
    for table, count in named.items():
        known = tables[table]
        if known.columns is None:
            tags.add(any_change_tag(known.model))
        elif joined[table] < count:
            tags.add(rows_tag(known.model))
    for kind in _SEARCH.findall(sql):
        tags |= _search_tags().get(kind, frozenset())
    main_from = _main_from(sql)
    selected = defaultdict(set)
    bounds = []
    for match in _COLUMN.finditer(sql):
        table_name, alias, column = match.groups()
        for table in [table_name] if table_name else aliases.get(alias, ()):
            known = tables.get(table)
            if known is None or known.columns is None or column not in known.columns:
                continue
            # Compared with a bound, wherever it stands (a WHERE, a WITH's WHERE, a selected condition), the
            # column gives only which side of the bound each row's value is on.
            if is_range_column(known.model, column) and _is_bound(sql, match):
                bounds.append(Bound(known.model, column, len(_PARAM.findall(sql, 0, match.end()))))
            elif match.start() < main_from:
                selected[table].add(column)
            else:
                tags.add(column_tag(known.model, column))
    # A shown_joins() query makes instances of its main table and of what it joins by primary key, outside any
    # subquery (a subquery's columns are values, even in such a query); a table also named elsewhere is not one.
    as_instances = set()
    if instances:
        main_table = _TABLE.search(sql, main_from)
        as_instances = {
            table
            for table, count in named.items()
            if joined_outside_subqueries[table] == count or (count == 1 and main_table and main_table[1] == table)
        }
    for table, columns in selected.items():
        known = tables[table]
        if columns != known.columns and table not in as_instances:
            tags |= {column_tag(known.model, column) for column in columns}
    key = _key(sql, main_from, named)
    if key is None:
        return Analysis(frozenset(tags), (), tuple(bounds))
    table, column, first, count = key
    model = tables[table].model
    own = {rows_tag(model)} | {column_tag(model, name) for name in tables[table].columns}
    return Analysis(frozenset(tags - own), (Key(model, column, first, count),), tuple(bounds))


_KEY = re.compile(r'"(events_\w+)"\."(\w+)" (?:IN \(((?:%s, )*%s)\)|= (%s))')
_CLAUSE_END = re.compile(r"[()]|\b(?:ORDER BY|GROUP BY|HAVING|LIMIT|OR)\b")


def _key(sql, main_from, named):
    """(table, key column, first key parameter, key count) of a query whose main WHERE ANDs a key condition on
    a table named once; else None."""
    where = sql.find(" WHERE ", main_from)
    if where < 0 or _depth(sql, main_from, where) != 0:
        return None
    start = where + len(" WHERE ")
    end, depth, base = len(sql), 0, 1 if sql.startswith("(", start) else 0
    for match in _CLAUSE_END.finditer(sql, start):
        token = match[0]
        depth += 1 if token == "(" else -1 if token == ")" else 0
        if token == "OR" and depth <= base:
            return None  # a key condition ORed with another keeps other rows too
        if token not in "()" and token != "OR" and depth == 0:
            end = match.start()
            break
    for match in _KEY.finditer(sql, start, end):
        table, column, listed, single = match.groups()
        known = _tables().get(table)
        if named.get(table) != 1 or known is None or known.columns is None:
            continue
        if _depth(sql, start, match.start()) != base:
            continue
        field = _columns_of(known.model).get(column)
        if field is None or not field.is_relation or not is_archive_model(field.related_model):
            continue
        first = len(_PARAM.findall(sql, 0, match.start()))
        return table, column, first, len(_PARAM.findall(listed or single))
    return None


_PARAM = re.compile(r"(?<!%)%s")
# A column alone compared with one parameter alone, as Django writes a lookup: ("killed" >= %s AND ...). Part of
# an expression on either side ("killed" + "injured" >= %s, "killed" > %s + "injured"), its comparison's bound is
# no longer the parameter.
_BOUND = re.compile(r" (?:>=|<=|>|<) %s(?=\)| AND\b| OR\b|$| ORDER BY\b| GROUP BY\b| LIMIT\b)")
_BOUND_BEFORE = re.compile(r"(?:\(|\bWHERE |\bAND |\bOR )$")


def _is_bound(sql, column):
    """Whether the column reference `column` (a match) is compared with a parameter as a bound."""
    return bool(
        _BOUND.match(sql, column.end()) and _BOUND_BEFORE.search(sql, max(0, column.start() - 6), column.start())
    )


_PK_JOIN = re.compile(r'JOIN "(events_\w+)"(?: ([A-Z]\d+))? ON \([^()]*? = (?:"\1"|\2)\."(\w+)"\)')


def _depth(sql, start, stop):
    return sql.count("(", start, stop) - sql.count(")", start, stop)


@memoize
def _columns_of_all():
    return {
        table.model: {field.column: field for field in table.model._meta.concrete_fields}
        for table in _tables().values()
        if table.columns is not None
    }


def _columns_of(model):
    return _columns_of_all()[model]


def _main_from(sql):
    return next((match.start() for match in _at_top_level(_FROM, sql)), len(sql))


def _at_top_level(pattern, sql):
    """The matches of `pattern` (which matches the parentheses too) that stand outside every parenthesis."""
    depth = 0
    for match in pattern.finditer(sql):
        token = match[0]
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            yield match


# What a page or a count read ---------------------------------------------------------------------------


class Reading:
    """The tags of what one page or cached value read while it was made."""

    def __init__(self):
        self.tags = {GENERATION}
        self.records = defaultdict(set)

    def note_record(self, model, pk):
        self.records[model].add(pk)

    def all_tags(self):
        tags = set(self.tags)
        for model, pks in self.records.items():
            if len(pks) > MAX_RECORD_TAGS:
                tags.add(any_change_tag(model))
            else:
                tags.update(record_tag(model, pk) for pk in pks)
                tags.add(bulk_tag(model))  # a write without signals moves no record's tag
        return tags


def _readings():
    stack = getattr(_scope, "readings", None)
    if stack is None:
        stack = _scope.readings = []
    return stack


@contextmanager
def reading():
    """Note every tag of what is read inside: queries on any database, and model instances loaded."""
    stack = _readings()
    seen = Reading()
    stack.append(seen)
    try:
        if len(stack) == 1:
            with ExitStack() as wrappers:
                for alias in connections:
                    wrappers.enter_context(connections[alias].execute_wrapper(_note_query))
                yield seen
        else:
            yield seen
    finally:
        stack.pop()


def _note_query(execute, sql, params, many, context):
    tags = tags_of_query(sql, params, many)
    if getattr(_scope, "searches_apart", False):
        tags = without_search_tags(tags)
    for seen in _readings():
        seen.tags |= tags
    return execute(sql, params, many, context)


def tags_of_query(sql, params, many=False):
    """The tags a query run with `params` depends on: what reading() notes for it."""
    found = tags_of_sql(sql, instances=loading_instances())
    tags = found.tags
    if found.keys and not many:
        tags = tags | {
            pointer_tag(key.model, key.column, value)
            for key in found.keys
            for value in params[key.first : key.first + key.count]
        }
        # A write without signals moves no pointer tag: only the tags of its whole table (tags_of_models).
        tags |= {bulk_tag(key.model) for key in found.keys}
    if found.bounds:
        tags = tags | {_bound_tag(bound, None if many else params) for bound in found.bounds}
    return tags


def _bound_tag(bound, params):
    """The range tag of the bound's value; the column tag where the value is not a plain number."""
    try:
        value = params[bound.position]
    except (IndexError, KeyError, TypeError):
        value = None
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return range_tag(bound.model, bound.column, value)
    return column_tag(bound.model, bound.column)


def note_loaded(sender, instance, **kwargs):
    """post_init of an archive model (events/signals.py): the row's record tag, while something is reading."""
    stack = getattr(_scope, "readings", None)
    if stack and instance.pk is not None:
        for seen in stack:
            seen.note_record(sender, instance.pk)


def note(tags):
    """What was served from a cache counts as read by whatever encloses it."""
    for seen in _readings():
        seen.tags |= set(tags)


# Reading and moving versions ----------------------------------------------------------------------------


def current_versions(names):
    """{name: version} for `names` (0 for a tag never moved), read at most once per request, together with any
    `expect()`ed. The request's first read also fixes its starting content version (see `starting_sequence`)."""
    names = set(names)
    if not getattr(_scope, "depth", 0):
        found = _read(names)
        found.pop(_SEQUENCE)
        return found
    known = _scope.known
    missing = names - known.keys()
    if missing or _scope.sequence is None:
        found = _read(missing | (_scope.expected - known.keys()))
        _scope.expected = set()
        sequence = found.pop(_SEQUENCE)
        if _scope.sequence is None:
            _scope.sequence = sequence
        known.update(found)
    return {name: known[name] for name in names}


def starting_sequence():
    """The content version read before anything else this request read: nothing rendered after it may be
    stored under a tag that moved past it. Outside a request, read now."""
    if getattr(_scope, "depth", 0):
        if _scope.sequence is None:
            current_versions(())
        return _scope.sequence
    return _read(())[_SEQUENCE]


def _read(names):
    """One statement (one snapshot): the content version and the versions of `names`."""
    names = sorted(names)
    state, tags = ArchiveState._meta.db_table, CacheTag._meta.db_table
    connection = connections[router.db_for_read(CacheTag)]
    sql, params = f"SELECT %s, version FROM {state} WHERE id = 1", [_SEQUENCE]
    if names and connection.vendor == "postgresql":
        # The names as one JSON array: the statement is the same text for every page, so psycopg parses it once
        # and the server prepares it once. With a placeholder per name, the Kerman page's 340 made psycopg parse a
        # statement too long for its cache on every warm request (1.6 of its 3.9 ms of CPU); as a Python list,
        # psycopg quoted each name for an array literal (1.5 ms); json.dumps is C. IN (SELECT ...), not
        # = ANY(ARRAY(...)): a semi-join (hashed, or index lookups on a big table), where ANY compared each row
        # with every name (1.8 ms of the server's time for 340 names).
        sql += (
            f" UNION ALL SELECT name, version FROM {tags} WHERE name IN (SELECT jsonb_array_elements_text(%s::jsonb))"
        )
        params.append(json.dumps(names))
    elif names:
        # SQLite keeps a placeholder per name: json_each read the Kerman page's 340 names 80-140 us slower.
        sql += f" UNION ALL SELECT name, version FROM {tags} WHERE name IN ({', '.join(['%s'] * len(names))})"
        params += names
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = dict(cursor.fetchall())
    found.setdefault(_SEQUENCE, 0)
    for name in names:
        found.setdefault(name, 0)
    return found


def bump(tags, using=DEFAULT_DB_ALIAS):
    """Move `tags` to a new content version, in the transaction of the write that changed what they name."""
    names = sorted(set(tags))
    if not names:
        return
    journal = [name.removeprefix("search.").split("#") for name in names if _JOURNALED.fullmatch(name)]
    names = [name for name in names if not _JOURNALED.fullmatch(name)]
    connection = connections[using]
    sequence = _next_sequence(connection)
    with connection.cursor() as cursor:
        _upsert(cursor, CacheTag, ["name"], [(name, sequence) for name in names])
        _upsert(cursor, SearchChange, ["kind", "record"], [(kind, int(key), sequence) for kind, key in journal])
    # Versions read before this write are out of date; the request's starting version stays, so a page it
    # renders now, having read this write's tags, is not stored.
    _scope.version = None
    _scope.known = {}
    _scope.model_tags_read = False


def _upsert(cursor, model, key, rows):
    """Write `rows` (the `key` columns, then the version) into `model`'s table, a row's version replaced where its
    key is there already; 1,200 parameters a statement at most."""
    columns = ", ".join([*key, "version"])
    size = 1200 // (len(key) + 1)
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        values = ", ".join([f"({', '.join(['%s'] * (len(key) + 1))})"] * len(chunk))
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({columns}) VALUES {values} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET version = excluded.version",
            [value for row in chunk for value in row],
        )


def _next_sequence(connection):
    """The content version moved on by one, or to now in microseconds if that is later (so that it never
    comes back to a value an entry was stored under, even after a flush empties the table)."""
    now = timezone.now()
    micros = int(now.timestamp() * 1_000_000)
    greatest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    changed_at = connection.ops.adapt_datetimefield_value(now)
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ArchiveState._meta.db_table} SET version = {greatest}(version + 1, %s), changed_at = %s "
                "WHERE id = 1 RETURNING version",
                [micros, changed_at],
            )
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        _state, created = ArchiveState.objects.using(connection.alias).get_or_create(
            pk=1, defaults={"version": micros, "changed_at": now}
        )
        if created:
            return micros


def bump_content_version(using=DEFAULT_DB_ALIAS):
    """Mark every cached page and count as out of date (fixture loads, imports, flush, a release)."""
    bump([GENERATION], using)


def changed_at(versions):
    """When the newest of these versions was written (versions are at least the time in microseconds)."""
    newest = max(versions, default=0)
    return datetime.datetime.fromtimestamp(newest / 1_000_000, datetime.UTC) if newest else None


# The tags a write moves ------------------------------------------------------------------------------------


def stored_row(model, instance, using=DEFAULT_DB_ALIAS):
    """The row as stored before a save ({attname: value}), or None for a new one."""
    if instance.pk is None:
        return None
    attnames = [field.attname for field in model._meta.concrete_fields]
    return model._base_manager.using(using).filter(pk=instance.pk).values(*attnames).first()


def tags_of_save(model, instance, before):
    """What a saved row changes: itself, its kind, the columns whose value changed (for a new row: its table's
    rows tag), and the pointer tags of the records it points to, before and after."""
    tags = {record_tag(model, instance.pk), any_change_tag(model)} | _owner_tags(model, instance.__dict__)
    values = instance.__dict__
    if before is None:
        return tags | {rows_tag(model)} | _pointers(model, values) | search_tags(model)
    changed = {
        field for field in model._meta.concrete_fields if before.get(field.attname) != getattr(instance, field.attname)
    }
    tags |= {column_tag(model, field.column) for field in changed} | search_tags(model, changed, instance.pk)
    for field in changed:
        if is_range_column(model, field.column):
            tags |= range_tags(model, field.column, before.get(field.attname), getattr(instance, field.attname))
    # Every record it points to (not only the changed ones): a query for the rows pointing to one record (its
    # reactions, its figures) depends on that pointer tag alone (tags_of_sql).
    return tags | _pointers(model, values) | _pointers(model, before, only=changed)


def tags_of_delete(model, instance):
    """A deleted row, and the rows that pointed to it: cascaded deletes send their own signals, but a foreign
    key set to null on delete is an UPDATE that sends none."""
    tags = {record_tag(model, instance.pk), any_change_tag(model), rows_tag(model)} | search_tags(model)
    tags |= _owner_tags(model, instance.__dict__)
    for relation in model._meta.related_objects:
        if relation.many_to_one or relation.one_to_one:
            referrer, column = relation.related_model, relation.field.column
            if is_archive_model(referrer):
                tags |= {pointer_tag(referrer, column, instance.pk), column_tag(referrer, column)}
    return tags | _pointers(model, instance.__dict__)


def tags_of_relation_change(instance, through, related, pks):
    """A many-to-many change: its table's rows, both kinds, and the links from the record and to the related."""
    tags = {rows_tag(through), any_change_tag(through), any_change_tag(type(instance)), any_change_tag(related)}
    tags.add(record_tag(type(instance), instance.pk))
    tags |= search_tags(type(instance)) | search_tags(related)  # no search reads a link today: in case one does
    for field in through._meta.concrete_fields:
        if not field.is_relation:
            continue
        if field.related_model is type(instance):
            tags.add(pointer_tag(through, field.column, instance.pk))
        if field.related_model is related:
            tags |= {pointer_tag(through, field.column, pk) for pk in pks or ()}
    return tags


def linked_pks(instance, through, related, using=DEFAULT_DB_ALIAS):
    """Before a many-to-many clear: the related records still linked (the clear's signal names none)."""
    mine = next(f for f in through._meta.concrete_fields if f.is_relation and f.related_model is type(instance))
    theirs = next(
        f for f in through._meta.concrete_fields if f.is_relation and f.related_model is related and f is not mine
    )
    rows = through._base_manager.using(using).filter(**{mine.attname: instance.pk})
    return list(rows.values_list(theirs.attname, flat=True))


def tags_of_models(models):
    """Any row of these models may have changed (writes that sent no signals): every column and span too, for a
    query that reaches the table only through a key (a reaction list filtered on its incidents' number killed)
    depends on no rows tag of it."""
    tags = set()
    for model in models:
        tags |= {rows_tag(model), any_change_tag(model), bulk_tag(model)} | search_tags(model)
        table = _tables().get(model._meta.db_table)
        if table is not None and table.columns is not None:
            tags |= {column_tag(model, column) for column in table.columns}
            for column in _range_columns()[model]:
                tags |= range_tags(model, column, None, None)
    return tags


def _pointers(model, values, only=None):
    tags = set()
    for field in model._meta.concrete_fields:
        if field.is_relation and (only is None or field in only) and is_archive_model(field.related_model):
            value = values.get(field.attname)
            if value is not None:
                tags.add(pointer_tag(model, field.column, value))
    return tags


# Counts and fragments ---------------------------------------------------------------------------------


def _entry_key(kind, parts):
    return f"{kind}:{hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()}"


def expect(kind, parts):
    """Say early that cached(kind, parts, ...) will be asked for this request: the versions its entry needs are
    then read with the request's first versions (a fragment showing records needs theirs), not by a query of
    their own."""
    if settings.COUNT_CACHE and getattr(_scope, "depth", 0):
        entry = cache().get(_entry_key(kind, parts))
        if entry is not None:
            _scope.expected |= {name for name, _version in entry[1]}


def cached(kind, parts, compute, tags=(), recheck=None):
    """`compute()`, remembered under (kind, parts) while settings.COUNT_CACHE is on, until a tag of what it read
    (or of `tags`) moves. For a value made from a complete read of a search index, `recheck(value, changed)`
    brings a remembered one up to date after edits of the records `changed` alone (see cached_each)."""
    if not settings.COUNT_CACHE:
        return compute()
    each = None
    if recheck is not None:

        def each(stale):
            rechecked = {
                position: (recheck(value, changed), tags) for position, (value, changed, tags) in stale.items()
            }
            return {position: made for position, made in rechecked.items() if made[0] is not None}

    return _cached(kind, parts, compute, tags, each)[0]


def cached_each(kind, parts_list, compute, recheck=None):
    """[value for each of `parts_list`], each remembered as cached() remembers one, until a tag of what it read
    moves; those not remembered are made together: compute(positions) -> {position: (value, tags of what that
    value alone depends on)}. The site search's kinds: a reaction's edit finds the other four where they were,
    and the kinds it must search again are searched in one query.

    A value that read a kind's search index whole (search_read_tags: complete) and whose only tag that moved is
    that kind's search tag is out of date by the texts of a few records, written in the search journal: then
    recheck({position: (value, keys of those records, tags it was made with)}) -> {position: (value, tags)} may
    bring it up to date by checking those records alone; the positions it leaves out are made by compute(). An
    editor's rewrite of incident 50,000 then costs a search for its name a look at that one record, not at the
    whole index."""
    parts_list = list(parts_list)
    if not settings.COUNT_CACHE:
        made = compute(list(range(len(parts_list))))
        return [made[position][0] for position in range(len(parts_list))]
    return [value for value, _versions in _cached_each(kind, parts_list, compute, recheck)]


def _journaled(versions, current):
    """(search kind, version) when the only tag of `versions` that moved is a kind's search tag and the entry
    also holds that kind's spread tag, still current: every change of that index since `version` is then one
    record's own text (search_tags), written in the journal. Else None."""
    moved = [name for name, version in versions if current[name] != version]
    if len(moved) != 1 or not moved[0].startswith("search.") or "~" in moved[0]:
        return None
    kind = moved[0].removeprefix("search.")
    if search_spread_tag(kind) not in dict(versions):
        return None
    return kind, dict(versions)[moved[0]]


# Past this many records edited since a search was remembered, it is made again rather than checked record by record.
MAX_RECHECKED = 100


def search_changes(kind, since):
    """The keys of the records of `kind` whose indexed text an edit changed after content version `since`, or None
    when there are more than MAX_RECHECKED."""
    connection = connections[router.db_for_read(SearchChange)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT record FROM {SearchChange._meta.db_table} WHERE kind = %s AND version > %s LIMIT %s",
            [kind, since, MAX_RECHECKED + 1],
        )
        keys = {key for (key,) in cursor.fetchall()}
    return keys if len(keys) <= MAX_RECHECKED else None


def _cached_each(kind, parts_list, compute, recheck=None):
    """[(value, {tag: version} it was made with)] for cached_each() and cached()."""
    keys = [_entry_key(kind, parts) for parts in parts_list]
    if getattr(_scope, "depth", 0) and not _scope.model_tags_read:
        _scope.expected |= model_tags()  # read with the first versions the request reads
        _scope.model_tags_read = True
    entries = cache().get_many(keys)
    current = current_versions({name for _value, versions in entries.values() for name, _version in versions})
    found, missing, stale = {}, [], {}
    for position, key in enumerate(keys):
        entry = entries.get(key)
        if entry is not None and all(current[name] == version for name, version in entry[1]):
            note(name for name, _version in entry[1])
            found[position] = (entry[0], dict(entry[1]))
        elif entry is not None and recheck is not None and (journaled := _journaled(entry[1], current)):
            stale[position] = (entry[0], journaled, {name for name, _version in entry[1]})
        else:
            missing.append(position)
    made = {}
    if stale:
        start = starting_sequence()
        changes = {since: search_changes(*since) for since in {since for _value, since, _tags in stale.values()}}
        made = recheck(
            {
                position: (value, changes[since], tags)
                for position, (value, since, tags) in stale.items()
                if changes[since] is not None
            }
        )
        missing = sorted({*missing, *(position for position in stale if position not in made)})
    if missing:
        start = starting_sequence()
        made |= compute(missing)
    if made:
        versions = current_versions({GENERATION}.union(*(tags for _value, tags in made.values())))
        stored = {}
        for position, (value, tags) in made.items():
            these = {name: versions[name] for name in {GENERATION, *tags}}
            note(these)
            found[position] = (value, these)
            # Made after the request's first versions were read: stored only if nothing it read moved since.
            if max(these.values()) <= start:
                stored[keys[position]] = (value, tuple(sorted(these.items())))
        cache().set_many(stored, PAGE_TIMEOUT)
    return [found[position] for position in range(len(keys))]


def cached_answer(kind, parts, compute):
    """(`compute()`, remembered as by cached(), and its Page: validators from the versions of the tags it read,
    so an edit moves them only where it changes the answer). The read API's lists and records."""
    if settings.COUNT_CACHE:
        value, versions = _cached(kind, parts, compute)
    else:
        with reading() as seen:
            value = compute()
        versions = current_versions(seen.all_tags())
    return value, _page(_entry_key(kind, parts), versions)


def _cached(kind, parts, compute, tags=(), recheck=None):
    def made(_positions):
        with reading() as seen:
            value = compute()
        return {0: (value, seen.all_tags() | set(tags))}

    return _cached_each(kind, [parts], made, recheck)[0]


def cached_query(kind, queryset, compute, empty, recheck=None):
    """cached(kind, ...) of `compute()`, a value read by `queryset`, under the query's database, SQL and
    parameters, which hold whatever narrows it; `empty` for a query Django knows matches nothing (.none()).
    Compiling costs a little, so it is skipped while the count cache is off; callers that know what their value
    depends on give cached() a key of their own instead."""
    if not settings.COUNT_CACHE:
        return compute()
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return empty
    return cached(kind, (queryset.db, sql, params), compute, recheck=recheck)


def cached_count(queryset, key=None):
    """queryset.count(), remembered until an edit changes it, under `key`, or under the query's SQL."""
    if key is None:
        return cached_query("count", queryset, queryset.count, 0)
    return cached("count", key, queryset.count)


# Records drawn one by one (a list's rows, a search's results) ---------------------------------------------

# Read by a query for its order, or to put a row in its place (the sources each record cites, read for a whole
# page at once: events/models/sources.py), never drawn.
UNDRAWN_ANNOTATIONS = frozenset({"search_rank", "cited_position", "cited_by"})
PREFETCH_KEY = "_prefetch_related_val_"


def carried_tags(record, owners=()):
    """The tags of what a record drawn on its own can show: the record tag of it and of every record it carries
    (joined, or read into it before) with their kinds' bulk tags, and for each collection prefetched into any of
    them the any-change tags of the collection's kind and of its link table: which rows a collection holds is
    decided by their own columns (a status) and by link rows, whose writes move those tags from either side.
    None when a record carries
    anything else (a value a query computed, a list prefetched under a name of its own, a kind no write tags):
    what that depends on is not known here.

    `owners`: records the drawing reads only the columns of (the record whose page lists the rows, which each
    row points back to): their record tags stand for them, whatever else they carry."""
    tags, stack, seen = set(), [record], {(type(owner), owner.pk) for owner in owners}
    tags |= {tag for owner in owners for tag in (record_tag(type(owner), owner.pk), bulk_tag(type(owner)))}
    while stack:
        instance = stack.pop()
        model = type(instance)
        if (model, instance.pk) in seen:
            continue
        seen.add((model, instance.pk))
        if instance.pk is None or not is_archive_model(model):
            return None
        tags |= {record_tag(model, instance.pk), bulk_tag(model)}
        stack.extend(related for related in instance._state.fields_cache.values() if related is not None)
        fields = _attnames(model)
        for name, value in instance.__dict__.items():
            # Django's own: the link row's key a many-to-many prefetch reads beside each related row.
            if name in fields or name == "_state" or name in UNDRAWN_ANNOTATIONS or name.startswith(PREFETCH_KEY):
                continue
            if name != "_prefetched_objects_cache":
                return None
            for relation, collection in value.items():
                kinds = _collection_kinds(model, relation)
                if kinds is None or not isinstance(collection, models.QuerySet) or collection._result_cache is None:
                    return None
                tags.update(map(any_change_tag, kinds))
                stack.extend(collection._result_cache)
    return tags


def _expect_rows_of(owners):
    """A record page draws its rows table by table: the first time an owner is met in a request, the tags of
    every row the page loaded into it (and what those carry) are expected, so that their versions are read with
    the first table's, in one query, not in one query per table (the Kerman page's were sixteen)."""
    if not getattr(_scope, "depth", 0):
        return
    new = [owner for owner in owners if (type(owner), owner.pk) not in _scope.owners_expected]
    if not new:
        return
    _scope.owners_expected |= {(type(owner), owner.pk) for owner in new}
    names, seen = set(), set()
    stack = [(type(owner), name, rows) for owner in new for name, rows in _collections(owner)]
    while stack:
        model, name, rows = stack.pop()
        names |= {any_change_tag(kind) for kind in _collection_kinds(model, name) or ()}
        for row in rows:
            if (type(row), row.pk) in seen or not is_archive_model(type(row)):
                continue
            seen.add((type(row), row.pk))
            names |= {record_tag(type(row), row.pk), bulk_tag(type(row))}
            stack.extend((type(row), None, [related]) for related in row._state.fields_cache.values() if related)
            stack.extend((type(row), relation, found) for relation, found in _collections(row))
    _scope.expected |= names


def _collections(instance):
    """(relation name, rows) of each collection prefetched into `instance`."""
    for name, rows in getattr(instance, "_prefetched_objects_cache", {}).items():
        if isinstance(rows, models.QuerySet) and rows._result_cache is not None:
            yield name, rows._result_cache


@memoize
def _collection_kinds(model, name):
    """The kinds whose writes change which rows the relation `name` of `model` holds: its rows' own, and for a
    many-to-many relation its link table's."""
    relation = next(
        (
            field
            for field in model._meta.get_fields()
            if (field.name if field.concrete else getattr(field, "get_accessor_name", lambda: None)()) == name
        ),
        None,
    )
    if relation is None or not (relation.one_to_many or relation.many_to_many):
        return None
    if relation.many_to_many:
        through = relation.remote_field.through if relation.concrete else relation.through
        return (relation.related_model, through)
    return (relation.related_model,)


@memoize
def _attnames(model):
    return frozenset(field.attname for field in model._meta.concrete_fields)


class Shown(Sequence):
    """Records known by their keys (a list's page, a kind of the site search), in that order: loaded only when
    something reads them, in one query; drawn_records() loads only those whose rows it draws anew."""

    def __init__(self, queryset, keys, records=None):
        self.queryset, self.model, self.keys = queryset, queryset.model, list(keys)
        self._records = records

    def load(self, keys):
        """{key: record} of `keys` (those still there)."""
        if self._records is not None:
            wanted = set(keys)
            return {record.pk: record for record in self._records if record.pk in wanted}
        return {record.pk: record for record in self.queryset.filter(pk__in=keys)}

    @property
    def records(self):
        if self._records is None:
            loaded = self.load(self.keys)
            self._records = [loaded[key] for key in self.keys if key in loaded]
        return self._records

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, index):
        return self.records[index]


def drawn_records(kind, records, draw, parts=(), owners=(), load=None):
    """[draw(record) for each of `records`], each remembered while settings.COUNT_CACHE is on, under `kind`,
    `parts` (what else the drawing depends on: its template, a heading level) and the record, until a tag of what
    it shows moves: carried_tags() and whatever the drawing read. A record seen by another page (another
    filter, sort or page of a list, a search) is not drawn again: the many addresses the page cache cannot hold
    share their rows. One cache read and at most two reads of versions for all the records.

    `draw` must depend on the record alone (no request, no page context): the template is given the record
    and `parts`. What encloses it (a cached page) is told what a drawing read, whether drawn now or remembered;
    the carried records it already read itself, by the queries that loaded them, which say more precisely what
    changes its rows (carried_tags stands for a collection by its whole kind).

    `records` may instead name them, as (model, pk) pairs, with `load(pairs)` -> {pair: record} for the pairs to
    draw: a page that remembers which records it shows (the site search) loads only those not remembered. A
    record gone since is drawn as None."""
    pairs = records if load is not None else [(type(record), record.pk) for record in records]
    if not settings.COUNT_CACHE or not records:
        if load is not None:
            loaded = load(pairs)
            return [None if pair not in loaded else draw(loaded[pair]) for pair in pairs]
        return [draw(record) for record in records]
    keys = [_entry_key(kind, (parts, model._meta.label, pk)) for model, pk in pairs]
    entries = rows_cache().get_many(keys)
    _expect_rows_of(owners)
    current = current_versions({name for _value, versions, _read in entries.values() for name, _version in versions})
    start = starting_sequence()
    valid = {
        key
        for key, (_value, versions, _read) in entries.items()
        if all(current[name] == version for name, version in versions)
    }
    if load is not None:
        loaded = load([pair for key, pair in zip(keys, pairs, strict=True) if key not in valid])
        records = [loaded.get(pair) for pair in pairs]
    drawn, fresh = [], {}
    for key, record in zip(keys, records, strict=True):
        if key in valid:
            entry = entries[key]
            # A record named, not loaded: the page read nothing of it but this entry, carried records and all.
            note(entry[2] if load is None else (name for name, _version in entry[1]))
            drawn.append(entry[0])
            continue
        if record is None:
            drawn.append(None)
            continue
        carried = carried_tags(record, owners)
        with reading() as seen:  # what it reads is noted by what encloses it as well
            drawn.append(draw(record))
        if carried is not None:
            fresh[key] = (drawn[-1], seen.all_tags(), carried)
    if fresh:
        versions = current_versions({name for _value, read, carried in fresh.values() for name in read | carried})
        stored = {}
        for key, (value, read, carried) in fresh.items():
            these = {name: versions[name] for name in read | carried}
            # Drawn after the request's first versions were read: stored only if nothing it read moved since.
            if max(these.values()) <= start:
                stored[key] = (value, tuple(sorted(these.items())), tuple(sorted(read)))
        rows_cache().set_many(stored, PAGE_TIMEOUT)
    return drawn


# Whole pages -------------------------------------------------------------------------------------------


def cacheable_request(request):
    if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    path = request.path_info
    return not any(path.startswith(prefix) for prefix in settings.PAGE_CACHE_SKIP)


def storable(response):
    if response.status_code != 200 or getattr(response, "streaming", False) or response.cookies:
        return False
    control = response.get("Cache-Control", "")
    return "no-store" not in control and "private" not in control


class Page(NamedTuple):
    """A public address as a reader gets it: its cache key and its validators."""

    key: str
    etag: str
    changed_at: datetime.datetime | None

    @property
    def last_modified(self):
        return http_date(self.changed_at.timestamp()) if self.changed_at else None


def address_key(request):
    """The request's full address (scheme, host, path and query) as a short cache key's part."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.blake2b(address.encode(), digest_size=12).hexdigest()


def _page(key, versions):
    """Validators from the versions of the tags the page read: they change whenever its content can have."""
    stamp = hashlib.blake2b(repr((key, sorted(versions.items()))).encode(), digest_size=12).hexdigest()
    return Page(key=key, etag=f'"{stamp}"', changed_at=changed_at(versions.values()))


def cached_page(request):
    """(key, stored response or None, its Page or None) for this address: the stored page only while every tag
    it read is current. Either way this is the request's first read, which fixes its starting content version."""
    key = f"page:{address_key(request)}"
    stored = cache().get(key)
    if stored is None:
        starting_sequence()
        return key, None, None
    if len(stored) != 6:  # stored by a release that kept no ETag with the page
        starting_sequence()
        return key, None, None
    status, content, headers, nonce, stored_versions, etag = stored
    versions = dict(stored_versions)
    if current_versions(versions) != versions:
        return key, None, None
    # The ETag it was stored with: made from these very versions (the Kerman page's 340 took 0.2 ms to hash).
    page = Page(key=key, etag=etag, changed_at=changed_at(versions.values()))
    return key, _fresh_response(status, content, headers, nonce), page


def finish_page(key, response, seen, store=True):
    """The Page of a response just rendered while `seen` noted what it read, stored for the next reader when
    `store`; None when something it read changed after the request began (then it is neither stored nor given
    validators, which could name content it does not show)."""
    start = starting_sequence()
    versions = current_versions(seen.all_tags())
    if max(versions.values()) > start:
        return None
    page = _page(key, versions)
    add_validators(response, page)
    if store:
        nonce = _NONCE.search(response.get("Content-Security-Policy", ""))
        entry = (
            response.status_code,
            response.content,
            list(response.headers.items()),
            nonce and nonce[1],
            tuple(sorted(versions.items())),
            page.etag,
        )
        cache().set(key, entry, PAGE_TIMEOUT)
    return page


def _fresh_response(status, content, headers, nonce):
    """A stored response with a fresh CSP nonce in its body and header."""
    if nonce:
        fresh = new_nonce()
        content = content.replace(f'nonce="{nonce}"'.encode(), f'nonce="{fresh}"'.encode())
        headers = [(name, value.replace(f"'nonce-{nonce}'", f"'nonce-{fresh}'")) for name, value in headers]
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    return response


def new_nonce():
    """A CSP nonce as django-csp makes one: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def not_modified(request, page):
    """Whether the browser's copy of `page` is current. Ask only about a page known to be a plain 200: a 404 or
    a draft's address has no representation to be current, so `If-None-Match: *` must not make it a 304."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return if_none_match.strip() == "*" or page.etag in [tag.strip() for tag in if_none_match.split(",")]
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    # A date in the future is no date the page could have had (RFC 9110 leaves it to the server): ignored.
    if since is None or page.changed_at is None or since > time.time():
        return False
    return int(page.changed_at.timestamp()) <= since


def add_validators(response, page):
    response.headers["ETag"] = page.etag
    if page.last_modified:
        response.headers["Last-Modified"] = page.last_modified
    # Browsers and proxies may keep the page but must ask again each time: an edit shows at once.
    patch_cache_control(response, no_cache=True)
    return response
