"""Moderation in the browser: a colleague reports a chat message from its "…" menu with a
reason, and when an administrator hides it, it leaves the colleague's open chat at once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from models import Role
from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

TEAM = next(c for c in CIRCLES if c.kind == "team" and c.visibility == "closed" and len(c.members) >= 2)
AUTHOR = next(p for p in PEOPLE if p.local == TEAM.members[0])
REPORTER = next(p for p in PEOPLE if p.local == TEAM.members[1])
ADMIN = next(p for p in PEOPLE if p.role is Role.ADMIN)


def _client(base: str, local: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=30)
    answer = client.post("/api/v1/session", json={"email": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


@pytest.fixture
def clients(live_server: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    author, admin = _client(live_server, AUTHOR.local), _client(live_server, ADMIN.local)
    yield author, admin
    author.close()
    admin.close()


def test_a_reported_message_hidden_by_an_admin_leaves_the_open_chat(
    page: Page, live_server: str, clients: tuple[httpx.Client, httpx.Client]
) -> None:
    author, admin = clients
    circles = author.get("/api/v1/circles", params={"limit": 200}).json()["items"]
    circle_id = next(c["id"] for c in circles if c["name"] == TEAM.name)
    sent = author.post(f"/api/v1/circles/{circle_id}/messages", json={"body": "Dit is een scheldwoord"})
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["id"]

    sign_in(page, live_server, f"{REPORTER.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/circles/{circle_id}")
    message = page.locator(f'[data-chat-log] li[data-message-id="{message_id}"]')
    expect(message).to_contain_text("Dit is een scheldwoord")
    message.hover()
    message.locator(".chat-menu summary").click()
    message.get_by_role("link", name="Melden").click()
    page.get_by_label("Waarom moet een moderator hiernaar kijken?").fill("Scheldt een collega uit")
    page.get_by_role("button", name="Melden").click()
    expect(page.locator(".flash")).to_contain_text("Bedankt")
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    expect(message).to_contain_text("Dit is een scheldwoord")

    queue = admin.get("/moderatie")
    assert "Scheldt een collega uit" in queue.text
    hidden = admin.post(
        f"/moderatie/message/{message_id}/hide",
        data={"csrf_token": admin.headers["X-CSRF-Token"], "reason": "Houd het netjes"},
    )
    assert hidden.status_code == 303, hidden.text
    expect(message).not_to_contain_text("Dit is een scheldwoord")  # live, without a reload
