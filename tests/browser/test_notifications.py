"""The tab badge in Chromium: B's open tab shows "(1) …" when A reacts to B's post, and goes
back when B reads the notification in a second tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

OPEN = next(c for c in CIRCLES if c.visibility == "open" and len(c.members) >= 2)
ANNA = next(p for p in PEOPLE if p.local == OPEN.members[0])
BRAM = next(p for p in PEOPLE if p.local == OPEN.members[1])
NO_COUNT = re.compile(r"^(?!\(\d+\) )")


def _csrf(page: Page) -> str:
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert token
    return token


def test_the_tab_title_counts_a_reaction_and_reading_it_elsewhere_clears_it(
    page: Page, other_page: Page, own_server: LiveServer
) -> None:
    base = own_server.base
    sign_in(other_page, base, f"{BRAM.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    # Start from nothing unread: the demo organisation has its own history.
    other_page.goto(f"{base}/notifications")
    other_page.get_by_role("main").get_by_role("button", name="Alles als gelezen markeren").click()
    other_page.goto(f"{base}/circles")
    other_page.get_by_role("link", name=OPEN.name, exact=True).first.click()
    circle_id = int(other_page.url.rstrip("/").split("/")[-1].split("#")[0])
    made = other_page.request.post(
        f"{base}/api/v1/circles/{circle_id}/posts",
        data={"body": "Wie helpt zaterdag bij de buurtmaaltijd?"},
        headers={"X-CSRF-Token": _csrf(other_page), "Origin": base},
    )
    assert made.ok, made.text()
    post_id = made.json()["id"]
    other_page.goto(f"{base}/")
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")
    expect(other_page).to_have_title(NO_COUNT)
    assert other_page.locator("[data-badge]").is_hidden()

    sign_in(page, base, f"{ANNA.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{base}/posts/{post_id}")
    page.locator(f'[data-reactions-for="post:{post_id}"] button[data-emoji="heart"]').click()

    expect(other_page).to_have_title(re.compile(r"^\(1\) "))
    expect(other_page.locator("[data-badge]")).to_have_text("1")
    expect(other_page.locator('link[rel="icon"]')).to_have_attribute("href", re.compile("^data:image/png"))

    # The bell's drop-down lists it, in Dutch.
    other_page.locator("#notifications-toggle").click()
    expect(other_page.locator("#notifications-menu")).to_contain_text(f"{ANNA.name} reageerde op je bericht")
    other_page.keyboard.press("Escape")

    second_tab = other_page.context.new_page()
    second_tab.goto(f"{base}/notifications")
    second_tab.get_by_role("main").get_by_role("button", name=re.compile(f"{ANNA.name} reageerde")).click()
    expect(second_tab).to_have_url(f"{base}/posts/{post_id}")

    expect(other_page).to_have_title(NO_COUNT)
    expect(other_page.locator("[data-badge]")).to_be_hidden()
    expect(other_page.locator('link[rel="icon"]')).to_have_attribute("href", re.compile("kring.svg$"))
    second_tab.close()
