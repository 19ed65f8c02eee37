"""What a write keeps true (events/signals.py): each receiver's invariant, what it costs per save, and the
bulk helper that keeps the same invariants after writes that send no signals.

The search tests run on every database (PostgreSQL searches the rows themselves); the ones that read the
SQLite index's tables or count its statements are SQLite only.
"""

import weakref

import pytest
from django.core import signals as core_signals
from django.db import connection, connections
from django.db.backends import signals as backend_signals
from django.db.models import F
from django.db.models import signals as model_signals
from django.dispatch import Signal
from django.test.utils import CaptureQueriesContext

from events import search, search_index, signals, statements
from events.caching import content_version
from events.models import CasualtyFigure, Incident, Person, Place, Reaction
from tests import factories as f

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the stored search index is SQLite's")

PREFERRED, REPORTED = CasualtyFigure.Rank.PREFERRED, CasualtyFigure.Rank.REPORTED


def found(model, query):
    """Slugs of the records of `model` that the search finds for `query`."""
    kind = model._meta.model_name
    matched = search.text_search(model._base_manager.all(), search.SEARCH_FIELDS[kind], query)
    return sorted(matched.values_list("slug", flat=True))


def indexed_bodies(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, body FROM {search_index.table_name(model._meta.model_name)}")
        return dict(cursor.fetchall())


def headline(incident):
    incident.refresh_from_db()
    return (incident.killed, incident.killed_qualifier, incident.injured, incident.perpetrators_killed)


def version():
    return content_version()[0]


# Registration ---------------------------------------------------------------------------------------


def connected_receivers():
    """Every receiver connected to Django's model, database and request signals, as functions."""
    found = []
    for module in (model_signals, backend_signals, core_signals):
        for signal in vars(module).values():
            if not isinstance(signal, Signal):
                continue
            for _key, receiver, _is_async in signal.receivers:
                if isinstance(receiver, weakref.ReferenceType):
                    receiver = receiver()
                if receiver is not None:
                    found.append(receiver)
    return found


def test_every_receiver_of_the_app_is_in_events_signals():
    elsewhere = {
        f"{receiver.__module__}.{receiver.__qualname__}"
        for receiver in connected_receivers()
        if getattr(receiver, "__module__", "").startswith("events.") and receiver.__module__ != "events.signals"
    }
    assert not elsewhere, f"connect these from events.signals.connect() instead: {sorted(elsewhere)}"


def test_connecting_twice_registers_nothing_twice():
    before = len(connected_receivers())
    signals.connect()
    assert len(connected_receivers()) == before


# Headline figures equal the preferred figures ---------------------------------------------------------


def test_a_saved_or_deleted_preferred_figure_sets_the_headline():
    incident = f.IncidentFactory()
    figure = f.CasualtyFigureFactory(incident=incident, value=95, qualifier="at_least", rank=PREFERRED)
    assert headline(incident) == (95, "at_least", None, None)
    figure.delete()
    assert headline(incident) == (None, "", None, None)


def test_the_set_wide_refresh_equals_the_incidents_own():
    cases = [
        [],
        [dict(value=5, rank=REPORTED)],
        [dict(value=95, qualifier="at_least", rank=PREFERRED), dict(value=103, rank=REPORTED)],
        [dict(value=23, group="students", rank=PREFERRED)],
        [dict(value=284, kind="injured", rank=PREFERRED), dict(value=2, kind="perpetrators_killed", rank=PREFERRED)],
        [dict(value=7, kind="arrested", rank=PREFERRED), dict(value=0, qualifier="about", rank=PREFERRED)],
    ]
    incidents = []
    for figures in cases:
        incident = f.IncidentFactory()
        for figure in figures:
            f.CasualtyFigureFactory(incident=incident, **figure)
        incidents.append(incident)
    columns = [*Incident.HEADLINE_FIELDS, *(f"{field}_qualifier" for field in Incident.HEADLINE_FIELDS)]
    Incident.objects.update(killed=999, killed_qualifier="about", injured=999, perpetrators_killed=999)
    signals.refresh_headline_figures(Incident.objects.all())
    set_wide = list(Incident.objects.order_by("pk").values_list(*columns))
    for incident in incidents:
        incident.refresh_headline_figures()
    assert set_wide == list(Incident.objects.order_by("pk").values_list(*columns))
    # A figure save runs the same UPDATE for its one incident, compiled once (events/statements.py).
    Incident.objects.update(killed=999, killed_qualifier="about", injured=999, perpetrators_killed=999)
    one_statement = signals._headline_statement("default")
    assert [statements.run_keyed("headline figures", one_statement, i.pk, "default") for i in incidents] == [1] * 6
    assert set_wide == list(Incident.objects.order_by("pk").values_list(*columns))
    assert set_wide[2] == (95, None, None, "at_least", "", "")
    assert set_wide[4] == (None, 284, 2, "", "exact", "exact")
    assert set_wide[5] == (0, None, None, "about", "", "")


def test_a_figure_save_refreshes_the_headline_in_one_statement_without_loading_the_incident():
    figure = f.CasualtyFigureFactory(value=10, rank=PREFERRED)
    figure.value = 11
    with CaptureQueriesContext(connection) as queries:
        figure.save()
    sql = [query["sql"] for query in queries]
    assert len([q for q in sql if q.startswith('UPDATE "events_incident"')]) == 1
    assert not [q for q in sql if q.startswith("SELECT") and 'FROM "events_incident"' in q]
    assert headline(figure.incident)[0] == 11


# The search index matches the rows -------------------------------------------------------------------


def test_a_saved_record_is_found_by_its_new_text_and_not_its_old():
    person = f.PersonFactory(name="Old Name", slug="someone")
    person.name = "Brand New"
    person.save()
    assert found(Person, "brand new") == ["someone"]
    assert found(Person, "old name") == []


def test_renaming_a_place_moves_the_records_that_search_its_name():
    country = f.CountryFactory(name="Oldland")
    f.IncidentFactory(slug="bombing", place=country)
    f.ReactionFactory(slug="reaction", country=country)
    country.name = "Newland"
    country.save()
    assert (found(Incident, "newland"), found(Reaction, "newland")) == (["bombing"], ["reaction"])
    assert (found(Incident, "oldland"), found(Reaction, "oldland")) == ([], [])


@sqlite_only
def test_a_deleted_record_leaves_the_index():
    person = f.PersonFactory()
    pk = person.pk
    person.delete()
    assert pk not in indexed_bodies(Person)


@sqlite_only
def test_a_save_costs_one_statement_per_index_table_whatever_the_number_of_referrers():
    country = f.CountryFactory(name="Oldland")
    f.IncidentFactory.create_batch(5, place=country)
    f.ReactionFactory.create_batch(5, country=country)
    country.name = "Newland"
    with CaptureQueriesContext(connection) as queries:
        country.save()
    index_statements = [q["sql"] for q in queries if "events_search_" in q["sql"]]
    assert len(index_statements) == 3  # the place itself, its incidents, the reactions of its country
    incident = Incident.objects.first()
    incident.title = "Retitled"
    with CaptureQueriesContext(connection) as queries:
        incident.save()
    assert len([q for q in queries if "events_search_" in q["sql"]]) == 1


@sqlite_only
def test_every_new_sqlite_connection_can_fold():
    fresh = connections.create_connection(connection.alias)
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SELECT unaccent_fold(%s)", ["Erdoğan – ISIS"])
            assert cursor.fetchone()[0] == "erdogan - isis"
    finally:
        fresh.close()


# The content version moves on every change ------------------------------------------------------------


def test_saving_deleting_and_relating_an_archive_record_each_move_the_content_version():
    moved = []
    start = version()
    person = f.PersonFactory(sources=[])
    moved.append(version() > start)
    start = version()
    person.sources.add(f.SourceFactory())
    moved.append(version() > start)
    start = version()
    person.delete()
    moved.append(version() > start)
    assert moved == [True, True, True]


def test_a_save_moves_the_content_version_once():
    incident = f.IncidentFactory()
    incident.title = "Retitled"
    with CaptureQueriesContext(connection) as queries:
        incident.save()
    assert len([q for q in queries if "events_archivestate" in q["sql"]]) == 1


def test_saving_something_that_is_not_an_archive_record_leaves_the_version_alone(django_user_model):
    f.IncidentFactory()
    start = version()
    django_user_model.objects.create_user("reader")
    assert version() == start


# after_bulk_write(): the same invariants after writes that send no signals ------------------------------


def test_after_update_the_helper_makes_search_find_the_new_text():
    incident = f.IncidentFactory(title="Before the update", slug="updated")
    rows = Incident.objects.filter(pk=incident.pk)
    start = version()
    rows.update(title="After the update")
    signals.after_bulk_write(rows)
    assert found(Incident, "after the update") == ["updated"]
    assert found(Incident, "before the update") == []
    assert version() > start


def test_after_update_of_a_figure_the_headline_follows():
    figure = f.CasualtyFigureFactory(value=10, rank=PREFERRED)
    CasualtyFigure.objects.filter(pk=figure.pk).update(value=F("value") + 32, qualifier="about")
    assert headline(figure.incident)[:2] == (10, "exact")
    signals.after_bulk_write(CasualtyFigure.objects.filter(pk=figure.pk))
    assert headline(figure.incident)[:2] == (42, "about")


def test_a_headline_overwritten_by_update_is_put_back():
    figure = f.CasualtyFigureFactory(value=10, rank=PREFERRED)
    Incident.objects.update(killed=500)
    signals.after_bulk_write(Incident)
    assert headline(figure.incident)[0] == 10


def test_after_renaming_a_place_by_update_its_incidents_are_found_by_the_new_name():
    place = f.PlaceFactory(name="Oldtown")
    f.IncidentFactory(slug="in-town", place=place)
    Place.objects.filter(pk=place.pk).update(name="Newtown")
    signals.after_bulk_write(place)
    assert found(Incident, "newtown") == ["in-town"]
    assert found(Incident, "oldtown") == []


def test_bulk_created_rows_are_searchable_after_the_helper():
    people = Person.objects.bulk_create(
        [Person(name="Bulk One", slug="bulk-one"), Person(name="Bulk Two", slug="bulk-two")]
    )
    signals.after_bulk_write(people)
    assert found(Person, "bulk") == ["bulk-one", "bulk-two"]


@sqlite_only
def test_rows_deleted_by_raw_sql_leave_the_index_when_their_model_is_named():
    person = f.PersonFactory(sources=[])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
    signals.after_bulk_write(Person)
    assert person.pk not in indexed_bodies(Person)


@sqlite_only
def test_naming_nothing_keeps_every_invariant_for_every_record():
    figure = f.CasualtyFigureFactory(value=10, rank=PREFERRED)
    place = figure.incident.place
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Place._meta.db_table} SET name = 'Rawville' WHERE id = %s", [place.pk])
        cursor.execute(f"UPDATE {CasualtyFigure._meta.db_table} SET value = 12 WHERE id = %s", [figure.pk])
    start = version()
    signals.after_bulk_write()
    assert found(Incident, "rawville") == [figure.incident.slug]
    assert headline(figure.incident)[0] == 12
    assert version() > start
    kept = {kind: indexed_bodies(model) for model, kind in search_index.indexed_kinds().items()}
    search_index.rebuild_search_index()
    assert kept == {kind: indexed_bodies(model) for model, kind in search_index.indexed_kinds().items()}


