"""Every middleware of the project, in the order settings.MIDDLEWARE runs them: a limit on query strings, the
page cache, security headers django-csp and Django do not send, reads pinned to the primary database for
editors, and a 503 when the database is down. What they call lives beside what it serves (events/caching.py,
kerman_site/db_routers.py, kerman_site/views.py).
"""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpResponseNotModified

from events import caching

from . import db_routers
from .views import database_fault_response

# The longest address the site makes (a list with every filter, a sort and a page) has about a dozen
# parameters. Django's DATA_UPLOAD_MAX_NUMBER_FIELDS is raised for the admin's large POSTs and counts query
# strings too, so it lets through GETs that the admin's changelist turns into one filter each (past ~900,
# SQLite refuses the query as too deep).
MAX_QUERY_FIELDS = 100


class QueryStringLimitMiddleware:
    """Refuses, with the 400 page, an address with more than MAX_QUERY_FIELDS parameters before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if query.count("&") >= MAX_QUERY_FIELDS and sum(1 for part in query.split("&") if part) > MAX_QUERY_FIELDS:
            raise TooManyFieldsSent(f"The address has more than {MAX_QUERY_FIELDS} parameters.")
        return self.get_response(request)


class PageCacheMiddleware:
    """Serves anonymous page views from the cache and answers conditional GETs for them with 304.

    Placed right after the security and static-file middleware, so a hit skips sessions, CSRF and the view,
    and replays the headers the inner middleware added, the CSP nonce renewed (events/caching.py). A 304 is
    only ever the answer for a page that is a plain 200: on a miss the view runs first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Tag versions are read once per request, whether or not the page itself may be cached.
        with caching.request_scope():
            if not settings.PAGE_CACHE or not caching.cacheable_request(request):
                return self.get_response(request)
            return self.respond(request)

    def respond(self, request):
        key, response, page = caching.cached_page(request)
        if response is not None:
            response.headers["X-Page-Cache"] = "hit"
        else:
            # What the view reads is noted as it reads it: the page is stored with those tags' versions.
            with caching.reading() as seen:
                response = self.get_response(request)
            if not caching.storable(response):
                return response
            page = caching.finish_page(key, response, seen, store=request.method == "GET")
            response.headers["X-Page-Cache"] = "miss"
            if page is None:  # an edit committed while it rendered: this reader gets it, no one else
                return response
        if caching.not_modified(request, page):
            return caching.add_validators(HttpResponseNotModified(), page)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the nonce made on every request instead of on first use.

    django-csp's `request.csp_nonce` is lazy and false until something reads it as a string, so
    `{% if request.csp_nonce %}` in a template would never be true. Making it up front costs 16 random
    bytes per request and lets templates test for it.
    """

    def process_request(self, request):
        super().process_request(request)
        str(request.csp_nonce)


class PermissionsPolicyMiddleware:
    """Sends Permissions-Policy, switching off the browser features in settings.PERMISSIONS_POLICY."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class DatabaseUnavailableMiddleware:
    """Answers 503 with a plain page, not a traceback, when the database cannot be reached.

    The answer closes the connection (kerman_site/database.py), so the first request after the database
    returns connects afresh and succeeds. Errors outside views (a
    middleware touching the session, say) reach handler500, which makes the same answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_fault_response(request, exception)


class PinPrimaryMiddleware:
    """Send a request's reads to the primary when it writes, or comes from someone who can edit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        editing = (
            request.method not in ("GET", "HEAD", "OPTIONS")
            or request.path.startswith("/" + settings.ADMIN_URL)
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        with db_routers.reads_from_primary(editing):
            return self.get_response(request)
