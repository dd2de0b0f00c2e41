"""Circle chat: sending once, limits, history, deletion, replies and unread counts."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import REACTIONS, CircleVisibility, Message, NotifyLevel
from models.base import utcnow
from services import chat, direct, events, notification_settings, notifications, reactions
from services.chat import ChatLimits
from services.errors import Invalid, NotFound, PermissionDenied, RateLimited
from tests.support import add_member, make_circle, make_user


async def test_a_resent_message_is_stored_once(db: AsyncSession) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    assert circle.id is not None
    first = await chat.post_message(db, user, circle.id, body="Hallo", client_id="m-1")
    again = await chat.post_message(db, user, circle.id, body="Hallo", client_id="m-1")
    assert again.id == first.id
    assert [m.id for m in await chat.history(db, user, circle.id)] == [first.id]
    replay = await events.list_since(db, events.circle_topic(circle.id), 0)
    assert [e.kind for e in replay.events] == ["message.created"]
    assert replay.events[0].data["client_id"] == "m-1"


async def test_only_members_chat_and_closed_chats_are_for_members(db: AsyncSession) -> None:
    owner = await make_user(db)
    outsider = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    open_circle = await make_circle(db, owner, CircleVisibility.OPEN)
    assert closed.id is not None
    assert open_circle.id is not None
    await chat.post_message(db, owner, closed.id, body="Vertrouwelijk")
    with pytest.raises(PermissionDenied):
        await chat.history(db, outsider, closed.id)
    with pytest.raises(PermissionDenied):
        await chat.post_message(db, outsider, open_circle.id, body="Mag ik meepraten?")
    await chat.post_message(db, owner, open_circle.id, body="Iedereen mag meelezen")
    assert [m.body for m in await chat.history(db, outsider, open_circle.id)] == ["Iedereen mag meelezen"]


async def test_length_and_rate_limits_give_clear_errors(db: AsyncSession) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    assert circle.id is not None
    limits = ChatLimits(max_chars=10, per_minute=3)
    with pytest.raises(Invalid):
        await chat.post_message(db, user, circle.id, body="x" * 11, limits=limits)
    for number in range(3):
        await chat.post_message(db, user, circle.id, body=f"bericht {number}", limits=limits)
    with pytest.raises(RateLimited) as caught:
        await chat.post_message(db, user, circle.id, body="nog een", limits=limits)
    assert caught.value.retry_after > 0


async def test_deleted_messages_stay_as_deleted_and_replies_quote(db: AsyncSession) -> None:
    owner = await make_user(db)
    other = await make_user(db, "Piet Puk")
    circle = await make_circle(db, owner)
    assert circle.id is not None
    await add_member(db, owner, circle, other)
    question = await chat.post_message(db, other, circle.id, body="Wie heeft de sleutel?")
    answer = await chat.post_message(db, owner, circle.id, body="Ik!", reply_to_id=question.id)
    data = await chat.message_data(db, answer)
    assert data["reply_to"] == {"id": question.id, "author": "Piet Puk", "excerpt": "Wie heeft de sleutel?"}
    with pytest.raises(PermissionDenied):
        await chat.edit_message(db, other, answer.id or 0, body="Gekaapt")
    await chat.edit_message(db, owner, answer.id or 0, body="Ik, in de kast")
    await chat.delete_message(db, other, question.id or 0)
    shown = await chat.history(db, owner, circle.id)
    assert [(m.id, m.deleted_at is not None, m.body) for m in shown] == [
        (answer.id, False, "Ik, in de kast"),
        (question.id, True, ""),
    ]
    assert (await chat.message_data(db, answer))["reply_to"]["excerpt"] == ""
    with pytest.raises(NotFound):
        await reactions.set_reaction(db, owner, "message", question.id or 0, "heart", on=True)
    summary = await reactions.set_reaction(db, other, "message", answer.id or 0, "pray", on=True)
    assert summary.counts == {"pray": 1}


async def test_unread_counts_follow_the_read_marker(db: AsyncSession) -> None:
    owner = await make_user(db)
    reader = await make_user(db)
    circle = await make_circle(db, owner)
    assert circle.id is not None
    await add_member(db, owner, circle, reader)
    sent = [await chat.post_message(db, owner, circle.id, body=f"nummer {n}") for n in range(4)]
    await chat.post_message(db, reader, circle.id, body="mijn eigen")
    assert await chat.unread_counts(db, reader) == {circle.id: 4}
    assert await chat.unread_counts(db, owner) == {circle.id: 1}
    assert await chat.mark_read(db, reader, circle.id, sent[1].id or 0) == sent[1].id
    assert await chat.unread_counts(db, reader) == {circle.id: 2}
    assert await chat.mark_read(db, reader, circle.id, sent[0].id or 0) == sent[1].id  # never back
    await chat.mark_read(db, reader, circle.id, 10**9)
    assert await chat.unread_counts(db, reader) == {}
    kinds = [e.kind for e in (await events.list_since(db, events.user_topic(reader.id or 0), 0)).events]
    assert kinds.count("chat.read") == 2


async def test_history_pages_use_the_index_at_100000_messages(db: AsyncSession, backend: str) -> None:
    """The query plan, not a timing: newest-first pages of one circle are an index range scan."""
    user = await make_user(db)
    circle = await make_circle(db, user)
    other = await make_circle(db, user)
    assert circle.id is not None
    assert other.id is not None
    now = utcnow()
    rows = [
        {
            "circle_id": other.id if n % 6 == 5 else circle.id,
            "author_id": user.id,
            "body": "b",
            "html": "b",
            "created_at": now,
        }
        for n in range(120_000)
    ]
    for start in range(0, len(rows), 10_000):
        await db.exec(insert(Message), params=rows[start : start + 10_000])
    await db.commit()
    ids = (await db.exec(select(Message.id).where(Message.circle_id == circle.id).order_by(col(Message.id)))).all()
    assert len(ids) == 100_000
    before = ids[90_000]
    page = await chat.history(db, user, circle.id, before=before, limit=50)
    assert [m.id for m in page] == list(reversed(ids[89_950:90_000]))

    bind = db.get_bind()
    sql = str(
        chat.history_query(circle.id, before, 50).compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True})
    )
    if backend == "sqlite":
        plan = " ".join(str(row[-1]) for row in (await db.exec(text(f"EXPLAIN QUERY PLAN {sql}"))).all())
        assert (
            "USING INDEX ix_messages_circle_id_id" in plan or "USING COVERING INDEX ix_messages_circle_id_id" in plan
        ), plan
        assert "SCAN" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    else:
        await db.exec(text("ANALYZE messages"))
        plan = "\n".join(str(row[0]) for row in (await db.exec(text(f"EXPLAIN {sql}"))).all())
        assert "Index Scan" in plan or "Index Only Scan" in plan, plan
        assert "Seq Scan" not in plan, plan
        assert "Sort" not in plan, plan


@pytest.mark.parametrize("visibility", [CircleVisibility.CLOSED, CircleVisibility.SECRET])
async def test_a_message_in_a_circle_one_may_not_read_is_as_missing_as_one_that_never_was(
    db: AsyncSession, visibility: CircleVisibility
) -> None:
    """Found by the attack (issue 14, 13): an outsider's edit of a closed circle's message was a
    403 where a missing one is a 404, which told them the message exists."""
    owner = await make_user(db)
    outsider = await make_user(db)
    circle = await make_circle(db, owner, visibility)
    assert circle.id is not None
    message = await chat.post_message(db, owner, circle.id, body="Alleen voor leden")
    assert message.id is not None
    answers = []
    for message_id in (message.id, message.id + 1000):
        for attempt in (
            chat.edit_message(db, outsider, message_id, body="Overgenomen"),
            chat.delete_message(db, outsider, message_id),
            reactions.set_reaction(db, outsider, "message", message_id, REACTIONS[0], on=True),
        ):
            with pytest.raises(NotFound) as refused:
                await attempt
            answers.append(str(refused.value))
    assert len(set(answers)) == 1


async def _last_badge(db: AsyncSession, user_id: int) -> dict[str, object]:
    """The badge as the colleague's other tabs last heard it, from the event log alone."""
    replay = await events.list_since(db, events.user_topic(user_id), 0)
    return [e.data for e in replay.events if e.kind == notifications.BADGE_EVENT][-1]


