"""What protects the archive: security headers, a strict CSP, escaped text, and a locked-down admin."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models as db_models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from events import models, revisions
from events.search_index import rebuild_search_index
from kerman_site.security import client_ip
from tests import factories
from tests.conftest import fresh, module_rows
from tests.public_urls import NO_RELEASE, body_of, make_archive, public_paths
from tests.test_admin import changelist_status_data, listed_now

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
EXPECTED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'", "'nonce-*'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def parse_csp(header):
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        policy[name] = {re.sub(r"^'nonce-[A-Za-z0-9+/=]+'$", "'nonce-*'", source) for source in sources}
    return policy


def csp_nonce(response):
    match = re.search(r"'nonce-([A-Za-z0-9+/=]+)'", response["Content-Security-Policy"])
    return match and match.group(1)


@module_rows
def archive_rows():
    return make_archive()


@pytest.fixture
def archive(archive_rows):
    """The small archive, built once for the module (see tests/conftest.py), read anew for each test."""
    return fresh(archive_rows)


def html_pages(client):
    """(path, response) for every public HTML page and the admin's login."""
    for path in [*public_paths(), reverse("admin:login"), "/no-such-page/"]:
        response = client.get(path)
        if "text/html" in response.get("Content-Type", ""):
            yield path, response


# Headers ---------------------------------------------------------------------------------------------------


def test_every_page_sends_the_security_headers(client, archive):
    paths = [*public_paths(), reverse("admin:login"), "/no-such-page/"]
    for path in paths:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert "camera=()" in response["Permissions-Policy"], path
        assert "geolocation=()" in response["Permissions-Policy"], path
        assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP, path


