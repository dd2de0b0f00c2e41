"""Search in a real Chromium, at a desk and on a phone: what colleagues type finds the demo
drive's regulations, and an admin finds the organisation's synonyms to edit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

MEMBER = next(p for p in PEOPLE if p.role == "member")
ADMIN = next(p for p in PEOPLE if p.role == "admin")
TIMEOUT = 10_000


def _search(page: Page, words: str) -> None:
    box = page.locator("#search-q")
    box.fill(words)
    box.press("Enter")


@pytest.mark.parametrize("size", [(1366, 800), (390, 844)], ids=["desk", "phone"])
def test_what_colleagues_type_finds_the_regulations(chromium: Browser, live_server: str, size: tuple[int, int]) -> None:
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]}, locale="nl-NL")
    page = context.new_page()
    try:
        sign_in(page, live_server, f"{MEMBER.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
        page.goto(f"{live_server}/search")
        results = page.locator("#search-results")

        _search(page, "declareren")
        found = results.get_by_role("link", name="Declaratieregeling reiskosten")
        expect(found).to_be_visible(timeout=TIMEOUT)
        # The snippet reads as text, the words the search matched marked.
        expect(results.locator(".snippet mark", has_text="Declareer").first).to_be_visible(timeout=TIMEOUT)

        _search(page, "vakantiedagen")
        expect(results.get_by_role("link", name="Verlofregeling 2018", exact=True)).to_be_visible(timeout=TIMEOUT)
        page.screenshot(path=f"/tmp/search-{size[0]}.png", full_page=True)
    finally:
        context.close()


def test_an_admin_finds_the_synonyms_from_the_search_page(page: Page, live_server: str) -> None:
    sign_in(page, live_server, f"{ADMIN.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/search")
    page.get_by_role("link", name="Synoniemen voor zoeken").click()
    expect(page.get_by_role("heading", level=1, name="Synoniemen voor zoeken")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_label("Synoniemen, één groep per regel")).to_contain_text("verlof, vakantie", timeout=TIMEOUT)
