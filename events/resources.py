"""Bulk import and export for the admin (django-import-export): incidents, people, organizations, reactions.

Rows refer to other records by slug, as the fixtures do, so a spreadsheet reads `kerman` rather than an id.
Imports are all-or-nothing: one transaction, rolled back when any row is invalid; the admin shows the
dry run (new, changed, skipped rows and each row's errors) first and offers to confirm only a clean one.
"""

from django.core.exceptions import ValidationError
from django.db.models import CharField, TextField
from import_export import fields, resources, widgets

from .models import Incident, Organization, Person, Place, Reaction, Source, Stance, Status

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
    """Matched by slug; unchanged rows are skipped (and reported); every row is validated like the admin form."""

    sources = by_slug(Source, "sources", many=True)

    class Meta:
        import_id_fields = ("slug",)
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

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
        # Linked records are saved after the row; check their slugs now, so a typo is a row error.
        linked = {}
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    linked[field.attribute] = list(field.clean(row))
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        if instance.status == Status.PUBLISHED and "sources" not in errors:
            problems = instance.publication_problems(sources=linked.get("sources"), dependents=False)
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
