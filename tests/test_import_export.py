"""Bulk import and export in the admin: CSV, XLSX and JSON; a dry run first; a bad row imports nothing."""

import io
import json
import tracemalloc
import zipfile

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from events import models, resources, revisions
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

    # Rows 2 and 3 are not the rows the dry run checked; row 2 names no place either.
    assert "Nothing was imported: 2 rows had errors." in response.content.decode()
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


# A record changed between the dry run and the confirmation ----------------------------------------------------


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def two_drafts(world):
    place = models.Place.objects.get(slug="kerman")
    for slug in ("first", "second"):
        factories.IncidentFactory(slug=slug, title=slug.title(), description="Kept.", place=place, status="draft")
    return (
        incident_rows(
            "first,First renamed,bombing,2024-01-03,day,kerman,Imported.,irna,draft",
            "second,Second renamed,bombing,2024-01-03,day,kerman,Imported.,irna,draft",
        )
        .replace(b"sources,status", b"sources,status")
        .replace(b"summary,", b"summary,")
    )


def test_an_edit_between_dry_run_and_confirm_refuses_the_whole_import(staff_client, two_drafts):
    dry_run = upload(staff_client, models.Incident, two_drafts)
    assert "confirm_form" in dry_run.context
    edited = models.Incident.objects.get(slug="second")
    edited.description = "Saved by a colleague while the dry run was on screen."
    edited.save()

    response = confirm(staff_client, models.Incident, dry_run)

    assert messages_of(response) == [
        "Nothing was imported: incident “Second” (second) was changed by someone else after the dry run. Import "
        "the file again to check it against what is saved now."
    ]
    assert dict(models.Incident.objects.values_list("slug", "title")) == {"first": "First", "second": "Second"}
    assert models.Incident.objects.get(slug="second").description == edited.description


def test_a_record_added_after_the_dry_run_is_refused_not_overwritten(staff_client, world):
    content = incident_rows("newcomer,From the file,bombing,2024-01-03,day,kerman,Imported.,irna,draft")
    dry_run = upload(staff_client, models.Incident, content)
    factories.IncidentFactory(slug="newcomer", title="Added by hand", status="draft")

    response = confirm(staff_client, models.Incident, dry_run)

    assert "incident “Added by hand” (newcomer) was added by someone else after the dry run" in messages_of(response)[0]
    assert models.Incident.objects.get(slug="newcomer").title == "Added by hand"


def test_an_unchanged_record_confirms_as_the_dry_run_showed(staff_client, two_drafts):
    confirm(staff_client, models.Incident, upload(staff_client, models.Incident, two_drafts))

    assert dict(models.Incident.objects.values_list("slug", "title")) == {
        "first": "First renamed",
        "second": "Second renamed",
    }


def test_a_confirmation_without_its_dry_runs_signature_imports_nothing(staff_client, two_drafts):
    dry_run = upload(staff_client, models.Incident, two_drafts)
    dry_run.context["confirm_form"].initial["seen"] = resources.sign_seen_versions("another-file", {})

    response = confirm(staff_client, models.Incident, dry_run)

    assert messages_of(response) == [
        "Nothing was imported: This confirmation does not belong to a dry run of this file. Import the file again."
    ]
    assert dict(models.Incident.objects.values_list("slug", "title")) == {"first": "First", "second": "Second"}


# Publishing rules ------------------------------------------------------------------------------------------------


def test_an_import_cannot_publish_an_incident_whose_figure_cites_no_source(staff_client, world):
    incident = factories.IncidentFactory(slug="kerman-bombings", title="Kerman bombings", status="draft")
    figure = factories.CasualtyFigureFactory(incident=incident, sources=[])
    content = incident_rows("kerman-bombings,Kerman bombings,bombing,2024-01-03,day,kerman,Two bombs.,irna,published")

    response = upload(staff_client, models.Incident, content)

    # The admin form's rule, in its words: the same method answers both.
    (problem,) = incident.dependent_publication_problems()
    assert f"“{figure}” cites no source" in problem
    assert "confirm_form" not in response.context
    assert problem in response.content.decode()
    assert models.Incident.objects.get(pk=incident.pk).status == "draft"


def test_an_import_publishes_an_incident_whose_figures_all_cite_a_source(staff_client, world):
    incident = factories.IncidentFactory(slug="kerman-bombings", status="draft")
    factories.CasualtyFigureFactory(incident=incident)
    content = incident_rows("kerman-bombings,Kerman bombings,bombing,2024-01-03,day,kerman,Two bombs.,irna,published")

    confirm(staff_client, models.Incident, upload(staff_client, models.Incident, content))

    assert models.Incident.objects.get(pk=incident.pk).status == "published"


# Limits -----------------------------------------------------------------------------------------------------------

