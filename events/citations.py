"""“Cite this”: a public record as a citation in plain text, BibTeX, RIS and CSL-JSON.

A citation names the record's permanent address: the permalink of its current revision
(/<prefix>/<slug>/revisions/<n>/, events/revisions.py) for the types that have them, else its page (a
reaction's revisions are its incident's), with the revision's date or the record's last change.

The access date is the reader's, not the page's. Record pages are cached for anonymous visitors until the next
edit (kerman_site/middleware.py), which may be weeks, so a date written into the page would go stale: the page
leaves it to a small static script (events/static/events/cite.js) that writes the reader's own today, and to a
placeholder without JavaScript. The downloads (/<prefix>/<slug>/cite.bib, .ris, .json, .txt) are built per
request with today's date and sent `private, no-cache`, which the page cache never stores.
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.urls import reverse

from . import public_names
from .linked_data import absolute_url
from .models import format_partial_date

PUBLISHER = "Kerman incident archive"
NOUNS = {
    "incident": "Incident record",
    "person": "Person record",
    "organization": "Organization record",
    "place": "Place record",
    "reaction": "Reaction record",
}
# Format → (content type, file extension, label on the page).
FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", "BibTeX"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "RIS"),
    "json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "CSL-JSON"),
    "txt": ("text/plain; charset=utf-8", "Plain text"),
}


def day(value):
    return format_partial_date(value, "day")


@dataclass(frozen=True)
class Citation:
    kind: str  # the record type's key (events/registry.py)
    slug: str
    title: str
    url: str  # the permanent address
    page: str  # the record's current page
    revision: int | None
    date: dt.date  # of the revision, else of the record's last change
    accessed: dt.date | None = None

    @property
    def noun(self):
        return NOUNS[self.kind]

    @property
    def version_text(self):
        if self.revision is not None:
            return f"revision {self.revision}, {day(self.date)}"
        return f"last changed {day(self.date)}"

    @property
    def key(self):
        return f"kerman-{self.kind}-{self.slug}" + (f"-r{self.revision}" if self.revision is not None else "")

    def plain(self, accessed_text=None):
        """'Kerman incident archive (2026). “Title”. Incident record, revision 7, 2 December 2026. URL (accessed
        3 December 2026).' `accessed_text` stands in for the access date (the page's placeholder)."""
        accessed = accessed_text or (day(self.accessed) if self.accessed else "")
        text = f"{PUBLISHER} ({self.date.year}). “{self.title}”. {self.noun}, {self.version_text}. {self.url}"
        return f"{text} (accessed {accessed})." if accessed else f"{text}."

    @property
    def lead(self):
        """The plain citation up to its access date, for the page."""
        return f"{PUBLISHER} ({self.date.year}). “{self.title}”. {self.noun}, {self.version_text}. {self.url}"

    def bibtex(self):
        fields = [
            ("author", f"{{{bibtex_escape(PUBLISHER)}}}"),
            ("title", f"{{{bibtex_escape(self.title)}}}"),
            ("howpublished", f"{bibtex_escape(PUBLISHER)}, {bibtex_escape(self.noun.lower())}"),
            ("year", str(self.date.year)),
            ("date", self.date.isoformat()),
            ("url", self.url),
        ]
        if self.revision is not None:
            fields.append(("version", str(self.revision)))
        if self.accessed:
            fields.append(("urldate", self.accessed.isoformat()))
        fields.append(("note", bibtex_escape(f"{self.noun}, {self.version_text}")))
        body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
        return f"@misc{{{self.key},\n{body}}}\n"

    def ris(self):
        lines = [
            ("TY", "ELEC"),
            ("AU", PUBLISHER),
            ("TI", self.title),
            ("T2", PUBLISHER),
            ("PB", PUBLISHER),
            ("PY", str(self.date.year)),
            ("DA", self.date.strftime("%Y/%m/%d")),
            ("UR", self.url),
        ]
        if self.revision is not None:
            lines.append(("ET", f"Revision {self.revision}"))
        if self.accessed:
            lines.append(("Y2", self.accessed.strftime("%Y/%m/%d")))
        lines += [("N1", f"{self.noun}, {self.version_text}"), ("ER", "")]
        # RIS: two-letter tag, two spaces, a hyphen, a space; CRLF line ends, as the format's readers expect.
        return "".join(f"{tag}  - {value}".rstrip() + "\r\n" for tag, value in lines)

    def csl(self):
        item = {
            "id": self.key,
            "type": "webpage",
            "title": self.title,
            "author": [{"literal": PUBLISHER}],
            "container-title": PUBLISHER,
            "publisher": PUBLISHER,
            "genre": self.noun,
            "URL": self.url,
            "issued": {"date-parts": [[self.date.year, self.date.month, self.date.day]]},
            "note": f"{self.noun}, {self.version_text}",
        }
        if self.revision is not None:
            item["version"] = str(self.revision)
        if self.accessed:
            item["accessed"] = {"date-parts": [[self.accessed.year, self.accessed.month, self.accessed.day]]}
        return json.dumps([item], ensure_ascii=False, indent=2) + "\n"

    def render(self, format):
        return {"bib": self.bibtex, "ris": self.ris, "json": self.csl, "txt": lambda: self.plain() + "\n"}[format]()

    def download_links(self):
        return [
            (label, reverse(f"events:{self.kind}-cite", kwargs={"slug": self.slug, "format": format}))
            for format, (_type, label) in FORMATS.items()
        ]


BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text):
    return "".join(BIBTEX_SPECIAL.get(character, character) for character in text)


def citation(record, kind, *, request=None, revision=None, revision_path=None, accessed=None):
    """The citation of a public `record` of type `kind`; `revision` is its current public revision (None for a
    type without permalinks), `revision_path` that revision's permanent address."""
    page = absolute_url(request, record.get_absolute_url())
    if revision is not None and revision_path:
        url, number, date = absolute_url(request, revision_path), revision.number, revision.created_at.date()
    else:
        url, number, date = page, None, record.updated_at.date()
    return Citation(
        kind=kind,
        slug=record.slug,
        title=public_names.public_title(record),
        url=url,
        page=page,
        revision=number,
        date=date,
        accessed=accessed,
    )
