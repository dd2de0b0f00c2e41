"""The digest mail, sent to a real local SMTP server (aiosmtpd) and read back from it."""

from __future__ import annotations

import asyncio
import email
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from harness import free_port
from models import DigestFrequency, User
from models.base import utcnow
from server.context import AppContext
from server.digest_mail import Mailer, unsubscribe_url
from services import accounts, chat, circles, comments, direct, notification_settings, notifications, posts, reactions
from services.digest import period_start
from tests.support import BASE_URL, Visitor, make_circle, make_user


@dataclass
class Inbox:
    port: int
    mails: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.mails.append(message)
        return "250 OK"

    def take(self) -> list[EmailMessage]:
        taken, self.mails = self.mails, []
        return taken


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def settings_overrides(inbox: Inbox) -> dict[str, Any]:
    return {"smtp_url": f"smtp://127.0.0.1:{inbox.port}", "mail_from": "Kring <kring@kring.test>"}


def mailer(context: AppContext, settings: Settings | None = None) -> Mailer:
    return Mailer(settings or context.settings, context.db, context.catalogs, context.templates)


def parts(mail: EmailMessage) -> tuple[str, str]:
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    return plain.get_content(), html.get_content()


async def test_the_digest_holds_exactly_what_is_unseen(db: AsyncSession, context: AppContext, inbox: Inbox) -> None:
    bram = await accounts.update_profile(db, await make_user(db, "Bram Bakker"), locale="en")
    anna = await make_user(db, "Anna de Vries")
    carl = await make_user(db, "Carl Smit")
    quiet = await make_user(db, "Quinten Stil")
    circle = await make_circle(db, bram, name="Recepten")
    assert circle.id is not None
    for colleague in (anna, carl):
        await circles.join_circle(db, colleague, circle.id)
    soup = await posts.create_post(db, bram, circle.id, body="Mijn recept voor erwtensoep")
    cake = await posts.create_post(db, bram, circle.id, body="Appeltaart zonder suiker")
    await reactions.set_reaction(db, anna, "post", soup.id or 0, "heart", on=True)
    await comments.add_comment(db, carl, cake.id or 0, body="Lekker!")
    await reactions.set_reaction(db, carl, "post", cake.id or 0, "tada", on=True)
    seen = [line for line in await notifications.inbox(db, bram) if line.notification.kind.value == "reaction"]
    cake_reaction = next(line for line in seen if line.notification.subject == f"post:{cake.id}")
    await notifications.mark_read(db, bram, [cake_reaction.notification.id or 0])  # seen in Kring
    conversation = await direct.open_conversation(db, anna, [bram.id or 0])
    await chat.post_message(db, anna, conversation.id or 0, body="Heb je het recept?")

    now = utcnow()
    assert await mailer(context).send_due(now) == 1
    [mail] = inbox.take()
    assert mail["To"] == "Bram Bakker <" + bram.email + ">"
    assert mail["Subject"] == "What you missed in Kring"
    assert str(mail["List-Unsubscribe"]).strip() == f"<{unsubscribe_url(context.settings, bram.id or 0)}>"
    plain, html = parts(mail)
    for text in (plain, html):
        assert "Anna de Vries reacted with ❤️ to your post" in text
        assert "Carl Smit commented on your post" in text
        assert "Mijn recept voor erwtensoep" in text
        assert "You have 1 unread direct message." in text
        assert "Carl Smit reacted" not in text  # read in Kring: not in the digest
    assert f"{BASE_URL}/posts/{soup.id}" in plain
    assert unsubscribe_url(context.settings, bram.id or 0) in plain
    assert quiet.email not in str(mail["To"])

    # The same period again: nothing. The next day: only what is new since.
    assert await mailer(context).send_due(now) == 0
    await comments.add_comment(db, anna, soup.id or 0, body="Ik maak hem zondag")
    assert await mailer(context).send_due(now + timedelta(days=1)) == 1
    [second] = inbox.take()
    plain, _html = parts(second)
    assert "Anna de Vries commented on your post" in plain
    assert "reacted with" not in plain
    assert "direct message" not in plain


