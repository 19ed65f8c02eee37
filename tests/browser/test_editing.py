"""Whole-record editing in a real browser: an Editor corrects the published Kerman incident, the public sees
nothing until a Reviewer publishes it, and restoring an earlier revision brings everything back in step."""

import csv
import io
import itertools
import re

from events.models import Incident, Place, Source, Status
from tests.browser.conftest import BIG_RECORD_MS, new_page
from tests.conftest import member_of

KERMAN = "/incidents/2024-kerman-bombings/"
PASSWORD = "correct horse battery"
accounts = itertools.count()


def log_in(browser, archive, group, **options):
    user = member_of(group, f"{group.lower()}-browser-{next(accounts)}")
    context, page = new_page(browser, archive, **options)
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return context, page


def what_the_public_sees(page):
    """The deaths in the infobox, on the list and in the CSV, and the summary."""
    page.goto(KERMAN)
    infobox = page.locator(".infobox tr", has_text="Deaths").locator("td").inner_text()
    summary = page.locator(".lede").inner_text()
    page.goto("/incidents/?q=Kerman+bombings")
    listed = page.locator("li", has_text="2024 Kerman bombings").locator(".figure").first.inner_text()
    export = page.request.get("/incidents.csv").text()
    row = next(r for r in csv.DictReader(io.StringIO(export)) if r["Title"] == "2024 Kerman bombings")
    return infobox, listed.split(" killed")[0], row["Killed (as reported)"], summary


def preferred_killed_row(page):
    rows = page.locator("#casualty_figures-group tbody tr.form-row")
    for i in range(rows.count()):
        row = rows.nth(i)
        if (
            row.locator("select[name$='-kind']").input_value() == "killed"
            and row.locator("select[name$='-rank']").input_value() == "preferred"
        ):
            return row
    raise AssertionError("no preferred death toll on the form")


def test_an_editors_correction_waits_for_review_then_publish_and_restore_keep_every_page_in_step(browser, archive):
    public_context, public = new_page(browser, archive)
    before = what_the_public_sees(public)
    assert before[:3] == ("at least 95", "at least 95", "at least 95")

    editor_context, editor = log_in(browser, archive, "Editor")
    editor.goto("/admin/events/incident/?q=2024+Kerman+bombings")
    editor.get_by_role("link", name="2024 Kerman bombings").first.click(timeout=BIG_RECORD_MS)
    editor.wait_for_selector("#id_summary", timeout=BIG_RECORD_MS)
    assert "will be public once a reviewer publishes it" in editor.content()
    editor.fill("#id_summary", "A corrected summary.")
    preferred_killed_row(editor).locator("input[name$='-value']").fill("96")
    editor.fill("#id_change_reason", "A later figure")
    editor.click("input[name=_save]", no_wait_after=True)
    editor.wait_for_url("**/admin/events/revision/*/change/", timeout=BIG_RECORD_MS)
    assert "is saved as pending revision" in editor.content()
    editor_context.close()

    assert what_the_public_sees(public) == before

    reviewer_context, reviewer = log_in(browser, archive, "Reviewer")
    reviewer.click("#waiting-for-review td a[href*='/revision/']")
    reviewer.wait_for_selector("#pending-diff")
    diff = reviewer.locator("#pending-diff").inner_text()
    assert "A corrected summary." in diff and "Killed at least 95" in diff and "96" in diff
    reviewer.click("button[value=publish]")
    reviewer.wait_for_url("**/history/")
    assert "Published revision" in reviewer.content()

    assert what_the_public_sees(public) == ("at least 96", "at least 96", "at least 96", "A corrected summary.")

    # Restore the seed's revision: the figure table, the infobox, the list and the CSV agree again.
    reviewer.locator("#revision-list tbody tr").last.locator("a").first.click()
    reviewer.click("button[value=restore]")
    reviewer.wait_for_url("**/history/")
    assert "Restored revision 1" in reviewer.content()
    reviewer_context.close()

    assert what_the_public_sees(public) == before
    public_context.close()


# Before their turn in the background set-up (events/static/events/admin/autocomplete-deferred.js), the page's
# last autocomplete is reached by the pointer and the one before it by the keyboard, each in the same task as the
# check that it is not set up yet.
REACH_BEFORE_THEIR_TURN = """async () => {
    const boxes = [...document.querySelectorAll('select.admin-autocomplete:not([name*="__prefix__"])')];
    const reached = {boxes: boxes.length};
    for (const [how, box] of [['pointer', boxes[boxes.length - 1]], ['keyboard', boxes[boxes.length - 2]]]) {
        const setUpBefore = box.classList.contains('select2-hidden-accessible');
        if (how === 'pointer') {
            box.dispatchEvent(new MouseEvent('mousedown', {bubbles: true, cancelable: true}));
        } else {
            box.focus();
        }
        const setUpAfter = box.classList.contains('select2-hidden-accessible');
        await new Promise(resolve => setTimeout(resolve, 0));  // opened or focused once the event is done
        const container = box.nextElementSibling;
        reached[how] = {
            setUpBefore: setUpBefore,
            setUpAfter: setUpAfter,
            open: container.classList.contains('select2-container--open'),
            focused: container.contains(document.activeElement),
        };
    }
    return reached;
}"""


