"""Bulk import and export for the admin (django-import-export): incidents, people, organizations, reactions.

Rows refer to other records by slug, as the fixtures do, so a spreadsheet reads `kerman` rather than an id.
Imports are all-or-nothing: one transaction, rolled back when any row is invalid; the admin shows the
dry run (new, changed, skipped rows and each row's errors) first and offers to confirm only a clean one.
The confirmation carries the version of every record the dry run read, and a record changed since is
refused with the rest of the file. Files are held to MAX_ROWS rows before anything is parsed in full
(see check_import_file()), so both requests finish well inside the server's 30 s timeout.
"""

import csv
import io
import json
import math
import os
import zipfile

import openpyxl
from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CharField, TextField
from import_export import fields, resources, widgets
from import_export.forms import ConfirmImportForm, ImportForm

from .models import Incident, Organization, Person, Place, Reaction, Source, Stance, Status
from .validation import nul_errors

SEPARATOR = "|"


class SlugWidget(widgets.ForeignKeyWidget):
    """A record named by slug; a slug that names nothing is a row error in plain words, not a crash."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.model._meta.verbose_name} has the slug “{value}”.") from None


class SlugsWidget(widgets.ManyToManyWidget):
    """Records named by slugs separated by '|'; any slug that names nothing is a row error."""

    def clean(self, value, row=None, **kwargs):
        found = super().clean(value, row, **kwargs)
        wanted = {slug.strip() for slug in str(value or "").split(self.separator) if slug.strip()}
        missing = sorted(wanted - {getattr(obj, self.field) for obj in found})
        if missing:
            raise ValueError(f"No {self.model._meta.verbose_name} has the slug “{'”, “'.join(missing)}”.")
        return found


def by_slug(model, name, many=False):
    widget = SlugsWidget(model, separator=SEPARATOR, field="slug") if many else SlugWidget(model, field="slug")
    return fields.Field(attribute=name, column_name=name, widget=widget)


class ArchiveResource(resources.ModelResource):
    """Matched by slug; unchanged rows are skipped (and reported); every row is validated like the admin form.

    `import_data(..., seen_versions=...)` (the confirmation of a dry run) refuses every row whose record is no
    longer at the version the dry run read; `result.seen_versions` holds what this run read, row by row.
    """

    sources = by_slug(Source, "sources", many=True)

    class Meta:
        import_id_fields = ("slug",)
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        self.seen_versions, self.changed_since_dry_run = {}, []

    def after_init_instance(self, instance, new, row, seen_versions=None, **kwargs):
        number, slug, version = str(kwargs["row_number"]), str(row.get("slug") or ""), None if new else instance.version
        self.seen_versions[number] = [slug, version]
        if seen_versions is None or seen_versions.get(number) == [slug, version]:
            return
        seen_slug, seen = seen_versions.get(number) or [None, None]
        if seen_slug != slug:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        f"Row {number} (“{slug}”) is not the row the dry run checked: import the file again."
                    ]
                }
            )
        # The save itself would not notice: this run read the record anew, at its current version.
        verbose = self._meta.model._meta.verbose_name
        if new:
            what = f"{verbose} “{slug}” was deleted after the dry run"
        elif seen is None:
            what = f"{verbose} “{instance}” ({slug}) was added by someone else after the dry run"
        else:
            what = f"{verbose} “{instance}” ({slug}) was changed by someone else after the dry run"
        self.changed_since_dry_run.append(what)
        raise ValidationError(
            {NON_FIELD_ERRORS: [f"{what[0].upper()}{what[1:]}; importing this row would overwrite it."]}
        )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.seen_versions = self.seen_versions
        result.changed_since_dry_run = self.changed_since_dry_run

    def before_import_row(self, row, **kwargs):
        # Spreadsheets hand an empty cell over as None; the archive writes "" for "the source does not say".
        for field in self._meta.model._meta.get_fields():
            blank_text = isinstance(field, CharField | TextField) and not field.null
            if blank_text and field.name in row and row[field.name] is None:
                row[field.name] = ""

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        errors.update(nul_errors(instance))
        # Linked records are saved after the row; check their slugs now, so a typo is a row error.
        linked = {}
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    linked[field.attribute] = list(field.clean(row))
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        if instance.status == Status.PUBLISHED and "sources" not in errors:
            # The admin form's rule; an import has no inlines, so a saved record's figures and attributions
            # are checked as they are in the database (a new record has none yet).
            problems = instance.publication_problems(sources=linked.get("sources"), dependents=instance.pk is not None)
            if problems:
                errors["sources"] = problems
        if errors:
            raise ValidationError(errors)


class IncidentResource(ArchiveResource):
    place = by_slug(Place, "place")

    class Meta(ArchiveResource.Meta):
        model = Incident
        fields = (
            "slug",
            "title",
            "kind",
            "date",
            "date_precision",
            "end_date",
            "start_time",
            "end_time",
            "time_zone",
            "time_zone_abbreviation",
            "place",
            "target",
            "method",
            "summary",
            "description",
            "sources",
            "status",
        )
        export_order = fields


class PersonResource(ArchiveResource):
    nationalities = by_slug(Place, "nationalities", many=True)

    class Meta(ArchiveResource.Meta):
        model = Person
        fields = (
            "slug",
            "name",
            "name_is_alias",
            "aliases",
            "native_name",
            "native_name_lang",
            "nationalities",
            "born_on",
            "born_precision",
            "died_on",
            "died_precision",
            "description",
            "sources",
            "status",
        )
        export_order = fields


class OrganizationResource(ArchiveResource):
    country = by_slug(Place, "country")
    parent = by_slug(Organization, "parent")

    class Meta(ArchiveResource.Meta):
        model = Organization
        fields = (
            "slug",
            "name",
            "short_name",
            "aliases",
            "native_name",
            "native_name_lang",
            "kind",
            "country",
            "parent",
            "description",
            "sources",
            "status",
        )
        export_order = fields


class ReactionResource(ArchiveResource):
    incident = by_slug(Incident, "incident")
    person = by_slug(Person, "person")
    organization = by_slug(Organization, "organization")
    country = by_slug(Place, "country")
    stances = by_slug(Stance, "stances", many=True)

    class Meta(ArchiveResource.Meta):
        model = Reaction
        fields = (
            "slug",
            "incident",
            "category",
            "person",
            "organization",
            "country",
            "actor_label",
            "stances",
            "date",
            "channel",
            "summary",
            "quote",
            "sources",
            "status",
        )
        export_order = fields


# What the admin accepts, and the forms of its two steps ----------------------------------------------------

# Each row of a dry run or a confirmation costs 20-45 ms of CPU (validation, constraints, history, revisions,
# the search index; benchmarks/import_bench.py), and each step is one request that gunicorn kills at 30 s. On a
# busy server (5 workers on 2 cores) a request gets a third of a core: 200 rows of updates took 27 s to confirm
# (9 s of CPU); 100 rows take ~4.5 s of CPU, so under 15 s even then.
MAX_ROWS = 100
# Ample for MAX_ROWS rows with long descriptions; larger files are refused before they are read.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# csv refuses a cell over 131,072 characters by default, and tablib's CSV reader, which both steps of an import
# use, takes no limit of its own: the module's process-wide one is the only one there is. A cell is no longer
# than its file, which MAX_UPLOAD_BYTES bounds. Raised at import, not around a read, as the confirmation may
# reach a worker that never ran the dry run, and a limit lowered back in one thread would cut another's read.
csv.field_size_limit(max(csv.field_size_limit(), MAX_UPLOAD_BYTES))
# An XLSX is a zip: what its parts expand to, not the upload, is what a worker parses and holds. openpyxl reads
# a workbook's every shared string before its first row, ~0.75 s of CPU a MB of one-letter strings (20 MB: 71 s
# and a 203 MB worker), so both the parts' size and the number of strings are held to what MAX_ROWS rows need.
MAX_EXPANDED_BYTES = 4 * 1024 * 1024
MAX_SHARED_STRINGS = 10_000


def split_advice(what="it"):
    return f"Split {what} into files of up to {MAX_ROWS} rows and import them one after another."


def megabytes(size):
    # Rounded up, so that a file just over a limit never reads as the limit itself.
    return f"{math.ceil(size / (1024 * 1024) * 10) / 10:,g} MB"


def check_import_file(upload, file_format):
    """Refuse, in plain words, a file too big to import inside one request; read no more of it than needed."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {megabytes(upload.size)}; an import takes files of up to {megabytes(MAX_UPLOAD_BYTES)} "
            f"and {MAX_ROWS} rows. {split_advice()}",
            code="too_big",
        )
    upload.seek(0)
    try:
        rows = {"csv": count_csv_rows, "xlsx": count_xlsx_rows, "json": count_json_rows}[file_format](upload)
    finally:
        upload.seek(0)
    if rows > MAX_ROWS:
        raise ValidationError(
            f"This file has more than {MAX_ROWS} rows; an import takes up to {MAX_ROWS} at a time, so that it "
            f"finishes before the server gives up on the request. {split_advice()}",
            code="too_many_rows",
        )