async def test_dutch_mail_for_dutch_colleagues_and_weekly_choices(
    db: AsyncSession, context: AppContext, inbox: Inbox
) -> None:
    anna = await accounts.update_profile(db, await make_user(db, "Anna de Vries"), locale="nl")
    bram = await make_user(db, "Bram Bakker")
    circle = await make_circle(db, anna, name="Buurtcoaches")
    assert circle.id is not None
    await circles.join_circle(db, bram, circle.id)
    post = await posts.create_post(db, anna, circle.id, body="Overleg over de wijk")
    await reactions.set_reaction(db, bram, "post", post.id or 0, "heart", on=True)
    await notification_settings.save_preferences(db, anna, digest=DigestFrequency.WEEKLY)

    now = utcnow()
    assert await mailer(context).send_due(now) == 1
    [mail] = inbox.take()
    assert mail["Subject"] == "Wat je hebt gemist in Kring"
    plain, _html = parts(mail)
    assert "Bram Bakker reageerde met ❤️ op je bericht" in plain
    await comments.add_comment(db, bram, post.id or 0, body="Ik kom")
    week_end = period_start(DigestFrequency.WEEKLY, now, ZoneInfo(context.settings.timezone)) + timedelta(days=7)
    later_that_week = min(now + timedelta(days=1), week_end - timedelta(seconds=1))
    assert await mailer(context).send_due(later_that_week) == 0
    assert await mailer(context).send_due(week_end + timedelta(hours=1)) == 1
    [weekly] = inbox.take()
    assert "Bram Bakker schreef een reactie op je bericht" in parts(weekly)[0]


async def test_a_failed_send_is_tried_again_and_never_is_never(
    db: AsyncSession, context: AppContext, inbox: Inbox
) -> None:
    anna = await make_user(db)
    bram = await make_user(db)
    circle = await make_circle(db, anna)
    assert circle.id is not None
    await circles.join_circle(db, bram, circle.id)
    post = await posts.create_post(db, anna, circle.id, body="Iets")
    await reactions.set_reaction(db, bram, "post", post.id or 0, "heart", on=True)
    unreachable = context.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    now = utcnow()
    assert await mailer(context, unreachable).send_due(now) == 0
    assert await mailer(context).send_due(now) == 1  # the claim was given back
    assert len(inbox.take()) == 1

    await notification_settings.save_preferences(db, anna, digest=DigestFrequency.NEVER)
    await reactions.set_reaction(db, bram, "post", post.id or 0, "tada", on=True)
    assert await mailer(context).send_due(now + timedelta(days=8)) == 0


async def test_the_unsubscribe_link_stops_the_digest(
    db: AsyncSession, context: AppContext, inbox: Inbox, visitor: Visitor
) -> None:
    anna = await make_user(db)
    link = unsubscribe_url(context.settings, anna.id or 0).removeprefix(BASE_URL)
    page = await visitor.get(link)
    assert page.status_code == 200
    assert "Wil je geen overzichtsmail meer ontvangen?" in page.text
    forged = await visitor.http.post(link[:-4] + "0000", headers={"Origin": BASE_URL})
    assert forged.status_code == 404
    # Mail programs unsubscribe with one POST and nothing else (RFC 8058).
    done = await visitor.http.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 303
    choices = await notification_settings.preferences(db, anna)
    await db.refresh(choices)
    assert choices.digest is DigestFrequency.NEVER


