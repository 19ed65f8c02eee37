"""A broken fixture set fails with a message naming the file, the record and the field, and loads nothing."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import fixture_checks
from events.fixture_checks import first_problem
from events.management.commands.load_archive import fixture_files
from events.models import CasualtyFigure, Incident

pytestmark = pytest.mark.django_db

KERMAN = "2024-kerman-bombings"


def row_counts():
    counts = {}
    for model in apps.get_app_config("events").get_models():
        counts[model._meta.label] = model.objects.count()
        for field in model._meta.local_many_to_many:
            counts[field.remote_field.through._meta.label] = field.remote_field.through.objects.count()
    return counts


def break_record(file_name, match, **changes):
    """A change to one record of a fixture file, found by its slug or key."""

    def apply(directory):
        path = directory / file_name
        records = json.loads(path.read_text(encoding="utf-8"))
        (record,) = [r for r in records if match in (r["fields"].get("slug"), r["fields"].get("key"))]
        record["fields"].update(changes)
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    return apply


# (how the set is broken, what the message must name: file, record, field)
BROKEN = {
    "missing required reference": (
        break_record("07_casualty_figures.json", "kerman-killed-95", incident=["no-such-incident"]),
        ["07_casualty_figures.json", "events.casualtyfigure 'kerman-killed-95'", "incident:", "no-such-incident"],
    ),
    "missing optional reference": (
        break_record(
            "08_attributions.json", "kerman-is-claim-telegram", responsible_organization=["no-such-organization"]
        ),
        [
            "08_attributions.json",
            "events.attribution 'kerman-is-claim-telegram'",
            "responsible_organization:",
            "no-such-organization",
        ],
    ),
    "negative figure": (
        break_record("07_casualty_figures.json", "kerman-killed-95", value=-5),
        ["07_casualty_figures.json", "events.casualtyfigure 'kerman-killed-95'", "value:"],
    ),
    "malformed date": (
        break_record("06_incidents.json", KERMAN, date="2024-13-45"),
        ["06_incidents.json", f"events.incident '{KERMAN}'", "date:", "2024-13-45"],
    ),
    "date that is not a date": (
        break_record("06_incidents.json", KERMAN, date="3 January 2024"),
        ["06_incidents.json", f"events.incident '{KERMAN}'", "date:", "YYYY-MM-DD"],
    ),
    # Broken only against a constraint of the model, which the dry run leaves to the database to refuse.
    "last day before the first": (
        break_record("06_incidents.json", KERMAN, end_date="2023-12-31"),
        ["06_incidents.json", f"events.incident '{KERMAN}'", "The last day cannot be before the first day."],
    ),
    "unknown choice": (
        break_record("06_incidents.json", KERMAN, kind="earthquake"),
        ["06_incidents.json", f"events.incident '{KERMAN}'", "kind:", "earthquake"],
    ),
}


def broken_fixture_dir(tmp_path, breaker):
    for path in fixture_files():
        shutil.copy(path, tmp_path)
    breaker(tmp_path)
    return tmp_path


def test_the_real_fixtures_have_no_problem(db):
    # The migrated database is not quite empty: a migrate moves the cache's versions (ArchiveState, CacheTag).
    before = row_counts()
    assert first_problem(fixture_files()) is None
    assert row_counts() == before, "the check must roll back what it loaded"


@pytest.mark.parametrize(("breaker", "named"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_fixture_names_file_record_and_field_and_loads_nothing(tmp_path, settings, breaker, named):
    settings.FIXTURE_DIRS = [broken_fixture_dir(tmp_path, breaker)]
    before = row_counts()
    with pytest.raises(CommandError) as error:
        call_command("load_archive", stdout=StringIO())
    message = str(error.value)
    for part in named:
        assert part in message
    assert row_counts() == before, message


@pytest.mark.parametrize(("breaker", "named"), [BROKEN["negative figure"]], ids=["negative figure"])
def test_a_broken_fixture_leaves_a_seeded_archive_unchanged(seeded, tmp_path, settings, breaker, named):
    before = row_counts()
    killed = dict(CasualtyFigure.objects.values_list("key", "value"))
    directory = broken_fixture_dir(tmp_path, breaker)
    # Another change in the same set, earlier in load order, must not survive either.
    break_record("06_incidents.json", KERMAN, title="Quietly changed")(directory)
    settings.FIXTURE_DIRS = [directory]
    with pytest.raises(CommandError, match="value:"):
        call_command("load_archive", "--force", stdout=StringIO())
    assert row_counts() == before
    assert dict(CasualtyFigure.objects.values_list("key", "value")) == killed
    assert Incident.objects.get(slug=KERMAN).title == "2024 Kerman bombings"


def test_manage_py_prints_the_message_without_a_traceback(tmp_path, settings, capsys):
    breaker, named = BROKEN["malformed date"]
    settings.FIXTURE_DIRS = [broken_fixture_dir(tmp_path, breaker)]
    with pytest.raises(SystemExit) as exit_:
        load_command_class("events", "load_archive").run_from_argv(["manage.py", "load_archive"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(part in err for part in named)
    assert Path(named[0]).name in err


def test_a_reload_looks_each_referenced_natural_key_up_once(tmp_path):
    # Reloading changes rows found by their natural keys; that keeps what every natural key names, so the
    # references to one source cost one lookup however many records make them.
    def lookups_of_the_cited_source(referrers):
        records = [{"model": "events.source", "fields": {"title": "Base", "slug": "base"}}] + [
            {"model": "events.source", "fields": {"title": f"S{n}", "slug": f"s{n}", "reported_in": ["base"]}}
            for n in range(referrers)
        ]
        path = tmp_path / f"sources-{referrers}.json"
        path.write_text(json.dumps(records), encoding="utf-8")
        fixture_checks.load([path])
        with CaptureQueriesContext(connection) as queries:
            assert first_problem([path]) is None  # the same records again: each changes the row it names
        return sum("\"slug\" = 'base'" in query["sql"] for query in queries)

    assert lookups_of_the_cited_source(10) == lookups_of_the_cited_source(3)


def test_a_reference_checked_earlier_is_checked_again_after_its_row_changes(tmp_path):
    # The loader remembers the references it found valid; a record that turns a country into a city must not
    # leave a later organization pointing at it as its country.
    def record(model, slug, **fields):
        return {"model": f"events.{model}", "fields": {"name": slug.title(), "slug": slug, **fields}}

    path = tmp_path / "places.json"
    records = [record("place", "land", kind="country"), record("organization", "first", kind="media", country=["land"])]
    path.write_text(json.dumps(records), encoding="utf-8")
    assert first_problem([path]) is None
    records += [record("place", "land", kind="city"), record("organization", "second", kind="media", country=["land"])]
    path.write_text(json.dumps(records), encoding="utf-8")
    problem = first_problem([path])
    assert problem.startswith(f"{path}: events.organization 'second': country: ") and "valid choice" in problem


def test_a_natural_key_a_record_takes_away_is_not_found_later_in_the_same_load(tmp_path):
    # The loader remembers what each natural key named (events.fixture_checks.KnownKeys); a record that renames
    # the row must not leave a later record pointing at it under its old name.
    def source(slug, pk=None, reported_in=None):
        fields = {"title": slug, "slug": slug, "publisher": "", "url": "", "note": "", "reported_in": reported_in}
        return {"model": "events.source", **({"pk": pk} if pk else {}), "fields": fields}

    path = tmp_path / "sources.json"
    records = [source("first", pk=987_654), source("second", reported_in=["first"])]
    path.write_text(json.dumps(records), encoding="utf-8")
    assert first_problem([path]) is None
    records += [source("renamed", pk=987_654), source("third", reported_in=["first"])]
    path.write_text(json.dumps(records), encoding="utf-8")
    problem = first_problem([path])
    assert problem == (
        f"{path}: events.source 'third': reported_in: refers to events.source ['first'], which does not exist."
    )
