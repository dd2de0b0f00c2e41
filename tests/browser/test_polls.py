"""A poll's live results move in a second tab without a reload: a colleague asks a poll with
the circle's post form, another colleague has the post open, and each vote, the change of one
and the closing show on the other's page as they happen (and stay after a reload). Then a poll
asked from the chat's composer on a phone is voted in the other tab, and the voter's choice
stays ticked when an edit redraws the message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/kring-shots")
TEAM = next(c for c in CIRCLES if c.kind == "team" and c.visibility == "closed" and len(c.members) >= 2)
ASKER, VOTER = (next(p for p in PEOPLE if p.local == local) for local in TEAM.members[:2])


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _counts(page: Page, poll: str) -> list[str]:
    return page.locator(f'[data-poll-id="{poll}"] [data-poll-count]').all_text_contents()


def test_a_polls_results_move_live_in_another_tab(page: Page, other_page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, _email(ASKER.local), DEMO_PASSWORD)
    page.goto(f"{live_server}/circles")
    page.get_by_role("link", name=TEAM.name, exact=True).first.click()
    circle_url = page.url.partition("#")[0]
    composer = page.locator("[data-composer]")
    composer.get_by_role("button", name="Peiling toevoegen").click()
    composer.locator("[data-poll-question]").fill("Waar houden we de teamdag?")
    options = composer.locator("[data-poll-option]")
    options.nth(0).fill("Op kantoor")
    options.nth(1).fill("In het buurthuis")
    composer.get_by_role("button", name="Optie toevoegen").click()
    expect(options).to_have_count(5)
    options.nth(4).fill("Buiten")
    composer.locator("#composer-body").fill("Stem even mee, dan kan ik reserveren.")
    composer.locator("button[type=submit].primary").click()

    poll = page.locator("[data-poll-id]").first
    expect(poll.locator(".poll-question")).to_have_text("Waar houden we de teamdag?")
    poll_id = poll.get_attribute("data-poll-id") or ""
    post_id = page.locator(f'article:has([data-poll-id="{poll_id}"])').get_attribute("data-post-id")
    expect(poll.locator(".poll-label")).to_have_text(["Op kantoor", "In het buurthuis", "Buiten"])

    other_page.set_viewport_size({"width": 390, "height": 844})
    sign_in(other_page, live_server, _email(VOTER.local), DEMO_PASSWORD)
    other_page.goto(f"{live_server}/posts/{post_id}")
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")
    seen = other_page.locator(f'[data-poll-id="{poll_id}"]')
    assert _counts(other_page, poll_id) == ["0", "0", "0"]
    # Only the poll's author and the circle's admins close it.
    expect(seen.get_by_role("button", name="Peiling sluiten")).to_be_hidden()

    # The asker votes in their tab: the voter's open page moves without a reload.
    poll.get_by_label("In het buurthuis").check()
    poll.get_by_role("button", name="Stemmen").click()
    expect(seen.locator("[data-poll-count]")).to_have_text(["0", "1", "0"])
    expect(seen.locator("[data-option-id] [data-poll-names]").nth(1)).to_have_text(ASKER.name)
    expect(seen.locator("[data-poll-voters]")).to_have_text("1")

    # The voter votes, then changes their vote; the asker's tab follows both.
    seen.get_by_label("Op kantoor").check()
    seen.get_by_role("button", name="Stemmen").click()
    expect(poll.locator("[data-poll-count]")).to_have_text(["1", "1", "0"])
    seen.get_by_label("Buiten").check()
    seen.get_by_role("button", name="Stemmen").click()
    expect(poll.locator("[data-poll-count]")).to_have_text(["0", "1", "1"])
    expect(poll.locator("[data-poll-voters]")).to_have_text("2")
    expect(seen.get_by_label("Buiten")).to_be_checked()

    # The asker closes it: the voter can vote no more, and the result stays.
    poll.get_by_role("button", name="Peiling sluiten").click()
    expect(seen.locator("[data-poll-state]")).to_have_text("Deze peiling is gesloten.")
    expect(seen.get_by_label("Op kantoor")).to_be_disabled()
    expect(seen.get_by_role("button", name="Stemmen")).to_be_hidden()
    expect(seen).to_have_class(re.compile(r"\bclosed\b"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    other_page.screenshot(path=str(SHOTS / "poll-closed-live-phone.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "poll-asker-desk.png"), full_page=True)

    other_page.reload()
    expect(seen.locator("[data-poll-count]")).to_have_text(["0", "1", "1"])
    expect(seen.get_by_label("Buiten")).to_be_checked()
    expect(seen.get_by_label("Buiten")).to_be_disabled()

    # The chat: the voter asks a poll from the composer on their phone, with no text beside it.
    other_page.goto(f"{circle_url}#chat")
    chat_form = other_page.locator("[data-chat-form]")
    chat_form.get_by_role("button", name="Peiling toevoegen").click()
    chat_form.get_by_label("Vraag").fill("Pizza of pannenkoeken?")
    chat_form.locator("[data-poll-option]").nth(0).fill("Pizza")
    chat_form.locator("[data-poll-option]").nth(1).press_sequentially("Pannenkoeken")
    chat_form.locator("[data-poll-option]").nth(1).press("Enter")  # the next field, not a half-made poll sent
    expect(chat_form.locator("[data-poll-option]").nth(2)).to_be_focused()
    expect(other_page.locator(".chat-message.pending")).to_have_count(0)
    send = chat_form.get_by_role("button", name="Versturen")
    expect(send).to_be_in_viewport()
    other_page.screenshot(path=str(SHOTS / "poll-chat-composer-phone.png"))
    send.click()
    asked = other_page.locator('.chat-message[data-owner] [data-poll-id]:has-text("Pizza of pannenkoeken?")')
    expect(asked.locator(".poll-label")).to_have_text(["Pizza", "Pannenkoeken"])
    expect(chat_form.locator("[data-poll-fields]")).to_be_hidden()  # folded and emptied for the next message
    chat_id = asked.get_attribute("data-poll-id") or ""

    page.goto(f"{circle_url}#chat")
    voted = page.locator(f'[data-chat-log] [data-poll-id="{chat_id}"]')
    voted.get_by_label("Pannenkoeken").check()
    voted.get_by_role("button", name="Stemmen").click()
    expect(asked.locator("[data-poll-count]")).to_have_text(["0", "1"])
    expect(asked.locator("[data-poll-names]").nth(1)).to_have_text(ASKER.name)

    # The voter's phone edits the message's text: the asker's tab redraws it, their tick stays.
    message = other_page.locator(f'.chat-message:has([data-poll-id="{chat_id}"])')
    message.get_by_title("Meer acties").click()
    message.get_by_role("button", name="Bewerken").click()
    message.locator("[data-chat-edit-form] textarea").fill("Zaterdag, na de klus")
    message.locator("[data-chat-edit-form] textarea").press("Enter")
    redrawn = page.locator(f'.chat-message:has([data-poll-id="{chat_id}"])')
    expect(redrawn.locator("[data-message-body]")).to_contain_text("Zaterdag, na de klus")
    expect(redrawn.get_by_role("radio", name="Pannenkoeken")).to_be_checked()
    expect(redrawn.get_by_role("radio", name="Pizza", exact=True)).not_to_be_checked()
    expect(redrawn.locator("[data-poll-count]")).to_have_text(["0", "1"])
