"""“Cite this” on every public record page, and its downloads (events/citations.py, events/views_data.py)."""

import json

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from django.utils import timezone

from events import citations
from events.models import Incident, Reaction, Status
from tests import factories
from tests.conftest import module_rows
from tests.public_urls import make_archive

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

KINDS = ["incident", "person", "organization", "place", "reaction"]
FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
TRICKY_TITLE = "Attack & {braces} at 100% #1_x ~ “quoted”"


@module_rows
def cite_rows():
    records = make_archive()
    records["reaction"] = Reaction.objects.get(incident=records["incident"], country__isnull=False)
    records["draft"] = factories.IncidentFactory(title="Secret Plot", slug="secret-plot", status=Status.DRAFT)
    records["tricky"] = factories.IncidentFactory(title=TRICKY_TITLE, slug="tricky")
    return records


def permanent_path(kind, record):
    """Revision 1 for the types with revision permalinks (make_archive records one); a reaction's page."""
    if kind == "reaction":
        return record.get_absolute_url()
    return f"{record.get_absolute_url()}revisions/1/"


def download(client, kind, record, format):
    return client.get(f"{record.get_absolute_url()}cite.{format}")


@pytest.mark.parametrize("kind", KINDS)
def test_every_record_page_offers_a_citation_with_its_permanent_address_and_downloads(client, cite_rows, kind):
    record = cite_rows[kind]
    body = client.get(record.get_absolute_url()).content.decode()
    box = body[body.index('id="cite-this-heading"') :]
    assert f"http://testserver{permanent_path(kind, record)}" in box
    for format in FORMATS:
        assert f'href="{record.get_absolute_url()}cite.{format}"' in box
    # The page may be served from the cache days later: it names no access date of its own.
    assert "add the date you read it" in box and "/static/events/cite.js" in box


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("format", FORMATS)
def test_each_download_has_its_content_type_and_is_never_cached(client, cite_rows, kind, format):
    response = download(client, kind, cite_rows[kind], format)
    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS[format]
    assert "attachment" in response["Content-Disposition"] and f'.{format}"' in response["Content-Disposition"]
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert f"http://testserver{permanent_path(kind, cite_rows[kind])}" in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_bibtex_parses_back_with_title_address_and_dates(client, cite_rows, kind):
    library = bibtexparser.parse_string(download(client, kind, cite_rows[kind], "bib").content.decode())
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    assert entry["url"] == f"http://testserver{permanent_path(kind, cite_rows[kind])}"
    assert entry["urldate"] == timezone.localdate().isoformat()
    assert entry["author"] == "{Kerman incident archive}"
    if kind != "reaction":
        assert entry["version"] == "1"


def test_bibtex_escapes_what_latex_would_read_as_commands(client, cite_rows):
    text = download(client, "incident", cite_rows["tricky"], "bib").content.decode()
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    assert library.entries[0]["title"].strip("{}") == TRICKY_TITLE


@pytest.mark.parametrize("kind", KINDS)
def test_csl_json_is_one_item_with_its_address_issued_and_accessed_dates(client, cite_rows, kind):
    (item,) = json.loads(download(client, kind, cite_rows[kind], "json").content)
    today = timezone.localdate()
    assert item["type"] == "webpage" and item["title"]
    assert item["URL"] == f"http://testserver{permanent_path(kind, cite_rows[kind])}"
    assert item["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}
    assert len(item["issued"]["date-parts"][0]) == 3
    assert item["author"] == [{"literal": "Kerman incident archive"}]


@pytest.mark.parametrize("kind", KINDS)
def test_ris_is_a_tagged_record_from_ty_to_er(client, cite_rows, kind):
    lines = download(client, kind, cite_rows[kind], "ris").content.decode().split("\r\n")
    assert lines[0] == "TY  - ELEC" and lines[-2] == "ER  -" and lines[-1] == ""
    tags = dict(line.split("  - ", 1) for line in lines[1:-2])
    assert tags["UR"] == f"http://testserver{permanent_path(kind, cite_rows[kind])}"
    assert tags["Y2"] == timezone.localdate().strftime("%Y/%m/%d")


def test_a_reaction_is_cited_by_its_public_title_and_last_change(client, cite_rows):
    reaction = cite_rows["reaction"]
    text = download(client, "reaction", reaction, "txt").content.decode()
    country = reaction.country.name
    assert f"“{country} on {reaction.incident.title}”" in text
    assert "Reaction record, last changed " in text and "accessed " in text


def test_the_plain_citation_names_the_revision_and_its_date(client, cite_rows):
    incident = cite_rows["incident"]
    text = download(client, "incident", incident, "txt").content.decode()
    assert text.startswith("Kerman incident archive (")
    assert f"“{incident.title}”. Incident record, revision 1, " in text


def test_a_draft_has_no_citation(client, cite_rows):
    for format in FORMATS:
        assert download(client, "incident", cite_rows["draft"], format).status_code == 404
    # A staff preview of the draft's page offers none either: a draft has no permanent address.
    Incident.objects.filter(pk=cite_rows["incident"].pk).update(status=Status.DRAFT)
    assert download(client, "incident", cite_rows["incident"], "bib").status_code == 404


def test_a_staff_preview_of_a_draft_offers_no_citation(staff_client, cite_rows):
    response = staff_client.get(cite_rows["draft"].get_absolute_url())
    assert response.status_code == 200
    assert "Cite this" not in response.content.decode()


def test_an_unknown_format_is_404(client, cite_rows):
    assert client.get(f"{cite_rows['incident'].get_absolute_url()}cite.xml").status_code == 404


def test_bibtex_escape_quotes_every_latex_special_character():
    assert citations.bibtex_escape("50% & #1") == r"50\% \& \#1"
