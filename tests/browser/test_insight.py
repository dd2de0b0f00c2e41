"""Insight in Chromium on the demo organisation: the charts are drawn from its data. The page is
photographed into the test's folder to look at (`make screenshots` takes the README's pictures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from models import Role
from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN = next(p for p in PEOPLE if p.role is Role.ADMIN)


def drawn(page: Page, chart: str) -> list[str]:
    """The values of the bars a chart drew (a suppressed or empty figure draws none)."""
    return page.locator(f'[data-chart="{chart}"] svg rect.insight-bar').evaluate_all(
        "bars => bars.map(bar => bar.dataset.value)"
    )


def test_the_insight_charts_are_drawn_from_the_demo_organisation(live_server: str, page: Page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, live_server, f"{ADMIN.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    expect(page.locator("html")).to_have_attribute("data-live", "on")  # signed in, on the home page
    page.goto(f"{live_server}/beheer/inzicht?weeks=4")
    expect(page.get_by_role("heading", name="Inzicht", level=1)).to_be_visible()

    # The demo's interactions cross teams: some weeks' shares are drawn, each a percentage.
    shares = drawn(page, "cross-team")
    assert shares, "no week of cross-team sharing was drawn"
    assert all(share.endswith("%") and 0 < int(share[:-1]) <= 100 for share in shares), shares
    # Every chart a colleague relies on has bars with figures of five or more colleagues.
    for chart in ("bridges", "active-weeks", "circles", "news"):
        values = drawn(page, chart)
        assert values, chart
        assert all(value.isdigit() and int(value) > 0 for value in values), (chart, values)
    assert max(int(value) for value in drawn(page, "active-weeks")) >= 5
    # A chart names itself to a screen reader and has its table.
    svg = page.locator('[data-chart="circles"] svg')
    expect(svg).to_have_attribute("role", "img")
    expect(page.locator('[data-chart="circles"] svg > title')).to_have_text("Activiteit per kring")
    page.locator('[data-chart="circles"] summary').click()
    expect(page.locator('[data-chart="circles"] table')).to_contain_text("Recepten")
    # The secret circle never appears by name.
    expect(page.locator("main")).not_to_contain_text("Vertrouwenspersonen")

    with page.expect_download() as download:
        page.locator('[data-chart="cross-team"]').get_by_role("link", name="Downloaden als CSV").click()
    assert download.value.suggested_filename == "kring-cross-team-4w.csv"
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0] == "Week,Interacties,Tussen teams,Aandeel"
    assert sum(row.endswith("%") for row in rows[1:]) == len(shares)

    page.locator('[data-chart="circles"] summary').click()
    page.screenshot(path=str(tmp_path / "insight.png"), full_page=True)
