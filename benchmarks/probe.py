"""Django-side helpers for bench.py, run in a subprocess against one benchmark database.

python -m benchmarks.probe analyze            # refresh the query planner's statistics
python -m benchmarks.probe built              # print how many generated incidents the database holds
python -m benchmarks.probe bump               # bump the content version, as a bulk write does (caches go cold)
python -m benchmarks.probe edit SLUG N        # an editor's save of incident SLUG (N even: summary, odd: figure)
python -m benchmarks.probe quiet              # start as `edit` does and read the database, saving nothing
python -m benchmarks.probe session            # print a session cookie for a benchmark superuser
python -m benchmarks.probe queries PATH ...   # print {path: [status, queries]} as JSON
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")


def main(argv):
    import django

    django.setup()
    from django.db import connection

    command, args = argv[0], argv[1:]
    if command == "analyze":
        # SQLite picks poor plans for new indexes until it has statistics (seen: 3x slower queries).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    if command == "built":
        from django.db.utils import DatabaseError

        from events.models import Incident

        try:
            print(Incident.objects.filter(slug__startswith="synthetic-incident-").count())
        except DatabaseError:  # not migrated yet
            print(0)
        return
    if command == "bump":
        # As an edit would: every cached page and count is out of date.
        from events.caching import bump_content_version

        bump_content_version()
        return
    if command == "edit":
        from benchmarks.newsroom import save_one

        save_one(args[0], int(args[1]))
        return
    if command == "quiet":
        # The control for `edit`: the same process start, Django set up, a connection and a read, no write.
        from events.models import Incident

        Incident.objects.order_by("pk").values_list("pk", flat=True).first()
        return
    if command == "session":
        print(admin_session())
        return
    if command == "queries":
        print(json.dumps(count_queries(args)))
        return
    raise SystemExit(f"unknown command {command!r}")


def admin_session():
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def count_queries(paths):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    cookie = admin_session()
    result = {}
    for path in paths:
        if "/admin/" in path:
            client.cookies.load(cookie)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
            if getattr(response, "streaming", False):
                for _ in response.streaming_content:
                    pass
        result[path] = [response.status_code, len(queries)]
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
