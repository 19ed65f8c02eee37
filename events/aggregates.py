"""Facet and list counts kept as stored aggregates (FacetCount), adjusted by every write instead of recounted.

Counting a list's facets from its rows costs as much as the archive is large: at 100,000 incidents the
reaction list's first view after an edit grouped every reaction by incident (1.6 s of CPU). The counts of the
unfiltered lists, their totals and the home page's counts are read from `FacetCount` instead, and kept there:

- A save, delete or link change of a record names the *roots* whose counts it may move (a reaction for itself;
  an incident for itself and its reactions, whose publication follows the incident's; an attribution for its
  incident's perpetrators; a role for its person). Before the write, the roots' contributions are counted
  (a GROUP BY over those few rows, the same query as the list's facets, filtered to the roots); after it,
  again; the difference is added to the stored counts, in the write's transaction.
- Facets over the place tree (a place counts the incidents in it and below it) store totals up the tree: a
  change of direct place moves each ancestor by the same amount. Moving a place to another parent moves whole
  subtrees, and rebuilds those facets.
- Bulk writes (`events.signals.bulk_write`, `after_bulk_write`) and `manage.py rebuild_counts` rebuild the
  counts of the lists written from scratch.

What is counted, and how, is the lists' own definition (`FacetedFilterSet.facet_query`), so the stored counts
are the counts the filters would give; tests/test_aggregates.py holds them equal after random edits.
"""

import functools
import threading
from collections import Counter, defaultdict

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, TextField, Value
from django.db.models.functions import Cast

from . import caching, place_tree
from .filters import COUNTED_FILTERS
from .models import (
    Attribution,
    FacetCount,
    FacetPair,
    Incident,
    Organization,
    Person,
    Place,
    Reaction,
    Role,
    Stance,
    counted_as_text,
    stored_value,
    union_all_sql,
)

# The counted lists, by model label ("events.incident"), each with its FilterSet.
LISTS = {f._meta.model._meta.label_lower: f for f in COUNTED_FILTERS}

_deletes = threading.local()


def label_of(model):
    return model._meta.label_lower


# What a list counts --------------------------------------------------------------------------------------


def _filterset(label, using=DEFAULT_DB_ALIAS):
    filterset_class = LISTS[label]
    return filterset_class(queryset=filterset_class._meta.model._default_manager.using(using).published())


@functools.cache
def tree_facets(label):
    """The facets of a list counted up the place tree (their counts include every place below)."""
    filterset = _filterset(label)
    return {name for name in filterset.facet_names() if filterset.facet_query(name, filterset.queryset)[3]}


@functools.cache
def pairs(label):
    """The pairs of facets whose counts are kept in FacetPair: every two facets of the list, in its order."""
    names = _filterset(label).facet_names()
    return [(first, second) for index, first in enumerate(names) for second in names[index + 1 :]]


# A pair's key in the counts: "first|second", its values "value|other value" (no value holds a "|": ids,
# choice values and slugs).
SEPARATOR = "|"


def pair_key(first, second):
    return f"{first}{SEPARATOR}{second}"


def split_pair(key):
    return tuple(key.split(SEPARATOR, 1)) if SEPARATOR in key else None


def _counting_parts(label, pks, using, with_pairs=True):
    filterset = _filterset(label, using)
    queryset = filterset.queryset.order_by()
    if pks is not None:
        queryset = queryset.filter(pk__in=pks)
    text = TextField()
    parts = [queryset.values_list(Cast(Value(""), text), Cast(Value(""), text)).annotate(n=Count("pk"))]
    for name in filterset.facet_names():
        rows, field, count, _finish = filterset.facet_query(name, queryset)
        parts.append(counted_as_text(rows, Cast(Value(name), text), [field], count))
    if with_pairs:
        parts.extend(_pair_part(filterset, queryset, first, second) for first, second in pairs(label))
    return parts


def _pair_part(filterset, queryset, first, second):
    """A pair counts each record once per pair of values it has (a reaction with two stances, in one country,
    counts once for each stance with that country), by the paths the filters follow."""
    paths = filterset.pair_path(first), filterset.pair_path(second)
    both = filterset.pair_rows(queryset).filter(**{f"{path}__isnull": False for path in paths})
    key = Cast(Value(pair_key(first, second)), TextField())
    return counted_as_text(both, key, paths, Count("pk", distinct=True), SEPARATOR)


