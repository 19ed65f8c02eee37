"""What a record's admin change page costs to draw: CPU, queries and size, in process.

    DATABASE_URL=sqlite:///path/to/seeded.sqlite3 python -m benchmarks.admin_change_page [--slug ...] [--runs 5]

Reads the database of DATABASE_URL (seeded with `manage.py load_archive`) under the dev settings, as a
superuser made for the run: one GET of the incident's change page to warm up, then `--runs` GETs, each
timed in CPU seconds of this process. Prints the median and every run, the queries of the last run, the
page's size and how many form widgets it holds. Everything it writes (the user, the session) is rolled back.
The machine's other work shows in the CPU times: compare versions in alternating runs on one machine.
"""

import argparse
import os
import statistics
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", default="2024-kerman-bombings", help="the incident whose page is drawn")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kerman_site.settings.dev")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from events.models import Incident

    with transaction.atomic():
        user = get_user_model().objects.create_superuser("benchmark-admin", "benchmark@example.org", None)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        url = reverse("admin:events_incident_change", args=[Incident.objects.get(slug=args.slug).pk])
        if client.get(url).status_code != 200:
            sys.exit(f"{url} did not answer 200")
        times = []
        for _ in range(args.runs):
            started = time.process_time()
            with CaptureQueriesContext(connection) as queries:
                page = client.get(url).content
            times.append(time.process_time() - started)
        transaction.set_rollback(True)
    widgets = sum(page.count(tag) for tag in (b"<input", b"<select", b"<textarea"))
    print(
        f"{args.slug}: CPU median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}), "
        f"{len(queries)} queries, {len(page):,} bytes, {widgets:,} form widgets"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
