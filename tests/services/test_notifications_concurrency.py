"""Many colleagues at once: notifications, reads and direct messages in parallel transactions
neither deadlock nor leave a badge event behind the truth."""

from __future__ import annotations

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession

from server.context import AppContext
from services import chat, circles, direct, events, notifications, posts, reactions
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
