"""The Content-Security-Policy breaks nothing: a real browser reports no violation on the public pages or in
the admin, where the change form's JavaScript (inlines, autocompletes) runs under it."""

import re

from django.contrib.auth import get_user_model

from tests.browser.conftest import BIG_RECORD_MS, CHECKED_PAGES

PASSWORD = "a long browser passphrase"
VIOLATION = re.compile(r"Content Security Policy|Refused to (load|execute|apply|frame)", re.IGNORECASE)


def violations(page):
    found = []
    page.on("console", lambda message: found.append(message.text) if VIOLATION.search(message.text) else None)
    page.on("pageerror", lambda error: found.append(f"script error: {error}"))
    return found


def test_public_pages_run_under_the_csp(page):
    found = violations(page)
    for path in [*CHECKED_PAGES, "/incidents/2024-kerman-bombings/", "/no-such-page/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert not found


def test_the_admin_change_form_works_under_the_csp(page, archive):
    get_user_model().objects.create_superuser("csp", "csp@example.org", PASSWORD)
    found = violations(page)
    page.goto("/admin/login/")
    page.fill("#id_username", "csp")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto("/admin/events/incident/?q=Kerman+bombings")
    page.locator("#result_list tbody th a").first.click(timeout=BIG_RECORD_MS)
    page.wait_for_load_state("networkidle", timeout=BIG_RECORD_MS)
    # The admin's own scripts: add an inline row, open an autocomplete.
    inline = page.locator(".js-inline-admin-formset").first
    total = inline.locator("input[name$='-TOTAL_FORMS']")
    rows = int(total.input_value())
    inline.locator(".add-row a").click()
    assert int(total.input_value()) == rows + 1
    page.locator(".select2-selection").first.click()
    page.locator(".select2-results__option").first.wait_for()
    for path in ["/admin/", "/admin/events/person/add/", "/admin/events/reaction/add/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert not found, found
