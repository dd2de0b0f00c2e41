"""Two colleagues chat in a circle, live, in two Chromium contexts; then the server restarts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

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


def _choose(message: Locator, action: str) -> None:
    """Reply, edit or delete: from the message's "…" menu."""
    message.hover()
    message.locator("details.chat-menu > summary").click()
    message.get_by_role("button", name=action).click()


def _react(message: Locator, emoji: str) -> None:
    message.hover()
    message.locator("details.chat-picker > summary").click()
    message.locator(f"[data-pick-emoji={emoji}]").click()


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

    _choose(question, "Antwoorden")
    expect(other_page.locator("[data-replying]")).to_contain_text(f"Antwoord op {ALICE.name}")
    other_page.get_by_placeholder("Schrijf een bericht").fill("Ik heb hem")
    other_page.get_by_role("button", name="Versturen").click()
    answer = page.locator("[data-chat-log] li", has_text="Ik heb hem")
    expect(answer.locator(".chat-quote")).to_have_text(f"{ALICE.name}: Wie heeft de sleutel?")

    _react(answer, "heart")
    expect(answer.locator("button[data-emoji=heart] .count")).to_have_text("1")
    expect(
        other_page.locator("[data-chat-log] li", has_text="Ik heb hem").locator("button[data-emoji=heart] .count")
    ).to_have_text("1")

    own = page.locator(f'[data-chat-log] li[data-message-id="{question_id}"]')
    _choose(own, "Bewerken")
    own.get_by_role("textbox", name="Bewerken").fill("Wie heeft de sleutel van de kast?")
    own.get_by_role("button", name="Opslaan").click()
    expect(question).to_contain_text("Wie heeft de sleutel van de kast?")

    page.once("dialog", lambda dialog: dialog.accept())
    _choose(own, "Verwijderen")
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
    log = page.locator("[data-chat-log] .chat-message")
    expect(log).to_have_count(50)
    page.get_by_role("button", name="Oudere berichten").click()
    expect(log.first).to_contain_text("Goedemorgen!")  # the demo's first message, from the seed
    expect(page.locator("[data-chat-log] li", has_text="bericht 00")).to_have_count(1)


DESK = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
TITLE_COUNT = re.compile(r"^\((\d+)\) ")


def _title_count(page: Page) -> int:
    found = TITLE_COUNT.match(page.title())
    return int(found.group(1)) if found else 0


def _title_says(count: int) -> re.Pattern[str]:
    return re.compile(rf"^\({count}\) " if count else r"^[^(]")


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])
def test_enter_sends_and_shift_enter_starts_a_new_line(page: Page, live_server: str, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    _open_chat(page, live_server, f"{ALICE.local}@{DEMO_DOMAIN}")
    box = page.get_by_placeholder("Schrijf een bericht")
    box.click()
    box.press_sequentially(f"Eerste regel {size['width']}")
    box.press("Shift+Enter")
    box.press_sequentially("tweede regel")
    expect(box).to_have_value(f"Eerste regel {size['width']}\ntweede regel")
    box.press("Enter")
    sent = page.locator("[data-chat-log] .chat-message", has_text=f"Eerste regel {size['width']}")
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("tweede regel")
    expect(sent).not_to_have_class(re.compile("pending|failed"))
    expect(box).to_have_value("")
    box.press_sequentially(f"Met Ctrl {size['width']}")
    box.press("Control+Enter")
    expect(page.locator("[data-chat-log] .chat-message", has_text=f"Met Ctrl {size['width']}")).to_have_count(1)
    page.screenshot(path=f"/tmp/chat-enter-{size['width']}.png")


def test_messages_are_grouped_under_a_day_and_reactions_show_once_given(
    page: Page, other_page: Page, live_server: str
) -> None:
    page.set_viewport_size(DESK)
    _open_chat(page, live_server, f"{ALICE.local}@{DEMO_DOMAIN}")
    _open_chat(other_page, live_server, f"{BOB.local}@{DEMO_DOMAIN}")
    box = other_page.get_by_placeholder("Schrijf een bericht")
    for text in ("Zijn jullie er morgen?", "Dan neem ik koffie mee"):
        box.fill(text)
        box.press("Enter")
        expect(other_page.locator("[data-chat-log] .chat-message.pending")).to_have_count(0)
    log = page.locator("[data-chat-log]")
    first = log.locator(".chat-message", has_text="Zijn jullie er morgen?")
    second = log.locator(".chat-message", has_text="Dan neem ik koffie mee")
    expect(second).to_have_count(1)
    # One author line for both, under today's date.
    expect(first.locator(".chat-author")).to_be_visible()
    expect(second).to_have_class(re.compile(r"\bgrouped\b"))
    expect(second.locator(".chat-author")).to_be_hidden()
    expect(log.locator(".chat-day").last).to_have_text("Vandaag")
    # No empty emoji buttons: none at all until someone reacts, then just that one.
    expect(log.locator(".reaction:visible")).to_have_count(0)
    _react(second, "thumbsup")
    expect(second.locator(".reaction:visible")).to_have_count(1)
    expect(second.locator("button[data-emoji=thumbsup] .count")).to_have_text("1")
    expect(
        other_page.locator("[data-chat-log] .chat-message", has_text="Dan neem ik koffie mee").locator(
            ".reaction:visible"
        )
    ).to_have_count(1)
    page.mouse.move(0, 0)
    log.screenshot(path="/tmp/chat-grouped.png")
    # A day before today is named by its weekday and date, in the page's language.
    label = page.evaluate(
        """() => new Intl.DateTimeFormat('nl', {weekday: 'long', day: 'numeric', month: 'long'})
            .format(new Date(2026, 10, 30))"""
    )
    assert label == "maandag 30 november"


def test_a_chat_message_moves_the_title_of_a_colleague_on_the_home_page(
    page: Page, other_page: Page, live_server: str
) -> None:
    sign_in(page, live_server, f"{ALICE.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    before = _title_count(page)
    _open_chat(other_page, live_server, f"{BOB.local}@{DEMO_DOMAIN}")
    box = other_page.get_by_placeholder("Schrijf een bericht")
    box.fill("Koffie staat klaar")
    box.press("Enter")
    expect(page).to_have_title(_title_says(before + 1))
    expect(page.locator("[data-badge-chat]")).to_be_visible()


def test_reading_the_chat_clears_the_count_in_another_tab(page: Page, other_page: Page, live_server: str) -> None:
    _open_chat(page, live_server, f"{ALICE.local}@{DEMO_DOMAIN}")  # everything in the team read
    expect(page.locator("[data-chat-log] .chat-message").last).to_be_visible()
    page.goto(f"{live_server}/people")
    home = page.context.new_page()
    home.goto(live_server)
    expect(home.locator("html")).to_have_attribute("data-live", "on")
    before = _title_count(home)
    _open_chat(other_page, live_server, f"{BOB.local}@{DEMO_DOMAIN}")
    box = other_page.get_by_placeholder("Schrijf een bericht")
    box.fill("Wie sluit vanavond af?")
    box.press("Enter")
    expect(home).to_have_title(_title_says(before + 1))
    expect(page).to_have_title(_title_says(before + 1))

    page.go_back()  # the chat again, with the new message in sight
    expect(page.locator("[data-chat-log] .chat-message", has_text="Wie sluit vanavond af?")).to_be_visible()
    expect(home).to_have_title(_title_says(before))
    expect(page).to_have_title(_title_says(before))
