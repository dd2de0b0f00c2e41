"""The tab badge in Chromium: B's open tab shows "(1) …" when A reacts to B's post, and goes
back when B reads the notification in a second tab, or just opens the post there, or confirms
the must-read news; "@Anna de Vries" typed in a post reaches Anna."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from models import Role
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
    expect(other_page.locator("#notifications-menu")).to_contain_text(f"{ANNA.name} reageerde met ❤️ op je bericht")
    other_page.keyboard.press("Escape")

    second_tab = other_page.context.new_page()
    second_tab.goto(f"{base}/notifications")
    second_tab.get_by_role("main").get_by_role("button", name=re.compile(f"{ANNA.name} reageerde")).click()
    expect(second_tab).to_have_url(f"{base}/posts/{post_id}")

    expect(other_page).to_have_title(NO_COUNT)
    expect(other_page.locator("[data-badge]")).to_be_hidden()
    expect(other_page.locator('link[rel="icon"]')).to_have_attribute("href", re.compile("kring.svg$"))
    second_tab.close()


def _start_from_nothing_unread(page: Page, base: str) -> None:
    """The demo organisation has its own history: read it all first, and have the tab title count
    notifications only (the demo's unread chat and messages would count too)."""
    page.goto(f"{base}/notifications")
    page.get_by_role("main").get_by_role("button", name="Alles als gelezen markeren").click()
    page.goto(f"{base}/notifications/settings")
    form = page.locator("form", has=page.locator('input[name="title_count"]'))
    for part in ("direct", "chat"):
        form.locator(f'input[name="title_count"][value="{part}"]').uncheck()
    form.locator('button[type="submit"]').first.click()
    expect(page.locator('input[name="title_count"][value="chat"]')).not_to_be_checked()


def _circle_id(page: Page, base: str, name: str) -> int:
    page.goto(f"{base}/circles")
    page.get_by_role("link", name=name, exact=True).first.click()
    return int(page.url.rstrip("/").split("/")[-1].split("#")[0])


def test_opening_the_post_in_one_tab_clears_its_notification_in_the_other(
    page: Page, other_page: Page, own_server: LiveServer
) -> None:
    base = own_server.base
    sign_in(other_page, base, f"{BRAM.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    _start_from_nothing_unread(other_page, base)
    circle_id = _circle_id(other_page, base, OPEN.name)
    made = other_page.request.post(
        f"{base}/api/v1/circles/{circle_id}/posts",
        data={"body": "Wie rijdt er mee naar de training?"},
        headers={"X-CSRF-Token": _csrf(other_page), "Origin": base},
    )
    assert made.ok, made.text()
    post_id = made.json()["id"]
    other_page.goto(f"{base}/")
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")

    sign_in(page, base, f"{ANNA.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{base}/posts/{post_id}")
    comment = page.request.post(
        f"{base}/api/v1/posts/{post_id}/comments",
        data={"body": "Ik rijd, er is nog plek voor twee."},
        headers={"X-CSRF-Token": _csrf(page), "Origin": base},
    )
    assert comment.ok, comment.text()
    expect(other_page).to_have_title(re.compile(r"^\(1\) "))
    other_page.locator("#notifications-toggle").click()
    expect(other_page.locator("#notifications-menu")).to_contain_text(f"{ANNA.name} schreef een reactie op je bericht")
    expect(other_page.locator("#notifications-menu .notification.is-unread")).to_have_count(1)

    # Bram reads the post in a second tab, without going through the notification.
    second_tab = other_page.context.new_page()
    second_tab.goto(f"{base}/posts/{post_id}")
    expect(second_tab.locator("[data-badge]")).to_be_hidden()
    expect(other_page).to_have_title(NO_COUNT)
    expect(other_page.locator("[data-badge]")).to_be_hidden()
    # The drop-down left open in the first tab follows along.
    expect(other_page.locator("#notifications-menu")).to_be_visible()
    expect(other_page.locator("#notifications-menu .notification.is-unread")).to_have_count(0)
    other_page.screenshot(path="/tmp/notif_menu_after_reading.png")
    second_tab.close()


EDITOR = next(p for p in PEOPLE if p.role is Role.EDITOR)


def test_confirming_must_read_news_clears_its_notification_in_every_tab(
    page: Page, other_page: Page, own_server: LiveServer
) -> None:
    base = own_server.base
    sign_in(page, base, f"{EDITOR.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    sign_in(other_page, base, f"{BRAM.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    _start_from_nothing_unread(other_page, base)
    other_page.goto(f"{base}/knowledge")  # no stream here: its new-posts count would add to the title
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")

    page.goto(f"{base}/")
    news = page.request.post(
        f"{base}/api/v1/news",
        data={"title": "Nieuwe afspraken over thuiswerken", "body": "Lees ze voor 1 januari.", "must_read": True},
        headers={"X-CSRF-Token": _csrf(page), "Origin": base},
    )
    assert news.ok, news.text()
    expect(other_page).to_have_title(re.compile(r"^\(1\) "))

    second_tab = other_page.context.new_page()
    second_tab.goto(f"{base}/posts/{news.json()['id']}")
    # Opening it is not yet confirming it: the line still reminds.
    expect(second_tab.locator("[data-badge]")).to_have_text("1")
    second_tab.get_by_role("button", name="Verplicht te lezen: ik heb het gelezen").click()
    expect(second_tab.locator("[data-badge]")).to_be_hidden()
    expect(other_page).to_have_title(NO_COUNT)
    second_tab.close()


def test_typing_a_colleagues_name_after_at_notifies_them(page: Page, other_page: Page, own_server: LiveServer) -> None:
    base = own_server.base
    anna = next(p for p in PEOPLE if p.name == "Anna de Vries")
    circle = next(c for c in CIRCLES if c.visibility == "open" and anna.local in c.members)
    writer = next(p for p in PEOPLE if p.local in circle.members and p.local != anna.local)
    sign_in(other_page, base, f"{anna.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    _start_from_nothing_unread(other_page, base)
    other_page.goto(f"{base}/knowledge")  # no stream here: its new-posts count would add to the title
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")

    sign_in(page, base, f"{writer.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    _circle_id(page, base, circle.name)
    composer = page.locator("#composer-body")
    composer.press_sequentially("@Anna de Vries, kun jij donderdag het overleg voorzitten?")
    page.get_by_role("button", name="Plaatsen", exact=True).click()
    expect(page.locator("#composer-body")).to_have_value("")
    expect(page.get_by_role("link", name="@Anna de Vries").first).to_be_visible()

    expect(other_page).to_have_title(re.compile(r"^\(1\) "))
    other_page.locator("#notifications-toggle").click()
    expect(other_page.locator("#notifications-menu")).to_contain_text(f"{writer.name} noemde je in een bericht")
