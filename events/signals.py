"""What a write to the archive keeps true, in one place.

Every signal receiver of the events app is in this module, named for the invariant it keeps, and connected
by `connect()`, which `EventsConfig.ready()` calls: nothing registers itself at import. The work lives
beside what it keeps (events/caching.py moves the cache's tags, events/search_index.py indexes rows);
this module decides when it runs. Receivers run in the transaction of the write, so a rolled-back write
takes its effects with it.

Writes that send no signals (`QuerySet.update()`, `bulk_create()`, raw SQL) are followed by
`after_bulk_write()`; bulk loads run inside `bulk_write()`, which skips the per-row upkeep and keeps every
invariant once at the end. docs/architecture.md draws which receiver keeps what.

A new invariant gets a section below (its receivers, named for what they keep true, each doing nothing
while `in_bulk_write()`), its lines in `connect()`, and its set-wide counterpart in `after_bulk_write()`.
"""

import threading
from contextlib import contextmanager

from django.apps import apps
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_migrate,
    post_save,
    pre_delete,
    pre_save,
)
from django.db.models.sql import UpdateQuery

from . import aggregates, caching, revisions, search, search_index, statements, workflow
from .models import ArchiveState, CacheTag, CasualtyFigure, Incident, stored_value

_state = threading.local()


def in_bulk_write():
    """Whether this thread is inside `bulk_write()`, whose end keeps every invariant for all rows at once."""
    return getattr(_state, "depth", 0) > 0


# Headline figures equal the preferred casualty figures -------------------------------------------------
# Signals rather than CasualtyFigure.save(): loaddata saves raw and skips save(), but still sends these.