# Stand-ins for the rows' keys while a counting query is compiled: no key is negative.
_MARKER = -(10**15)


@functools.lru_cache(maxsize=128)
def _counting_sql(label, size, using, with_pairs=True):
    """(sql, params, {param position: index of the row's key}) of direct_counts for `size` rows (or every row when
    None). Compiled once: building and compiling the FilterSet's queries was three quarters of a save's counting.
    Bounded: a write touching thousands of rows (a stance's reactions) compiles a query as long, used once."""
    markers = None if size is None else [_MARKER - index for index in range(size)]
    sql, params = union_all_sql(_counting_parts(label, markers, using, with_pairs))
    keys = {position: _MARKER - param for position, param in enumerate(params) if _is_marker(param, size)}
    assert size is None or len(keys) % size == 0, "every part filters by the rows' keys"
    return sql, tuple(params), keys


def _is_marker(param, size):
    return size is not None and type(param) is int and _MARKER - size < param <= _MARKER


def direct_counts(label, pks=None, using=DEFAULT_DB_ALIAS, with_pairs=True):
    """{facet: Counter(value → published rows)} of the list (or of its rows `pks`), from one query; facet ""
    is the total, and each pair of facets ("first|second") its pairs of values ("value|other value"). Tree
    facets are counted per direct value (a place's incidents, not those below it)."""
    pks = None if pks is None else sorted(pks)
    counts = defaultdict(Counter)
    if pks == []:
        return counts
    sql, params, keys = _counting_sql(label, None if pks is None else len(pks), using, with_pairs)
    if keys:
        params = list(params)
        for position, index in keys.items():
            params[position] = pks[index]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        for facet, value, number in cursor.fetchall():
            if value is not None and number:
                counts[facet][str(value)] += number
    return counts


def _difference(after, before):
    delta = defaultdict(Counter)
    for facet in {*after, *before}:
        for value in {*after.get(facet, ()), *before.get(facet, ())}:
            change = after.get(facet, {}).get(value, 0) - before.get(facet, {}).get(value, 0)
            if change:
                delta[facet][value] = change
    return delta


def _tree_sides(label, key):
    """Which sides of a facet's or a pair's values are places counted up the tree: (first, second)."""
    trees = tree_facets(label)
    pair = split_pair(key)
    if pair is None:
        return (key in trees, False)
    return (pair[0] in trees, pair[1] in trees)


def _up_the_tree(delta, label, using, parent_of=None):
    """Direct-value changes of tree facets (either side of a pair) turned into changes of the place and every
    place above it."""
    sides = {key: _tree_sides(label, key) for key in delta}
    keys = [key for key, (first, second) in sides.items() if first or second]
    if not keys:
        return delta
    if parent_of is None:
        wanted = set()
        for key in keys:
            for value in delta[key]:
                parts = value.split(SEPARATOR)
                wanted.update(int(part) for part, tree in zip(parts, sides[key], strict=False) if tree)
        parent_of, frontier = {}, wanted
        while frontier:  # one query per level of the tree, for the few places changed
            found = dict(Place._base_manager.using(using).filter(pk__in=frontier).values_list("pk", "parent_id"))
            parent_of.update(found)
            frontier = {parent for parent in found.values() if parent is not None} - set(parent_of)
    for key in keys:
        delta[key] = _values_up_the_tree(delta[key], sides[key], parent_of)
    return delta


def _values_up_the_tree(values, sides, parent_of):
    totals = Counter()
    for value, n in values.items():
        parts = value.split(SEPARATOR)
        choices = [
            list(place_tree.walk_up(int(part), parent_of.get)) if tree else [part]
            for part, tree in zip(parts, sides, strict=False)
        ]
        if len(parts) == 1:
            for node in choices[0]:
                totals[str(node)] += n
        else:
            for first in choices[0]:
                for second in choices[1]:
                    totals[f"{first}{SEPARATOR}{second}"] += n
    return Counter({value: n for value, n in totals.items() if n})


# Storing -----------------------------------------------------------------------------------------------------


