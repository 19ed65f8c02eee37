"""The archive says things in its own words: no free-text field of the fixtures repeats the article it is drawn
from beyond a short phrase, except the article's quotes, kept verbatim in quotation marks. And the public pages
name that article by its title and kind, never by the project's word for it ("seed")."""

import json
import re
import unicodedata
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from events.management.commands.load_archive import BASE_SOURCE_SLUG, fixture_files
from events.models import Incident
from tests.public_urls import NO_RELEASE, body_of, public_paths

ARTICLE_PATH = Path(settings.BASE_DIR) / ".." / "shared" / "seed" / "000_16e68c103d1290f9.txt"
# Eight words in a row is where a shared phrase ("the deadliest such incident in the country") turns into a
# copied clause; seven-word runs of names and dates ("Iranian president Ebrahim Raisi ...") are unavoidable.
RUN = 8

# Text fields that are not the archive's prose: verbatim quotes, names and titles as the source gives them,
# labels of who acted, and identifiers. Every other CharField/TextField of a fixture record is checked, so a
# text field added later is checked without being listed here.
EXEMPT_FIELDS = {
    "quote",
    "name",
    "native_name",
    "native_name_lang",
    "short_name",
    "aliases",
    "title",
    "publisher",
    "actor_label",
    "responsible_label",
    "reported_by_label",
    "time_zone",
    "time_zone_abbreviation",
    "key",
}

_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "`": "'"})
_QUOTED = re.compile(r'"([^"]*)"')
# Stands in for an exempt quotation, so that no run of shared words can reach across it.
_BREAK = " \x00 "


def words(text):
    """Lower-case words without accents or punctuation: "Iran’s" and "Iran's", "ISIS–K" and "ISIS-K" and
    "Erdoğan" and "Erdogan" come out the same."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTE_MARKS))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("'", "")
    return re.findall(r"[^\W_]+|\x00", text)


def quoted_spans(text):
    return [words(span) for span in _QUOTED.findall(text.translate(_QUOTE_MARKS))]


def _contains(haystack, needle):
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


class Article:
    """The article's runs of RUN words, and the passages it puts in quotation marks."""

    def __init__(self, text):
        tokens = words(text)
        self.runs = {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}
        self.quotes = [q for q in quoted_spans(text) if q]

    def is_its_quote(self, span):
        return bool(span) and any(_contains(quote, span) for quote in self.quotes)

    def shared_runs(self, text):
        """The longest stretches of `text` the article also has, each at least RUN words, outside passages that
        are in quotation marks both here and in the article."""
        text = _QUOTED.sub(
            lambda m: _BREAK if self.is_its_quote(words(m.group(1))) else m.group(0), text.translate(_QUOTE_MARKS)
        )
        tokens = words(text)
        hits = [i for i in range(len(tokens) - RUN + 1) if tuple(tokens[i : i + RUN]) in self.runs]
        stretches = []
        for i in hits:
            if stretches and i <= stretches[-1][1]:
                stretches[-1][1] = i + RUN
            else:
                stretches.append([i, i + RUN])
        return [" ".join(tokens[start:end]) for start, end in stretches]


def checked_fields(model):
    """The model's free-text fields: editable CharField and TextField, less fixed choices, slugs, URLs and the
    exempt."""
    return {
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.SlugField | models.URLField)
        and not field.choices
        and field.editable
        and field.name not in EXEMPT_FIELDS
    }


def record_name(record):
    fields = record["fields"]
    return f"{record['model']} {fields.get('slug') or fields.get('key') or fields.get('name')}"


def copies_in_fixtures(article):
    """(record, field, shared run) for every copied run in the fixture files."""
    found = []
    for path in fixture_files():
        for record in json.loads(Path(path).read_text(encoding="utf-8")):
            model = apps.get_model(record["model"])
            for field in sorted(checked_fields(model) & set(record["fields"])):
                for run in article.shared_runs(record["fields"][field] or ""):
                    found.append((record_name(record), field, run))
    return found