def headline_figures_remember_the_figures_incident(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    """A figure moved to another incident changes the headline of the one it leaves too."""
    if in_bulk_write() or instance.pk is None:
        return
    instance._headline_incident_before = stored_value(sender, instance.pk, "incident_id", using)


def headline_figures_equal_the_preferred_figures(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    before = instance.__dict__.pop("_headline_incident_before", None)
    if in_bulk_write():
        return
    incident_ids = {instance.incident_id, before} - {None}
    if len(incident_ids) == 1:
        [incident_id] = incident_ids
        if statements.run_keyed("headline figures", _headline_statement(using), incident_id, using) is not None:
            return
    refresh_headline_figures(Incident._base_manager.using(using).filter(pk__in=incident_ids))


def _headline_columns():
    preferred = CasualtyFigure._base_manager.filter(
        incident=OuterRef("pk"), rank=CasualtyFigure.Rank.PREFERRED, group=""
    ).order_by()
    columns = {}
    for field in Incident.HEADLINE_FIELDS:
        figure = preferred.filter(kind=field)
        columns[field] = Subquery(figure.values("value")[:1])
        columns[f"{field}_qualifier"] = Coalesce(Subquery(figure.values("qualifier")[:1]), Value(""))
    return columns


def refresh_headline_figures(incidents):
    """Copy each incident's preferred whole-incident figures (value and qualifier) into its headline columns.

    One UPDATE for any number of incidents: the set-wide Incident.refresh_headline_figures(), which
    tests/test_signals.py holds it equal to. (A figure save used to load the incident and its figures first.)
    """
    return incidents.update(**_headline_columns())


def _headline_statement(using):
    """refresh_headline_figures()'s UPDATE for one incident, as (sql, params), for events/statements.py."""

    def build(key):
        query = Incident._base_manager.using(using).filter(pk=key).query.chain(UpdateQuery)
        query.add_update_values(_headline_columns())
        return query.get_compiler(using).as_sql()

    return build


# The search index matches the rows (SQLite FTS5, PostgreSQL tsvector) --------------------------------------


def search_index_remembers_the_names_others_read(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    """Before a place, person or organization is saved: its stored names, so only a rename re-indexes the
    records whose search reads them."""
    if not in_bulk_write():
        instance._search_names_before = search_index.names_before_save(sender, instance, using)


def search_index_matches_the_saved_row(sender, instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    names_before = instance.__dict__.pop("_search_names_before", None)
    if not in_bulk_write():
        search_index.index_saved(sender, instance, using, names_before=names_before, raw=raw)


def search_index_drops_the_deleted_row(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    if not in_bulk_write():
        search_index.unindex(sender, instance.pk, using)


def search_index_matches_the_rows_after_a_flush(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """`flush` (and a transactional test's teardown) empties the tables but not the index, then sends
    post_migrate."""
    if sender.name == "events":
        search_index.rebuild_if_out_of_step(using)


def editorial_groups_exist_after_every_migrate_or_flush(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """Migrations make the Editor and Reviewer groups; `flush` (and a transactional test's teardown) empties
    them with every table and then sends post_migrate, after auth has made the permissions again."""
    if sender.name == "events":
        workflow.ensure_editorial_groups(using)


# The cache's tags move with what a write changed (pages and counts are stored with the versions they read) ----
# events/caching.py says which tags a write moves; these decide when. A row loaded while a page renders notes
# its record tag (post_init); the queries it ran note the rest there.

_NOT_NOTED = object()


def cache_tags_note_the_rows_a_page_loads(sender, instance, **kwargs):
    caching.note_loaded(sender, instance)


def cache_tags_remember_the_stored_row(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    """Before a save: the row as stored (one query), so that only the columns whose value changes move."""
    if caching.is_archive_model(sender) and not in_bulk_write():
        instance._cache_row_before = caching.stored_row(sender, instance, using)


def cache_tags_move_with_the_saved_row(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    before = instance.__dict__.pop("_cache_row_before", _NOT_NOTED)
    if not caching.is_archive_model(sender) or in_bulk_write():
        return
    # Not noted before the save (a receiver connected late): counted as a new row, which moves more.
    unknown = before is _NOT_NOTED
    before = None if unknown else before
    tags = caching.tags_of_save(sender, instance, before)
    caching.bump(tags | _headline_tags(sender, instance, before, unknown=unknown), using)


def cache_tags_move_with_the_deleted_row(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    if caching.is_archive_model(sender) and not in_bulk_write():
        tags = caching.tags_of_delete(sender, instance) | _headline_tags(sender, instance, deleted=True)
        caching.bump(tags, using)


def cache_tags_move_with_a_relation_change(sender, instance, action, model, pk_set, using=DEFAULT_DB_ALIAS, **kwargs):
    if in_bulk_write() or not caching.is_archive_model(type(instance)):
        return
    if action == "pre_clear":
        instance._cache_cleared = caching.linked_pks(instance, sender, model, using)
    elif action == "post_clear":
        cleared = instance.__dict__.pop("_cache_cleared", ())
        caching.bump(caching.tags_of_relation_change(instance, sender, model, cleared), using)
    elif action in ("post_add", "post_remove"):
        caching.bump(caching.tags_of_relation_change(instance, sender, model, pk_set), using)


def cache_tags_all_move_after_a_migrate_or_flush(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """`flush` (and a transactional test's teardown) empties every table, the tags' too, then sends
    post_migrate: whatever was cached before describes rows that are gone."""
    if sender.name != "events":
        return
    tables = connections[using].introspection.table_names()
    if {ArchiveState._meta.db_table, CacheTag._meta.db_table} <= set(tables):
        caching.bump_content_version(using)


def _headline_tags(sender, instance, before=None, deleted=False, unknown=False):
    """A casualty figure's save rewrites its incident's headline columns by an UPDATE, which sends no signal:
    the incidents it belongs to, before and after, change as if saved. `before` is the figure's stored row (None
    for a new one; `unknown` when it was not read, and then every headline number's spans move)."""
    if sender is not CasualtyFigure:
        return set()
    columns = [name for field in Incident.HEADLINE_FIELDS for name in (field, f"{field}_qualifier")]
    incidents = {instance.incident_id, (before or {}).get("incident_id")} - {None}
    now = None if deleted else {field.attname: getattr(instance, field.attname) for field in sender._meta.fields}
    tags = {
        caching.any_change_tag(Incident),
        *(caching.column_tag(Incident, column) for column in columns),
        *(caching.record_tag(Incident, pk) for pk in incidents),
        *_headline_range_tags(instance.__dict__ if deleted else before, now),
    }
    if unknown:
        for field in Incident.HEADLINE_FIELDS:
            tags |= caching.range_tags(Incident, field, None, None)
    return tags


def _headline_range_tags(before, after):
    """The range tags of the headline numbers a figure's change moves (caching.range_tags). Only the preferred
    whole-incident figure of a kind is its incident's headline number (one per kind, a constraint says), so a
    figure that stays that moves its number's spans from its old value to its new; one that becomes it, or
    stops being it, moves every span of that number (to or from no number); any other figure moves none."""

    def headline(row):
        if (
            row is not None
            and row.get("rank") == CasualtyFigure.Rank.PREFERRED
            and row.get("group") == ""
            and row.get("kind") in Incident.HEADLINE_FIELDS
        ):
            return (row["incident_id"], row["kind"]), row["value"]
        return None

    old, new = headline(before), headline(after)
    if old and new and old[0] == new[0]:
        return caching.range_tags(Incident, new[0][1], old[1], new[1])
    return {tag for side in (old, new) if side for tag in caching.range_tags(Incident, side[0][1], None, None)}


# Every SQLite connection can fold text (search and its index call unaccent_fold()) -----------------------


def every_sqlite_connection_can_fold(sender, connection, **kwargs):
    search.register_sqlite_function(connection)


# Registration -----------------------------------------------------------------------------------------------


# A write records one revision per record it touched ----------------------------------------------------------
# Inside revisions.reviewed_write() (every admin POST, restores, publishing) each change of a row names the
# record whose revision covers it (an incident for its figures); outside one they do nothing.


def revisions_note_the_record_before_it_changes(sender, instance, **kwargs):
    revisions.before_change(instance)


def revisions_count_the_record_as_touched(sender, instance, created=False, **kwargs):
    revisions.after_change(instance, created=created)


def revisions_count_link_changes(sender, instance, action, reverse, model, pk_set, **kwargs):
    revisions.links_changed(instance, action, reverse, model, pk_set)


def follow_the_database_files():
    """In a web process only (kerman_site.database.serve_existing_files_only): a connection remembers which
    SQLite file it opened, and one whose file is gone or replaced is closed at the start of a request."""
    from kerman_site import database

    connection_created.connect(database.remember_the_file, dispatch_uid="kerman_site.database.remember_the_file")
    request_started.connect(
        database.connections_follow_their_file, dispatch_uid="kerman_site.database.connections_follow_their_file"
    )


def connect():
    """Connect every receiver above. Called by EventsConfig.ready(); a second call changes nothing."""
    for model in revisions.tracked_models():
        _connect(pre_save, revisions_note_the_record_before_it_changes, model)
        _connect(pre_delete, revisions_note_the_record_before_it_changes, model)
        _connect(post_save, revisions_count_the_record_as_touched, model)
        _connect(post_delete, revisions_count_the_record_as_touched, model)
        for field in model._meta.local_many_to_many:
            _connect(m2m_changed, revisions_count_link_changes, field.remote_field.through)

    _connect(pre_save, headline_figures_remember_the_figures_incident, CasualtyFigure)
    _connect(post_save, headline_figures_equal_the_preferred_figures, CasualtyFigure)
    _connect(post_delete, headline_figures_equal_the_preferred_figures, CasualtyFigure)

    indexed, read_by_others = search_index.indexed_kinds(), search_index.dependents()
    for model in read_by_others:
        _connect(pre_save, search_index_remembers_the_names_others_read, model)
    for model in {*indexed, *read_by_others}:
        _connect(post_save, search_index_matches_the_saved_row, model)
    for model in indexed:
        _connect(post_delete, search_index_drops_the_deleted_row, model)
    _connect(post_migrate, search_index_matches_the_rows_after_a_flush)
    _connect(post_migrate, editorial_groups_exist_after_every_migrate_or_flush)

    # Any sender: the receivers check that it is an archive model (many-to-many through models included).
    _connect(pre_save, cache_tags_remember_the_stored_row)
    _connect(post_save, cache_tags_move_with_the_saved_row)
    _connect(post_delete, cache_tags_move_with_the_deleted_row)
    _connect(m2m_changed, cache_tags_move_with_a_relation_change)
    _connect(post_migrate, cache_tags_all_move_after_a_migrate_or_flush)
    for model in apps.get_app_config("events").get_models():
        if caching.is_archive_model(model):
            _connect(post_init, cache_tags_note_the_rows_a_page_loads, model)

    connect_counts()

    _connect(connection_created, every_sqlite_connection_can_fold)
    for connection in connections.all(initialized_only=True):  # opened before this ran: a shell, a test database
        search.register_sqlite_function(connection)


def _connect(signal, receiver, sender=None):
    label = sender._meta.label_lower if sender is not None else "any"
    signal.connect(receiver, sender=sender, dispatch_uid=f"events.signals.{receiver.__name__}.{label}")


# Writes that send no signals ---------------------------------------------------------------------------------


def after_bulk_write(*written, using=DEFAULT_DB_ALIAS):
    """Keep what the receivers above keep true, after writes that sent no signals.

    `written` says what was written, each item one of:
    - a model: any of its rows may have been added, changed or deleted;
    - rows of one model that exist now: a queryset (evaluated after the write: it must still select the
      rows, so filter on the primary key rather than on a column the write changed), an instance, or a list
      of instances such as bulk_create() returns.
    Name nothing and every archive model counts as written, as after a fixture load. For what was written:
    - headline figures: the incidents written, and the incidents of the casualty figures written, copy their
      preferred figures again (a figure moved to another incident: name the model, or both incidents);
    - search index: rows written are indexed again with the records whose search reads their names,
      and a model named is indexed again whole, as are the kinds that read it (deleted rows: name the model);
    - cache tags: every table named (or holding rows named) moves its rows and any-change tags, so every
      cached page or count that read it is dropped; naming nothing moves every cached entry's "archive" tag.
    Call it in the transaction of the writes. Writes that did send signals may be named too; it does no harm.
    """
    rows = _rows_by_model(written)
    if not rows:
        return
    if Incident in rows or CasualtyFigure in rows:
        refresh_headline_figures(_incidents_written(rows, using))
    search_index.rebuild_search_index(using, models=[model for model, pks in rows.items() if pks is None])
    for model, pks in rows.items():
        if pks is not None:
            search_index.reindex_rows(model, pks, using)
    aggregates.rebuild_after(rows, using=using)
    archival = [model for model in rows if caching.is_archive_model(model)]
    if not written:
        caching.bump_content_version(using)
    elif archival:
        headlines = [Incident] if CasualtyFigure in rows else []
        caching.bump(caching.tags_of_models([*archival, *headlines]), using)


@contextmanager
def bulk_write(*written, using=DEFAULT_DB_ALIAS):
    """Run a bulk load in one transaction without the per-row upkeep, then `after_bulk_write(*written)` once.

    For loads and generators: keeping each invariant once for the whole set costs far less than row by row
    (every save re-indexing, bumping the version, refreshing a headline), and covers the writes in the block
    that send no signals. If the block raises, the transaction is rolled back and nothing needs keeping.
    The upkeep is skipped in this thread only; other threads' saves keep their invariants as usual.
    """
    with transaction.atomic(using=using):
        _state.depth = getattr(_state, "depth", 0) + 1
        try:
            yield
        finally:
            _state.depth -= 1
        after_bulk_write(*written, using=using)


def _rows_by_model(written):
    """{model: primary keys written (a list or a values("pk") queryset), or None for any row of it}."""
    if not written:
        return {model: None for model in apps.get_app_config("events").get_models() if caching.is_archive_model(model)}
    found = {}
    for item in written:
        if isinstance(item, type) and issubclass(item, Model):
            model, pks = item, None
        elif isinstance(item, QuerySet):
            model, pks = item.model, item.values("pk")
        else:
            instances = [item] if isinstance(item, Model) else list(item)
            if not instances:
                continue
            model, pks = type(instances[0]), [instance.pk for instance in instances]
        if model in found and (found[model] is None or pks is None):
            found[model] = None
        elif model in found:
            found[model] = _either(model, found[model], pks)
        else:
            found[model] = pks
    return found


def _either(model, pks, more):
    return model._base_manager.filter(Q(pk__in=pks) | Q(pk__in=more)).values("pk")


def _incidents_written(rows, using):
    incidents = Incident._base_manager.using(using)
    if any(rows.get(model, ()) is None for model in (Incident, CasualtyFigure)):
        return incidents.all()
    chosen = Q()
    if Incident in rows:
        chosen |= Q(pk__in=rows[Incident])
    if CasualtyFigure in rows:
        figures = CasualtyFigure._base_manager.using(using).filter(pk__in=rows[CasualtyFigure])
        chosen |= Q(pk__in=figures.values("incident_id"))
    return incidents.filter(chosen)


# Stored counts follow every write (events/aggregates.py) ---------------------------------------------------------
# Each write notes, before it, the counts of the records whose counts it may move, and adds the difference after
# it. A delete that cascades sends every pre_delete before any post_delete: aggregates settles after the last.


def counts_note_what_a_save_may_move(sender, instance, using=DEFAULT_DB_ALIAS, update_fields=None, **kwargs):
    if not in_bulk_write():
        aggregates.before_save(instance, using, update_fields)


def counts_follow_the_saved_row(sender, instance, created=False, using=DEFAULT_DB_ALIAS, **kwargs):
    if not in_bulk_write():
        aggregates.after_save(instance, created, using)


def counts_note_what_a_delete_may_move(sender, instance, origin=None, using=DEFAULT_DB_ALIAS, **kwargs):
    if not in_bulk_write():
        aggregates.before_delete(instance, origin, using)


def counts_follow_the_deleted_rows(sender, instance, origin=None, **kwargs):
    if not in_bulk_write():
        aggregates.after_delete(instance, origin)


def counts_follow_link_changes(sender, instance, action, reverse, pk_set, using=DEFAULT_DB_ALIAS, **kwargs):
    if in_bulk_write():
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        aggregates.before_links_change(sender, instance, action, reverse, pk_set, using)
    else:
        aggregates.after_links_change(instance)


def counts_match_the_rows_after_a_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """A database migrated from before the counts were stored (or written past the signals) is counted once."""
    if sender.name == "events":
        aggregates.rebuild_if_missing(using)


def connect_counts():
    for model in aggregates.ROOTS:
        _connect(pre_save, counts_note_what_a_save_may_move, model)
        _connect(post_save, counts_follow_the_saved_row, model)
        _connect(pre_delete, counts_note_what_a_delete_may_move, model)
        _connect(post_delete, counts_follow_the_deleted_rows, model)
    for through in aggregates.LINKS:
        _connect(m2m_changed, counts_follow_link_changes, through)
    _connect(post_migrate, counts_match_the_rows_after_a_migrate)