def apply(label, delta, using=DEFAULT_DB_ALIAS):
    """Add {facet: {value: change}} to the stored counts of a list, keeping each facet's number of values.

    One upsert for the values (an atomic `count + change`, so concurrent writers add up), one for the summaries,
    one delete of the rows that reached zero, by key; the same for the pairs' values (FacetPair)."""
    moved = _apply_pairs(label, {key: values for key, values in delta.items() if split_pair(key)}, using)
    changes = [
        (facet, value, n)
        for facet, values in delta.items()
        if not split_pair(facet)
        for value, n in values.items()
        if n
    ]
    if not changes:
        if moved:
            counts_moved([label], using)
        return
    table = FacetCount._meta.db_table
    connection = connections[using]
    with connection.cursor() as cursor:
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(changes))
        params = [item for facet, value, n in changes for item in (label, facet, value, n)]
        cursor.execute(
            f"INSERT INTO {table} (model_label, facet, value, count) VALUES {rows} "
            f"ON CONFLICT (model_label, facet, value) DO UPDATE SET count = {table}.count + excluded.count "
            "RETURNING id, facet, value, count",
            params,
        )
        returned = cursor.fetchall()
        new = {(facet, value): count for _pk, facet, value, count in returned}
        emptied = [pk for pk, _facet, _value, count in returned if count <= 0]
        values_moved = Counter()
        for facet, value, n in changes:
            if facet == "":
                continue
            count = new[(facet, value)]
            if count == n and n > 0:  # from nothing to some
                values_moved[facet] += 1
            elif count <= 0:
                values_moved[facet] -= 1
        summaries = [(facet, n) for facet, n in values_moved.items() if n]
        if summaries:
            rows = ", ".join(["(%s, %s, '', %s)"] * len(summaries))
            params = [item for facet, n in summaries for item in (label, facet, n)]
            cursor.execute(
                f"INSERT INTO {table} (model_label, facet, value, count) VALUES {rows} "
                f"ON CONFLICT (model_label, facet, value) DO UPDATE SET count = {table}.count + excluded.count "
                "RETURNING id, count",
                params,
            )
            emptied += [pk for pk, count in cursor.fetchall() if count <= 0]
        # By key: a DELETE of the list's rows at zero would read all of them.
        _delete_ids(cursor, table, emptied)
    counts_moved([label], using)


def _apply_pairs(label, delta, using):
    """Add {pair key: {"value|other value": change}} to FacetPair; whether anything changed."""
    changes = []
    for key, values in delta.items():
        first, second = split_pair(key)
        for both, n in values.items():
            if n:
                value, other = both.split(SEPARATOR, 1)
                changes.append((label, first, value, second, other, n))
    if not changes:
        return False
    table = FacetPair._meta.db_table
    emptied = []
    with connections[using].cursor() as cursor:
        for start in range(0, len(changes), 500):  # SQLite's limit on a statement's parameters
            batch = changes[start : start + 500]
            rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (model_label, facet, value, other_facet, other_value, count) VALUES {rows} "
                "ON CONFLICT (model_label, facet, value, other_facet, other_value) "
                f"DO UPDATE SET count = {table}.count + excluded.count RETURNING id, count",
                [item for change in batch for item in change],
            )
            emptied += [pk for pk, count in cursor.fetchall() if count <= 0]
        # By key: a DELETE of the list's rows at zero would read all of them (a million, 150 ms).
        _delete_ids(cursor, table, emptied)
    return True


def _delete_ids(cursor, table, ids):
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)


def counts_moved(labels, using=DEFAULT_DB_ALIAS):
    """Drop the cached pages and counts that read these lists' stored counts: they are written in SQL, which
    sends no signal, so the cache's tag for each list is moved here, in the same transaction."""
    caching.bump({caching.counts_tag(label) for label in labels}, using)


