"""The maps in a real browser: /map/, the Kerman incident page and the Kerman place page draw their maps with
no request to any host but the site's own, fit a phone's width, and pass axe."""

from urllib.parse import urlsplit

import pytest

from events.models import Place
from tests.browser.conftest import PHONE, new_page

MAP_PAGES = ["/map/", "/incidents/2024-kerman-bombings/", "/places/kerman/", "/places/golzar-shohada-cemetery/"]


@pytest.fixture
def kerman_points(archive):
    """The seed's points (fill_coordinates' results, kept in fixtures/03_places.json) that these tests look for."""
    assert Place.objects.filter(slug__in=["kerman", "iran"], latitude__isnull=False).count() == 2
    return archive


def foreign_requests(page, archive):
    own = urlsplit(archive.url).netloc
    found = []
    page.on("request", lambda request: found.append(request.url) if urlsplit(request.url).netloc != own else None)
    return found


def test_maps_make_no_request_to_another_host(browser, kerman_points):
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        context, page = new_page(browser, kerman_points, viewport)
        elsewhere = foreign_requests(page, kerman_points)
        own = []
        page.on("request", lambda request, own=own: own.append(request.url))
        for path in MAP_PAGES:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert page.locator("svg.map").count() == 1, path
        context.close()
        assert own  # the listener saw the pages and their stylesheet
        assert elsewhere == []


def test_the_map_shows_kerman_and_its_table_links_to_its_incidents(page, kerman_points):
    page.goto("/map/")
    marker = page.locator("svg.map circle.map-marker--solid").first
    assert "Kerman: 2 incidents" in marker.locator("title").text_content()
    table = page.get_by_role("table", name="The places on the map")
    table.get_by_role("link", name="2 incidents in Kerman").click()
    page.wait_for_url("**/incidents/?place=kerman")
    assert page.locator("#results-heading").inner_text() == "2 incidents"


def test_maps_fit_a_phone_and_keep_their_markers_visible(phone_page, kerman_points):
    for path in MAP_PAGES:
        phone_page.goto(path)
        scroll, client = phone_page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, path
        box = phone_page.locator("svg.map").bounding_box()
        assert box["width"] <= PHONE["width"]
        # The smallest marker is still a few pixels across at a third of the map's size.
        smallest = min(
            circle.bounding_box()["width"] for circle in phone_page.locator("svg.map circle.map-marker").all()
        )
        assert smallest >= 6, path


def test_map_pages_have_no_serious_axe_violation(page, kerman_points):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for path in [*MAP_PAGES, "/map/?kind=volcano"]:
        page.goto(path)
        serious = [
            f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}"
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    assert found == {}


def test_the_map_zooms_and_pans_with_javascript_and_shows_all_without(browser, kerman_points):
    context, page = new_page(browser, kerman_points)
    page.goto("/map/")
    svg = page.locator("svg.map")
    whole = [float(n) for n in svg.get_attribute("viewBox").split()]
    kerman = page.locator("svg.map circle.map-marker--solid").first
    radius = float(kerman.get_attribute("r"))
    page.get_by_role("button", name="Zoom in").click()
    x, y, w, h = (float(n) for n in svg.get_attribute("viewBox").split())
    assert (w, h) == pytest.approx((whole[2] / 2, whole[3] / 2), abs=0.1)
    assert float(kerman.get_attribute("r")) == pytest.approx(radius / 2, abs=0.05)  # the same size on screen
    box = svg.bounding_box()
    page.mouse.move(box["x"] + 300, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 150, steps=4)
    page.mouse.up()
    assert [float(n) for n in svg.get_attribute("viewBox").split()][:2] != [x, y]
    page.get_by_role("button", name="Show the whole map").click()
    assert [float(n) for n in svg.get_attribute("viewBox").split()] == whole
    context.close()

    context = browser.new_context(base_url=kerman_points.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/map/")
    assert page.get_by_role("button", name="Zoom in").count() == 0
    assert page.locator("svg.map circle.map-marker").count() == page.locator("table.map-points tbody tr").count() > 0
    context.close()
