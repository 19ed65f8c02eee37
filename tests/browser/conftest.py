"""A real browser against a live server holding the real fixtures.

Playwright drives Debian's chromium (/usr/bin/chromium, installed by .ci/run); Playwright's own browser
downloads are never used. Without that binary the browser tests skip, saying why.
"""

import os
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connections

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import restore_sqlite

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse to touch the
# database from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def _archive_server(django_db_setup, django_db_blocker, _seed_snapshot):
    """One live server over one load of the seed, for every browser test. pytest-django's live_server would
    make each test transactional: load the seed, then flush it, ~5 s a test. So the tests share it, and a
    test that writes must leave what the others read as it found it (test_editing.py restores the seed's
    revision; the users tests add are never read by another). It is flushed at the end, as a transactional
    test would leave the database."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        if _seed_snapshot is None:
            call_command("load_archive", verbosity=0)
        else:
            restore_sqlite(_seed_snapshot)  # the process's one load of the seed (tests/conftest.py)
    server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"))
    server._live_server_modified_settings.enable()
    try:
        yield server
    finally:
        server._live_server_modified_settings.disable()
        _wait_for_request_threads()
        server.stop()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
            # Playwright's sync API runs this in a greenlet with its own context, so these are not the
            # connections pytest-django closes; left open, PostgreSQL refuses to drop the test database.
            connections.close_all()


def _wait_for_request_threads(timeout=10):
    """The live server answers each browser connection in a daemon thread, which its shutdown does not wait
    for. A thread still closing a connection of the last test's browser context after the server stopped
    sharing the in-memory database with it closed that database from a thread it no longer belonged to
    (PytestUnhandledThreadExceptionWarning, in two of four clean-clone runs). The contexts are closed by now,
    so their threads end within moments."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def archive(_archive_server, django_db_blocker):
    """The live server, holding the archive's real seed data; the test may read the database too."""
    with django_db_blocker.unblock():
        yield _archive_server


# The archive's biggest record in the admin: 1.6 MB and 452 autocompletes to draw and set up, and the whole record
# saved in one POST. On a slow machine sharing its two cores with the other test process that took past the 15 s
# every other step gets.
BIG_RECORD_MS = 60_000


def new_page(browser, archive, viewport=DESKTOP, **options):
    context = browser.new_context(viewport=viewport, base_url=archive.url, accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, archive):
    context, page = new_page(browser, archive)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, archive):
    context, page = new_page(browser, archive, PHONE)
    yield page
    context.close()


# The pages every quality check visits: home, each list, the Kerman incident, a person, an organization, the charts.
CHECKED_PAGES = [
    "/",
    "/incidents/",
    "/incidents/?kind=suicide_bombing&place=iran&ordering=most-killed",
    "/people/",
    "/organizations/",
    "/reactions/",
    "/places/",
    "/timeline/",
    "/map/",
    "/search/?q=Erdogan",
    "/incidents/2024-kerman-bombings/",
    "/people/recep-tayyip-erdogan/",
    "/organizations/islamic-state-khorasan-province/",
    "/places/kerman/",
    "/charts/",
    "/charts/?kind=suicide_bombing&place=iran",
]