def counted(label, facets=None, using=DEFAULT_DB_ALIAS, with_pairs=True):
    """{(facet, value): count} of a list (or of its `facets`) counted from the records now, summaries included:
    what FacetCount and FacetPair should hold (nothing for a zero).
    Pairs are keyed ("first|second", "value|other value"), those with either facet in `facets` when given."""
    counts = direct_counts(label, using=using, with_pairs=with_pairs)
    names = [name for name in _filterset(label).facet_names() if facets is None or name in facets]
    trees = tree_facets(label)
    parent_of = dict(Place._base_manager.using(using).values_list("pk", "parent_id")) if trees else {}
    rows = {} if facets is not None else {("", ""): counts.get("", {}).get("", 0)}
    for facet in names:
        values = counts.get(facet, {})
        if facet in trees:
            totals = place_tree.totals_up_the_tree({int(v): n for v, n in values.items()}, parent_of)
            values = {str(pk): n for pk, n in totals.items() if n}
        rows[(facet, "")] = len(values)
        rows.update(((facet, value), n) for value, n in values.items())
    for first, second in pairs(label) if with_pairs else ():
        if facets is None or first in facets or second in facets:
            key = pair_key(first, second)
            values = _values_up_the_tree(counts.get(key, {}), _tree_sides(label, key), parent_of)
            rows.update(((key, value), n) for value, n in values.items())
    return {key: n for key, n in rows.items() if n}  # as stored: a row reaching zero is deleted


def stored(label, using=DEFAULT_DB_ALIAS):
    """{(facet, value): count} as FacetCount and FacetPair hold them for a list (pairs keyed as counted())."""
    caching.note_counts_read(label)
    rows = FacetCount.objects.using(using).of(label).values_list("facet", "value", "count")
    found = {(facet, value): count for facet, value, count in rows}
    rows = FacetPair.objects.using(using).of(label).values_list("facet", "value", "other_facet", "other_value", "count")
    found.update(((pair_key(a, b), f"{v}{SEPARATOR}{w}"), n) for a, v, b, w, n in rows)
    return found


def rebuild(labels=None, facets=None, using=DEFAULT_DB_ALIAS):
    """Count the lists `labels` (all by default) from scratch, or only their `facets`: idempotent.

    Returns {label: number of rows stored}."""
    done = {}
    with transaction.atomic(using=using):
        for label in labels or LISTS:
            rows = counted(label, facets, using, with_pairs=False)
            # Deleted in SQL: a queryset's delete() would fetch every row to send its signals.
            _delete_stored(label, facets, using)
            FacetCount.objects.using(using).bulk_create(
                [FacetCount(model_label=label, facet=f, value=v, count=n) for (f, v), n in rows.items()],
                batch_size=2000,
            )
            done[label] = len(rows) + _rebuild_pairs(label, facets, using)
        counts_moved(done, using)
    return done


def _rebuild_pairs(label, facets, using):
    """Count and store the list's pairs (those of `facets`) one pair at a time, in plain INSERTs: about a million
    rows at 100,000 incidents, which as model instances, all at once, took a gigabyte. Returns the rows stored."""
    filterset = _filterset(label, using)
    queryset = filterset.queryset.order_by()
    parent_of = dict(Place._base_manager.using(using).values_list("pk", "parent_id")) if tree_facets(label) else {}
    table, stored = FacetPair._meta.db_table, 0
    with connections[using].cursor() as cursor:
        for first, second in pairs(label):
            if facets is not None and first not in facets and second not in facets:
                continue
            key = pair_key(first, second)
            direct = Counter({both: n for _key, both, n in _pair_part(filterset, queryset, first, second)})
            values = _values_up_the_tree(direct, _tree_sides(label, key), parent_of)
            rows = [(label, first, *both.split(SEPARATOR, 1), second, n) for both, n in values.items()]
            for start in range(0, len(rows), 500):
                batch = rows[start : start + 500]
                cursor.execute(
                    f"INSERT INTO {table} (model_label, facet, value, other_value, other_facet, count) VALUES "
                    + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch)),
                    [item for row in batch for item in row],
                )
            stored += len(rows)
    return stored


def _delete_stored(label, facets, using):
    where, params = "model_label = %s", [label]
    pair_where, pair_params = where, [label]
    if facets is not None:
        facets = list(facets)
        if not facets:
            return
        marks = ", ".join(["%s"] * len(facets))
        where += f" AND facet IN ({marks})"
        params += facets
        pair_where += f" AND (facet IN ({marks}) OR other_facet IN ({marks}))"
        pair_params += facets * 2
    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {FacetCount._meta.db_table} WHERE {where}", params)
        cursor.execute(f"DELETE FROM {FacetPair._meta.db_table} WHERE {pair_where}", pair_params)


