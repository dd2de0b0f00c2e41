"""Many colleagues at once: notifications, reads and direct messages in parallel transactions
neither deadlock nor leave a badge event behind the truth."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Notification, NotificationKind
from server.context import AppContext
from services import access, chat, circles, direct, events, notifications, posts, reactions
from services.transactions import unit_of_work
from tests.support import make_circle, make_user


async def test_parallel_writers_agree_on_every_badge(db: AsyncSession, context: AppContext) -> None:
    people = [await make_user(db) for _ in range(6)]
    rooms = [await make_circle(db, people[0]), await make_circle(db, people[1])]
    for circle in rooms:
        for person in people:
            if person.id != circle.created_by:
                await circles.join_circle(db, person, circle.id or 0)
    made = [await posts.create_post(db, p, rooms[i % 2].id or 0, body=f"Post {i}") for i, p in enumerate(people)]
    talks = [await direct.open_conversation(db, people[i], [people[(i + 1) % 6].id or 0]) for i in range(6)]

    async def act(number: int) -> None:
        actor = people[number % 6]
        async with context.db() as session:
            if number % 3 == 0:
                await reactions.set_reaction(session, actor, "post", made[(number + 1) % 6].id or 0, "heart", on=True)
            elif number % 3 == 1:
                await chat.post_message(session, actor, talks[number % 6].id or 0, body=f"bericht {number}")
            else:
                await notifications.mark_read(session, actor)

    await asyncio.gather(*(act(n) for n in range(60)))
    for person in people:
        replay = await events.list_since(db, events.user_topic(person.id or 0), 0)
        badges = [e.data for e in replay.events if e.kind == notifications.BADGE_EVENT]
        if badges:
            assert badges[-1] == (await notifications.badge(db, person)).data()


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has one writer: nothing to interleave
async def test_a_circle_locked_for_a_change_does_not_hold_up_rows_that_refer_to_it(
    db: AsyncSession, context: AppContext
) -> None:
    """A change to a circle locks its row (`access_circle`); a plain FOR UPDATE also blocked the
    key-share lock every insert of a row referring to the circle takes. A writer holding the
    circle's topic head while inserting a notification about it then deadlocked with one holding
    the circle and waiting for that head (found by trust case 9)."""
    owner, reader = await make_user(db), await make_user(db)
    circle = await make_circle(db, owner)
    assert circle.id is not None
    async with context.db() as holding, context.db() as referring:

        async def refer() -> None:
            async with unit_of_work(referring):
                referring.add(
                    Notification(
                        user_id=reader.id or 0,
                        kind=NotificationKind.MENTION,
                        subject="post:1",
                        circle_id=circle.id,
                        url=f"/circles/{circle.id}",
                    )
                )

        async with unit_of_work(holding):
            await access.access_circle(holding, owner, circle.id)
            await asyncio.wait_for(refer(), timeout=5)
