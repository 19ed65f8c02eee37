"""Site-wide views that are not about the archive's records: the health check and the error answers."""

import sys

from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import database

# How long a client or load balancer should wait before asking again while the database is away.
RETRY_AFTER_SECONDS = 30


def database_unavailable(request=None, busy=False):
    """The 503 page. It renders without a request, so no context processor can touch the database."""
    response = HttpResponse(loader.render_to_string("503.html", {"busy": busy}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def database_fault_response(request, exception):
    """The 503 for an exception that says the database cannot answer, logged as what it is; None for any other."""
    if not database.is_down(exception):
        return None
    database.log_fault(request, exception)
    database.drop_idle_connections()
    return database_unavailable(request, busy=database.is_busy(exception))


def server_error(request):
    """handler500: a 503 if the database is what failed (outside a view, too), else the plain 500 page."""
    return database_fault_response(request, sys.exc_info()[1]) or HttpResponseServerError(
        loader.render_to_string("500.html")
    )


@never_cache
@require_safe
def healthz(request):
    """For load balancers: 200 when the database answers and holds the archive this code expects (every table,
    every migration applied), 503 when it does not.

    An archive without records is healthy: a new deployment before its first load, which editors fill through
    the admin, is a working site. A file SQLite re-created empty, one that is not a database, or a deploy whose
    `migrate` has not run yet is not.
    """
    try:
        problem = database.schema_problem(connection)
    except DatabaseError:
        database.drop_idle_connections()
        problem = "unavailable"
    if problem:
        return JsonResponse({"status": "unavailable", "database": problem}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