async def test_the_badge_counts_unread_chat_in_circles_not_muted(db: AsyncSession) -> None:
    anna, bram = await make_user(db, "Anna"), await make_user(db, "Bram")
    team = await make_circle(db, anna, CircleVisibility.CLOSED, name="Buurtteam")
    choir = await make_circle(db, anna, name="Koor")
    assert team.id is not None
    assert choir.id is not None
    await chat.post_message(db, anna, team.id, body="Van voor Brams tijd")  # history, never unread
    for circle in (team, choir):
        await add_member(db, anna, circle, bram)
    await chat.post_message(db, anna, team.id, body="Wie heeft de sleutel?")
    newest = await chat.post_message(db, anna, team.id, body="Van de kast?")
    await chat.post_message(db, anna, choir.id, body="Repetitie om acht uur")
    await chat.post_message(db, bram, choir.id, body="Ik kom")  # his own: never unread
    conversation = await direct.open_conversation(db, anna, [bram.id or 0])
    await chat.post_message(db, anna, conversation.id or 0, body="Hoi")  # counted as direct, not chat
    expected = {"notifications": 0, "direct": 1, "chat": 3, "count": 4}
    badge = await notifications.badge(db, bram)
    assert {k: badge.data()[k] for k in expected} == expected
    assert {k: (await _last_badge(db, bram.id or 0))[k] for k in expected} == expected

    # Muting the choir takes its chat out of the count, in every tab.
    await notification_settings.set_circle_level(db, bram, choir.id, NotifyLevel.MUTED)
    assert (await notifications.badge(db, bram)).chat == 2
    assert (await _last_badge(db, bram.id or 0))["chat"] == 2
    await chat.post_message(db, anna, choir.id, body="Nog iemand?")
    assert (await notifications.badge(db, bram)).chat == 2
    assert (await _last_badge(db, bram.id or 0))["chat"] == 2

    # Reading the team's chat clears it; the title need not count chat at all.
    await chat.mark_read(db, bram, team.id, newest.id or 0)
    assert (await _last_badge(db, bram.id or 0))["chat"] == 0
    await chat.post_message(db, anna, team.id, body="Gevonden!")
    await notification_settings.save_preferences(db, bram, title_counts=["notifications", "direct"])
    badge = await notifications.badge(db, bram)
    assert (badge.chat, badge.count) == (1, 1)
    assert {k: (await _last_badge(db, bram.id or 0))[k] for k in ("chat", "count")} == {"chat": 1, "count": 1}