def count_csv_rows(upload):
    """Data rows (not the header), counted up to MAX_ROWS + 1; the import's own reader reports bad encodings."""
    return count_rows(csv.reader(io.StringIO(upload.read().decode("utf-8-sig", errors="replace"), newline="")))


def count_rows(rows):
    """Rows with something in them after the header, counted up to MAX_ROWS + 1 and no further."""
    counted = -1
    for row in rows:
        if any(cell not in (None, "") for cell in row):
            counted += 1
            if counted > MAX_ROWS:
                break
    return max(counted, 0)


def count_xlsx_rows(upload):
    """Data rows of the sheet an import reads, once the zip's parts are known to expand to a bounded size.

    The sizes are the zip's central directory's: Python's zipfile never inflates a part past the size declared
    there (it stops and reports a bad CRC), so a part that lies about its size cannot grow past it either.
    """
    try:
        with zipfile.ZipFile(upload) as archive:
            expanded = sum(item.file_size for item in archive.infolist())
            if expanded > MAX_EXPANDED_BYTES:
                raise ValidationError(
                    f"This spreadsheet expands to {megabytes(expanded)} when opened; an import takes spreadsheets "
                    f"that expand to up to {megabytes(MAX_EXPANDED_BYTES)}. {split_advice()}",
                    code="expands_too_far",
                )
            parts = [item for item in archive.infolist() if item.filename.lower().endswith("sharedstrings.xml")]
            strings = sum(archive.read(part).count(b"<si") for part in parts)
    except zipfile.BadZipFile:
        raise ValidationError("This is not an XLSX file: choose the file's real format.", code="not_xlsx") from None
    if strings > MAX_SHARED_STRINGS:
        raise ValidationError(
            f"This spreadsheet holds {strings:,} different texts; an import takes spreadsheets with up to "
            f"{MAX_SHARED_STRINGS:,}, plenty for {MAX_ROWS} rows. Copy the rows to import into a new "
            "spreadsheet and import that.",
            code="too_many_strings",
        )
    upload.seek(0)
    try:
        book = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file; tablib's reader says which, in the form
        return 0
    try:
        return count_rows(book.active.iter_rows(values_only=True))
    finally:
        book.close()