@pytest.fixture(scope="module")
def article():
    if not ARTICLE_PATH.exists():
        pytest.skip(f"The article is not at {ARTICLE_PATH.resolve()}")
    return Article(ARTICLE_PATH.read_text(encoding="utf-8"))


LEAD = (
    "On 3 January 2024, a commemorative ceremony marking the assassination of Qasem Soleimani at his grave in "
    "eastern Kerman, Iran, was attacked by two bomb explosions."
)


def test_the_article_lead_sentence_is_a_copy(article):
    assert article.shared_runs(LEAD) == [" ".join(words(LEAD))]


def test_punctuation_case_and_accents_do_not_hide_a_copy(article):
    disguised = "on 3 JANUARY 2024 — a commemorative ceremony, marking the assassination of Qasem Soleimani!"
    assert article.shared_runs(disguised) == [
        "on 3 january 2024 a commemorative ceremony marking the assassination of qasem soleimani"
    ]
    assert article.shared_runs("Recep Tayyip Erdogan expressed his condolences to the “friendly and brotherly”")


def test_seven_words_in_a_row_are_not_a_copy(article):
    assert article.shared_runs("It was attacked by two bomb explosions, said the report.") == []


def test_a_quotation_the_article_also_quotes_is_exempt(article):
    assert article.shared_runs('Putin called it "shocking in cruelty and cynicism" in his message.') == []
    houthi = (
        'The Houthis called them an "extension of all the crimes that attempted to undermine the Islamic Republic".'
    )
    assert article.shared_runs(houthi) == []


def test_quotation_marks_around_unquoted_article_text_exempt_nothing(article):
    copied = '"The twin explosions struck a procession going towards Soleimani\'s grave."'
    assert article.shared_runs(copied) == ["the twin explosions struck a procession going towards soleimanis grave"]


def test_a_quotation_does_not_shelter_the_copied_words_around_it(article):
    copied = (
        'Pakistan\'s foreign minister Jalil Abbas Jilani strongly condemned "inhuman terrorist attacks" and said '
        "something else."
    )
    assert article.shared_runs(copied) == ["pakistans foreign minister jalil abbas jilani strongly condemned"]


def test_the_checked_fields_are_the_prose_fields():
    checked = {model.__name__: checked_fields(model) for model in apps.get_app_config("events").get_models()}
    assert checked["Incident"] == {"summary", "description", "method", "target"}
    assert checked["Reaction"] == {"summary", "channel"}
    assert "quote" not in checked["Attribution"] and {"summary", "role", "mode"} <= checked["Attribution"]
    assert checked["Source"] == {"note"}


def test_no_fixture_text_repeats_the_article(article):
    copies = copies_in_fixtures(article)
    assert not copies, f"{len(copies)} runs of {RUN}+ words copied from the article:\n" + "\n".join(
        f"{record} · {field}: {run!r}" for record, field, run in copies
    )


# --- how the public pages name the article -------------------------------------------------------------------


# `seeded` (tests/conftest.py): the archive as one `load_archive` leaves it.


@pytest.mark.django_db
def test_the_incident_page_cites_the_article_by_title_and_kind(client, seeded):
    kerman = Incident.objects.get(sources__slug=BASE_SOURCE_SLUG, slug="2024-kerman-bombings")
    body = body_of(client.get(kerman.get_absolute_url()))
    sources = body[body.index('aria-labelledby="sources-heading"') :].split("</section>")[0]
    assert "<cite>Encyclopedia article: 2024 Kerman bombings</cite>" in sources


@pytest.mark.django_db
def test_no_public_page_calls_the_article_the_seed(client, seeded):
    paths = public_paths(every=True)
    assert any(path.endswith(".csv") for path in paths) and any("feed" in path for path in paths)
    # The walk names a release that does not exist when there is none (tests/public_urls.NO_RELEASE): a 404.
    pages = {path: client.get(path) for path in paths if f"/data/{NO_RELEASE}/" not in path}
    assert [path for path, response in pages.items() if response.status_code != 200] == []
    assert [path for path, response in pages.items() if re.search(r"\bseed", body_of(response), re.I)] == []
