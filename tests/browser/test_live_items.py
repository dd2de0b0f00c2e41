"""An item that arrives live looks and acts as it does after a reload: one renderer for both.

Chat messages, comments and member rows come with their server-rendered HTML in the event; the
page only shows what differs per viewer (own edit button, an admin's remove) from data
attributes. Each test compares what a colleague sees live with what the same colleague sees
after reloading, at desk and phone size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/kring-shots")
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
ORG_ZONE = ZoneInfo("Europe/Amsterdam")  # config.settings' default, which the live server keeps

TEAM = next(c for c in CIRCLES if c.kind == "team" and c.visibility == "closed" and len(c.members) >= 2)
ALICE = next(p for p in PEOPLE if p.local == TEAM.members[0])
BOB = next(p for p in PEOPLE if p.local == TEAM.members[1])
OPEN = next(c for c in CIRCLES if c.visibility == "open")
WATCHER = next(p for p in PEOPLE if p.local in {*OPEN.admins, *OPEN.members} and p.local not in OPEN.admins)
NEWCOMER = next(p for p in PEOPLE if p.local not in {*OPEN.admins, *OPEN.members} and p.role == "member")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    live = LiveServer(tmp_path_factory.mktemp("live-items")).prepare().start()
    try:
        yield live.base
    finally:
        live.stop()


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@pytest.fixture
def api(server: str) -> Iterator[Callable[[str], httpx.Client]]:
    """A colleague's own API session, as another device of theirs would have."""
    clients: list[httpx.Client] = []

    def signed_in(local: str) -> httpx.Client:
        client = httpx.Client(base_url=server, headers={"Origin": server})
        clients.append(client)
        answer = client.post("/api/v1/session", json={"email": _email(local), "password": DEMO_PASSWORD})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return client

    yield signed_in
    for client in clients:
        client.close()


def _circle_id(client: httpx.Client, name: str) -> int:
    page = client.get("/api/v1/circles", params={"limit": 200})
    assert page.status_code == 200, page.text
    return int(next(c["id"] for c in page.json()["items"] if c["name"] == name))


def _live(page: Page, base: str, local: str, path: str) -> None:
    sign_in(page, base, _email(local), DEMO_PASSWORD)
    page.goto(f"{base}{path}")
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def _controls(item: Locator) -> list[str]:
    """The names of the controls a colleague can see on an item, in order."""
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in item.locator("button:visible, summary:visible").evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label') || e.textContent)"
        )
    ]


def _actions(message: Locator) -> list[str]:
    """What a chat message's "…" menu offers this colleague."""
    return [text.strip() for text in message.locator(".chat-actions button:not([hidden])").all_text_contents()]


def test_an_edited_message_shows_edited_live_and_after_a_reload_at_phone_size(
    page: Page, other_page: Page, server: str, api: Callable[[str], httpx.Client]
) -> None:
    alice = api(ALICE.local)
    circle_id = _circle_id(alice, TEAM.name)
    page.set_viewport_size(PHONE)
    _live(page, server, BOB.local, f"/circles/{circle_id}")
    _live(other_page, server, ALICE.local, f"/circles/{circle_id}")

    sent = alice.post(f"/api/v1/circles/{circle_id}/messages", json={"body": "Vergadering om 10 uur"})
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["id"]
    seen_by_bob = page.locator(f'[data-chat-log] li[data-message-id="{message_id}"]')
    seen_by_alice = other_page.locator(f'[data-chat-log] li[data-message-id="{message_id}"]')
    expect(seen_by_bob).to_contain_text("Vergadering om 10 uur")
    expect(seen_by_alice).to_contain_text("Vergadering om 10 uur")
    # Her own message, arrived live: Alice may edit and delete it; Bob may reply to it only.
    assert _actions(seen_by_alice) == [*_actions(seen_by_bob), "Bewerken", "Verwijderen"]
    assert "Bewerken" not in _actions(seen_by_bob)

    edited = alice.patch(f"/api/v1/messages/{message_id}", json={"body": "Vergadering om 11 uur"})
    assert edited.status_code == 200, edited.text
    expect(seen_by_bob).to_contain_text("Vergadering om 11 uur")
    expect(seen_by_bob).to_contain_text("(bewerkt)")
    live_controls = _controls(seen_by_bob)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "chat-edited-live-phone.png"), full_page=True)

    page.reload()
    expect(seen_by_bob).to_contain_text("Vergadering om 11 uur")
    expect(seen_by_bob).to_contain_text("(bewerkt)")
    assert _controls(seen_by_bob) == live_controls
    page.screenshot(path=str(SHOTS / "chat-edited-reloaded-phone.png"), full_page=True)


