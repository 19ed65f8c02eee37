"""The charts as drawn by a browser: every label inside its chart's box, at desktop and at phone width, and
nothing asked of another host."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, new_page

PAGES = ["/charts/", "/incidents/2024-kerman-bombings/"]

# Each shown text of a chart whose box reaches outside its figure (the card around drawing, note and table);
# a label hidden at phone width (display: none) has no box.
OUTSIDE = """() => [...document.querySelectorAll('figure.chart')].flatMap(figure => {
    const box = figure.getBoundingClientRect();
    return [...figure.querySelectorAll('svg text')]
        .filter(text => { const r = text.getBoundingClientRect();
                          return r.width && (r.left < box.left - 1 || r.right > box.right + 1); })
        .map(text => figure.id + ': ' + text.textContent.trim());
})"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_chart_label_stays_inside_its_chart(browser, archive, viewport):
    context, page = new_page(browser, archive, viewport)
    elsewhere = []
    page.on(
        "request", lambda request: elsewhere.append(request.url) if not request.url.startswith(archive.url) else None
    )
    try:
        for path in PAGES:
            page.goto(path)
            assert page.locator("figure.chart svg[role=img]").count() >= 1, path
            assert page.evaluate(OUTSIDE) == [], path
        assert elsewhere == []
    finally:
        context.close()


def test_the_kerman_chart_is_in_the_right_column_beside_the_body_on_a_wide_screen(page):
    page.goto("/incidents/2024-kerman-bombings/")
    chart = page.locator("#chart-figures-killed").bounding_box()
    body = page.locator(".article-body").bounding_box()
    assert chart["x"] > body["x"] + body["width"]
    # It shows every whole-incident death toll the archive holds, as its table does.
    assert page.locator("#chart-figures-killed svg .chart__value").all_text_contents() == [
        "103",
        "at least 95",
        "at least 94",
        "89",
        "at least 84",
    ]
