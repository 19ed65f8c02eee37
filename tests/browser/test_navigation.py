"""The Kerman page, the archive's longest, in a real browser: its contents reach any section, and nothing on a
phone is wider than the screen."""

KERMAN = "/incidents/2024-kerman-bombings/"


def test_contents_reach_the_reactions_and_stay_in_view_on_a_wide_screen(page):
    page.goto(KERMAN)
    contents = page.get_by_role("navigation", name="On this page")
    assert contents.is_visible()
    contents.get_by_role("link", name="Reactions").click()
    page.wait_for_url("**#reactions-heading")
    heading_top = page.locator("#reactions-heading").evaluate("h => h.getBoundingClientRect().top")
    # Scrolled to the anchor: at the top, give or take a subpixel (Chromium lands at -0.19 px at this zoom).
    assert -1 < heading_top < page.viewport_size["height"] / 2
    # Sticky: thousands of pixels down, the contents are still on screen.
    assert page.evaluate("scrollY") > 2000
    box = contents.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]


def test_no_table_on_the_kerman_page_is_wider_than_a_phone(phone_page):
    phone_page.goto(KERMAN)
    width = phone_page.evaluate("document.documentElement.clientWidth")
    too_wide = phone_page.evaluate(
        """w => [...document.querySelectorAll('table')]
            .filter(t => t.getBoundingClientRect().width > w)
            .map(t => (t.caption ? t.caption.textContent : '').trim())""",
        width,
    )
    assert too_wide == []
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= width
    # The contents come first, above the infobox.
    contents_y = phone_page.get_by_role("navigation", name="On this page").bounding_box()["y"]
    assert contents_y < phone_page.locator(".infobox").bounding_box()["y"]
