"""Write the database back out as the archive's fixtures: a backup that is also the seed format."""

import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand

from events import models, registry

# The files of records without public pages, and rows filed with a public type's records; each public type
# names its own file in events/registry.py.
OTHER_FIXTURE_FILES = (
    ("01_sources.json", (models.Source,)),
    ("02_stances.json", (models.Stance,)),
    ("07_casualty_figures.json", (models.CasualtyFigure,)),
    ("08_attributions.json", (models.Attribution,)),
    ("10_timeline.json", (models.TimelineEntry,)),
    ("11_incident_links.json", (models.IncidentLink,)),
    ("12_claims.json", (models.IncidentClaim, models.PersonClaim, models.OrganizationClaim)),
)


def fixture_files():
    """(file name, models) in load order: the same files as fixtures/, so an export can replace them."""
    files = {name: list(file_models) for name, file_models in OTHER_FIXTURE_FILES}
    for record_type in registry.RECORD_TYPES:
        files[record_type.fixture_file] = [
            record_type.model,
            *record_type.fixture_also,
            *files.get(record_type.fixture_file, []),
        ]
    return tuple((name, tuple(files[name])) for name in sorted(files))


FIXTURE_FILES = fixture_files()

# Kept by the database itself, not part of the content: the lock counter. Derived and audit columns
# (headline figures, created_at, updated_at) are not editable, so they are left out with every other one.
NOT_EXPORTED = {"version"}


def exported_fields(model):
    """What an editor can change: editable fields and many-to-many links, by name, in the model's order."""
    opts = model._meta
    return [
        f.name
        for f in [*opts.local_fields, *opts.local_many_to_many]
        if f.editable and not f.primary_key and f.name not in NOT_EXPORTED
    ]


def serialize(model):
    """Every row of `model`, oldest first, with rows named by slug or key instead of primary keys."""
    text = serializers.serialize(
        "json",
        model._default_manager.order_by("pk"),
        fields=exported_fields(model),
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    return json.loads(text)


class Command(BaseCommand):
    help = (
        "Write every archive record to numbered JSON fixtures (natural keys, no primary keys, no derived or "
        "audit columns, no history), which load_archive loads into an empty database to the same content."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.FIXTURE_DIRS[0]),
            help="Directory to write the fixture files to (default: the project's fixtures/).",
        )

    def handle(self, *args, output, **options):
        output.mkdir(parents=True, exist_ok=True)
        total = 0
        for name, file_models in FIXTURE_FILES:
            records = [record for model in file_models for record in serialize(model)]
            text = json.dumps(records, indent=2, ensure_ascii=False) + "\n"
            (output / name).write_text(text, encoding="utf-8")
            total += len(records)
            self.stdout.write(f"{name}: {len(records)} records")
        self.stdout.write(self.style.SUCCESS(f"Exported {total} records to {output}."))