def test_chat_times_are_the_organisations_without_script_and_the_browsers_with_it(
    chromium: Browser, server: str, api: Callable[[str], httpx.Client]
) -> None:
    alice = api(ALICE.local)
    circle_id = _circle_id(alice, TEAM.name)
    sent = alice.post(f"/api/v1/circles/{circle_id}/messages", json={"body": "Hoe laat is het?"})
    assert sent.status_code == 201, sent.text
    at = datetime.fromisoformat(sent.json()["created_at"])
    for script, zone in ((False, "America/New_York"), (True, "Asia/Tokyo")):
        context = chromium.new_context(locale="nl-NL", timezone_id=zone, java_script_enabled=script)
        try:
            page = context.new_page()
            sign_in(page, server, _email(BOB.local), DEMO_PASSWORD)
            page.goto(f"{server}/circles/{circle_id}")
            time = page.locator(f'[data-chat-log] li[data-message-id="{sent.json()["id"]}"] time')
            shown_zone = ZoneInfo(zone) if script else ORG_ZONE
            expect(time).to_have_text(at.astimezone(shown_zone).strftime("%H:%M"))
        finally:
            context.close()


def test_a_live_comment_has_the_actions_of_a_loaded_one(
    page: Page, other_page: Page, server: str, api: Callable[[str], httpx.Client]
) -> None:
    alice, bob = api(ALICE.local), api(BOB.local)
    circle_id = _circle_id(alice, TEAM.name)
    posted = alice.post(f"/api/v1/circles/{circle_id}/posts", json={"body": "Wie neemt de taart mee?"})
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]
    page.set_viewport_size(DESK)
    _live(page, server, ALICE.local, f"/posts/{post_id}")
    _live(other_page, server, BOB.local, f"/posts/{post_id}")

    commented = bob.post(f"/api/v1/posts/{post_id}/comments", json={"body": "Ik, met **slagroom**"})
    assert commented.status_code == 201, commented.text
    selector = f'[data-comments] li[data-comment-id="{commented.json()["id"]}"]'
    for viewer in (page, other_page):
        expect(viewer.locator(selector)).to_contain_text("Ik, met slagroom")
    live = {viewer: _controls(viewer.locator(selector)) for viewer in (page, other_page)}
    assert "Bewerken" in live[other_page]  # Bob's own comment
    assert "Bewerken" not in live[page]
    assert {"Antwoorden", "heart"} <= set(live[page])  # reply and react, as everyone may
    assert page.locator(selector).locator(".avatar").count() == 1
    page.screenshot(path=str(SHOTS / "comment-live-desk.png"), full_page=True)

    # Bob's live comment takes a reaction from Alice and a reply, like any loaded one.
    page.locator(selector).locator("button[data-emoji=heart]").click()
    expect(other_page.locator(selector).locator("button[data-emoji=heart] .count")).to_have_text("1")
    page.locator(selector).locator("summary", has_text="Antwoorden").click()
    reply_box = page.locator(selector).get_by_label("Je antwoord")
    reply_box.press_sequentially(f"@{BOB.name[:3]}")  # @mentions work in a live item's box too
    expect(page.locator(selector).get_by_role("option", name=re.compile(BOB.name))).to_be_visible()
    reply_box.fill("Dank je!")
    page.locator(selector).get_by_role("button", name="Antwoorden").click()
    expect(other_page.locator("[data-comments] li.reply", has_text="Dank je!")).to_have_count(1)

    for viewer in (page, other_page):
        viewer.reload()
        assert _controls(viewer.locator(selector)) == live[viewer]


def test_a_live_member_row_has_avatar_and_presence(
    page: Page, other_page: Page, server: str, api: Callable[[str], httpx.Client]
) -> None:
    watcher = api(WATCHER.local)
    circle_id = _circle_id(watcher, OPEN.name)
    page.set_viewport_size(PHONE)
    _live(page, server, WATCHER.local, f"/circles/{circle_id}")
    _live(other_page, server, NEWCOMER.local, "/")  # online, so the row's dot is green

    joined = api(NEWCOMER.local).post(f"/api/v1/circles/{circle_id}/join", json={})
    assert joined.status_code == 200, joined.text
    row = page.locator("#member-list li", has_text=NEWCOMER.name)
    expect(row).to_contain_text(NEWCOMER.name)
    expect(row.locator(".avatar")).to_have_count(1)
    expect(row.locator(".presence")).to_have_attribute("data-state", "active", timeout=15_000)
    page.screenshot(path=str(SHOTS / "member-live-phone.png"), full_page=True)
    live_shape = row.evaluate("e => [...e.children].map(c => c.tagName + '.' + c.className)")

    page.reload()
    expect(row.locator(".presence")).to_have_attribute("data-state", "active")
    assert row.evaluate("e => [...e.children].map(c => c.tagName + '.' + c.className)") == live_shape
