"""Count every public list's facets and totals from scratch into FacetCount (events/aggregates.py)."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from events import aggregates


class Command(BaseCommand):
    help = (
        "Rebuild the stored facet and list counts from the records. Safe to run at any time and any number of "
        "times: the counts are kept in step by every save, so this is needed only after writes past the signals."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to count (default: default).")

    def handle(self, *args, database, **options):
        stored = aggregates.rebuild(using=database)
        summary = ", ".join(f"{label} {rows:,}" for label, rows in stored.items())
        self.stdout.write(self.style.SUCCESS(f"Counted the lists again; rows stored: {summary}."))