def test_the_csp_allows_no_inline_script_or_style(client, archive):
    header = client.get("/")["Content-Security-Policy"]
    for loophole in ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"]:
        assert loophole not in header.split()


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, style blocks and attributes."""

    def __init__(self):
        super().__init__()
        self.scripts, self.blocked = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs:
            self.scripts.append(attrs)
        if tag == "style":
            self.blocked.append("<style>")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.blocked.append(f"{tag} {name}=")
        if attrs.get("href", "").lower().startswith("javascript:"):
            self.blocked.append(f"{tag} href=javascript:")


def test_no_page_has_inline_script_or_style(client, archive):
    for path, response in html_pages(client):
        found = InlineCode()
        found.feed(response.content.decode())
        assert not found.blocked, (path, found.blocked)
        for attrs in found.scripts:
            # The only inline scripts are JSON-LD data blocks, carrying this response's nonce.
            assert attrs.get("type") == "application/ld+json", (path, attrs)
            assert attrs.get("nonce") == csp_nonce(response), path


def test_the_nonce_is_fresh_for_every_response(client, archive):
    path = archive["incident"].get_absolute_url()
    first, second = client.get(path), client.get(path)
    assert csp_nonce(first) and csp_nonce(second)
    assert csp_nonce(first) != csp_nonce(second)
    assert f'nonce="{csp_nonce(first)}"' in first.content.decode()


# Escaping --------------------------------------------------------------------------------------------------

RAW = re.compile(r"<script>alert\(")
ESCAPED = "&lt;script&gt;alert("


def text_fields(model):
    """Fields an editor types free text into, that can hold the marker (not slugs, choices or short codes)."""
    marker = "<script>alert(999)</script>"
    for field in model._meta.concrete_fields:
        if not isinstance(field, db_models.CharField | db_models.TextField) or isinstance(field, db_models.SlugField):
            continue
        if field.choices or not field.editable:
            continue
        try:
            field.clean(marker, None)
        except ValidationError:
            continue
        yield field.name


def _all_event_models():
    return [m for m in apps.get_app_config("events").get_models() if not m.__name__.startswith("Historical")]


def script_everywhere():
    """Store a <script> in every free-text field of every row; returns the fields changed."""
    changed, counter = [], 0
    for model in _all_event_models():
        fields = list(text_fields(model))
        for pk in model._default_manager.values_list("pk", flat=True):
            counter += 1
            model._default_manager.filter(pk=pk).update(
                **{name: f"<script>alert({counter})</script>" for name in fields}
            )
        changed += [f"{model.__name__}.{name}" for name in fields]
    # QuerySet.update() sends no save signals: bring the SQLite search index up to date with the rows.
    rebuild_search_index()
    # Revision pages show a record as a revision stored it: make revision 1 of each hold the script too.
    models.Revision.objects.all().delete()
    revisions.record_all_changed(None, "Scripted")
    return changed


# What the site sends that is not a page: the lists' exports, and each record's citation downloads.
DOWNLOAD_TYPES = {
    "application/json",
    "text/csv",
    "text/plain",
    "application/x-bibtex",
    "application/x-research-info-systems",
    "application/vnd.citationstyles.csl+json",
}


def test_stored_script_is_escaped_on_every_page(client, archive):
    changed = script_everywhere()
    assert {"Incident.title", "Incident.summary", "Person.name", "Reaction.quote", "Source.title"} <= set(changed)
    # A release file's address without a release on disk is a 404 by design (tests/test_release_dataset.py).
    pages = [path for path in public_paths(every=True) if not path.startswith(f"/data/{NO_RELEASE}/")]
    paths = [*pages, f"{reverse('events:search')}?q=alert"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        content_type = response["Content-Type"]
        body = body_of(response)
        if "html" in content_type or "xml" in content_type:
            assert not RAW.search(body), f"unescaped <script> on {path}"
        else:
            assert content_type.split(";")[0] in DOWNLOAD_TYPES, path
        # An empty search shows no records; the data page lists dataset releases, not records.
        if "text/html" in content_type and path not in (reverse("events:search"), reverse("events:data")):
            assert ESCAPED in body, f"{path} shows none of the stored text"


# Admin: login throttling ---------------------------------------------------------------------------------


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)


def log_in(client, username, password, ip="192.0.2.1"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )


def test_login_locks_after_the_failure_limit(client, editor):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        assert log_in(client, "editor", "wrong").status_code == 200  # the form again, with its error
    locked = log_in(client, "editor", "wrong")
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    # Now even the right password is refused, and nobody is logged in.
    refused = log_in(client, "editor", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_for_the_username_from_another_address_and_for_the_address(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "editor", "wrong", ip="192.0.2.1")
    assert log_in(client, "editor", PASSWORD, ip="198.51.100.7").status_code == 429
    get_user_model().objects.create_superuser("other", "other@example.org", PASSWORD)
    assert log_in(client, "other", PASSWORD, ip="192.0.2.1").status_code == 429
    assert log_in(client, "other", PASSWORD, ip="198.51.100.8").status_code == 302


def test_a_login_whose_next_address_is_refused_lands_on_the_admin_index(client, editor):
    response = client.post(
        reverse("admin:login") + "?next=https://evil.example/",
        {"username": "editor", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_a_successful_login_resets_the_count(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "editor", "wrong")
    assert log_in(client, "editor", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "editor", "wrong").status_code == 200
    assert log_in(client, "editor", PASSWORD).status_code == 302


def test_the_lockout_lasts_an_hour(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "editor", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=61))
    assert log_in(client, "editor", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy: a forwarded header is the client's own invention
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1, 203.0.113.9", "203.0.113.9"),  # the left entry was forged by the client
        (2, "203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "192.0.2.1"),
    ],
)
def test_the_client_address_trusts_only_our_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# Admin: address, passwords, sessions, audit log ----------------------------------------------------------


def run_django(code, **env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kerman_site.settings.test", **env}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_admin_address_comes_from_the_environment():
    code = "from django.urls import reverse; print(reverse('admin:index'), reverse('admin:login'))"
    assert run_django(code, DJANGO_ADMIN_URL="backstage-7f3a") == "/backstage-7f3a/ /backstage-7f3a/login/"
    assert run_django(code, DJANGO_ADMIN_URL="/editors/") == "/editors/ /editors/login/"


def test_the_admin_is_at_admin_by_default(client):
    assert reverse("admin:index") == "/admin/"
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("password", ["short", "password12345", "123456789012345", "editor@example.org"])
def test_weak_passwords_are_refused(editor, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=editor)


def test_a_long_passphrase_is_accepted(editor):
    validate_password("glacier maple orbit 1947", user=editor)


def test_a_staff_session_ends_with_the_browser_and_after_a_working_day(client, editor):
    assert log_in(client, "editor", PASSWORD).status_code == 302
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == "", "a browser-session cookie"
    assert cookie["httponly"]
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.get(reverse("admin:index")).status_code == 200

    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def admin_changelist(model):
    return reverse(f"admin:events_{model._meta.model_name}_changelist")


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("submit_for_review", models.Status.DRAFT, models.Status.IN_REVIEW),
        ("publish", models.Status.DRAFT, models.Status.PUBLISHED),
        ("unpublish", models.Status.PUBLISHED, models.Status.UNPUBLISHED),
    ],
)
def test_admin_actions_are_logged_with_the_user(staff_client, action, before, after):
    incident = factories.IncidentFactory(status=before)
    staff_client.post(
        admin_changelist(models.Incident),
        {"action": action, "_selected_action": [incident.pk], "index": 0, "listed_at": listed_now()},
    )
    incident.refresh_from_db()
    assert incident.status == after
    entry = LogEntry.objects.get(object_id=str(incident.pk), action_flag=CHANGE)
    assert entry.user.username == "editor"
    assert entry.content_type.model_class() is models.Incident


def test_deleting_in_the_admin_is_logged_with_the_user(staff_client):
    stance = factories.StanceFactory()
    url = reverse("admin:events_stance_delete", args=[stance.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not models.Stance.objects.filter(pk=stance.pk).exists()
    entry = LogEntry.objects.get(object_id=str(stance.pk), action_flag=DELETION)
    assert entry.user.username == "editor"


def test_status_edited_in_the_list_is_logged_with_the_user(staff_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT)
    data = changelist_status_data(incident, "published")
    staff_client.post(admin_changelist(models.Incident), data)
    incident.refresh_from_db()
    assert incident.status == models.Status.PUBLISHED
    assert LogEntry.objects.get(object_id=str(incident.pk), action_flag=CHANGE).user.username == "editor"