NOT_RECORDS = "The JSON file must be a list of records, each an object of column: value."


def count_json_rows(upload):
    """Records, once the first MAX_ROWS + 1 (all a file within the limit has) are objects of cells in the same columns.

    tablib takes the first record's keys as the columns and every record's values in their order, so a record
    with other keys, or the same ones in another order, would put its values under the wrong columns.
    """
    try:
        data = json.load(upload)
    except ValueError:
        return 0  # the import's own reader says what is wrong with it
    except RecursionError:  # lists in lists thousands deep; no record is
        raise ValidationError(NOT_RECORDS, code="not_records") from None
    if not isinstance(data, list):
        raise ValidationError(NOT_RECORDS, code="not_records")
    columns = None
    for number, record in enumerate(data[: MAX_ROWS + 1], start=1):
        if not isinstance(record, dict) or not record:
            raise ValidationError(NOT_RECORDS, code="not_records")
        columns = columns or list(record)
        if list(record) != columns:
            raise ValidationError(
                f"Record {number} of the JSON file has other columns than the first record, or the same ones in "
                "another order: give every record the same columns in the same order.",
                code="uneven_records",
            )
        for column, value in record.items():
            if isinstance(value, list | dict):
                raise ValidationError(
                    f"Record {number}'s “{column}” is a list or an object: each value must be a text, a number, "
                    "true, false or null.",
                    code="not_a_cell",
                )
    return len(data)


class LimitedImportForm(ImportForm):
    """The import's first step: a file over the limits is refused here, before it is stored or parsed."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.format_titles = [file_format().get_title() for file_format in formats]
        self.fields[
            "import_file"
        ].help_text = f"Up to {MAX_ROWS} rows and {megabytes(MAX_UPLOAD_BYTES)}. {split_advice('a larger file')}"

    def clean(self):
        cleaned = super().clean()
        upload, chosen = cleaned.get("import_file"), cleaned.get("format")
        if upload is not None and chosen not in (None, ""):
            try:
                check_import_file(upload, self.format_titles[int(chosen)])
            except ValidationError as error:
                self.add_error("import_file", error)
        return cleaned


SEEN_SALT = "events.resources.seen_versions"


def sign_seen_versions(file_name, seen_versions):
    # The confirmation form keeps only the stored file's base name; so does the signature.
    return signing.dumps(
        {"file": os.path.basename(file_name), "versions": seen_versions}, salt=SEEN_SALT, compress=True
    )


class CheckedConfirmImportForm(ConfirmImportForm):
    """The confirmation: with the versions its dry run read, signed, so that it can refuse what changed since."""

    seen = forms.CharField(widget=forms.HiddenInput())

    def clean(self):
        cleaned = super().clean()
        try:
            seen = signing.loads(cleaned.get("seen", ""), salt=SEEN_SALT)
        except signing.BadSignature:
            seen = {}
        if seen.get("file") != cleaned.get("import_file_name"):
            raise ValidationError(
                "This confirmation does not belong to a dry run of this file. Import the file again.", code="unsigned"
            )
        cleaned["seen_versions"] = seen["versions"]
        return cleaned
