"""The layout a colleague relies on at a desk and on a phone (issue 16): no page slides sideways
on a phone, the navigation is a bar at the bottom there and a compact header above, and the
"N new posts" bar is in sight when a post arrives, also below three pinned news items."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.tour import EDITOR_EMAIL, tour

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)  # generous: the machine is shared

DESK = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
BOTTOM_NAV = ["Start", "Kringen", "Berichten", "Kennisbank", "Meldingen"]

READER = PEOPLE[0]
CIRCLE = next(c for c in CIRCLES if READER.local in {*c.admins, *c.members})
# The last ordinary member: the other browser tests take colleagues from the front of the list.
POSTER = next(
    p for p in reversed(PEOPLE) if p.local in {*CIRCLE.admins, *CIRCLE.members} - {READER.local} and p.role == "member"
)


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


@pytest.mark.parametrize("size", [PHONE, SMALL_PHONE], ids=["390x844", "360x740"])
def test_no_page_scrolls_sideways_on_a_phone(page: Page, live_server: str, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    wide = []
    for name, path in tour(page, live_server):
        page.goto(f"{live_server}{path}")
        if _scrolls_sideways(page):
            wide.append(f"{name} ({path}): {page.evaluate('document.documentElement.scrollWidth')} px")
    assert wide == [], f"pages wider than {size['width']} px: {wide}"


def test_a_phone_has_a_compact_header_and_the_navigation_at_the_bottom(page: Page, live_server: str) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, _email(READER.local), DEMO_PASSWORD)
    page.goto(f"{live_server}/knowledge")

    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] <= 64, f"the header is {header['height']} px high on a phone"
    navigation = page.get_by_role("navigation", name="Hoofdmenu")
    links = navigation.get_by_role("link")
    # Each label, then maybe its unread count.
    expect(links.filter(visible=True)).to_have_text([re.compile(rf"^{label}\d*$") for label in BOTTOM_NAV])
    for label in BOTTOM_NAV:
        link = navigation.get_by_role("link", name=re.compile(rf"^{label}"))
        box = link.bounding_box()
        assert box is not None
        assert min(box["height"], box["width"]) >= 44, f"{label} is too small to tap: {box}"
        assert box["y"] + box["height"] >= PHONE["height"] - 1, f"{label} is not at the bottom: {box}"
    expect(navigation.get_by_role("link", name="Kennisbank")).to_have_attribute("aria-current", "page")
    # The search field folds into an icon; the search page is one tap away.
    expect(page.locator("#header-q")).to_be_hidden()
    page.get_by_role("link", name="Zoeken", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search"))


def test_a_desk_has_the_navigation_in_the_header(page: Page, live_server: str) -> None:
    page.set_viewport_size(DESK)
    sign_in(page, live_server, _email(READER.local), DEMO_PASSWORD)
    navigation = page.get_by_role("navigation", name="Hoofdmenu")
    header = page.locator(".site-header").bounding_box()
    box = navigation.bounding_box()
    assert header is not None
    assert box is not None
    assert box["y"] + box["height"] <= header["y"] + header["height"], "the navigation left the header on a desk"
    expect(navigation.get_by_role("link", name="Meldingen")).to_be_hidden()
    expect(navigation.get_by_role("link", name="Collega's")).to_be_visible()
    expect(page.locator("#header-q")).to_be_visible()


def test_the_circle_page_shows_tabs_with_the_chat_first_on_a_phone(page: Page, live_server: str) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, _email(READER.local), DEMO_PASSWORD)
    page.goto(f"{live_server}/circles")
    page.get_by_role("link", name=CIRCLE.name, exact=True).first.click()

    tabs = page.get_by_role("tab")
    expect(tabs).to_have_text(["Chat", "Berichten", "Leden"])
    expect(tabs.first).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-chat]")).to_be_visible()
    expect(page.locator("[data-stream]")).to_be_hidden()
    page.get_by_role("tab", name="Leden").click()
    expect(page.locator("#member-list")).to_be_visible()
    expect(page.locator("[data-chat]")).to_be_hidden()
    # A desk keeps its columns: chat, posts and members side by side.
    page.set_viewport_size(DESK)
    expect(tabs.first).to_be_hidden()
    expect(page.locator("[data-chat]")).to_be_visible()
    expect(page.locator("#member-list")).to_be_visible()


def _pin_news_until_three_are_pinned(page: Page, base: str) -> None:
    """An editor publishes news pinned to everyone's stream, as many as it takes for three."""
    sign_in(page, base, EDITOR_EMAIL, DEMO_PASSWORD)
    for number in range(3):
        page.goto(f"{base}/")
        if page.locator(".featured").count() >= 3:
            return
        page.goto(f"{base}/news/new")
        page.get_by_label("Titel", exact=True).fill(f"Vastgezet bericht {number + 1}")
        page.get_by_label("Tekst (Markdown)").fill("Dit staat een week bovenaan de stroom van iedereen.")
        page.locator("#write-featured").fill((date.today() + timedelta(days=7)).isoformat())  # pinned until
        page.get_by_role("button", name="Publiceren").click()
        expect(page.locator(".flash")).to_be_visible()


def _post_in_the_circle(page: Page, base: str, text: str) -> None:
    page.goto(f"{base}/circles")
    page.get_by_role("link", name=CIRCLE.name, exact=True).first.click()
    page.locator("#composer-body").fill(text)
    page.locator("[data-composer]").get_by_role("button", name="Plaatsen").click()
    expect(page.locator("[data-stream-items]").get_by_text(text)).to_be_visible()


def test_the_new_posts_bar_is_in_sight_below_three_pinned_items(
    page: Page, other_page: Page, own_server: LiveServer
) -> None:
    # A server of its own: the news it pins would otherwise be the newest featured news on the
    # home page of every later test sharing the worker's server.
    live_server = own_server.base
    _pin_news_until_three_are_pinned(other_page, live_server)
    other_page.context.clear_cookies()
    sign_in(other_page, live_server, _email(POSTER.local), DEMO_PASSWORD)

    page.set_viewport_size(DESK)
    sign_in(page, live_server, _email(READER.local), DEMO_PASSWORD)
    expect(page.locator(".featured").nth(2)).to_be_visible()  # three pinned items, at least
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    bar = page.locator("[data-new-posts]")

    counted = re.match(r"\((\d+)\) ", page.title())
    before = int(counted.group(1)) if counted else 0

    # The reader at the top of the page: three pinned items fill the window.
    _post_in_the_circle(other_page, live_server, "Wie heeft de sleutel van het wijkpunt?")
    expect(bar).to_have_text("1 nieuw bericht")
    expect(bar).to_be_in_viewport()
    # The tab's title counts the new post too, for a reader who is in another tab.
    expect(page).to_have_title(re.compile(rf"^\({before + 1}\) "))

    # The reader far down the stream.
    page.locator("[data-stream-items] [data-post-id]").last.scroll_into_view_if_needed()
    _post_in_the_circle(other_page, live_server, "Gevonden, hij lag bij de receptie.")
    expect(bar).to_have_text("2 nieuwe berichten")
    expect(bar).to_be_in_viewport()

    # A click shows the new posts and takes the reader to them.
    bar.click()
    expect(bar).to_be_hidden()
    newest = page.locator("[data-stream-items] [data-post-id]").first
    expect(newest).to_contain_text("Gevonden, hij lag bij de receptie.")
    expect(newest).to_be_in_viewport()