def test_naming_nothing_archival_leaves_the_content_version_alone(django_user_model):
    start = version()
    signals.after_bulk_write(django_user_model)
    assert version() == start


# bulk_write(): no per-row upkeep inside, every invariant kept at the end --------------------------------


@sqlite_only
def test_saves_inside_bulk_write_skip_the_per_row_upkeep():
    incident = f.IncidentFactory(title="Before")
    start = version()
    with signals.bulk_write(Incident):
        incident.title = "Inside the block"
        with CaptureQueriesContext(connection) as queries:
            incident.save()
            f.CasualtyFigureFactory(incident=incident, value=7, rank=PREFERRED)
        assert not [q for q in queries if "events_search_" in q["sql"] or "events_archivestate" in q["sql"]]
        assert version() == start
    assert found(Incident, "inside the block") == [incident.slug]
    assert headline(incident)[0] == 7
    assert version() > start


def test_a_failed_bulk_write_writes_nothing_and_leaves_the_upkeep_on():
    start = version()
    with pytest.raises(RuntimeError), signals.bulk_write():
        f.PersonFactory(slug="rolled-back")
        raise RuntimeError
    assert not Person.objects.filter(slug="rolled-back").exists()
    assert version() == start
    assert not signals.in_bulk_write()
    f.PersonFactory(name="Kept in step", slug="kept")
    assert found(Person, "kept in step") == ["kept"]
