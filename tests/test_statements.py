"""events/statements.py: a statement compiled once per name and database, run with each save's key."""

import itertools

import pytest
from django.db.models.sql import UpdateQuery

from events import statements
from events.models import Incident
from tests import factories as f

pytestmark = pytest.mark.django_db
FACTORIES_RECORD_HISTORY = False
names = itertools.count()


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