def all_set_up(page):
    return page.evaluate(
        """() => [...document.querySelectorAll('select.admin-autocomplete:not([name*="__prefix__"])')]
            .every(box => box.classList.contains('select2-hidden-accessible'))"""
    )


def test_the_biggest_records_autocompletes_are_set_up_after_the_page_answers_and_when_reached(browser, archive):
    context, editor = log_in(browser, archive, "Editor")
    editor.goto("/admin/events/incident/?q=2024+Kerman+bombings")
    change = editor.get_by_role("link", name="2024 Kerman bombings").first.get_attribute("href")
    editor.goto(change, wait_until="domcontentloaded", timeout=BIG_RECORD_MS)
    reached = editor.evaluate(REACH_BEFORE_THEIR_TURN)
    assert reached["boxes"] > 400, reached
    for how, shown in [("pointer", "open"), ("keyboard", "focused")]:
        assert not reached[how]["setUpBefore"] and reached[how]["setUpAfter"], reached
        assert reached[how][shown], reached
    # The rest are set up in the background (the page's CSP forbids wait_for_function's evaluated strings), at
    # the width Django's own set-up gives them (select2 reading each box's laid-out width).
    for _ in range(BIG_RECORD_MS // 250):
        if all_set_up(editor):
            break
        editor.wait_for_timeout(250)
    assert all_set_up(editor)
    widths = editor.evaluate(
        "() => [...new Set([...document.querySelectorAll('select + .select2-container')].map(c => c.style.width))]"
    )
    assert widths == ["260px"]
    # A new inline row's autocompletes are set up at once, as Django's own are.
    inline = editor.locator("#reactions-group")
    inline.locator(".add-row a").click()
    row = inline.locator(".dynamic-reactions").last
    assert row.locator("select.admin-autocomplete.select2-hidden-accessible").count() >= 1
    row.locator(".select2-selection").first.click()
    editor.locator(".select2-results__option").first.wait_for()
    context.close()


# Each note, and whether it sits beside a time input (a date and time field's two inputs share one parent).
NOTES = """() => [...document.querySelectorAll('.timezonewarning')]
    .map(n => [!!n.parentNode.querySelector('.vTimeField'), n.textContent])"""


def test_only_times_carry_a_time_zone_note_and_it_names_the_forms_zone(browser, archive):
    # An editor in Tehran (UTC+03:30, no daylight saving) opens an incident with no zone of its own, drawn in UTC.
    context, editor = log_in(browser, archive, "Editor", timezone_id="Asia/Tehran")
    editor.goto("/admin/events/incident/?q=2022+Shiraz")
    editor.get_by_role("link", name="2022 Shiraz mass shooting").first.click()
    # Django sets up the date shortcuts, and their notes, on the window's load event: wait for that, not the form.
    editor.wait_for_url(re.compile(r"/change/"), wait_until="load")
    figures = editor.locator("#casualty_figures-group")
    assert figures.locator("input.vDateField:not([name*='__prefix__'])").count() >= 1
    note = "Times on this form are in UTC+00:00, 3.5 hours behind your clock; “Now” fills in the time in that zone."
    expected = [[True, note], [True, note]]  # the start's and the end's, none under a date
    assert editor.evaluate(NOTES) == expected
    # A new inline row sets the shortcuts up again (Django's inlines.js), still without a note under its date.
    figures.locator(".add-row a").click()
    assert figures.locator(".dynamic-casualty_figures").last.locator(".vDateField + .datetimeshortcuts").count() == 1
    assert editor.evaluate(NOTES) == expected
    context.close()


def test_a_reviewer_publishes_a_record_in_review_from_its_own_form(browser, archive):
    # The form carries when it was opened (PublishableAdminForm.shown_at); a browser sends only what the page draws.
    incident = Incident.objects.create(
        title="Browser review probe",
        slug="browser-review-probe",
        kind=Incident.Kind.BOMBING,
        summary="A probe.",
        place=Place.objects.get(slug="kerman"),
        status=Status.IN_REVIEW,
    )
    incident.sources.set([Source.objects.get(slug="kerman-bombings-article")])
    context, reviewer = log_in(browser, archive, "Reviewer")
    try:
        reviewer.goto(f"/admin/events/incident/{incident.pk}/change/")
        reviewer.select_option("#id_status", "published")
        reviewer.click("input[name=_save]")
        reviewer.wait_for_url("**/admin/events/incident/**")
        assert "was changed successfully" in reviewer.content()
        assert reviewer.request.get("/incidents/browser-review-probe/").status == 200
    finally:
        context.close()
        Incident.objects.filter(pk=incident.pk).delete()
