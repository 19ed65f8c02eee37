"""The API reference page renders in a real browser under the site's CSP, asking no other host for anything."""

from urllib.parse import urlsplit

from tests.browser.test_csp import violations


def test_the_api_reference_renders_under_the_csp_from_this_site_alone(page, archive):
    found = violations(page)
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto("/api/v1/docs/")
    page.locator(".opblock").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator(".opblock").count() >= 20  # a list and a record operation per type
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Kerman incident archive API")
    # Swagger UI's stylesheet applied (a style blocked by the CSP would leave the operations unboxed).
    border = page.locator(".opblock").first.evaluate("element => getComputedStyle(element).borderTopStyle")
    assert border == "solid"
    assert not found, found
    assert hosts == {urlsplit(archive.url).netloc}
