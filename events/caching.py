"""Caches that an edit invalidates at once: whole public pages, list counts and facet counts.

Everything cached is keyed on the archive's content version (`ArchiveState`, one row in the database),
which every save, delete or many-to-many change of an archive record bumps in the same transaction (the
receivers are in events/signals.py; writes that send no signals call events.signals.after_bulk_write()). A
cached entry is never deleted; it simply stops being asked for once the version moves on. So the entries
themselves may live in a per-process cache (LocMemCache, the `pages` alias) or in one Redis that every worker
and server shares (`SharedRedisCache` below, production's DJANGO_CACHE_URL): only the version must be shared
by every worker, and it is, being in the database, read once per request.

The page cache (kerman_site.middleware.PageCacheMiddleware, with the helpers below) serves anonymous GET and
HEAD requests only: any request carrying a session cookie (staff, draft previews) goes straight to the view,
and a response is stored only when it is a plain 200 that sets no cookie and does not forbid storing. Every
stored page carries an ETag and Last-Modified derived from the content version, so a browser's repeat view of
it is answered 304 without rendering anything; a conditional request for anything else (a 404, a draft's
address) gets that answer, never a 304. A page served from the cache gets a fresh CSP nonce, in its body and
its header, so no two readers share one.
"""

import base64
import datetime
import hashlib
import logging
import os
import re
import threading
import time
from contextlib import contextmanager
from typing import NamedTuple

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import F
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe
from redis.exceptions import RedisError

from .models import ArchiveState

CACHE_ALIAS = "pages"
# A page stays cached at most this long even if nothing changes (it is dropped on any edit anyway).
PAGE_TIMEOUT = 60 * 60
_scope = threading.local()
_NONCE = re.compile(r"'nonce-([^']+)'")
logger = logging.getLogger(__name__)


def cache():
    return caches[CACHE_ALIAS]


class SharedRedisCache(RedisCache):
    """Django's RedisCache, where a Redis that is down or too slow counts as a miss: the site gets slower, not
    down. Nothing cached is the only copy of anything; every entry is rebuilt from the database."""

    def _or(self, default, operation, *args):
        try:
            return operation(*args)
        except RedisError as error:
            logger.warning("The shared cache did not answer (%s): going without it.", error)
            return default

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._or({}, super().get_many, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._or(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(list(data), super().set_many, data, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, super().delete, key, version)


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


@contextmanager
def request_scope():
    """Within it (one request), the content version is read from the database at most once."""
    _scope.depth = getattr(_scope, "depth", 0) + 1
    _scope.version = None
    try:
        yield
    finally:
        _scope.depth -= 1
        _scope.version = None


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


class Page(NamedTuple):
    """A public address under the current content version: its cache key and its validators."""

    key: str
    etag: str
    changed_at: datetime.datetime | None

    @property
    def last_modified(self):
        return http_date(self.changed_at.timestamp()) if self.changed_at else None


def page_for(request):
    version, changed_at = content_version()
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.blake2b(address.encode(), digest_size=12).hexdigest()
    return Page(key=f"page:{version}:{digest}", etag=f'"{version}-{digest}"', changed_at=changed_at)


def stored_page(page):
    """The stored response for `page` with a fresh CSP nonce in its body and header, or None."""
    stored = cache().get(page.key)
    if stored is None:
        return None
    status, content, headers, nonce = stored
    if nonce:
        fresh = new_nonce()
        content = content.replace(f'nonce="{nonce}"'.encode(), f'nonce="{fresh}"'.encode())
        headers = [(name, value.replace(f"'nonce-{nonce}'", f"'nonce-{fresh}'")) for name, value in headers]
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    return response


def store_page(page, response):
    """Keep a storable response for the next reader (with validators set on it first)."""
    add_validators(response, page)
    nonce = _NONCE.search(response.get("Content-Security-Policy", ""))
    entry = (response.status_code, response.content, list(response.headers.items()), nonce and nonce[1])
    cache().set(page.key, entry, PAGE_TIMEOUT)


def new_nonce():
    """A CSP nonce as django-csp makes one: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def not_modified(request, page):
    """Whether the browser's copy of `page` is current. Ask only about a page known to be a plain 200: a 404 or
    a draft's address has no representation to be current, so `If-None-Match: *` must not make it a 304."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return if_none_match.strip() == "*" or page.etag in [tag.strip() for tag in if_none_match.split(",")]
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    # A date in the future is no date the page could have had (RFC 9110 leaves it to the server): ignored.
    if since is None or page.changed_at is None or since > time.time():
        return False
    return int(page.changed_at.timestamp()) <= since


def add_validators(response, page):
    response.headers["ETag"] = page.etag
    if page.last_modified:
        response.headers["Last-Modified"] = page.last_modified
    # Browsers and proxies may keep the page but must ask again each time: an edit shows at once.
    patch_cache_control(response, no_cache=True)
    return response
