"""The event log: gap-free seq per topic, hand-over after commit only, and replay rules."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, MemberRole
from models.database import make_engine, make_sessionmaker
from server.context import AppContext
from services import circles, events
from services.errors import Conflict
from services.event_types import MemberUpdated
from services.transactions import Outbox, session_info, unit_of_work
from tests.support import add_member, make_circle, make_user


class ListSink:
    def __init__(self) -> None:
        self.received: list[events.CommittedEvent] = []

    def committed(self, committed: Sequence[events.CommittedEvent]) -> None:
        self.received.extend(committed)


async def test_circle_changes_are_events_with_rising_seq(db: AsyncSession) -> None:
    owner = await make_user(db)
    joiner = await make_user(db, "Jan Joiner")
    circle = await make_circle(db, owner)
    assert circle.id is not None
    topic = events.circle_topic(circle.id)

    await circles.join_circle(db, joiner, circle.id)
    await circles.update_circle(db, owner, circle.id, description="Nieuw")
    await circles.leave_circle(db, joiner, circle.id)

    replay = await events.list_since(db, topic, 0)
    assert replay.recovered
    assert [(e.seq, e.kind) for e in replay.events] == [(1, "member.joined"), (2, "circle.updated"), (3, "member.left")]
    assert replay.events[0].data["user"] == {"id": joiner.id, "name": "Jan Joiner", "job_title": "", "avatar": None}
    assert replay.events[2].data == {
        "circle_id": circle.id,
        "user_id": joiner.id,
        "reason": "left",
        "visibility": "open",
    }


async def test_events_reach_the_sink_after_commit_and_never_after_rollback(context: AppContext) -> None:
    sink = ListSink()
    sessions = make_sessionmaker(context.engine, info=session_info(Outbox(sink)))
    async with sessions() as db:
        owner = await make_user(db)
        joiner = await make_user(db)
        circle = await make_circle(db, owner)
        circle_id = circle.id
        assert circle_id is not None

        async def record_and_fail() -> None:
            async with unit_of_work(db):
                await events.record(db, "circle:999", MemberUpdated(circle_id=999, user_id=1, role="member"))
                assert sink.received == []  # not before commit
                raise Conflict("rolled back")

        with pytest.raises(Conflict):
            await record_and_fail()
        assert sink.received == []
        assert await events.head(db, "circle:999") == 0

        await circles.join_circle(db, joiner, circle_id)
        assert [(e.topic, e.seq, e.kind) for e in sink.received] == [(f"circle:{circle_id}", 1, "member.joined")]


async def test_a_refused_operation_records_nothing(db: AsyncSession) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    circle = await make_circle(db, owner)
    assert circle.id is not None
    topic = events.circle_topic(circle.id)
    await add_member(db, owner, circle, member)
    head = await events.head(db, topic)
    with pytest.raises(Conflict):
        # the last admin may not step down (leaving hands the circle on, so it is no refusal)
        await circles.set_member_role(db, owner, circle.id, owner.id or 0, MemberRole.MEMBER)
    assert await events.head(db, topic) == head


async def test_replay_is_all_or_nothing(db: AsyncSession) -> None:
    owner = await make_user(db)
    circle = await make_circle(db, owner)
    assert circle.id is not None
    topic = events.circle_topic(circle.id)
    for number in range(5):
        await circles.update_circle(db, owner, circle.id, description=f"versie {number}")

    assert [e.seq for e in (await events.list_since(db, topic, 2)).events] == [3, 4, 5]
    assert (await events.list_since(db, topic, 5)) == events.Replay(5, True, [])
    ahead = await events.list_since(db, topic, 6)
    assert (ahead.recovered, ahead.events) == (False, [])
    too_many = await events.list_since(db, topic, 0, limit=3)
    assert (too_many.recovered, too_many.events) == (False, [])

    removed = await events.prune(db, keep_seconds=3600, keep_per_topic=2)
    assert removed == 3
    pruned = await events.list_since(db, topic, 2)
    assert (pruned.recovered, pruned.events, pruned.head) == (False, [], 5)
    assert [e.seq for e in (await events.list_since(db, topic, 3)).events] == [4, 5]


async def test_epoch_exists_after_migration(db: AsyncSession) -> None:
    epoch = await events.epoch(db)
    assert len(epoch) == 16


async def test_sixteen_concurrent_writers_leave_no_gap(context: AppContext, settings: object) -> None:
    """16 writers, 5 circles, separate connections: every topic's seq rises by exactly one."""
    async with context.db() as db:
        owner = await make_user(db)
        writers = [await make_user(db) for _ in range(16)]
        rooms = [await make_circle(db, owner, CircleVisibility.OPEN) for _ in range(5)]
    engine = make_engine(context.settings.async_database_url, pool_size=20, max_overflow=0)
    sessions = make_sessionmaker(engine)

    async def writer(number: int) -> None:
        async with sessions() as db:
            for round_ in range(6):
                circle = rooms[(number + round_) % 5]
                assert circle.id is not None
                await circles.join_circle(db, writers[number], circle.id)
                await circles.leave_circle(db, writers[number], circle.id)

    try:
        await asyncio.gather(*(writer(n) for n in range(16)))
    finally:
        await engine.dispose()
    async with context.db() as db:
        total = 0
        for circle in rooms:
            assert circle.id is not None
            replay = await events.list_since(db, events.circle_topic(circle.id), 0)
            assert replay.recovered
            assert [e.seq for e in replay.events] == list(range(1, replay.head + 1))
            total += replay.head
        assert total == 16 * 6 * 2