def rebuild_if_missing(using=DEFAULT_DB_ALIAS):
    """Rebuild the lists that have published records but no stored total, or no stored pair of values while
    they have more than one facet (a database older than the counts, or than the pairs)."""
    stored = set(FacetCount.objects.using(using).filter(facet="", value="").values_list("model_label", flat=True))
    paired = set(FacetPair.objects.using(using).values_list("model_label", flat=True).distinct())
    missing = [
        label
        for label, filterset_class in LISTS.items()
        if (label not in stored or (pairs(label) and label not in paired))
        and filterset_class._meta.model._default_manager.using(using).published().exists()
    ]
    if missing:
        rebuild(missing, using=using)


def rebuild_after(models, using=DEFAULT_DB_ALIAS):
    """After a bulk write of `models`: rebuild the lists whose counts read any of them."""
    labels = [label for label, reads in READS.items() if reads & set(models)]
    if labels:
        rebuild(labels, using=using)


# Which writes move which counts ---------------------------------------------------------------------------------


def _ids(model, using, **lookup):
    return set(model._base_manager.using(using).filter(**lookup).values_list("pk", flat=True))


# Each model's roots: the records whose counts a write of `instance` moves. A row just `created` has nothing
# stored before it and no rows under it yet, so nothing is read for it.


def _incident_roots(instance, using, deleting, created=False):
    # A reaction is public only with its incident: the incident's status moves its reactions' counts. When the
    # incident is deleted its reactions are deleted too, and count themselves.
    reactions = set() if deleting or created or instance.pk is None else _ids(Reaction, using, incident_id=instance.pk)
    return {"events.incident": {instance.pk}, "events.reaction": reactions}


def _attribution_roots(instance, using, deleting, created=False):
    stored = None if deleting or created else stored_value(Attribution, instance.pk, "incident_id", using)
    return {"events.incident": {instance.incident_id, stored}}


def _role_roots(instance, using, deleting, created=False):
    stored = None if deleting or created else stored_value(Role, instance.pk, "person_id", using)
    return {"events.person": {instance.person_id, stored}}


def _place_roots(instance, using, deleting, created=False):
    roots = {"events.place": {instance.pk}}
    if deleting:  # its nationals lose the nationality with the link rows
        roots["events.person"] = _ids(Person, using, nationalities=instance.pk)
    return roots


def _stance_roots(instance, using, deleting, created=False):
    return {"events.reaction": _ids(Reaction, using, stances=instance.pk) if deleting else set()}


ROOTS = {
    Incident: _incident_roots,
    Reaction: lambda instance, using, deleting, created=False: {"events.reaction": {instance.pk}},
    Attribution: _attribution_roots,
    Person: lambda instance, using, deleting, created=False: {"events.person": {instance.pk}},
    Role: _role_roots,
    Organization: lambda instance, using, deleting, created=False: {"events.organization": {instance.pk}},
    Place: _place_roots,
    Stance: _stance_roots,
}
# The columns of each model that the counts read: a save changing none of them moves no count.
COUNTED_FIELDS = {
    Incident: ("status", "kind", "place_id"),
    Reaction: ("status", "incident_id", "category", "country_id"),
    Attribution: ("incident_id", "kind", "responsible_organization_id"),
    Person: ("status",),
    Role: ("person_id", "organization_id"),
    Organization: ("status", "kind", "country_id", "parent_id"),
    Place: ("status", "kind", "parent_id"),
    Stance: (),
}
# Many-to-many relations counted: through model → (list, the model at the list's end, the other end's field).
LINKS = {
    Reaction.stances.through: ("events.reaction", Reaction, "stances"),
    Person.nationalities.through: ("events.person", Person, "nationalities"),
}
# What each list's counts read: a bulk write of any of these rebuilds the list.
READS = {
    "events.incident": {Incident, Attribution, Place},
    "events.reaction": {Reaction, Incident, Stance, Reaction.stances.through},
    "events.person": {Person, Role, Place, Person.nationalities.through},
    "events.organization": {Organization},
    "events.place": {Place},
}


def _clean(roots):
    return {label: {pk for pk in pks if pk is not None} for label, pks in roots.items()}


