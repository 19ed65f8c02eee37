"""Dataset releases (manage.py release_dataset, events/releases.py) and the /data/ page that lists and serves them."""

import csv
import hashlib
import io
import json
from types import SimpleNamespace

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from events import releases
from events.models import Incident, IncidentClaim, Status
from tests import factories
from tests.conftest import module_rows
from tests.public_urls import make_archive

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

DRAFT = Status.DRAFT
DRAFT_NAMES = ["Veiled Front", "Hidden Hand", "Secret Plot", "Quiet Province"]


@module_rows
def archive_rows():
    rows = make_archive()
    veiled = factories.OrganizationFactory(name="Veiled Front", slug="veiled-front", status=DRAFT)
    hidden = factories.PersonFactory(name="Hidden Hand", slug="hidden-hand", status=DRAFT)
    quiet = factories.PlaceFactory(name="Quiet Province", slug="quiet-province", status=DRAFT)
    incident = rows["incident"]
    factories.AttributionFactory(incident=incident, responsible_organization=veiled, by_person=hidden)
    factories.TimelineEntryFactory(incident=incident, place=quiet)
    factories.RoleFactory(person=hidden, organization=rows["organization"])
    plot = factories.IncidentFactory(title="Secret Plot", slug="secret-plot", status=DRAFT, place=quiet)
    factories.CasualtyFigureFactory(incident=plot, value=77, reported_by_label="Secret Plot officials")
    factories.ReactionFactory(incident=plot, slug="reaction-to-the-secret-plot")
    claim = IncidentClaim.objects.create(
        incident=incident, about="attack_type", value="suicide bombers", by_person=hidden
    )
    claim.sources.add(factories.SourceFactory(slug="claim-source", title="Claim source"))
    IncidentClaim.objects.create(
        incident=plot, about="method", value="Secret Plot method", by_label="Secret Plot media"
    )
    formula = factories.IncidentFactory(title="Formula", slug="formula", summary='=HYPERLINK("http://x","y")')
    return SimpleNamespace(formula=formula, **rows)


@pytest.fixture
def release_dir(tmp_path, settings, archive_rows):
    settings.DATA_RELEASES_DIR = tmp_path / "releases"
    return settings.DATA_RELEASES_DIR


def release(version, *args):
    call_command("release_dataset", version, *args, stdout=io.StringIO())
    return releases.releases_dir() / version


def csv_table(folder, name):
    return list(csv.DictReader(io.StringIO((folder / f"{name}.csv").read_text())))


