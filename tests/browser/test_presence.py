"""Presence dots follow a colleague coming online and leaving, live, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

TEAM = next(c for c in CIRCLES if c.kind == "team" and c.visibility == "closed" and len(c.members) >= 2)
ALICE = next(p for p in PEOPLE if p.local == TEAM.members[0])
BOB = next(p for p in PEOPLE if p.local == TEAM.members[1])


def test_a_colleague_coming_online_and_leaving_shows_on_the_member_list(
    page: Page, other_page: Page, own_server: LiveServer
) -> None:
    base = own_server.base
    sign_in(page, base, f"{ALICE.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Kringen").click()
    page.get_by_role("link", name=TEAM.name, exact=True).first.click()
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    bob_row = page.locator("#member-list li", has=page.get_by_role("link", name=BOB.name, exact=True))
    bob_dot = bob_row.locator("[data-presence-for]")
    expect(bob_dot).to_have_attribute("data-state", "offline")
    expect(bob_dot).to_have_attribute("aria-label", "offline")

    sign_in(other_page, base, f"{BOB.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")
    expect(bob_dot).to_have_attribute("data-state", "active", timeout=15_000)
    expect(bob_dot).to_have_attribute("aria-label", "online")

    other_page.close()
    expect(bob_dot).to_have_attribute("data-state", "offline", timeout=15_000)
