"""axe-core on every page at a desk's and a phone's size: no serious or critical violations
(issue 16, "WCAG 2.2 AA on every page").

One browser page per size walks the whole list (tests/browser/tour.py): a colleague's pages
signed in as an editor (who sees every control a colleague sees and more), the console as the
organisation's admin, then the signed-out pages.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.tour import tour

pytestmark = pytest.mark.browser

SIZES = {"desk": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
# WCAG 2.0-2.2 A and AA, as the issue asks, and axe's own best practices.
OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
GRAVE = {"serious", "critical"}
AXE = Axe()


def grave_violations(page: Page, name: str) -> list[str]:
    """Each serious or critical violation on the page shown, with the elements it names."""
    results: dict[str, Any] = AXE.run(page, options=OPTIONS).response
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in GRAVE:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
        found.append(f"{name}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


@pytest.mark.parametrize("size", SIZES)
def test_no_serious_accessibility_violations_on_any_page(page: Page, live_server: str, size: str) -> None:
    page.set_viewport_size(SIZES[size])
    found = []
    for name, path in tour(page, live_server):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        found += grave_violations(page, name)
    assert found == [], "\n".join(found)