def test_a_release_holds_the_package_a_csv_per_table_the_dump_the_citation_and_checksums(release_dir):
    folder = release("1.0.0")
    assert sorted(path.name for path in folder.iterdir()) == sorted(releases.FILES)
    package = json.loads((folder / "datapackage.json").read_text())
    assert [resource["path"] for resource in package["resources"]] == [f"{name}.csv" for name in releases.TABLE_NAMES]
    assert package["version"] == "1.0.0"
    incidents = {row["slug"] for row in csv_table(folder, "incidents")}
    assert "formula" in incidents
    dump = json.loads((folder / "data.json").read_text())
    assert [row["slug"] for row in dump["tables"]["incidents"]] == sorted(incidents)
    citation = yaml.safe_load((folder / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["version"] == "1.0.0" and citation["type"] == "dataset"


def test_the_checksums_verify_every_file(release_dir):
    folder = release("1.0.0")
    listed = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        listed[name] = digest
    assert set(listed) == set(releases.FILES) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_releasing_twice_from_the_same_data_gives_byte_identical_files(release_dir, tmp_path, settings):
    first = release("1.0.0")
    before = {path.name: path.read_bytes() for path in first.iterdir()}
    again = release("1.0.0", "--force")
    assert {path.name: path.read_bytes() for path in again.iterdir()} == before
    settings.DATA_RELEASES_DIR = tmp_path / "elsewhere"
    assert {path.name: path.read_bytes() for path in release("1.0.0").iterdir()} == before


def test_frictionless_validates_the_release_and_catches_a_broken_one(release_dir):
    from frictionless import validate  # here: a quarter of a second to import, in every test process otherwise

    folder = release("1.0.0")
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    roles = folder / "roles.csv"
    roles.write_text(roles.read_text().replace(",person-", ",nobody-", 1))
    assert not validate(str(folder / "datapackage.json")).valid


def test_the_codebook_describes_every_column_with_its_type_and_keys(release_dir):
    package = json.loads((release("1.0.0") / "datapackage.json").read_text())
    for resource in package["resources"]:
        schema = resource["schema"]
        assert schema["primaryKey"], resource["name"]
        for field in schema["fields"]:
            assert field["description"] and field["type"], (resource["name"], field["name"])
    figures = next(r for r in package["resources"] if r["name"] == "casualty_figures")["schema"]
    assert {"fields": "incident", "reference": {"resource": "incidents", "fields": "slug"}} in figures["foreignKeys"]
    value = next(field for field in figures["fields"] if field["name"] == "value")
    assert value["type"] == "integer"


def test_no_draft_row_or_name_is_released_and_a_draft_related_record_has_no_id(release_dir):
    folder = release("1.0.0")
    for path in folder.iterdir():
        text = path.read_text()
        for name in DRAFT_NAMES:
            assert name not in text, (name, path.name)
        for slug in ("veiled-front", "hidden-hand", "quiet-province", "secret-plot", "reaction-to-the-secret-plot"):
            assert slug not in text, (slug, path.name)
    attribution = next(
        row for row in csv_table(folder, "attributions") if row["responsible_organization_name"].startswith("an unp")
    )
    assert attribution["responsible_organization"] == ""
    assert attribution["responsible_organization_name"] == "an unpublished organization"
    assert attribution["by_person_name"] == "an unpublished person"
    unnamed = [
        row["place_name"] for row in csv_table(folder, "timeline_entries") if row["place_name"] and not row["place"]
    ]
    assert unnamed == ["an unpublished place"]
    assert [row["by_person_name"] for row in csv_table(folder, "claims")] == ["an unpublished person"]
    assert {row["sources"] for row in csv_table(folder, "claims")} == {"claim-source"}
    assert "claim-source" in {row["slug"] for row in csv_table(folder, "sources")}


def test_csv_cells_are_neutralised_for_spreadsheets_and_the_json_keeps_the_text(release_dir, archive_rows):
    folder = release("1.0.0")
    row = next(row for row in csv_table(folder, "incidents") if row["slug"] == "formula")
    assert row["summary"] == '\'=HYPERLINK("http://x","y")'
    dump = json.loads((folder / "data.json").read_text())
    assert next(r for r in dump["tables"]["incidents"] if r["slug"] == "formula")["summary"].startswith("=")


def test_an_existing_version_is_refused_without_force_and_nothing_changes(release_dir):
    folder = release("1.0.0")
    before = (folder / "SHA256SUMS").read_bytes()
    Incident.objects.filter(slug="formula").update(title="Changed")
    with pytest.raises(CommandError, match="already exists.*--force"):
        release("1.0.0")
    assert (folder / "SHA256SUMS").read_bytes() == before


@pytest.mark.parametrize("version", ["latest", "1", "../1.0", "1.0/x", "v1.0", "1.0.0.0", ""])
def test_a_version_that_is_not_a_plain_version_string_is_refused(release_dir, version):
    with pytest.raises(CommandError, match="not a plain version string"):
        release(version)
    assert not release_dir.exists() or not any(release_dir.iterdir())


def test_a_release_counts_the_records_added_changed_and_removed_since_the_previous(release_dir, archive_rows):
    release("1.0")
    Incident.objects.filter(slug="formula").update(title="Formula, renamed")
    Incident.objects.filter(pk=archive_rows.incident.pk).update(status=Status.UNPUBLISHED)
    factories.PlaceFactory(name="New Town", slug="new-town")
    folder = release("1.1")
    changes = json.loads((folder / "changes.json").read_text())
    assert changes["previous"] == "1.0"
    assert changes["tables"]["incidents"]["changed"] == ["formula"]
    assert changes["tables"]["incidents"]["removed"] == [archive_rows.incident.slug]
    assert changes["tables"]["places"]["added"] == ["new-town"]
    # The unpublished incident's rows went with it.
    assert changes["tables"]["casualty_figures"]["removed"] and not csv_table(folder, "casualty_figures")


def test_the_data_page_lists_each_release_with_sizes_checksums_and_changes(client, release_dir):
    first = release("1.0")
    Incident.objects.filter(slug="formula").update(title="Formula, renamed")
    release("1.1")
    response = client.get("/data/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Release 1.1") < body.index("Release 1.0")
    assert "since release 1.0" in body
    digest = hashlib.sha256((first / "incidents.csv").read_bytes()).hexdigest()
    assert digest in body
    assert 'href="/data/1.0/incidents.csv"' in body
    incidents_row = body[body.index("since release 1.0") :]
    assert '<th scope="row">incidents</th><td>0</td><td>1</td><td>0</td>' in incidents_row


def test_the_data_page_says_when_nothing_is_released_yet(client, release_dir):
    assert "No dataset has been released yet" in client.get("/data/").content.decode()


def test_release_files_are_served_with_their_types_and_anything_else_is_404(client, release_dir):
    folder = release("1.0.0")
    response = client.get("/data/1.0.0/incidents.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content) == (folder / "incidents.csv").read_bytes()
    assert client.get("/data/1.0.0/datapackage.json")["Content-Type"] == "application/json"
    (release_dir / "secret.txt").write_text("not a release file")
    (folder / "extra.csv").write_text("not written by a release")
    for path in (
        "/data/9.9.9/incidents.csv",
        "/data/1.0.0/extra.csv",
        "/data/1.0.0/..%2Fsecret.txt",
        "/data/1.0.0/%2E%2E",
        "/data/../secret.txt",
        "/data/1.0.0/",
    ):
        assert client.get(path).status_code == 404, path


def test_the_sites_own_citation_file_is_valid_cff():
    citation = yaml.safe_load((settings.BASE_DIR / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["title"] == "Kerman incident archive" and citation["authors"]
