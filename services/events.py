"""Recording events in the log, and handing them on once they are committed.

Guarantees:
- `record` assigns the topic's next `seq` inside the caller's transaction. `seq` starts at 1 and
  has no gaps, and commit order is `seq` order per topic: the `topic_heads` row stays locked
  until commit (on SQLite the whole database is, see `services.transactions`).
- `record` adds the event to the open unit of work (`services.transactions.unit_of_work`,
  which `@writes` opens); the unit hands its events to the app's `Outbox`, and so to the
  `EventSink`, only after its commit, in `seq` order, and never after a rollback. A process that
  dies between commit and hand-over loses nothing: the log is the truth, and the realtime hub
  fills gaps from it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Event, RealtimeMeta, TopicHead
from models.base import utcnow
from services import event_types, transactions

EventT = TypeVar("EventT", bound=event_types.Event)
ORG_TOPIC = "org"


def circle_topic(circle_id: int) -> str:
    return f"circle:{circle_id}"


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class CommittedEvent:
    topic: str
    seq: int
    kind: str
    data: dict[str, Any]
    at: datetime

    @classmethod
    def of(cls, row: Event) -> CommittedEvent:
        return cls(row.topic, row.seq, row.kind, dict(row.data), row.at)

    def typed(self) -> event_types.Event:
        return event_types.parse(self.kind, self.data)


class EventSink(Protocol):
    """Receives committed events; implemented by the realtime publisher. The unit of work's
    `Outbox` calls it synchronously right after the commit, so it must only queue, never block."""

    def committed(self, events: Sequence[CommittedEvent]) -> None: ...


def _check_topic(topic: str, event_type: type[event_types.Event]) -> None:
    if event_types.topic_kind(topic) not in event_type.TOPICS:
        raise ValueError(f"{event_type.KIND} does not go on {topic}")


async def record(db: AsyncSession, topic: str, event: event_types.Event) -> CommittedEvent:
    """Append `event` to `topic` in the open unit of work and return it with its `seq`."""
    _check_topic(topic, type(event))
    unit = transactions.require(db)
    seq = await _next_seq(db, topic)
    row = Event(topic=topic, seq=seq, kind=event.KIND, data=event.data(), at=utcnow())
    db.add(row)
    committed = CommittedEvent.of(row)
    unit.events.append(committed)
    return committed


async def record_each(
    db: AsyncSession,
    topics: Iterable[str],
    event_type: type[EventT],
    data_of: Callable[[list[str]], Awaitable[dict[str, EventT]]],
) -> list[CommittedEvent]:
    """Record one event on each topic, its data computed by `data_of(topics)` only once every
    topic's head is locked. Counts computed then include every change committed before, and no
    change to those topics can commit before this one, so the last event a client receives
    carries the current figure. Heads are locked in name order, so two callers cannot deadlock."""
    unit = transactions.require(db)
    ordered = sorted(set(topics))
    for topic in ordered:
        _check_topic(topic, event_type)
    seqs = [await _next_seq(db, topic) for topic in ordered]
    data = await data_of(ordered)
    recorded = []
    for topic, seq in zip(ordered, seqs, strict=True):
        row = Event(topic=topic, seq=seq, kind=event_type.KIND, data=data[topic].data(), at=utcnow())
        db.add(row)
        recorded.append(CommittedEvent.of(row))
    unit.events.extend(recorded)
    return recorded


def upsert_insert(db: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both PostgreSQL and SQLite do)."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


async def _next_seq(db: AsyncSession, topic: str) -> int:
    insert = upsert_insert(db)
    statement = (
        insert(TopicHead)
        .values(topic=topic, seq=1)
        .on_conflict_do_update(index_elements=["topic"], set_={"seq": col(TopicHead.seq) + 1})
        .returning(col(TopicHead.seq))
    )
    result = await db.exec(statement)
    return int(result.scalar_one())


async def head(db: AsyncSession, topic: str) -> int:
    value = (await db.exec(select(TopicHead.seq).where(col(TopicHead.topic) == topic))).first()
    return int(value or 0)


async def heads(db: AsyncSession, topics: Sequence[str]) -> dict[str, int]:
    """Each topic's head; topics never written have 0."""
    found: dict[str, int] = dict.fromkeys(topics, 0)
    for start in range(0, len(topics), 500):
        chunk = list(topics[start : start + 500])
        rows = await db.exec(select(TopicHead.topic, TopicHead.seq).where(col(TopicHead.topic).in_(chunk)))
        found.update({topic: int(seq) for topic, seq in rows.all()})
    return found


