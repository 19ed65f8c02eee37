import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from events import caching, releases


def iso_date(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"“{text}” is not a date: give it as YYYY-MM-DD, e.g. 2024-01-31.") from None


class Command(BaseCommand):
    help = (
        "Write dataset release VERSION (e.g. 1.0.0) of the published archive into DATA_RELEASES_DIR/VERSION/: a "
        "Frictionless Data Package (datapackage.json, the codebook) with one CSV per table, a JSON dump, "
        "CITATION.cff, the changes since the previous release and SHA-256 checksums. The same data gives the "
        "same bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.0.0.")
        parser.add_argument("--force", action="store_true", help="Write over an existing release of this version.")
        parser.add_argument(
            "--date",
            type=iso_date,
            help="The release date (YYYY-MM-DD); by default the day of the data's last change.",
        )

    def handle(self, *args, version, force=False, date=None, **options):
        try:
            folder = releases.write_release(version, force=force, date=date)
        except releases.ReleaseError as error:
            raise CommandError(str(error)) from None
        # The /data/ page lists the releases: a cached copy of it must not miss the new one.
        caching.bump_content_version()
        self.stdout.write(f"Release {version} written to {folder}.")
