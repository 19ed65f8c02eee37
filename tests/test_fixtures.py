"""The seed fixtures: they load cleanly, reload without duplicating, and hold what the article says."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError, connection, models

from events import revisions
from events.history import is_historical
from events.management.commands.export_fixtures import exported_fields
from events.management.commands.load_archive import BASE_SOURCE_SLUG, fixture_files
from events.models import (
    Attribution,
    CasualtyFigure,
    Incident,
    Person,
    Place,
    Publishable,
    Reaction,
    Revision,
    Source,
    SourcedInIncident,
)
from tests.test_admin import admin_url, assert_saved, page_data

ARTICLE_PATH = Path(settings.BASE_DIR) / ".." / "shared" / "seed" / "000_16e68c103d1290f9.txt"
KERMAN = "2024-kerman-bombings"

pytestmark = pytest.mark.django_db


def events_models():
    """The archive's own models; their Historical<Model> copies are checked apart (see tests/test_history.py).
    ArchiveState is left out: the cache's content version, not content; so are revisions, the record's history
    (tests/test_revisions.py)."""
    return [
        m
        for m in apps.get_app_config("events").get_models()
        if not is_historical(m) and m._meta.model_name not in ("archivestate", "revision")
    ]


def row_counts():
    """Rows per model, and per many-to-many table, so duplicated links show up too."""
    counts = {}
    for model in events_models():
        counts[model._meta.label] = model.objects.count()
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            counts[through._meta.label] = through.objects.count()
    return counts


def models_with_sources():
    return [m for m in events_models() if any(f.name == "sources" for f in m._meta.many_to_many)]


def kerman():
    return Incident.objects.get(slug=KERMAN)


# --- loading ---------------------------------------------------------------------------------------


def test_fixture_files_use_natural_keys_only():
    files = fixture_files()
    assert [Path(f).name for f in files] == [
        "01_sources.json",
        "02_stances.json",
        "03_places.json",
        "04_organizations.json",
        "05_people.json",
        "06_incidents.json",
        "07_casualty_figures.json",
        "08_attributions.json",
        "09_reactions.json",
        "10_timeline.json",
        "11_incident_links.json",
    ]
    for path in files:
        for record in json.loads(Path(path).read_text(encoding="utf-8")):
            assert "pk" not in record, f"{path}: {record['model']} has a primary key"
            fields = record["fields"]
            # Headline figures are derived from the preferred casualty figures, never written by hand.
            assert not {"killed", "injured", "perpetrators_killed", "killed_qualifier"} & set(fields), path


def test_loading_twice_updates_instead_of_duplicating(seeded):
    first = row_counts()
    assert first["events.Incident"] == 11
    call_command("load_archive", "--force", stdout=StringIO())
    assert row_counts() == first


def test_load_archive_without_force_leaves_a_seeded_database_alone(seeded):
    before = row_counts()
    kerman_row = kerman()
    Incident.objects.filter(pk=kerman_row.pk).update(title="Edited in the admin")
    out = StringIO()
    call_command("load_archive", stdout=out)
    assert "nothing loaded" in out.getvalue()
    assert row_counts() == before
    assert kerman().title == "Edited in the admin"


# A reference to a row that does not exist: in a required foreign key (the row cannot be saved) and in an
# optional one (loaddata defers it to the end of the load, then fails).
BROKEN_REFERENCES = {
    "required": {"incident": ["no-such-incident"]},
    "optional": {"incident": [KERMAN], "place": ["no-such-place"]},
}
LOAD_ERRORS = (IntegrityError, DeserializationError)


def broken_fixture_dir(tmp_path, broken_reference, retitle=None):
    """A copy of the fixtures plus one file whose record refers to a row that does not exist."""
    for path in fixture_files():
        shutil.copy(path, tmp_path)
    if retitle:
        incidents = tmp_path / "06_incidents.json"
        records = json.loads(incidents.read_text(encoding="utf-8"))
        for record in records:
            record["fields"]["title"] = retitle
        incidents.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    broken = [
        {
            "model": "events.timelineentry",
            "fields": {
                "key": "broken-entry",
                **broken_reference,
                "date": "2024-01-03",
                "date_precision": "day",
                "title": "Refers to a missing incident",
                "sources": [[BASE_SOURCE_SLUG]],
            },
        }
    ]
    (tmp_path / "12_broken.json").write_text(json.dumps(broken), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("broken_reference", BROKEN_REFERENCES.values(), ids=BROKEN_REFERENCES.keys())
def test_a_broken_fixture_set_leaves_an_empty_database_empty(db, tmp_path, settings, broken_reference):
    settings.FIXTURE_DIRS = [broken_fixture_dir(tmp_path, broken_reference)]
    with pytest.raises(LOAD_ERRORS, match=r"12_broken\.json|no-such-place"):
        call_command("load_archive", stdout=StringIO())
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.parametrize("broken_reference", BROKEN_REFERENCES.values(), ids=BROKEN_REFERENCES.keys())
def test_a_broken_fixture_set_leaves_a_seeded_database_unchanged(seeded, tmp_path, settings, broken_reference):
    before = row_counts()
    settings.FIXTURE_DIRS = [broken_fixture_dir(tmp_path, broken_reference, retitle="Overwritten")]
    with pytest.raises(LOAD_ERRORS, match=r"12_broken\.json|no-such-place"):
        call_command("load_archive", "--force", stdout=StringIO())
    assert row_counts() == before
    assert not Incident.objects.filter(title="Overwritten").exists()
    assert kerman().title == "2024 Kerman bombings"


# --- integrity ---------------------------------------------------------------------------------------


def test_every_record_passes_full_clean(seeded):
    for model in events_models():
        for record in model.objects.all():
            record.full_clean()


def test_every_record_with_sources_cites_the_base_source(seeded):
    base = Source.objects.get(slug=BASE_SOURCE_SLUG)
    assert base.url == "" and base.publisher == "" and base.reported_in is None
    for model in models_with_sources():
        missing = model.objects.exclude(sources=base)
        assert not missing.exists(), f"{model.__name__} without the base source: {list(missing)}"


def test_other_sources_are_reported_in_the_base_source(seeded):
    others = Source.objects.exclude(slug=BASE_SOURCE_SLUG)
    assert others.exists()
    assert set(others.values_list("reported_in__slug", flat=True)) == {BASE_SOURCE_SLUG}
    assert not others.exclude(url="").exists()


def test_every_publishable_record_is_published(seeded):
    for model in events_models():
        if issubclass(model, Publishable):
            assert not model.objects.exclude(status="published").exists(), model.__name__


def test_nothing_the_article_does_not_give(seeded):
    assert not Place.objects.exclude(latitude=None).exists()
    assert not Place.objects.exclude(native_name="").exists()
    assert not Person.objects.exclude(native_name="").exists()
    assert not Person.objects.exclude(born_on=None).exists()
    for model in events_models():
        if any(f.name == "native_name" for f in model._meta.fields):
            assert not model.objects.exclude(native_name="").exists(), model.__name__


def test_country_references_point_at_countries(seeded):
    """full_clean() checks limit_choices_to on foreign keys only; nationalities are a many-to-many."""
    assert not Place.objects.filter(nationals__isnull=False).exclude(kind=Place.Kind.COUNTRY).exists()


def test_quotes_are_verbatim_from_the_article(seeded):
    if not ARTICLE_PATH.exists():
        pytest.skip(f"The seed article is not at {ARTICLE_PATH.resolve()}")
    article = ARTICLE_PATH.read_text(encoding="utf-8")
    quotes = list(Reaction.objects.exclude(quote="").values_list("slug", "quote"))
    quotes += list(Attribution.objects.exclude(quote="").values_list("key", "quote"))
    assert quotes
    for name, quote in quotes:
        # Several quoted phrases from one statement are kept one per line; each must appear in the article.
        for line in quote.splitlines():
            assert line.strip() == line and line, f"{name}: blank or padded quote line"
            assert line in article, f"{name}: {line!r} is not in the article"


# --- content -----------------------------------------------------------------------------------------


def test_kerman_death_tolls(seeded):
    tolls = CasualtyFigure.objects.filter(incident__slug=KERMAN, kind="killed", group="")
    assert {(f.value, f.qualifier, f.rank) for f in tolls} == {
        (103, "exact", "superseded"),
        (95, "at_least", "preferred"),
        (94, "at_least", "reported"),
        (89, "exact", "reported"),
        (84, "at_least", "reported"),
    }
    assert tolls.get(value=103).reported_by_label == "Iranian officials"


def test_kerman_headline_figures(seeded):
    incident = kerman()
    assert (incident.killed, incident.injured, incident.perpetrators_killed) == (95, 284, 2)
    assert incident.killed_display == "at least 95"


def test_kerman_injured(seeded):
    injured = CasualtyFigure.objects.filter(incident__slug=KERMAN, kind="injured")
    assert {(f.group, f.value) for f in injured} == {("", 284), ("critically injured", 27)}


def test_at_most_one_preferred_figure_per_incident_kind_and_group(seeded):
    duplicates = (
        CasualtyFigure.objects.filter(rank="preferred")
        .values("incident", "kind", "group")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()


def test_putin_quote(seeded):
    reaction = Reaction.objects.get(person__slug="vladimir-putin")
    assert reaction.quote == "shocking in cruelty and cynicism"
    assert reaction.country.slug == "russia"


def test_islamic_state_claim(seeded):
    claim = Attribution.objects.get(
        incident__slug=KERMAN, kind="claimed", responsible_organization__slug="islamic-state", date__isnull=False
    )
    assert claim.date.isoformat() == "2024-01-04"
    assert "Telegram" in claim.mode


def test_bozrov_has_two_nationalities(seeded):
    bozrov = Person.objects.get(slug="bozrov")
    assert set(bozrov.nationalities.values_list("slug", flat=True)) == {"tajikistan", "israel"}
    assert bozrov.born_on is None


def test_tajiki_is_an_alias(seeded):
    tajiki = Person.objects.get(slug="abdollah-tajiki")
    assert tajiki.name == "Abdollah Tajiki" and tajiki.name_is_alias


def test_partial_and_missing_dates(seeded):
    assert Incident.objects.get(slug="cinema-rex-attack").date_display == "1978"
    haft_e_tir = Incident.objects.get(slug="haft-e-tir-bombing")
    assert haft_e_tir.date is None and haft_e_tir.date_precision == ""
    assert haft_e_tir.date_display == ""


def test_kerman_time(seeded):
    assert kerman().time_display == "15:50–16:00 IRST (UTC+03:30)"


# --- sources required to publish, and the export/load round trip (issue 4) --------------------------


def test_every_seed_record_passes_the_publication_rules(seeded):
    for model in events_models():
        for record in model.objects.all():
            if isinstance(record, Publishable):
                assert record.publication_problems() == [], record
            if isinstance(record, SourcedInIncident):
                assert record.source_problem() == "", record


def canonical_dump():
    """Every archive row, named by natural key, with many-to-many links as sorted lists: order-free content."""
    content = {}
    for model in events_models():
        records = json.loads(
            serializers.serialize(
                "json",
                model.objects.all(),
                fields=exported_fields(model),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        )
        rows = {}
        for record in records:
            fields = record["fields"]
            for field in model._meta.many_to_many:
                fields[field.name] = sorted(fields.get(field.name, []))
            rows[json.dumps(list(_natural(fields)))] = fields
        content[model._meta.label] = rows
    return content


def _natural(fields):
    return (fields["slug"],) if "slug" in fields else (fields["key"],)


def test_export_fixtures_writes_the_numbered_seed_files(seeded, tmp_path):
    call_command("export_fixtures", "--output", str(tmp_path), stdout=StringIO())
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(f).name for f in fixture_files()]
    for path in tmp_path.iterdir():
        for record in json.loads(path.read_text(encoding="utf-8")):
            assert "pk" not in record
            assert not {
                "killed",
                "injured",
                "perpetrators_killed",
                "killed_qualifier",
                "injured_qualifier",
                "perpetrators_killed_qualifier",
                "created_at",
                "updated_at",
                "version",
            } & set(record["fields"])


def test_export_then_load_into_an_empty_database_gives_the_same_content(seeded, tmp_path):
    original = canonical_dump()
    headlines = set(Incident.objects.values_list("slug", "killed", "killed_qualifier", "injured"))
    edited = Incident.objects.get(slug=KERMAN)
    edited.status = "in_review"  # an edit made in the admin is part of the backup
    edited.save()
    original[Incident._meta.label][json.dumps([KERMAN])]["status"] = "in_review"
    call_command("export_fixtures", "--output", str(tmp_path), stdout=StringIO())

    if connection.vendor == "postgresql":
        # PostgreSQL refuses to TRUNCATE tables with deferred checks still pending in this test's transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", "--no-input", verbosity=0)
    assert all(count == 0 for count in row_counts().values())
    call_command("load_archive", "--dir", str(tmp_path), stdout=StringIO())

    assert canonical_dump() == original
    assert set(Incident.objects.values_list("slug", "killed", "killed_qualifier", "injured")) == headlines


def test_the_kerman_incident_saves_whole_in_the_admin(seeded, staff_client):
    url = admin_url(Incident, "change", kerman().pk)
    data = page_data(staff_client.get(url))
    data["summary"] += " Corrected."
    assert sum(len(v) if isinstance(v, list) else 1 for v in data.values()) > 1000

    assert_saved(staff_client.post(url, data))
    assert kerman().summary.endswith(" Corrected.")


def test_loading_the_fixtures_gives_every_record_its_first_revision_once(seeded):
    first = revisions.revisions_of(kerman()).get()
    assert first.number == 1 and first.user.username == "system" and first.public
    assert len(first.snapshot["children"]["events.casualtyfigure"]) == kerman().casualty_figures.count()
    count = Revision.objects.count()
    assert count >= Incident.objects.count() + Person.objects.count()

    call_command("load_archive", "--force", stdout=StringIO())
    assert Revision.objects.count() == count
