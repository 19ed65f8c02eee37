"""Site-wide middleware: security headers django-csp and Django do not send, and a 503 when the database is down."""

from csp.middleware import CSPMiddleware
from django.conf import settings

from .views import database_fault_response


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