class Pending:
    """The roots a write touches and their counts before it."""

    def __init__(self, using):
        self.using = using
        self.roots = defaultdict(set)
        self.before = {}

    def add(self, roots):
        for label, pks in _clean(roots).items():
            new = pks - self.roots[label]
            if new:
                self.roots[label] |= new
                before = direct_counts(label, new, self.using)
                previous = self.before.setdefault(label, defaultdict(Counter))
                for facet, values in before.items():
                    previous[facet].update(values)

    def add_new(self, roots):
        """Roots that did not exist before the write (a created row): they had no counts."""
        for label, pks in _clean(roots).items():
            self.roots[label] |= pks

    def settle(self):
        for label, pks in self.roots.items():
            if not pks:
                continue
            after = direct_counts(label, pks, self.using)
            delta = _difference(after, self.before.get(label, {}))
            if delta:
                apply(label, _up_the_tree(delta, label, self.using), self.using)


def _counted_fields_unchanged(instance, using, update_fields):
    """Whether a save of an existing row leaves every column the counts read as it is stored (an editor's
    correction of a title or a summary): then no count can move, and nothing is counted."""
    fields = COUNTED_FIELDS[type(instance)]
    if not fields:
        return True
    if update_fields is not None:
        return not {f.removesuffix("_id") for f in fields} & {f.removesuffix("_id") for f in update_fields}
    if instance._state.adding or instance.pk is None:
        return False
    stored = type(instance)._base_manager.using(using).filter(pk=instance.pk).values_list(*fields).first()
    return stored is not None and stored == tuple(getattr(instance, field) for field in fields)


def before_save(instance, using, update_fields=None):
    instance.__dict__.pop("_counts_pending", None)
    if _counted_fields_unchanged(instance, using, update_fields):
        return
    pending = Pending(using)
    pending.add(ROOTS[type(instance)](instance, using, deleting=False))
    if isinstance(instance, Place) and instance.pk is not None:
        instance._counts_parent_before = stored_value(Place, instance.pk, "parent_id", using)
    instance._counts_pending = pending


def after_save(instance, created, using):
    pending = instance.__dict__.pop("_counts_pending", None)
    if pending is None and not created:  # nothing counted moved (before_save)
        return
    pending = pending or Pending(using)
    if created:
        pending.add_new(ROOTS[type(instance)](instance, using, deleting=False, created=True))
    pending.settle()
    if isinstance(instance, Place) and not created:
        parent_before = instance.__dict__.pop("_counts_parent_before", instance.parent_id)
        if parent_before != instance.parent_id:  # a whole subtree moved
            rebuild(["events.incident"], {"place"}, using=using)
            rebuild(["events.place"], {"country"}, using=using)


def before_delete(instance, origin, using):
    """Every pre_delete of one delete() (a record and what cascades from it) comes before its post_deletes:
    the roots are gathered from all of them, once each, and settled after the last."""
    operations = _operations()
    key = id(origin)
    if key not in operations or operations[key][0] is not origin:
        operations[key] = (origin, Pending(using), set())
    _origin, pending, waiting = operations[key]
    waiting.add((type(instance), instance.pk))
    pending.add(ROOTS[type(instance)](instance, using, deleting=True))


def after_delete(instance, origin):
    operations = _operations()
    found = operations.get(id(origin))
    if found is None or found[0] is not origin:
        return
    _origin, pending, waiting = found
    waiting.discard((type(instance), instance.pk))
    if not waiting:
        del operations[id(origin)]
        pending.settle()


def _operations():
    if not hasattr(_deletes, "operations"):
        _deletes.operations = {}
    elif len(_deletes.operations) > 32:  # left by deletes that failed half-way
        _deletes.operations.clear()
    return _deletes.operations


def before_links_change(sender, instance, action, reverse, pk_set, using):
    label, model, field = LINKS[sender]
    if isinstance(instance, model):
        pks = {instance.pk}
    elif pk_set is not None:
        pks = set(pk_set)
    else:  # cleared from the other end
        pks = _ids(model, using, **{field: instance.pk})
    pending = Pending(using)
    pending.add({label: pks})
    instance._counts_links_pending = pending


def after_links_change(instance):
    pending = instance.__dict__.pop("_counts_links_pending", None)
    if pending is not None:
        pending.settle()


# Reading -----------------------------------------------------------------------------------------------------


def home_counts(labels):
    """{label: published records} for the home page, from one query."""
    caching.note_counts_read(*labels)
    rows = FacetCount.objects.filter(model_label__in=labels, facet="", value="").values_list("model_label", "count")
    found = dict(rows)
    return {label: found.get(label, 0) for label in labels}
