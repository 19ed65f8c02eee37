"""events/statements.py: a statement compiled once per name and database, run with each key: the keyed UPDATEs
of saves, and the querysets of record pages' relations (`prefetch_record`, events/models/base.py), which must
give the same rows, instances and SQL as Django's own."""

import itertools
import pickle
import threading

import pytest
from django.db import connection, connections
from django.db.models import Prefetch, Q
from django.db.models.sql import UpdateQuery
from django.test.utils import CaptureQueriesContext

from events import statements
from events.models import Incident, Organization, Person, Place, Reaction, prefetch_record
from events.statements import CompiledQuery, keyed_queryset
from tests import factories as f

pytestmark = pytest.mark.django_db
FACTORIES_RECORD_HISTORY = False
names = itertools.count()
PAGES = (Incident, Person, Organization, Place, Reaction)


def retitle(title):
    """An UPDATE of one incident's title, counting how often it is built."""
    built = []

    def build(key):
        built.append(key)
        query = Incident._base_manager.filter(pk=key).query.chain(UpdateQuery)
        query.add_update_values({"title": title})
        return query.get_compiler("default").as_sql()

    return build, built


def test_a_statement_is_built_once_and_run_with_each_key():
    first, second = f.IncidentFactory(title="First"), f.IncidentFactory(title="Second")
    build, built = retitle("Retitled")
    name = ("retitle", next(names))
    assert statements.run_keyed(name, build, first.pk, "default") == 1
    assert statements.run_keyed(name, build, second.pk, "default") == 1
    assert statements.run_keyed(name, build, second.pk + 1000, "default") == 0
    assert built == [statements.KEY_MARK]
    assert list(Incident.objects.order_by("pk").values_list("title", flat=True)) == ["Retitled", "Retitled"]


def test_a_key_that_is_not_an_integer_or_a_mark_found_twice_runs_nothing():
    incident = f.IncidentFactory(title="Kept")
    build, built = retitle("Changed")
    for key in (str(incident.pk), None, True):
        assert statements.run_keyed(("retitle", next(names)), build, key, "default") is None
    assert built == []

    def twice(key):
        sql, params = build(key)
        return f"{sql} AND id = %s", [*params, key]

    name = ("twice", next(names))
    assert statements.compiled(name, twice, "default") is None
    assert statements.run_keyed(name, twice, incident.pk, "default") is None
    assert Incident.objects.get().title == "Kept"


def reactions_of(incident_id):
    return Reaction.objects.for_list().filter(incident_id__in=[incident_id]).order_by("slug")


def described(row, depth=2):
    """What was read of a row: its loaded columns and, for each record joined to it, the same (two levels)."""
    loaded = {
        field.attname: row.__dict__[field.attname]
        for field in row._meta.concrete_fields
        if field.attname in row.__dict__
    }
    joined = {}
    for field in row._meta.concrete_fields:
        if depth and field.many_to_one and field.is_cached(row):
            other = field.get_cached_value(row)
            joined[field.name] = None if other is None else described(other, depth - 1)
    return row.pk, loaded, joined


def test_a_keyed_queryset_runs_the_statement_django_writes_for_each_key_compiling_it_once(seeded, monkeypatch):
    incidents = list(Incident.objects.filter(reactions__isnull=False).distinct().order_by("pk")[:3])
    incidents.append(Incident.objects.filter(reactions__isnull=True).first())
    compiles = []
    real = statements._compile_queryset
    monkeypatch.setattr(statements, "_compile_queryset", lambda *args: compiles.append(1) or real(*args))
    name = ("reactions of an incident", next(names))
    for incident in incidents:
        keyed = keyed_queryset(name, reactions_of, incident.pk, "default")
        assert isinstance(keyed.query, CompiledQuery)
        with CaptureQueriesContext(connection) as ran:
            rows = list(keyed)
        with CaptureQueriesContext(connection) as django_ran:
            expected = list(reactions_of(incident.pk))
        assert [q["sql"] for q in ran] == [q["sql"] for q in django_ran]
        assert [described(row) for row in rows] == [described(row) for row in expected]
        # Joined records and nested prefetches are read as Django reads them: no query more.
        with CaptureQueriesContext(connection) as later:
            shown = [(r.incident.title, r.person and r.person.name, [s.pk for s in r.stances.all()]) for r in rows]
        assert len(later) == 0
        assert shown == [
            (r.incident.title, r.person and r.person.name, [s.pk for s in r.stances.all()]) for r in expected
        ]
    assert sum(len(list(reactions_of(i.pk))) for i in incidents[:3]) > 3
    assert not list(reactions_of(incidents[-1].pk))
    assert compiles == [1]


