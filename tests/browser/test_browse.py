"""What a visitor does, in a real browser: browse, filter, read, search, download, on desktop and phone."""

import csv
import io
import re

from tests.browser.conftest import CHECKED_PAGES


def test_browse_from_home_to_a_filtered_list_and_an_incident(page):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Incidents"

    page.select_option("#id_kind", "suicide_bombing")
    page.select_option("#id_place", "iran")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"kind=suicide_bombing"))
    assert "place=iran" in page.url
    assert page.locator("#results-heading").inner_text() == "1 incident"
    # The active filters are links that remove them.
    assert page.get_by_role("link", name=re.compile("Remove filter Type")).count() == 1

    page.get_by_role("link", name="2024 Kerman bombings").first.click()
    page.wait_for_url("**/incidents/2024-kerman-bombings/")
    assert page.get_by_role("heading", level=1).inner_text() == "2024 Kerman bombings"
    infobox = page.locator(".infobox")
    assert "at least 95" in infobox.inner_text()
    assert "103" in infobox.locator(".other-figures").first.inner_text()


def test_search_from_the_header_ignores_accents_and_dashes(page):
    page.goto("/places/")
    page.fill("#site-search-q", "Erdogan")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q=Erdogan"))
    assert page.locator("#results-person").get_by_role("link", name="Recep Tayyip Erdoğan").count() == 1

    page.fill("#site-search-q", "ISIS-K")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"q=ISIS-K"))
    assert page.locator("#results-organization").get_by_text("Islamic State – Khorasan Province").count() >= 1


def test_download_a_filtered_list_as_csv(page, archive):
    page.goto("/incidents/?kind=suicide_bombing")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    download = info.value
    assert download.suggested_filename == "incidents.csv"
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert [row["Title"] for row in rows] == ["2024 Kerman bombings"]
    assert rows[0]["URL"] == f"{archive.url}/incidents/2024-kerman-bombings/"
    assert rows[0]["Type"] == "Suicide bombing"


def test_pages_have_no_horizontal_scroll_at_phone_width(phone_page):
    for path in CHECKED_PAGES:
        phone_page.goto(path)
        widths = phone_page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (path, widths)


def test_the_skip_link_appears_on_focus_and_moves_to_the_content(page):
    page.goto("/incidents/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # on screen once focused
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
