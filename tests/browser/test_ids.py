"""Asking Ids (issue 18): a colleague asks in a direct message and sees the answer, with its link,
appear live; a question to @Ids in a circle's chat is answered in that chat."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/ids_shots")
ASKER = "emre.dogan"  # a member of Jongerenwerk whom no other browser test signs in as


def test_a_colleague_asks_ids_in_a_message_and_in_a_circle_chat_and_sees_the_answers_live(
    page: Page, live_server: str
) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, f"{ASKER}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/messages")
    page.get_by_role("button", name="Vraag het aan Ids").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ids")

    page.get_by_placeholder("Schrijf een bericht").fill("Hoe meld ik me ziek?")
    page.get_by_role("button", name="Versturen").click()
    answer = page.locator("[data-chat-log] li", has_text="Dit heb ik gevonden")
    expect(answer).to_be_visible()
    source = answer.get_by_role("link", name=re.compile("^(Ziek\\? Zo meld je je|Protocol ziekmelding)$")).first
    expect(source).to_have_attribute("href", re.compile("^/knowledge/(pages|documents)/\\d+$"))
    page.screenshot(path=SHOTS / "ids-direct-phone.png")

    page.set_viewport_size({"width": 1366, "height": 800})
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Kringen").click()
    page.get_by_role("link", name="Jongerenwerk", exact=True).first.click()
    page.get_by_placeholder("Schrijf een bericht").fill("@Ids waar vind ik het declaratieformulier?")
    page.get_by_role("button", name="Versturen").click()
    reply = page.locator("[data-chat-log] li", has_text="Declaratieregeling reiskosten")
    expect(reply).to_be_visible()
    expect(reply.get_by_role("link", name="Declaratieregeling reiskosten")).to_have_attribute(
        "href", re.compile("^/knowledge/documents/\\d+$")
    )
    page.screenshot(path=SHOTS / "ids-circle-desk.png")
