"""Direct messages as conversations (issue 16, problem 4): the page is named after the people in
it and shows none of the circle underneath; the list shows the last message, its time and the
unread count, most recent first; a group is started from the list and named by its members."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE, DemoPerson
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SIZES = {"desk": (1366, 800), "phone": (390, 844)}
SHOTS = Path("/tmp/direct_shots")
# Colleagues from the end of the demo list, a different pair per test, so tests sharing the live
# server never see each other's conversations.
SENDER = {"desk": PEOPLE[-1], "phone": PEOPLE[-3]}
RECIPIENT = {"desk": PEOPLE[-2], "phone": PEOPLE[-4]}


def _open(page: Page, base: str, who: DemoPerson, size: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    sign_in(page, base, f"{who.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)


def _message(page: Page, base: str, colleague: DemoPerson) -> None:
    """Open the conversation with `colleague` from their profile, as a colleague would."""
    page.goto(f"{base}/people?q={colleague.name}")
    page.get_by_role("link", name=colleague.name, exact=True).first.click()
    page.get_by_role("button", name="Stuur een bericht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(colleague.name)


def _send(page: Page, text: str) -> None:
    page.get_by_placeholder("Schrijf een bericht").fill(text)
    page.get_by_role("button", name="Versturen").click()
    expect(page.locator("[data-chat-log] li", has_text=text)).not_to_have_class(re.compile("pending|failed"))


@pytest.mark.parametrize("size", SIZES)
def test_a_direct_message_is_titled_with_the_senders_name_and_shows_no_circle_controls(
    page: Page, other_page: Page, live_server: str, size: str
) -> None:
    sender, recipient = SENDER[size], RECIPIENT[size]
    _open(page, live_server, sender, size)
    _message(page, live_server, recipient)
    _send(page, f"Hoi {recipient.name}, heb je even?")

    _open(other_page, live_server, recipient, size)
    other_page.goto(f"{live_server}/messages")
    other_page.get_by_role("link", name=sender.name, exact=True).click()

    title = re.compile(rf"^(\(\d+\) )?{re.escape(sender.name)} · ")
    expect(other_page).to_have_title(title)
    expect(other_page.get_by_role("heading", level=1)).to_have_text(sender.name)
    expect(other_page.locator("[data-chat-log] li", has_text="heb je even?")).to_be_visible()
    main = other_page.locator("main")
    expect(main.get_by_role("button", name="Kring verlaten")).to_have_count(0)
    expect(main.get_by_text("Alle activiteit")).to_have_count(0)
    expect(main.get_by_label("Meldingen")).to_have_count(0)
    expect(main.get_by_text("beheerder")).to_have_count(0)
    expect(main.get_by_text(re.compile("direct-"))).to_have_count(0)
    nav = other_page.get_by_role("navigation", name="Hoofdmenu")
    expect(nav.get_by_role("link", name=re.compile("^Berichten"))).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Kringen")).not_to_have_attribute("aria-current", "page")
    other_page.screenshot(path=str(SHOTS / f"conversation-{size}.png"), full_page=True)

    # The chat works as in a circle: the answer reaches the sender's open page live.
    _send(other_page, "Ja hoor, bel maar")
    expect(page.locator("[data-chat-log] li", has_text="Ja hoor, bel maar")).to_be_visible()


def test_the_list_shows_the_last_message_its_time_and_the_unread_count_newest_first(
    page: Page, other_page: Page, live_server: str
) -> None:
    me, first, second = PEOPLE[-5], PEOPLE[-6], PEOPLE[-7]
    _open(page, live_server, me, "desk")
    _message(page, live_server, first)
    _send(page, "Eerste vraag")
    _message(page, live_server, second)
    _send(page, "Tweede *vraag*")
    _open(other_page, live_server, first, "desk")
    other_page.goto(f"{live_server}/messages")
    other_page.get_by_role("link", name=me.name, exact=True).click()
    _send(other_page, "Antwoord op de eerste")

    for size in SIZES:
        page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
        page.goto(f"{live_server}/messages")
        rows = page.locator(".conversation-row")
        expect(rows).to_have_count(2)
        # The answer moved the first conversation back to the top, with its unread count.
        expect(rows.nth(0).get_by_role("link")).to_have_text(first.name)
        expect(rows.nth(0).locator("[data-last-message]")).to_have_text("Antwoord op de eerste")
        expect(rows.nth(0).locator("[data-unread]")).to_have_text("1 ongelezen bericht")
        expect(rows.nth(1).get_by_role("link")).to_have_text(second.name)
        expect(rows.nth(1).locator("[data-last-message]")).to_have_text("Jij: Tweede vraag")
        expect(rows.nth(1).locator("[data-unread]")).to_have_count(0)
        expect(rows.nth(0).locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
        expect(rows.nth(0).locator("time")).to_have_text(re.compile("(geleden|^nu)$"))
        page.screenshot(path=str(SHOTS / f"messages-{size}.png"), full_page=True)

    # The open list follows a new message without a reload.
    _send(other_page, "En nog een vraag")
    rows = page.locator(".conversation-row")
    expect(rows.nth(0).locator("[data-last-message]")).to_have_text("En nog een vraag")
    expect(rows.nth(0).locator("[data-unread]")).to_have_text("2 ongelezen berichten")


def test_a_group_conversation_is_started_from_the_list_and_named_by_its_members(
    page: Page, other_page: Page, live_server: str
) -> None:
    me, bram, carla = PEOPLE[-8], PEOPLE[-9], PEOPLE[-10]
    _open(page, live_server, me, "desk")
    page.goto(f"{live_server}/messages")
    page.get_by_text("Nieuw gesprek").click()
    # Eleven people is one too many: the form says so above itself and keeps the choice.
    boxes = page.locator(".colleague-choices input[type=checkbox]")
    for index in range(10):
        boxes.nth(index).check()
    page.get_by_role("button", name="Gesprek beginnen").click()
    expect(page.get_by_role("alert")).to_have_text("Een gesprek heeft maximaal 10 deelnemers: jij en 9 collega's.")
    expect(page.locator(".colleague-choices input:checked")).to_have_count(10)
    page.screenshot(path=str(SHOTS / "group-too-many-desk.png"))
    for index in range(10):
        boxes.nth(index).uncheck()

    page.get_by_label("Zoek een collega").fill(bram.name)
    page.get_by_role("checkbox", name=bram.name, exact=True).check()
    page.get_by_label("Zoek een collega").fill(carla.name)
    page.get_by_role("checkbox", name=carla.name, exact=True).check()
    page.get_by_role("button", name="Gesprek beginnen").click()
    names = " en ".join(sorted([bram.name, carla.name]))
    expect(page.get_by_role("heading", level=1)).to_have_text(names)
    expect(page).to_have_title(re.compile(rf"^(\(\d+\) )?{re.escape(names)} · "))
    _send(page, "Welkom in ons groepje")

    _open(other_page, live_server, carla, "phone")
    other_page.goto(f"{live_server}/messages")
    group_name = " en ".join(sorted([me.name, bram.name]))
    other_page.get_by_role("link", name=group_name, exact=True).click()
    expect(other_page.get_by_role("heading", level=1)).to_have_text(group_name)
    expect(other_page.locator("[data-chat-log] li", has_text="Welkom in ons groepje")).to_be_visible()
    other_page.screenshot(path=str(SHOTS / "group-phone.png"), full_page=True)
