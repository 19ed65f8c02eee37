"""A real browser against a live server holding the real fixtures.

Playwright drives Debian's chromium (/usr/bin/chromium, installed by .ci/run); Playwright's own browser
downloads are never used. Without that binary the browser tests skip, saying why.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse to touch the
# database from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


@pytest.fixture
def archive(live_server):
    """The live server, holding the archive's real seed data."""
    call_command("load_archive", verbosity=0)
    return live_server


def new_page(browser, archive, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, base_url=archive.url, accept_downloads=True)
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


# The pages every quality check visits: home, each list, the Kerman incident, a person and an organization.
CHECKED_PAGES = [
    "/",
    "/incidents/",
    "/incidents/?kind=suicide_bombing&place=iran&ordering=most-killed",
    "/people/",
    "/organizations/",
    "/reactions/",
    "/places/",
    "/timeline/",
    "/search/?q=Erdogan",
    "/incidents/2024-kerman-bombings/",
    "/people/recep-tayyip-erdogan/",
    "/organizations/islamic-state-khorasan-province/",
    "/places/kerman/",
]