async def epoch(db: AsyncSession) -> str:
    """The log's incarnation. A log whose epoch row is gone (the tables were reset) gets a new
    one, so cursors from before the reset are refused."""
    meta = await db.get(RealtimeMeta, 1)
    if meta is not None:
        return meta.epoch
    insert = upsert_insert(db)
    async with transactions.unit_of_work(db):
        await db.exec(insert(RealtimeMeta).values(id=1, epoch=secrets.token_hex(8)).on_conflict_do_nothing())
    meta = await db.get(RealtimeMeta, 1, populate_existing=True)
    assert meta is not None
    return meta.epoch


@dataclass(frozen=True)
class Replay:
    """What a resuming client gets: `recovered` with the missed events (all of them, or the
    first page), or nothing at all."""

    head: int
    recovered: bool
    events: list[CommittedEvent]


async def list_since(
    db: AsyncSession, topic: str, since: int, *, limit: int = 10_000, first: int | None = None
) -> Replay:
    """Every event of `topic` after `since`, or `recovered=False` when that cannot be complete:
    `since` is ahead of the head, some of the events were pruned, or there are more than
    `limit`. Never a partial replay. With `first`, only the first `first` events are returned,
    but `recovered` still says that all of them are held: the caller reads the rest in pages
    (`events_between`)."""
    current = await head(db, topic)
    if since > current:
        return Replay(current, False, [])
    if since == current:
        return Replay(current, True, [])
    if current - since > limit:
        return Replay(current, False, [])
    upto = current if first is None else min(current, since + max(1, first))
    if upto < current:
        held = await db.exec(
            select(func.count())
            .select_from(Event)
            .where(col(Event.topic) == topic, col(Event.seq) > since, col(Event.seq) <= current)
        )
        if held.one() != current - since:
            return Replay(current, False, [])
    events = await events_between(db, topic, since, upto)
    if len(events) != upto - since:
        return Replay(current, False, [])
    return Replay(current, True, events)


async def last_of_kinds(db: AsyncSession, topic: str, kinds: Sequence[str], *, at_most: int) -> CommittedEvent | None:
    """The newest event of one of `kinds` on `topic` with seq <= `at_most`, if the log still holds one."""
    row = (
        await db.exec(
            select(Event)
            .where(col(Event.topic) == topic, col(Event.kind).in_(kinds), col(Event.seq) <= at_most)
            .order_by(col(Event.seq).desc())
            .limit(1)
        )
    ).first()
    return CommittedEvent.of(row) if row is not None else None


async def events_between(db: AsyncSession, topic: str, after: int, upto: int) -> list[CommittedEvent]:
    """The events with after < seq <= upto, for filling a gap (may be fewer if pruned)."""
    rows = await db.exec(
        select(Event)
        .where(col(Event.topic) == topic, col(Event.seq) > after, col(Event.seq) <= upto)
        .order_by(col(Event.seq))
    )
    return [CommittedEvent.of(row) for row in rows.all()]


async def of_kinds_between(
    db: AsyncSession, topic: str, after: int, upto: int, kinds: Sequence[str]
) -> list[CommittedEvent]:
    """The events of the given kinds with after < seq <= upto, in order."""
    rows = await db.exec(
        select(Event)
        .where(col(Event.topic) == topic, col(Event.seq) > after, col(Event.seq) <= upto, col(Event.kind).in_(kinds))
        .order_by(col(Event.seq))
    )
    return [CommittedEvent.of(row) for row in rows.all()]


@transactions.writes
async def prune(db: AsyncSession, *, keep_seconds: int, keep_per_topic: int) -> int:
    """Forget events older than the window, or beyond the newest `keep_per_topic` of a topic."""
    cutoff = utcnow() - timedelta(seconds=keep_seconds)
    removed = (await db.exec(delete(Event).where(col(Event.at) < cutoff))).rowcount or 0
    crowded = await db.exec(
        select(TopicHead.topic, TopicHead.seq)
        .join(Event, col(Event.topic) == col(TopicHead.topic))
        .group_by(col(TopicHead.topic), col(TopicHead.seq))
        .having(func.count() > keep_per_topic)
    )
    for topic, seq in crowded.all():
        result = await db.exec(delete(Event).where(col(Event.topic) == topic, col(Event.seq) <= seq - keep_per_topic))
        removed += result.rowcount or 0
    return int(removed)
