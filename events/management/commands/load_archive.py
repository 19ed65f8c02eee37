from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events import fixture_checks
from events.history import FIXTURE_REASON, record_changed_versions, system_user
from events.models import Incident, Source
from events.revisions import record_all_changed

BASE_SOURCE_SLUG = "kerman-bombings-article"


def fixture_files(directories=None):
    """Every JSON fixture in fixtures/ (or `directories`), in file-name order (the numeric prefixes fix it)."""
    directories = directories or settings.FIXTURE_DIRS
    return sorted(str(path) for directory in directories for path in Path(directory).glob("*.json"))


class Command(BaseCommand):
    help = (
        "Load the archive's fixtures into a database that does not hold them yet. "
        "With --force, load them anyway: rows are matched by slug and updated, never duplicated. "
        "Every row the load creates or changes gets a version in its history, by the system user."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if the archive is already seeded.")
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            help="Load the fixtures in this directory (e.g. an export_fixtures backup) instead.",
        )

    def handle(self, *args, force=False, directory=None, **options):
        already_seeded = Source.objects.filter(slug=BASE_SOURCE_SLUG).exists() or Incident.objects.exists()
        if already_seeded and not force:
            self.stdout.write("The archive already holds its seed data; nothing loaded (use --force to reload).")
            return
        files = fixture_files([directory] if directory else None)
        if not files:
            raise CommandError(f"No JSON fixtures in {directory or settings.FIXTURE_DIRS[0]}.")
        # One transaction: a broken file leaves the database as it was.
        with transaction.atomic():
            # Record by record, each checked first: a broken one is named (file, record, field) and the load
            # stops with nothing loaded. History is off and the upkeep kept once at the end while the rows are
            # saved (fixture_checks); their versions and revisions are written here in one go.
            fixture_checks.load(files)
            system = system_user()
            versions = record_changed_versions(system, FIXTURE_REASON)
            recorded = record_all_changed(system, FIXTURE_REASON)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(files)} fixture files; {versions} new versions and {recorded} revisions recorded."
            )
        )
