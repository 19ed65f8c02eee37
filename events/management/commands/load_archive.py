from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from events.models import Incident, Source

BASE_SOURCE_SLUG = "kerman-bombings-article"


def fixture_files():
    """Every JSON fixture in fixtures/, in file-name order (the numeric prefixes fix the order)."""
    return sorted(str(path) for directory in settings.FIXTURE_DIRS for path in Path(directory).glob("*.json"))


class Command(BaseCommand):
    help = (
        "Load the archive's fixtures into a database that does not hold them yet. "
        "With --force, load them anyway: rows are matched by slug and updated, never duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if the archive is already seeded.")

    def handle(self, *args, force=False, **options):
        already_seeded = Source.objects.filter(slug=BASE_SOURCE_SLUG).exists() or Incident.objects.exists()
        if already_seeded and not force:
            self.stdout.write("The archive already holds its seed data; nothing loaded (use --force to reload).")
            return
        files = fixture_files()
        # One loaddata call is one transaction: a broken file leaves the database as it was.
        with transaction.atomic():
            call_command("loaddata", *files, verbosity=0)
            for incident in Incident.objects.all():
                incident.refresh_headline_figures()
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(files)} fixture files."))
