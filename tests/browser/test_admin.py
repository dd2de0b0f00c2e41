"""The admin console in Chromium: inviting a colleague by mail, deactivating one who has two
tabs open, and "Wachtwoord vergeten?" from the login page to signed in. The mails go to an
aiosmtpd server of this module; the server is this module's own (it changes the demo's people)."""

from __future__ import annotations

import email
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import Browser, Page, expect

from harness import free_port
from models import Role
from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

ADMIN = next(p for p in PEOPLE if p.role is Role.ADMIN)
MEMBERS = [p for p in PEOPLE if p.role is Role.MEMBER]
LINK = re.compile(r"https?://[^\s\"<>]+/(?:invitation|password/reset)/[A-Za-z0-9_-]+")
NEW_PASSWORD = "zomer aan de waal 2026"
MAIL_TIMEOUT = 10.0


@dataclass
class Inbox:
    """The mails the test's SMTP server received; `next` waits for one (the server's thread
    tells when it arrives)."""

    port: int
    mails: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.mails.append(message)
            self.arrived.notify_all()
        return "250 OK"

    def next_to(self, address: str) -> EmailMessage:
        with self.arrived:
            found = self.arrived.wait_for(lambda: any(address in str(m["To"]) for m in self.mails), MAIL_TIMEOUT)
            assert found, f"no mail to {address} arrived within {MAIL_TIMEOUT} s"
            mail = next(m for m in self.mails if address in str(m["To"]))
            self.mails.remove(mail)
            return mail


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[str]:
    live = LiveServer(Path(tmp_path_factory.mktemp("admin-server")))
    live.env["KRING_SMTP_URL"] = f"smtp://127.0.0.1:{inbox.port}"
    live.env["KRING_MAIL_FROM"] = "Kring <kring@rivierenland.example>"
    live.prepare()
    try:
        yield live.start().base
    finally:
        live.stop()


def link_in(mail: EmailMessage) -> str:
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    [link] = set(LINK.findall(plain.get_content()))
    return link


def open_console(page: Page, base: str) -> None:
    sign_in(page, base, f"{ADMIN.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    expect(page.get_by_role("heading", name="Collega's", level=1)).to_be_visible()


def test_an_admin_invites_a_colleague_who_sets_a_password_and_lands_signed_in(
    page: Page, other_page: Page, server: str, inbox: Inbox
) -> None:
    page.set_viewport_size({"width": 1366, "height": 800})
    open_console(page, server)
    invite = page.locator("#invite-form")
    invite.get_by_label("Naam").fill("Noor Nieuwenhuis")
    invite.get_by_label("E-mailadres").fill("noor.nieuwenhuis@rivierenland.example")
    invite.get_by_label("Team").fill("Buurtteam Centrum")
    invite.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.locator('.flash[role="status"]')).to_contain_text("De uitnodiging is onderweg.")
    expect(page.locator("#open-invitations")).to_contain_text("noor.nieuwenhuis@rivierenland.example")
    page.screenshot(path="/tmp/admin-console-desk.png", full_page=True)

    mail = inbox.next_to("noor.nieuwenhuis@rivierenland.example")
    assert mail["Subject"] == "Je bent uitgenodigd voor Welzijn Rivierenland"
    other_page.set_viewport_size({"width": 390, "height": 844})
    other_page.goto(link_in(mail))
    expect(other_page.get_by_role("heading", name="Welkom bij Welzijn Rivierenland, Noor Nieuwenhuis")).to_be_visible()
    other_page.screenshot(path="/tmp/admin-invitation-phone.png", full_page=True)
    other_page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    other_page.get_by_label("Herhaal het wachtwoord").fill(NEW_PASSWORD)
    other_page.get_by_role("button", name="Wachtwoord instellen en inloggen").click()
    expect(other_page.locator('.flash[role="status"]')).to_contain_text("Welkom! Je wachtwoord is ingesteld.")
    expect(other_page.locator(".user-link")).to_contain_text("Noor Nieuwenhuis")


def test_a_deactivated_colleague_is_signed_out_of_both_open_tabs(page: Page, chromium: Browser, server: str) -> None:
    leaver = MEMBERS[0]
    context = chromium.new_context(locale="nl-NL")
    try:
        first = context.new_page()
        sign_in(first, server, f"{leaver.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
        expect(first.locator("html")).to_have_attribute("data-live", "on")
        second = context.new_page()
        second.goto(f"{server}/circles")
        expect(second.locator("html")).to_have_attribute("data-live", "on")

        page.set_viewport_size({"width": 390, "height": 844})
        open_console(page, server)
        page.screenshot(path="/tmp/admin-console-phone.png")
        page.get_by_role("link", name=leaver.name, exact=True).click()
        page.get_by_role("button", name="Deactiveren").click()
        expect(page.locator('.flash[role="status"]')).to_contain_text("gedeactiveerd")

        # Both tabs go to the login page on their own: the socket hears the session end.
        for tab in (first, second):
            expect(tab).to_have_url(re.compile(r"/login$"), timeout=5_000)
    finally:
        context.close()


def test_forgot_password_from_the_login_page_to_signed_in(page: Page, server: str, inbox: Inbox) -> None:
    colleague = MEMBERS[1]
    address = f"{colleague.local}@{DEMO_DOMAIN}"
    page.goto(f"{server}/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.get_by_label("E-mailadres").fill(address)
    page.get_by_role("button", name="Stuur me een link").click()
    expect(page.get_by_role("status")).to_contain_text("een link onderweg")

    mail = inbox.next_to(address)
    page.goto(link_in(mail))
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord instellen en inloggen").click()
    expect(page.locator('.flash[role="status"]')).to_contain_text("Je nieuwe wachtwoord is ingesteld.")
    expect(page.locator(".user-link")).to_contain_text(colleague.name)

    # The link worked once; the old password no longer does, the new one does.
    page.goto(link_in(mail))
    expect(page.get_by_role("alert")).to_contain_text("Deze link werkt niet meer.")