INCIDENT_HEADER = ["slug", "title", "kind", "date", "date_precision", "place", "summary", "sources", "status"]


def incident_file(rows, file_format):
    """`rows` valid draft incidents, in the given format."""
    data = tablib.Dataset(headers=INCIDENT_HEADER)
    for i in range(rows):
        data.append([f"row-{i}", f"Row {i}", "bombing", "2024-01-03", "day", "kerman", "Fine.", "irna", "draft"])
    exported = getattr(data, file_format)
    return exported if isinstance(exported, bytes) else exported.encode()


def import_file_errors(response):
    return [str(error) for error in response.context["form"].errors.get("import_file", [])]


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_file_of_up_to_max_rows_is_dry_run(staff_client, world, monkeypatch, file_format):
    monkeypatch.setattr(resources, "MAX_ROWS", 3)
    response = upload(staff_client, models.Incident, incident_file(3, file_format), f"f.{file_format}", file_format)

    assert "confirm_form" in response.context
    assert response.context["result"].totals["new"] == 3


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_file_over_max_rows_is_refused_up_front(staff_client, world, monkeypatch, file_format):
    monkeypatch.setattr(resources, "MAX_ROWS", 3)
    response = upload(staff_client, models.Incident, incident_file(4, file_format), f"f.{file_format}", file_format)

    assert response.status_code == 200
    assert "result" not in response.context
    assert import_file_errors(response) == [
        "This file has more than 3 rows; an import takes up to 3 at a time, so that it finishes before the server "
        "gives up on the request. Split it into files of up to 3 rows and import them one after another."
    ]


