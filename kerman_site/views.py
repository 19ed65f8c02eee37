"""Site-wide views that are not about the archive's records: the health check and the error answers."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# The errors a database that is down, restarting or unreachable raises; a bad query raises others.
DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)

# How long a client or load balancer should wait before asking again while the database is away.
RETRY_AFTER_SECONDS = 30


def database_unavailable(request=None):
    """The 503 page. It renders without a request, so no context processor can touch the database."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a 503 if the database is what failed (outside a view, too), else the plain 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_DOWN_ERRORS):
        return database_unavailable(request)
    return HttpResponseServerError(loader.render_to_string("500.html"))


@never_cache
@require_safe
def healthz(request):
    """For load balancers: 200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
