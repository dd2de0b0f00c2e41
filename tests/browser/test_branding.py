"""Branding in the console, seen by a colleague: the colour and name an administrator saves show
in another colleague's open tab at once, without a reload. The shared live server is put back to
its defaults at the end, through the console's own reset."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from models import Role
from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN = next(p for p in PEOPLE if p.role is Role.ADMIN)
COLLEAGUE = next(p for p in PEOPLE if p.role is Role.MEMBER)
NEW_NAME = "Stichting Rivierenland"


def test_the_colour_and_name_changed_in_the_console_show_in_a_colleagues_open_tab(
    page: Page, other_page: Page, live_server: str
) -> None:
    base = live_server
    sign_in(other_page, base, f"{COLLEAGUE.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")
    other_page.evaluate("window.__sameDocument = true")  # gone if the tab reloads

    sign_in(page, base, f"{ADMIN.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Huisstijl").click()
    try:
        # The preview says what a light colour becomes before anything is saved.
        colour = page.get_by_role("textbox", name="Kleur", exact=True)
        colour.fill("#ffcc00")
        expect(page.locator("#brand-contrast")).to_contain_text("tonen een donkerdere tint")
        page.screenshot(path="/tmp/admin-branding.png", full_page=True)
        page.get_by_label("Naam van de organisatie").fill(NEW_NAME)
        colour.fill("#7a1f5c")
        expect(page.locator("#brand-contrast")).to_contain_text("zoals gekozen")
        page.get_by_role("button", name="Huisstijl opslaan").click()
        expect(page.locator('.flash[role="status"]')).to_contain_text("De huisstijl is opgeslagen")

        expect(other_page.locator(".site-header .brand-name")).to_have_text(NEW_NAME)
        expect(other_page.locator(".site-header")).to_have_css("background-color", "rgb(122, 31, 92)")
        expect(other_page).to_have_title(re.compile(rf" · {NEW_NAME}$"))
        assert other_page.evaluate("window.__sameDocument") is True
    finally:
        page.goto(f"{base}/beheer/branding")
        reset = page.get_by_role("button", name="Terugzetten naar de standaard")
        if reset.is_enabled():
            reset.click()
            expect(page.locator('.flash[role="status"]')).to_contain_text("volgt weer de standaard")
    expect(other_page.locator(".site-header .brand-name")).to_have_text("Welzijn Rivierenland")
