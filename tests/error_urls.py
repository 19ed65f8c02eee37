"""The site's URLs plus views that fail on purpose, for tests/test_errors.py."""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import path

from kerman_site.urls import handler500  # noqa: F401 (handler500 is looked up here)
from kerman_site.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("A bug in a view")


def forbidden(request):
    raise PermissionDenied


def query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raise AssertionError("the database should have failed")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/query/", query),
    *site_urlpatterns,
]
