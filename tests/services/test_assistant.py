"""The assistant is an account of its own: one per installation, named by the branding,
mentioned and messaged like anyone, never signed in as, and never counted as a colleague."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import Event, Role, User, UserKind
from server.context import AppContext
from services import accounts, assistant, branding, chat, direct, insight, markdown, sessions
from services.errors import Conflict, Unauthenticated
from tests.support import Visitor, make_user


async def test_one_assistant_named_by_the_branding_whom_nobody_signs_in_as(
    db: AsyncSession, context: AppContext, settings: Settings, visitor: Visitor
) -> None:
    async def made() -> int:
        async with context.db() as session:
            return (await assistant.assistant_user(session)).id or 0

    # Several workers asking at once still make one account.
    assert len(set(await asyncio.gather(*(made() for _ in range(4))))) == 1
    count = (await db.exec(select(func.count()).select_from(User).where(User.kind == UserKind.ASSISTANT))).one()
    assert count == 1
    ids_user = await assistant.assistant_user(db)
    assert (ids_user.name, ids_user.is_assistant, ids_user.is_active) == ("Ids", True, True)
    assert (await markdown.render(db, "Weet @Ids waar het verlofformulier staat?")).mentions == (ids_user.id,)

    admin = await make_user(db, "Beheerder", role=Role.ADMIN)
    await branding.update(
        db, admin, settings, name=settings.org_name, color=settings.org_color, assistant_name="Wegwijs"
    )
    await db.refresh(ids_user)
    assert ids_user.name == "Wegwijs"
    assert (await markdown.render(db, "@Wegwijs, waar staat het?")).mentions == (ids_user.id,)
    await branding.reset(db, admin, settings)
    await db.refresh(ids_user)
    assert ids_user.name == "Ids"

    for password in ("", assistant.NO_PASSWORD, "Ids", "correct horse battery staple"):
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(
                db, context.login_limits, email=ids_user.email, password=password, address="10.0.0.1"
            )
    assert (await visitor.sign_in(ids_user, password=assistant.NO_PASSWORD)).status_code == 401
    with pytest.raises(Conflict):
        await accounts.deactivate(db, admin, ids_user)
    with pytest.raises(Conflict):
        await accounts.set_role(db, admin, ids_user, Role.ADMIN)


async def test_tell_sends_a_direct_message_as_a_colleague_would_and_counts_for_no_one(
    db: AsyncSession, visitor: Visitor
) -> None:
    anna = await make_user(db, "Anna de Vries", team="Wijkteam Noord")
    before = (await db.exec(select(func.max(Event.id)))).one() or 0
    message = await assistant.tell(db, anna.id or 0, "Welkom bij **Kring**!")
    again = await assistant.tell(db, anna.id or 0, "Nog iets.")
    assert message.circle_id == again.circle_id  # one conversation
    [(conversation, people)] = await direct.conversations(db, anna)
    assert [p.name for p in people] == ["Ids"]
    assert [m.body for m in await chat.history(db, anna, conversation.id or 0)] == [
        "Nog iets.",
        "Welkom bij **Kring**!",
    ]
    assert "<strong>Kring</strong>" in message.html
    kinds = (await db.exec(select(Event.kind).where(col(Event.id) > before).order_by(col(Event.id)))).all()
    assert kinds.count("message.created") == 2
    assert "badge.changed" in kinds  # Anna's unread count moved, as for a person's message

    # Anna's reply is her activity; what Ids says is no colleague's, and no interaction between two.
    await chat.post_message(db, anna, message.circle_id, body="Dank je!", reply_to_id=message.id)
    since = message.created_at - timedelta(days=1)
    assert {who for who, _ in await insight._traces(db, since)} == {anna.id}
    assert await insight.interactions(db, since) == []
    assert [p.name for p in await accounts.list_people(db)] == ["Anna de Vries"]
    assert await accounts.list_teams(db) == ["Wijkteam Noord"]

    # Its profile says what it does; it is always online; the directory does not list it.
    ids_user = await assistant.assistant_user(db)
    await visitor.sign_in(anna)
    page = await visitor.get(f"/people/{ids_user.id}")
    assert page.status_code == 200
    assert "virtuele collega" in page.text
    assert "Ik zoek alleen in wat je zelf mag zien" in page.text
    assert 'data-state="active"' in page.text
    assert ids_user.email not in page.text
    people = await visitor.get("/people")
    assert f'/people/{ids_user.id}"' not in people.text
