"""Caches that an edit invalidates at once: whole public pages, list counts and facet counts.

Everything cached is keyed on the archive's content version (`ArchiveState`, one row in the database),
which every save, delete or many-to-many change of an archive record bumps in the same transaction (the
receivers are in events/signals.py; writes that send no signals call events.signals.after_bulk_write()). A
cached entry is never deleted; it simply stops being asked for once the version moves on. So the entries
themselves may live in a per-process cache (LocMemCache, the `pages` alias): only the version must be
shared by every worker, and it is, being in the database.

The page cache serves anonymous GET and HEAD requests only: any request carrying a session cookie (staff,
draft previews) goes straight to the view, and a response is stored only when it is a plain 200 that sets
no cookie and does not forbid storing. Every cacheable response carries an ETag and Last-Modified derived
from the content version, so a browser's repeat view is answered 304 without rendering anything.
"""

import datetime
import hashlib
import threading

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import F
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe

from .models import ArchiveState

CACHE_ALIAS = "pages"
# A page stays cached at most this long even if nothing changes (it is dropped on any edit anyway).
PAGE_TIMEOUT = 60 * 60
_scope = threading.local()


def cache():
    return caches[CACHE_ALIAS]


# The content version ---------------------------------------------------------------------------------


def content_version():
    """(version, changed_at) of the archive's content: read once per request inside the page cache's scope."""
    remembered = getattr(_scope, "version", None)
    if remembered is not None:
        return remembered
    value = _read_version()
    if getattr(_scope, "depth", 0):
        _scope.version = value
    return value


def _read_version():
    # A raw cursor, not the ORM: this runs on every request, a cache hit included, and building a queryset
    # costs more than the query itself.
    with connections[router.db_for_read(ArchiveState)].cursor() as cursor:
        cursor.execute(f"SELECT version, changed_at FROM {ArchiveState._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return (0, None)
    version, changed_at = row
    if isinstance(changed_at, str):  # SQLite hands back text
        changed_at = parse_datetime(changed_at)
    if changed_at is not None and timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, datetime.UTC)
    return (version, changed_at)


def bump_content_version():
    """Mark every cached page and count as out of date (called on any change to an archive record)."""
    now = timezone.now()
    if not ArchiveState.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now):
        ArchiveState.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
    _scope.version = None


def is_archive_model(model):
    """Models whose rows the public site shows: the events app's own, not their history tables."""
    meta = model._meta
    return (
        meta.app_label == "events"
        and meta.model_name != "archivestate"
        and not hasattr(model, "instance_type")  # django-simple-history's Historical<Model>
    )


# Counts --------------------------------------------------------------------------------------------


def cached(kind, parts, compute):
    """`compute()`, remembered under (content version, kind, parts) while settings.COUNT_CACHE is on."""
    if not settings.COUNT_CACHE:
        return compute()
    version, _changed = content_version()
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    key = f"{kind}:{version}:{digest}"
    value = cache().get(key)
    if value is None:
        value = compute()
        cache().set(key, value, PAGE_TIMEOUT)
    return value


def cached_count(queryset, key=None):
    """queryset.count(), remembered until the next edit under `key`, or under the query's SQL and parameters
    (compiling it costs a little: callers that know what the query depends on give a key instead)."""
    if key is None:
        if not settings.COUNT_CACHE:
            return queryset.count()
        try:
            key = (queryset.model._meta.label, *queryset.query.sql_with_params())
        except EmptyResultSet:  # .none(): nothing to count
            return 0
    return cached("count", key, queryset.count)


# Whole pages -------------------------------------------------------------------------------------------


def cacheable_request(request):
    if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    path = request.path_info
    return not any(path.startswith(prefix) for prefix in settings.PAGE_CACHE_SKIP)


def storable(response):
    if response.status_code != 200 or getattr(response, "streaming", False) or response.cookies:
        return False
    control = response.get("Cache-Control", "")
    return "no-store" not in control and "private" not in control


class PageCacheMiddleware:
    """Serves anonymous page views from the cache and answers conditional GETs with 304.

    Placed right after the security and static-file middleware, so a hit skips sessions, CSRF and the
    view, and replays the headers the inner middleware added (the Content-Security-Policy with its nonce
    included, which matches the nonce in the stored page).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The content version is read once per request, whether or not the page itself may be cached.
        _scope.depth = getattr(_scope, "depth", 0) + 1
        _scope.version = None
        try:
            if not settings.PAGE_CACHE or not cacheable_request(request):
                return self.get_response(request)
            return self.respond(request)
        finally:
            _scope.depth -= 1
            _scope.version = None

    def respond(self, request):
        version, changed_at = content_version()
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.blake2b(address.encode(), digest_size=12).hexdigest()
        etag = f'"{version}-{digest}"'
        last_modified = http_date(changed_at.timestamp()) if changed_at else None
        if self.not_modified(request, etag, changed_at):
            response = HttpResponseNotModified()
            return self.validators(response, etag, last_modified)
        key = f"page:{version}:{digest}"
        stored = cache().get(key)
        if stored is not None:
            status, content, headers = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response.headers[name] = value
            response.headers["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if not storable(response):
            return response
        self.validators(response, etag, last_modified)
        if request.method == "GET":
            cache().set(key, (response.status_code, response.content, list(response.headers.items())), PAGE_TIMEOUT)
        response.headers["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def not_modified(request, etag, changed_at):
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        return since is not None and changed_at is not None and int(changed_at.timestamp()) <= since

    @staticmethod
    def validators(response, etag, last_modified):
        response.headers["ETag"] = etag
        if last_modified:
            response.headers["Last-Modified"] = last_modified
        # Browsers and proxies may keep the page but must ask again each time: an edit shows at once.
        patch_cache_control(response, no_cache=True)
        return response
