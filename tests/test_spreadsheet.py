"""CSV injection: every CSV and XLSX the site writes starts a formula-like cell with a quote (events/spreadsheet.py)."""

import csv
import io

import openpyxl
import pytest
import tablib
from django.urls import reverse

from events import models, registry
from events.exports import Echo
from events.resources import IncidentResource, OrganizationResource, PersonResource, ReactionResource
from events.spreadsheet import SafeCSV, SafeXLSX, neutralise, neutralised_line, restore
from tests import factories
from tests.test_admin import admin_url

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

PAYLOAD = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (PAYLOAD, "'" + PAYLOAD),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        # A value that already starts with quotes before a formula character gets one more, so `restore` is exact.
        ("'=1+1", "''=1+1"),
        # Plain numbers stay numbers: a longitude west of Greenwich, a signed count.
        ("-57.08", "-57.08"),
        ("+5", "+5"),
        ("-1e5", "-1e5"),
        (-5, -5),
        # Text that only contains the characters further in is left alone.
        ("Kerman = city", "Kerman = city"),
        ("'tis", "'tis"),
        ("", ""),
        (None, None),
    ],
)
def test_a_formula_cell_starts_with_a_quote_and_reads_back_as_it_was(value, written):
    assert neutralise(value) == written
    assert restore(neutralise(value)) == value


# Cells that start as a formula, that only look like one from inside a quoted cell, and the characters the CSV
# writer quotes or doubles.
LINE_CELLS = [
    PAYLOAD,
    "'=1+1",
    "\t=1",
    "\r=1",
    "-57.08",
    -5,
    None,
    "",
    "plain",
    "Kerman, =city",
    'said "=x"',
    '"=x"',
    "two\n=lines",
    "a,'b",
    "'tis",
]


@pytest.mark.parametrize("cell", LINE_CELLS)
@pytest.mark.parametrize("position", [0, 1, 3])
def test_a_written_line_is_the_cells_neutralised_one_by_one(cell, position):
    writer = csv.writer(Echo())
    cells = ["first", 2, "third, with a comma", "last"]
    cells[position] = cell
    assert neutralised_line(writer, cells) == writer.writerow([neutralise(c) for c in cells])
    assert neutralised_line(writer, [cell]) == writer.writerow([neutralise(cell)])


@pytest.fixture
def hostile_archive(db):
    """One published record of every public type, each named with a formula."""
    country = factories.CountryFactory(name=PAYLOAD)
    place = factories.PlaceFactory(name=PAYLOAD, parent=country, latitude=-33.5, longitude=-70.6, geo_precision="city")
    organization = factories.OrganizationFactory(name=PAYLOAD, country=country)
    person = factories.PersonFactory(name=PAYLOAD, description="-1+1")
    incident = factories.IncidentFactory(title=PAYLOAD, place=place, summary="@SUM(A1)")
    factories.ReactionFactory(incident=incident, country=country, actor_label="", summary="+1+cmd")
    return {"incident": incident, "person": person, "organization": organization, "place": place}


def test_every_public_csv_quotes_formula_cells(client, hostile_archive):
    for record_type in registry.RECORD_TYPES:
        response = client.get(reverse(f"events:{record_type.key}-export", kwargs={"format": "csv"}))
        assert response.status_code == 200, record_type.key
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        cells = [cell for row in rows[1:] for cell in row]
        assert "'" + PAYLOAD in cells, record_type.key
        assert PAYLOAD not in cells, record_type.key
        dangerous = [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r"))]
        assert dangerous == [], record_type.key
        # Negative numbers are numbers, not formulas.
        negative = {float(cell) for cell in cells if cell.startswith("-")}
        assert negative <= {-33.5, -70.6}, record_type.key
    places = client.get(reverse("events:place-export", kwargs={"format": "csv"}))
    rows = csv.DictReader(io.StringIO(b"".join(places.streaming_content).decode()))
    assert [(float(r["Latitude"]), float(r["Longitude"])) for r in rows if r["Latitude"]] == [(-33.5, -70.6)]


RESOURCES = {
    models.Incident: (IncidentResource, "title"),
    models.Person: (PersonResource, "name"),
    models.Organization: (OrganizationResource, "name"),
    models.Reaction: (ReactionResource, "summary"),
}


def admin_export(client, model, file_format):
    url = admin_url(model, "export")
    form = client.get(url).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data.update(format=str(["csv", "xlsx", "json"].index(file_format)), resource="0")
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("model", list(RESOURCES), ids=lambda m: m.__name__)
def test_every_admin_export_quotes_formula_cells_and_imports_back_unchanged(staff_client, hostile_archive, model):
    models.Reaction.objects.update(summary=PAYLOAD)
    resource, column = RESOURCES[model]

    rows = list(csv.DictReader(io.StringIO(admin_export(staff_client, model, "csv").decode("utf-8-sig"))))
    assert rows and all(row[column] == "'" + PAYLOAD for row in rows)

    sheet = openpyxl.load_workbook(io.BytesIO(admin_export(staff_client, model, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2)]
    assert cells and all(cell.data_type == "s" and cell.value == "'" + PAYLOAD for cell in cells)

    # JSON is for programs, not spreadsheets: the value as it is.
    assert PAYLOAD.replace('"', '\\"') in admin_export(staff_client, model, "json").decode()

    # What the admin exported imports back as unchanged rows, the quote taken off again.
    for file_format in (SafeCSV(), SafeXLSX()):
        exported = file_format.export_data(resource().export())
        data = file_format.create_dataset(exported)
        assert all(row[column] == PAYLOAD for row in data.dict)
        result = resource().import_data(data, dry_run=True)
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["skip"] == len(rows)


def test_a_dataset_without_headers_keeps_its_rows():
    data = tablib.Dataset([PAYLOAD, "plain"])
    assert list(csv.reader(io.StringIO(SafeCSV().export_data(data)))) == [["'" + PAYLOAD, "plain"]]