async def test_the_digest_command_sends_from_cron(
    db: AsyncSession, settings: Settings, inbox: Inbox, tmp_path: Any
) -> None:
    anna = await make_user(db, "Anna de Vries")
    bram = await make_user(db, "Bram Bakker")
    circle = await make_circle(db, anna)
    assert circle.id is not None
    await circles.join_circle(db, bram, circle.id)
    post = await posts.create_post(db, anna, circle.id, body="Wie doet de boodschappen?")
    await reactions.set_reaction(db, bram, "post", post.id or 0, "heart", on=True)
    env = {
        **os.environ,
        "KRING_DATABASE_URL": settings.database_url,
        "KRING_SMTP_URL": f"smtp://127.0.0.1:{inbox.port}",
        "KRING_SECRET_KEY": settings.secret.decode(),
        "KRING_VAR_DIR": str(tmp_path),
    }

    def digest(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "server", "digest"]
        return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)

    done = await asyncio.to_thread(digest, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "kring: sent 1 digest mail"
    [mail] = inbox.take()
    assert anna.email in str(mail["To"])
    again = await asyncio.to_thread(digest, env)
    assert again.stdout.strip() == "kring: sent 0 digest mails"
    missing = await asyncio.to_thread(digest, {**env, "KRING_SMTP_URL": ""})
    assert missing.returncode == 2
    assert "KRING_SMTP_URL" in missing.stderr


class TestThePeriodicTask:
    """With KRING_DIGEST_ENABLED the server sends due digests itself."""

    @pytest.fixture
    def settings_overrides(self, inbox: Inbox) -> dict[str, Any]:
        return {
            "smtp_url": f"smtp://127.0.0.1:{inbox.port}",
            "digest_enabled": True,
            "digest_hour": 0,
            "digest_check_seconds": 4,  # the first check comes after the arranging below
        }

    async def test_a_due_digest_goes_out_without_cron(self, db: AsyncSession, inbox: Inbox) -> None:
        anna = await make_user(db, "Anna de Vries")
        bram = await make_user(db, "Bram Bakker")
        circle = await make_circle(db, anna)
        assert circle.id is not None
        await circles.join_circle(db, bram, circle.id)
        post = await posts.create_post(db, anna, circle.id, body="Vrijwilligers gezocht")
        await reactions.set_reaction(db, bram, "post", post.id or 0, "heart", on=True)
        async with asyncio.timeout(30):
            while not inbox.mails:
                await asyncio.sleep(0.1)
        [mail] = inbox.take()
        assert anna.email in str(mail["To"])
        assert "Bram Bakker reageerde met ❤️ op je bericht" in parts(mail)[0]
        await asyncio.sleep(5)
        assert inbox.take() == []  # once per period


async def test_a_digest_run_survives_any_stored_name(db: AsyncSession, context: AppContext, inbox: Inbox) -> None:
    """Names are refused with line breaks now, but older rows may hold anything: one such
    colleague, first in the run, neither stops the digests of those after her nor loses her own."""
    reactor = await make_user(db, "Rik Reageert")
    eva, bram, carl = [await make_user(db, name) for name in ("Eva", "Bram Bakker", "Carl Smit")]
    circle = await make_circle(db, reactor)
    for colleague in (eva, bram, carl):
        await circles.join_circle(db, colleague, circle.id or 0)
        post = await posts.create_post(db, colleague, circle.id or 0, body=f"Bericht van {colleague.name}")
        await reactions.set_reaction(db, reactor, "post", post.id or 0, "heart", on=True)
    hostile = "Eva\r\nBcc: iedereen@example.org\u202egnaL"
    await db.exec(update(User).where(col(User.id) == eva.id).values(name=hostile))  # type: ignore[call-overload]
    await db.commit()

    assert await mailer(context).send_due(utcnow()) == 3
    mails = {str(mail["To"]): mail for mail in inbox.take()}
    assert mails.keys() == {
        f'"Eva Bcc: iedereen@example.orggnaL" <{eva.email}>',  # one quoted name, no header
        f"Bram Bakker <{bram.email}>",
        f"Carl Smit <{carl.email}>",
    }
    assert all(mail["Bcc"] is None for mail in mails.values())
