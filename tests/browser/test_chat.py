"""Two colleagues chat in a circle, live, in two Chromium contexts; then the server restarts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

# The chat test has a server of its own, so any two members of a closed team circle will do.
TEAM = next(c for c in CIRCLES if c.kind == "team" and c.visibility == "closed" and len(c.members) >= 2)
ALICE = next(p for p in PEOPLE if p.local == TEAM.members[0])
BOB = next(p for p in PEOPLE if p.local == TEAM.members[1])


def _open_chat(page: Page, base: str, email: str) -> None:
    sign_in(page, base, email, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Kringen").click()
    page.get_by_role("link", name=TEAM.name, exact=True).first.click()
    expect(page.get_by_role("heading", name="Chat")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def test_two_colleagues_chat_live_and_a_message_survives_a_restart(
    page: Page, other_page: Page, own_server: LiveServer
) -> None:
    base = own_server.base
    _open_chat(page, base, f"{ALICE.local}@{DEMO_DOMAIN}")
    _open_chat(other_page, base, f"{BOB.local}@{DEMO_DOMAIN}")
    alice_box, bob_log = page.get_by_placeholder("Schrijf een bericht"), other_page.locator("[data-chat-log]")

    alice_box.press_sequentially("Hoi Bob")
    expect(other_page.locator("[data-typing]")).to_have_text(f"{ALICE.name} typt…")
    page.get_by_role("button", name="Versturen").click()
    expect(bob_log.locator("li", has_text="Hoi Bob")).to_have_count(1)
    expect(other_page.locator("[data-typing]")).to_have_text("")
    expect(page.locator("[data-chat-log] li", has_text="Hoi Bob")).not_to_have_class(re.compile("pending"))
    # Bob's open chat marks the message read; Alice sees it.
    expect(page.locator("[data-seen]")).to_have_text(f"Gezien door {BOB.name}")

    own_server.stop()
    alice_box.fill("Gestuurd tijdens de herstart")
    page.get_by_role("button", name="Versturen").click()
    pending = page.locator("[data-chat-log] li", has_text="Gestuurd tijdens de herstart")
    expect(pending).to_have_class(re.compile("failed"))
    own_server.start()
    # Both pages reconnect by themselves; Alice's page sends again with the same client_id.
    expect(pending).not_to_have_class(re.compile("failed|pending"), timeout=20_000)
    expect(bob_log.locator("li", has_text="Gestuurd tijdens de herstart")).to_have_count(1, timeout=20_000)
    other_page.reload()
    expect(other_page.locator("[data-chat-log] li", has_text="Gestuurd tijdens de herstart")).to_have_count(1)


def test_replying_editing_deleting_and_reacting_in_the_chat(
    page: Page, other_page: Page, own_server: LiveServer
) -> None:
    base = own_server.base
    _open_chat(page, base, f"{ALICE.local}@{DEMO_DOMAIN}")
    _open_chat(other_page, base, f"{BOB.local}@{DEMO_DOMAIN}")
    page.get_by_placeholder("Schrijf een bericht").fill("Wie heeft de sleutel?")
    page.get_by_role("button", name="Versturen").click()
    first_match = other_page.locator("[data-chat-log] li", has_text="Wie heeft de sleutel?")
    expect(first_match).to_have_count(1)
    question_id = first_match.get_attribute("data-message-id")
    question = other_page.locator(f'[data-chat-log] li[data-message-id="{question_id}"]')

    question.get_by_role("button", name="Antwoorden").click()
    expect(other_page.locator("[data-replying]")).to_contain_text(f"Antwoord op {ALICE.name}")
    other_page.get_by_placeholder("Schrijf een bericht").fill("Ik heb hem")
    other_page.get_by_role("button", name="Versturen").click()
    answer = page.locator("[data-chat-log] li", has_text="Ik heb hem")
    expect(answer.locator(".chat-quote")).to_have_text(f"{ALICE.name}: Wie heeft de sleutel?")

    answer.locator("button[data-emoji=heart]").click()
    expect(answer.locator("button[data-emoji=heart] .count")).to_have_text("1")
    expect(
        other_page.locator("[data-chat-log] li", has_text="Ik heb hem").locator("button[data-emoji=heart] .count")
    ).to_have_text("1")

    own = page.locator(f'[data-chat-log] li[data-message-id="{question_id}"]')
    own.get_by_role("button", name="Bewerken").click()
    own.get_by_role("textbox", name="Bewerken").fill("Wie heeft de sleutel van de kast?")
    own.get_by_role("button", name="Opslaan").click()
    expect(question).to_contain_text("Wie heeft de sleutel van de kast?")

    page.once("dialog", lambda dialog: dialog.accept())
    own.get_by_role("button", name="Verwijderen").click()
    expect(question).to_contain_text("bericht verwijderd")


def test_older_messages_load_on_request(page: Page, tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.env["KRING_LIMIT_MESSAGES_PER_MINUTE"] = "1000"  # sixty messages in a few seconds
    server.prepare().start()
    try:
        _older_messages(page, server.base)
    finally:
        server.stop()


def _older_messages(page: Page, base: str) -> None:
    _open_chat(page, base, f"{ALICE.local}@{DEMO_DOMAIN}")
    circle_id = page.locator("[data-chat]").get_attribute("data-chat")
    token = page.locator("[data-chat-form] input[name=csrf_token]").input_value()
    for number in range(60):
        response = page.request.post(
            f"{base}/api/v1/circles/{circle_id}/messages",
            data={"body": f"bericht {number:02d}"},
            headers={"X-CSRF-Token": token, "Origin": base},
        )
        assert response.status == 201, response.text()
    page.reload()
    log = page.locator("[data-chat-log] li")
    expect(log).to_have_count(50)
    page.get_by_role("button", name="Oudere berichten").click()
    expect(log.first).to_contain_text("Goedemorgen!")  # the demo's first message, from the seed
    expect(page.locator("[data-chat-log] li", has_text="bericht 00")).to_have_count(1)
