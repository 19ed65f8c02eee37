"""Bulk import and export in the admin: CSV, XLSX and JSON; a dry run first; a bad row imports nothing."""

import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from events import models, revisions
from events.resources import IncidentResource, OrganizationResource, PersonResource, ReactionResource
from tests import factories
from tests.test_admin import admin_url

pytestmark = pytest.mark.django_db

RESOURCES = {
    models.Incident: IncidentResource,
    models.Person: PersonResource,
    models.Organization: OrganizationResource,
    models.Reaction: ReactionResource,
}
FORMATS = ["csv", "xlsx", "json"]


def exported(resource, file_format="csv"):
    return getattr(resource().export(), file_format)


def dataset_of(text):
    return tablib.Dataset().load(text, format="csv")


def upload(client, model, content, name="incidents.csv", file_format="csv"):
    """Step one of an admin import: the dry run."""
    return client.post(
        admin_url(model, "import"),
        {"resource": "0", "format": str(FORMATS.index(file_format)), "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, model, dry_run_response):
    form = dry_run_response.context["confirm_form"]
    data = {
        name: field.initial if field.initial is not None else form.initial.get(name)
        for name, field in form.fields.items()
    }
    return client.post(admin_url(model, "process_import"), data, follow=True)


def incident_rows(*rows):
    header = "slug,title,kind,date,date_precision,place,summary,sources,status\n"
    return (header + "\n".join(rows) + "\n").encode()


@pytest.fixture
def world(db):
    factories.PlaceFactory(slug="kerman", name="Kerman")
    factories.SourceFactory(slug="irna", title="IRNA")


# Export --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(RESOURCES), ids=lambda m: m.__name__)
def test_admin_offers_csv_xlsx_and_json(staff_client, model):
    response = staff_client.get(admin_url(model, "export"))
    choices = [label for _, label in response.context["form"].fields["format"].choices if _ != ""]
    assert choices == FORMATS


def test_export_names_related_records_by_slug(world):
    incident = factories.IncidentFactory(slug="kerman-bombings", place=models.Place.objects.get(slug="kerman"))
    incident.sources.add(models.Source.objects.get(slug="irna"))

    data = dataset_of(exported(IncidentResource))

    row = dict(zip(data.headers, data[0], strict=True))
    assert row["slug"] == "kerman-bombings"
    assert row["place"] == "kerman"
    assert row["sources"] == f"{factories.CITED_SOURCE}|irna"
    assert "id" not in data.headers and "version" not in data.headers and "killed" not in data.headers


@pytest.mark.parametrize("file_format", FORMATS)
def test_admin_export_downloads_the_file(staff_client, file_format):
    factories.IncidentFactory(title="Kerman bombings")
    url = admin_url(models.Incident, "export")
    form = staff_client.get(url).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data.update(format=str(FORMATS.index(file_format)), resource="0")

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert f".{file_format}" in response["Content-Disposition"]
    if file_format != "xlsx":
        assert "Kerman bombings" in response.content.decode()


@pytest.mark.parametrize("model", list(RESOURCES), ids=lambda m: m.__name__)
@pytest.mark.parametrize("file_format", FORMATS)
def test_an_export_imports_back_as_all_skipped(model, file_format):
    factory = {
        models.Incident: factories.IncidentFactory,
        models.Person: factories.PersonFactory,
        models.Organization: factories.OrganizationFactory,
        models.Reaction: factories.ReactionFactory,
    }[model]
    factory.create_batch(2)
    resource = RESOURCES[model]
    data = tablib.Dataset().load(exported(resource, file_format), format=file_format)

    result = resource().import_data(data, dry_run=True)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2


# Import --------------------------------------------------------------------------------------------------


def test_dry_run_shows_what_will_be_created_changed_and_skipped(staff_client, world):
    unchanged = factories.IncidentFactory(slug="unchanged", status=models.Status.DRAFT, sources=[])
    factories.IncidentFactory(slug="changed", title="Old title", status=models.Status.DRAFT, sources=[])
    unchanged_row = dataset_of(exported(IncidentResource))
    (row,) = [r for r in unchanged_row.dict if r["slug"] == "unchanged"]
    content = incident_rows(
        f"unchanged,{row['title']},{row['kind']},{row['date']},{row['date_precision']},{row['place']},"
        f"{row['summary']},,draft",
        "changed,New title,bombing,2024-01-03,day,kerman,A test incident.,,draft",
        "new-one,New incident,bombing,2024-01,month,kerman,Two bombs.,irna,draft",
    )
    content = content.replace(b"2024-01,month", b"2024-01-01,month")

    response = upload(staff_client, models.Incident, content)

    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (1, 1, 1)
    assert "confirm_form" in response.context
    assert not models.Incident.objects.filter(slug="new-one").exists()
    assert models.Incident.objects.get(slug="changed").title == "Old title"
    assert unchanged.pk


def test_confirming_a_clean_dry_run_imports_every_row(staff_client, world):
    content = incident_rows(
        "kerman-bombings,Kerman bombings,suicide_bombing,2024-01-03,day,kerman,Two bombs.,irna,published",
        "cinema-rex,Cinema Rex fire,arson,1978-01-01,year,kerman,A cinema fire.,irna,draft",
    )
    response = confirm(staff_client, models.Incident, upload(staff_client, models.Incident, content))

    assert response.status_code == 200
    assert set(models.Incident.objects.values_list("slug", "status")) == {
        ("kerman-bombings", "published"),
        ("cinema-rex", "draft"),
    }
    imported = models.Incident.objects.get(slug="kerman-bombings")
    assert list(imported.sources.values_list("slug", flat=True)) == ["irna"]
    assert imported.history.latest().history_user.username == "editor"


BAD_ROWS = {
    "unknown place": ("place", "kerman,no-such-place", "No place has the slug “no-such-place”."),
    "unknown source": ("sources", "irna|typo", "No source has the slug “typo”."),
    "year not on 1 January": ("date", "2024-03-05,year", "A date known only to the year is entered as 1 January"),
    "published without a source": ("status", "published-no-source", "cannot be published without a source"),
}


def bad_incident_file(case):
    good = "good-one,Good,bombing,2024-01-03,day,kerman,Fine.,irna,draft"
    bad = {
        "unknown place": "bad-one,Bad,bombing,2024-01-03,day,no-such-place,Bad.,irna,draft",
        "unknown source": "bad-one,Bad,bombing,2024-01-03,day,kerman,Bad.,irna|typo,draft",
        "year not on 1 January": "bad-one,Bad,bombing,2024-03-05,year,kerman,Bad.,irna,draft",
        "published without a source": "bad-one,Bad,bombing,2024-01-03,day,kerman,Bad.,,published",
    }[case]
    return incident_rows(good, bad, "good-two,Also good,bombing,2024-01-04,day,kerman,Fine.,irna,draft")


@pytest.mark.parametrize("case", BAD_ROWS, ids=str)
def test_a_bad_row_is_shown_in_plain_words_and_nothing_can_be_confirmed(staff_client, world, case):
    response = upload(staff_client, models.Incident, bad_incident_file(case))

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert BAD_ROWS[case][2] in response.content.decode()
    assert not models.Incident.objects.exists()


@pytest.mark.parametrize("case", BAD_ROWS, ids=str)
def test_an_import_with_one_bad_row_imports_nothing(world, case):
    data = dataset_of(bad_incident_file(case).decode())

    result = IncidentResource().import_data(data, dry_run=False, rollback_on_validation_errors=True)

    assert result.has_errors() or result.has_validation_errors()
    assert not models.Incident.objects.exists()


def test_confirming_a_file_that_went_bad_imports_nothing(staff_client, world, monkeypatch):
    """Even a confirm posted for a file with a bad row (a stale tab, a crafted request) saves no row."""
    good = incident_rows("good-one,Good,bombing,2024-01-03,day,kerman,Fine.,irna,draft")
    dry_run = upload(staff_client, models.Incident, good)
    from import_export import tmp_storages

    monkeypatch.setattr(
        tmp_storages.TempFolderStorage, "read", lambda self: bad_incident_file("unknown place").decode()
    )

    response = confirm(staff_client, models.Incident, dry_run)

    assert "Nothing was imported: 1 row had errors." in response.content.decode()
    assert not models.Incident.objects.exists()


def test_editors_export_but_cannot_import(editor_client, world):
    assert editor_client.get(admin_url(models.Incident, "export")).status_code == 200
    assert editor_client.get(admin_url(models.Incident, "import")).status_code == 403
    response = upload(editor_client, models.Incident, incident_rows("x,X,bombing,,,kerman,X.,irna,published"))
    assert response.status_code == 403
    assert not models.Incident.objects.exists()


def test_reviewers_import(reviewer_client, world):
    content = incident_rows("kerman-bombings,Kerman bombings,bombing,2024-01-03,day,kerman,Two bombs.,irna,draft")
    confirm(reviewer_client, models.Incident, upload(reviewer_client, models.Incident, content))
    assert models.Incident.objects.filter(slug="kerman-bombings").exists()


def test_reactions_import_with_their_actor_and_stances(world):
    factories.IncidentFactory(slug="kerman-bombings")
    factories.CountryFactory(slug="russia")
    factories.StanceFactory(slug="condemnation")
    text = (
        "slug,incident,category,person,organization,country,actor_label,stances,date,channel,summary,quote,sources,status\n"
        "russia-condemns,kerman-bombings,country,,,russia,,condemnation,2024-01-03,,Condemned it.,,irna,published\n"
        "nobody,kerman-bombings,country,,,,officials,condemnation,2024-01-03,,Condemned it.,,irna,draft\n"
    )
    result = ReactionResource().import_data(dataset_of(text), dry_run=False, rollback_on_validation_errors=True)

    assert result.has_validation_errors()
    messages = io.StringIO()
    for invalid in result.invalid_rows:
        messages.write(str(invalid.error_dict))
    assert "A reaction needs an actor" in messages.getvalue()
    assert not models.Reaction.objects.exists()


def test_an_import_records_one_revision_per_record_it_changes(staff_client, world):
    content = incident_rows(
        "kerman-bombings,Kerman bombings,suicide_bombing,2024-01-03,day,kerman,Two bombs.,irna,published",
        "cinema-rex,Cinema Rex fire,arson,1978-01-01,year,kerman,A cinema fire.,irna,draft",
    )
    confirm(staff_client, models.Incident, upload(staff_client, models.Incident, content))

    for incident in models.Incident.objects.all():
        found = revisions.revisions_of(incident)
        assert found.count() == 1
        assert found.get().user.username == "editor" and found.get().summary == "Record created"
    # The dry run recorded nothing.
    assert models.Revision.objects.count() == 2