def test_a_keyed_queryset_changed_before_it_is_read_is_the_built_querysets_change(seeded):
    incident = Incident.objects.get(slug="2024-kerman-bombings")
    keyed = lambda: keyed_queryset(("test", "reactions of an incident"), reactions_of, incident.pk, "default")  # noqa: E731
    plain = reactions_of(incident.pk)
    domestic = {"category": Reaction.Category.DOMESTIC}
    assert list(keyed().filter(**domestic)) == list(plain.filter(**domestic))
    assert list(keyed().filter(**domestic))
    assert keyed().count() == plain.count() > 1
    assert keyed().exists()
    assert list(keyed().order_by("-slug")) == list(plain.order_by("-slug"))
    assert list(keyed().values_list("slug", flat=True)) == list(plain.values_list("slug", flat=True))
    assert keyed()[1] == plain[1]
    # A record with its relations can be pickled (a cache, a session) and still reads them.
    read = keyed()
    list(read)
    again = pickle.loads(pickle.dumps(read))
    assert list(again) == list(plain) and list(again.filter(**domestic)) == list(plain.filter(**domestic))


def test_where_the_key_cannot_be_marked_the_queryset_is_the_built_one(db):
    nowhere = lambda key: Reaction.objects.all()  # noqa: E731
    assert not isinstance(keyed_queryset(("test", "nowhere"), nowhere, 3, "default").query, CompiledQuery)
    assert not isinstance(keyed_queryset(("test", "text key"), reactions_of, "3", "default").query, CompiledQuery)
    assert not isinstance(keyed_queryset(("test", "true"), reactions_of, True, "default").query, CompiledQuery)


def test_a_key_in_several_places_goes_in_each_as_the_links_of_an_incident_do(seeded):
    """An incident's related links are those from it or to it: the key twice in one statement."""
    from events.models.incidents import IncidentLink, _links_of, related_links

    linked = {link.from_incident_id for link in IncidentLink.objects.all()} | {
        link.to_incident_id for link in IncidentLink.objects.all()
    }
    assert len(linked) > 3
    name = ("either end", next(names))
    either = lambda key: Reaction.objects.filter(Q(incident_id=key) | Q(person_id=key)).order_by("pk")  # noqa: E731
    for incident in Incident.objects.all():
        keyed = keyed_queryset(name, either, incident.pk, "default")
        assert isinstance(keyed.query, CompiledQuery)
        assert list(keyed) == list(either(incident.pk))
        links = list(_links_of(incident.pk))
        expected = (
            [link for link in links if link.from_incident_id == incident.pk],
            [link for link in links if link.to_incident_id == incident.pk],
        )
        assert related_links(incident) == expected
    assert sum(len(sum(related_links(i), [])) for i in Incident.objects.filter(pk__in=linked)) >= len(linked)


def test_a_queryset_keyed_by_text_runs_with_each_text(seeded):
    name = ("incident by slug", next(names))
    by_slug = lambda slug: Incident.objects.filter(slug=slug).order_by()[:2]  # noqa: E731
    for slug in ["2024-kerman-bombings", "2020-kerman-stampede", "no-such-incident"]:
        keyed = keyed_queryset(name, by_slug, slug, "default")
        assert isinstance(keyed.query, CompiledQuery)
        assert list(keyed) == list(by_slug(slug))
    assert [i.slug for i in keyed_queryset(name, by_slug, "2024-kerman-bombings", "default")] == [
        "2024-kerman-bombings"
    ]


