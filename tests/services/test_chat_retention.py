"""Chat retention (issue 20, data rights): messages older than the organisation's period, or a
circle's shorter one, are deleted by the periodic job, with everything that hung on them; a
circle may not keep chat longer than the organisation. Time is passed in, never waited for."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import REACTIONS, Attachment, Event, ItemKind, Message, Poll, Reaction, User
from models.base import utcnow
from server.context import AppContext
from services import attachments, chat, chat_retention, events, poll_state, reactions, search
from services.errors import Invalid, PermissionDenied
from services.search import Query
from services.transactions import unit_of_work
from tests.photo_files import png
from tests.support import Visitor, add_member, make_circle, make_user


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"chat_retention_days": 90}


async def _said(db: AsyncSession, author: Any, circle_id: int, body: str, days_ago: int, **extra: Any) -> int:
    message = await chat.post_message(db, author, circle_id, body=body, **extra)
    async with unit_of_work(db):  # as if said then: the clock the job gets decides the rest
        await db.exec(
            update(Message).where(col(Message.id) == message.id).values(created_at=utcnow() - timedelta(days=days_ago))
        )  # type: ignore[call-overload]
    return message.id or 0


async def test_old_chat_goes_with_its_parts_and_a_circle_only_keeps_it_shorter(
    db: AsyncSession, visitor: Visitor, context: AppContext, settings: Settings
) -> None:
    anna, bob = await make_user(db, "Anna Admin"), await make_user(db, "Bob Lid")
    care = await make_circle(db, anna, name="Zorgteam")
    canteen = await make_circle(db, anna, name="Kantine")
    for circle in (care, canteen):
        await add_member(db, anna, circle, bob)
    care_id, canteen_id, bob_id = care.id or 0, canteen.id or 0, bob.id
    await visitor.sign_in(anna)

    # Longer than the organisation's 90 days is refused with the reason, on the API and the page.
    refused = await visitor.write("PATCH", f"/api/v1/circles/{care_id}", json={"chat_retention_days": 120})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["message"] == (
        "The organisation keeps chat for at most 90 days; a circle may only keep it shorter."
    )
    with pytest.raises(Invalid):
        await chat_retention.set_circle_retention(db, anna, care_id, 0, organisation_days=90)
    # Without an organisation's period, a circle's is still a number of days a date can hold.
    with pytest.raises(Invalid):
        await chat_retention.set_circle_retention(db, anna, care_id, 10**20, organisation_days=None)
    endless = await visitor.write("PATCH", f"/api/v1/circles/{care_id}", json={"chat_retention_days": 10**20})
    assert endless.status_code == 422, endless.text
    with pytest.raises(PermissionDenied):  # a member is no admin
        await chat_retention.set_circle_retention(db, bob, care_id, 10, organisation_days=90)
    saved = await visitor.submit(f"/circles/{care_id}/chat-retention", {"chat_retention_days": "30"})
    assert saved.status_code == 303
    got = (await visitor.get(f"/api/v1/circles/{care_id}")).json()
    assert got["chat_retention_days"] == 30
    assert (await visitor.get(f"/api/v1/circles/{canteen_id}")).json()["chat_retention_days"] == 90

    photo = await attachments.upload(db, bob, png(), "rooster.png", media_dir=settings.media_dir)
    stored = attachments.path_of(settings.media_dir, photo.file)
    assert stored is not None
    old = await _said(
        db,
        bob,
        care_id,
        "Cliënt Pietersen heeft een zware nacht gehad",
        40,
        attachment_ids=[photo.id or 0],
        poll=poll_state.PollDraft("Wie neemt de nachtdienst?", ["Ik", "Jij"]),
    )
    await reactions.set_reaction(db, anna, "message", old, REACTIONS[0], on=True)
    authors_deleted = await _said(db, bob, care_id, "Een vergissing", 45)
    await chat.delete_message(db, bob, authors_deleted)
    reply = await _said(db, anna, care_id, "Sterkte met Pietersen", 5, reply_to_id=old)
    canteen_kept = await _said(db, bob, canteen_id, "Taart in de kantine", 40)
    canteen_old = await _said(db, bob, canteen_id, "Vrijdagborrel vorig seizoen", 100)
    await db.rollback()

    # Two workers at once: each message is deleted and announced by one of them.
    async def run() -> int:
        async with context.db() as session:
            return await chat_retention.delete_expired(session, 90, now=utcnow(), media_dir=settings.media_dir, batch=2)

    assert sum(await asyncio.gather(run(), run())) == 3
    assert await run() == 0  # nothing left to do: idempotent

    left = {m.id for m in (await db.exec(select(Message))).all()}
    assert left.isdisjoint({old, authors_deleted, canteen_old})
    assert {reply, canteen_kept} <= left
    assert (await db.get(Message, reply)).reply_to_id is None  # type: ignore[union-attr]
    assert not (await db.exec(select(Reaction).where(Reaction.target == f"message:{old}"))).all()
    assert not (await db.exec(select(Attachment).where(Attachment.id == photo.id))).all()
    assert not (await db.exec(select(Poll).where(Poll.target == f"message:{old}"))).all()
    assert not stored.exists()
    told = (
        await db.exec(select(Event).where(Event.topic == events.circle_topic(care_id), Event.kind == "message.deleted"))
    ).all()
    assert sorted(e.data["id"] for e in told) == sorted([old, authors_deleted])  # the author's own, and the job's once
    await db.rollback()

    history = (await visitor.get(f"/api/v1/circles/{care_id}/messages")).json()["items"]
    assert [m["id"] for m in history] == [reply]
    reader = await db.get(User, bob_id)
    assert reader is not None
    found = await search.search(db, reader, Query(text="Pietersen"))
    assert [hit.item.ref_id for hit in found.hits if hit.item.kind is ItemKind.MESSAGE] == [reply]
    page = (await visitor.get(f"/circles/{care_id}")).text
    assert "zware nacht" not in page
    assert "Sterkte met Pietersen" in page
    assert "Berichten worden na 30 dagen verwijderd." in page
    assert "Berichten worden na 90 dagen verwijderd." in (await visitor.get(f"/circles/{canteen_id}")).text