def test_blank_lines_at_the_end_of_a_csv_are_not_rows(staff_client, world, monkeypatch):
    monkeypatch.setattr(resources, "MAX_ROWS", 3)
    response = upload(staff_client, models.Incident, incident_file(3, "csv") + b",,,,,,,,\n\n\n")

    assert import_file_errors(response) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(staff_client, world, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a file over the size limit was parsed")

    monkeypatch.setattr(tablib.Dataset, "load", never)
    content = b"slug,title\n" + b"x," + b"y" * resources.MAX_UPLOAD_BYTES + b"\n"

    response = upload(staff_client, models.Incident, content)

    assert import_file_errors(response) == [
        "This file is 2.1 MB; an import takes files of up to 2 MB and 100 rows. Split it into files of up to "
        "100 rows and import them one after another."
    ]


def test_the_import_page_states_the_limits(staff_client):
    response = staff_client.get(admin_url(models.Incident, "import"))

    assert "Up to 100 rows and 2 MB. Split a larger file into files of up to 100 rows" in response.content.decode()


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def xlsx_with_shared_strings(*chunks):
    """A real XLSX (one sheet, a header row) with a shared-strings part written from `chunks`.

    openpyxl writes inline strings, so the part is added and declared in [Content_Types].xml, as Excel would."""
    plain = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(INCIDENT_HEADER)
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", SHARED_STRINGS_TYPE)
            target.writestr(item, content)
        with target.open("xl/sharedStrings.xml", "w") as strings:
            for chunk in chunks:
                strings.write(chunk)
    return out.getvalue()


SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def xlsx_bomb(expanded_mb):
    """Shared strings of `expanded_mb` MB of "x": about 1 KB a MB once zipped."""
    megabyte = b"x" * (1 << 20)
    return xlsx_with_shared_strings(SST, b"<si><t>", *(megabyte for _ in range(expanded_mb)), b"</t></si></sst>")


def test_a_spreadsheet_bomb_is_refused_by_what_it_expands_to_without_expanding_it(staff_client, world):
    bomb = xlsx_bomb(64)
    assert len(bomb) < 200_000

    tracemalloc.start()
    try:
        response = upload(staff_client, models.Incident, bomb, "bomb.xlsx", "xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert import_file_errors(response) == [
        "This spreadsheet expands to 64.1 MB when opened; an import takes spreadsheets that expand to up to 4 MB. "
        "Split it into files of up to 100 rows and import them one after another."
    ]
    # Reading the 64 MB of strings would take more than 64 MB; refusing it takes the request's own few.
    assert peak < 16 * 1024 * 1024, f"{peak / 1e6:.1f} MB allocated"


def test_a_spreadsheet_of_more_texts_than_its_rows_could_need_is_refused(staff_client, world):
    # Small (a few hundred KB) but slow: openpyxl reads every shared string before the first row.
    strings = xlsx_with_shared_strings(SST, b"<si><t>a</t></si>" * (resources.MAX_SHARED_STRINGS + 1), b"</sst>")

    response = upload(staff_client, models.Incident, strings, "strings.xlsx", "xlsx")

    assert import_file_errors(response) == [
        "This spreadsheet holds 10,001 different texts; an import takes spreadsheets with up to 10,000, plenty for "
        "100 rows. Copy the rows to import into a new spreadsheet and import that."
    ]


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_plain_words(staff_client, world):
    response = upload(staff_client, models.Incident, b"slug,title\nx,y\n", "in.xlsx", "xlsx")

    assert import_file_errors(response) == ["This is not an XLSX file: choose the file's real format."]


def test_a_json_file_over_max_rows_is_refused(staff_client, world, monkeypatch):
    monkeypatch.setattr(resources, "MAX_ROWS", 1)
    content = json.dumps([{"slug": "a"}, {"slug": "b"}]).encode()

    response = upload(staff_client, models.Incident, content, "f.json", "json")

    assert "This file has more than 1 rows" in import_file_errors(response)[0]


# Files the readers cannot take as they come ----------------------------------------------------------------------


def test_a_csv_cell_longer_than_csvs_default_limit_imports_whole(reviewer_client, world):
    # Python's csv refuses a cell over 131,072 characters unless told otherwise; the upload limit bounds cells.
    description = "The day as the survivors told it, at length. " * 3_000
    assert 131_072 < len(description) < resources.MAX_UPLOAD_BYTES
    row = ["told-at-length", "Told at length", "bombing", "2024-01-03", "day", "kerman", "Fine.", "irna", "draft"]
    data = tablib.Dataset([*row, description], headers=[*INCIDENT_HEADER, "description"])

    dry_run = upload(reviewer_client, models.Incident, data.csv.encode())

    assert dry_run.status_code == 200
    assert import_file_errors(dry_run) == []
    assert dry_run.context["result"].totals["new"] == 1
    assert not models.Incident.objects.exists()

    response = confirm(reviewer_client, models.Incident, dry_run)

    assert response.status_code == 200
    assert models.Incident.objects.get(slug="told-at-length").description == description


NOT_RECORDS = {
    "a list of lists": "[[1, 2, 3]]",
    "an object": '{"slug": "kerman-bombings"}',
    "a number": "3",
    "null": "null",
    "a list of texts": '["kerman-bombings", "cinema-rex"]',
    "a record of no columns": "[{}]",
    "a record, then a list": '[{"slug": "kerman-bombings"}, ["cinema-rex"]]',
    "lists nested past any record": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("case", NOT_RECORDS, ids=str)
def test_a_json_file_that_is_not_a_list_of_records_is_refused_in_plain_words(reviewer_client, world, case):
    response = upload(reviewer_client, models.Incident, NOT_RECORDS[case].encode(), "f.json", "json")

    assert response.status_code == 200
    assert "result" not in response.context
    assert import_file_errors(response) == ["The JSON file must be a list of records, each an object of column: value."]
    assert not models.Incident.objects.exists()


def json_record(slug, columns=INCIDENT_HEADER, **cells):
    row = [slug, f"Title of {slug}", "bombing", "2024-01-03", "day", "kerman", f"Summary of {slug}.", "irna", "draft"]
    known = {**dict(zip(INCIDENT_HEADER, row, strict=True)), "description": "", **cells}
    return {column: known[column] for column in columns}


SWAPPED = ["slug", "summary", *INCIDENT_HEADER[2:6], "title", *INCIDENT_HEADER[7:]]
OTHER_COLUMNS = {
    "the same in another order": SWAPPED,
    "one of them another": [column if column != "summary" else "description" for column in INCIDENT_HEADER],
    "one fewer": INCIDENT_HEADER[:-1],
}


@pytest.mark.parametrize("case", OTHER_COLUMNS, ids=str)
def test_json_records_with_other_columns_than_the_first_are_refused_not_read_into_the_wrong_ones(
    reviewer_client, world, case
):
    # tablib reads every record's values in the order of the first record's keys: title would become summary.
    content = json.dumps([json_record("first"), json_record("second", OTHER_COLUMNS[case])]).encode()

    response = upload(reviewer_client, models.Incident, content, "f.json", "json")

    assert response.status_code == 200
    assert "result" not in response.context
    assert import_file_errors(response) == [
        "Record 2 of the JSON file has other columns than the first record, or the same ones in another order: "
        "give every record the same columns in the same order."
    ]
    assert not models.Incident.objects.exists()


def test_a_json_value_that_is_a_list_is_refused_not_stored_as_python_would_print_it(reviewer_client, world):
    content = json.dumps([json_record("first"), json_record("second", title=["Kerman", "bombings"])]).encode()

    response = upload(reviewer_client, models.Incident, content, "f.json", "json")

    assert response.status_code == 200
    assert "result" not in response.context
    assert import_file_errors(response) == [
        "Record 2's “title” is a list or an object: each value must be a text, a number, true, false or null."
    ]
    assert not models.Incident.objects.exists()
