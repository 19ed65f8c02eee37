"""The CPU of a list's or the home page's first view after an edit, against the cost of the same view with its
counts cached, in-process (issue 14, "counts that survive edits").

    DATABASE_URL=sqlite:////path/archive.sqlite3 python -m benchmarks.counts_probe [--rounds 5] [--bump] [PATH ...]

Each round saves a published incident (its title, as an editor's correction), or with --bump moves the
content version (every cached page and count is out of date, as after an edit that moves every tag), and then
renders each page once ("after an edit"), then again ("cached counts"). Requests carry a session cookie so
that they reach the view instead of the page cache. Prints the median CPU in ms and the queries of each.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

PAGES = ("/", "/incidents/", "/reactions/", "/people/", "/organizations/", "/places/")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bump", action="store_true", help="Move the content version instead of saving.")
    parser.add_argument("paths", nargs="*", default=PAGES)
    args = parser.parse_args()
    pages = tuple(args.paths)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from events.caching import bump_content_version
    from events.models import Incident

    # Static file names as written, not from collectstatic's manifest: no build step for a probe.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()

    client = Client(HTTP_HOST="localhost")
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"  # past the page cache, to the view
    incident = Incident.objects.published().order_by("pk").first()

    def view(path):
        with CaptureQueriesContext(connection) as queries:
            started = time.process_time()
            response = client.get(path)
            spent = (time.process_time() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return spent, len(queries)

    for path in pages:  # warm imports, templates and connections
        view(path)
    after_edit = {path: [] for path in pages}
    cached = {path: [] for path in pages}
    queries = {}
    for round_ in range(args.rounds):
        for path in pages:
            if args.bump:
                bump_content_version()
            else:
                incident.refresh_from_db()
                incident.title = f"{incident.title.split(' [')[0]} [{round_}]"
                incident.save()
            spent, first_queries = view(path)
            after_edit[path].append(spent)
            spent, cached_queries = view(path)
            cached[path].append(spent)
            queries[path] = (first_queries, cached_queries)
    print(f"{'page':<36}{'after an edit (ms CPU)':>24}{'cached counts (ms CPU)':>24}{'ratio':>8}{'queries':>10}")
    for path in pages:
        first, warm = statistics.median(after_edit[path]), statistics.median(cached[path])
        print(f"{path:<36}{first:>24.1f}{warm:>24.1f}{first / warm:>8.2f}{'{} / {}'.format(*queries[path]):>10}")


if __name__ == "__main__":
    main()
