"""axe-core, run in the browser on every checked page: no violation of serious or critical impact."""

from tests.browser.conftest import CHECKED_PAGES


def test_no_serious_or_critical_axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for path in CHECKED_PAGES:
        page.goto(path)
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    assert found == {}