def test_a_keyed_queryset_read_in_another_thread_uses_that_threads_connection(db):
    name = ("reactions of an incident", next(names))
    list(keyed_queryset(name, reactions_of, 1, "default"))  # compiled on this thread's connection
    seen = []

    def note(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    def read():
        try:
            with connections["default"].execute_wrapper(note):
                list(keyed_queryset(name, reactions_of, 2, "default"))
        finally:
            connections["default"].close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert len(seen) == 1 and "events_reaction" in seen[0]


def test_a_records_page_relations_are_what_djangos_prefetch_gives(seeded):
    """Every seeded record of every kind with a page: each relation its page shows holds the rows Django's
    prefetch_related gives, in order, with the same columns, joined records, pointer back to the record and
    nested prefetches (a reaction's stances), all read with no further query."""
    checked = 0
    for model in PAGES:
        prefetches = model.objects.page_prefetches()
        names = [prefetch.prefetch_to for prefetch in prefetches]
        visible = model.objects.for_detail(include_unpublished=True)
        for record in visible:
            expected = visible.prefetch_related(*prefetches).get(pk=record.pk)
            prefetch_record(record, "page", model.objects.page_prefetches)
            with CaptureQueriesContext(connection) as read:
                for name in names:
                    rows, wanted = list(getattr(record, name).all()), list(getattr(expected, name).all())
                    assert [described(row) for row in rows] == [described(row) for row in wanted], (record, name)
                    for row, other in zip(rows, wanted, strict=True):
                        if isinstance(row, Reaction):
                            assert [s.pk for s in row.stances.all()] == [s.pk for s in other.stances.all()]
                    relation = model._meta.get_field(name)
                    if relation.one_to_many:
                        # The pointer back is the record itself where the row's query did not join it, as in Django's.
                        back = relation.field.name
                        assert {getattr(row, relation.field.attname) for row in rows} <= {record.pk}
                        assert [getattr(row, back) is record for row in rows] == [
                            getattr(row, back) is expected for row in wanted
                        ]
                    checked += len(rows)
            assert len(read) == 0, (record, [q["sql"][:80] for q in read])
        # A record can be pickled with its relations (a cache, a session) and read them back.
        copy = pickle.loads(pickle.dumps(record))
        assert [[row.pk for row in getattr(copy, name).all()] for name in names] == [
            [row.pk for row in getattr(record, name).all()] for name in names
        ]
    assert checked > 250


def test_prefetch_record_reads_only_relations_pointing_to_the_record(seeded):
    person = Person.objects.first()
    incident = Incident.objects.first()
    for record, prefetch in [
        (person, Prefetch("roles", queryset=person.roles.all(), to_attr="role_list")),
        (incident, Prefetch("place")),
        (incident, Prefetch("reactions__stances")),
    ]:
        with pytest.raises(ValueError, match="reverse foreign keys and many-to-many fields"):
            prefetch_record(record, "test", lambda prefetch=prefetch: [prefetch])


def test_a_record_page_fills_its_relations_from_the_address_or_a_queryset_given(seeded, rf):
    from django.contrib.auth.models import AnonymousUser

    from events.views import PersonDetailView

    person = Person.objects.filter(reactions__isnull=False).first()
    request = rf.get(person.get_absolute_url())
    request.user = AnonymousUser()
    view = PersonDetailView(request=request, kwargs={"slug": person.slug})
    expected = list(person.reactions.for_list().order_by("incident__date", "slug"))
    assert expected
    for record in (view.get_object(), view.get_object(Person.objects.for_detail())):
        assert record == person
        with CaptureQueriesContext(connection) as read:
            assert list(record.reactions.all()) == expected
        assert len(read) == 0
