"""Units of work: operations compose in one transaction, and what follows a commit follows it
only (events to the sink in seq order, after-commit jobs once), never a rollback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

import server.app  # noqa: F401  (every module that might listen is imported)
from models import CircleVisibility, MemberRole, Membership, Message, Role, User
from models.database import SessionMaker, make_sessionmaker
from server.context import AppContext
from services import chat, circles, documents, events, notifications
from services.errors import Conflict, PermissionDenied
from services.event_types import NewsRead
from services.transactions import Outbox, current, session_info, unit_of_work
from tests.support import make_circle, make_user


class ListSink:
    def __init__(self) -> None:
        self.received: list[events.CommittedEvent] = []

    def committed(self, committed: Sequence[events.CommittedEvent]) -> None:
        self.received.extend(committed)


@dataclass
class CountingExtractor:
    woken: int = 0

    def wake(self) -> None:
        self.woken += 1


@dataclass
class Setup:
    sessions: SessionMaker
    sink: ListSink
    outbox: Outbox
    owner: User
    member: User
    outsider: User
    circle_id: int
    secret_id: int
    ran: list[str] = field(default_factory=list)


@pytest.fixture
async def setup(context: AppContext) -> Setup:
    sink = ListSink()
    outbox = Outbox(sink, extractor=CountingExtractor())
    sessions = make_sessionmaker(context.engine, info=session_info(outbox))
    async with sessions() as db:
        owner, member, outsider = await make_user(db), await make_user(db), await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
        secret = await make_circle(db, owner, CircleVisibility.SECRET)
        await circles.join_circle(db, member, circle.id or 0)
    sink.received.clear()
    return Setup(sessions, sink, outbox, owner, member, outsider, circle.id or 0, secret.id or 0)


@pytest.fixture
async def session(setup: Setup) -> AsyncIterator[AsyncSession]:
    async with setup.sessions() as db:
        yield db


async def _messages(setup: Setup) -> list[str]:
    async with setup.sessions() as fresh:
        found = await fresh.exec(select(Message.body).where(Message.circle_id == setup.circle_id))
        return list(found.all())


async def _is_member(setup: Setup, user: User) -> bool:
    async with setup.sessions() as fresh:
        found = await fresh.exec(
            select(Membership.id).where(Membership.circle_id == setup.circle_id, Membership.user_id == user.id)
        )
        return found.first() is not None


async def test_two_operations_in_one_unit_commit_together(setup: Setup, session: AsyncSession) -> None:
    async with unit_of_work(session):
        await circles.join_circle(session, setup.outsider, setup.circle_id)
        await chat.post_message(session, setup.outsider, setup.circle_id, body="Hallo allemaal")
        assert setup.sink.received == []  # nothing is handed on before the commit
        assert not await _is_member(setup, setup.outsider)  # nor seen by anyone else
    assert await _is_member(setup, setup.outsider)
    assert await _messages(setup) == ["Hallo allemaal"]
    kinds = [e.kind for e in setup.sink.received if e.topic == events.circle_topic(setup.circle_id)]
    assert kinds == ["member.joined", "message.created"]


async def test_two_operations_in_one_unit_commit_not_at_all_when_the_second_is_refused(
    setup: Setup, session: AsyncSession
) -> None:
    topic = events.circle_topic(setup.circle_id)
    head = await events.head(session, topic)

    async def post_then_step_down() -> None:
        async with unit_of_work(session):
            await chat.post_message(session, setup.member, setup.circle_id, body="Eerste")
            # the last admin may not step down
            await circles.set_member_role(session, setup.owner, setup.circle_id, setup.owner.id or 0, MemberRole.MEMBER)

    with pytest.raises(Conflict):
        await post_then_step_down()
    assert await _messages(setup) == []
    assert setup.sink.received == []
    assert await events.head(session, topic) == head


async def test_events_reach_the_sink_after_commit_in_seq_order(setup: Setup, session: AsyncSession) -> None:
    async with unit_of_work(session):
        for number in range(3):
            await events.record(session, "user:901", NewsRead(post_id=number))
            await events.record(session, "user:902", NewsRead(post_id=number))
        assert setup.sink.received == []
    received = [(e.topic, e.seq) for e in setup.sink.received]
    assert received == [
        ("user:901", 1),
        ("user:902", 1),
        ("user:901", 2),
        ("user:902", 2),
        ("user:901", 3),
        ("user:902", 3),
    ]


async def test_no_event_reaches_the_sink_after_a_rollback(setup: Setup, session: AsyncSession) -> None:
    async def record_then_fail() -> None:
        async with unit_of_work(session):
            await events.record(session, "user:901", NewsRead(post_id=1))
            raise RuntimeError("the operation failed")

    with pytest.raises(RuntimeError):
        await record_then_fail()
    assert setup.sink.received == []
    assert await events.head(session, "user:901") == 0
    async with unit_of_work(session):
        await events.record(session, "user:901", NewsRead(post_id=1))
    assert [(e.topic, e.seq) for e in setup.sink.received] == [("user:901", 1)]  # no gap either


async def test_after_commit_work_runs_once_after_the_commit(setup: Setup, session: AsyncSession) -> None:
    def note(outbox: Outbox) -> None:
        assert outbox is setup.outbox
        assert current(session) is None  # the unit is over: the work may open another
        setup.ran.append("after")

    async with unit_of_work(session) as unit:
        unit.then(note)
        async with unit_of_work(session) as inner:
            assert inner is unit  # a nested unit joins the outer one
            inner.then(note)
        assert setup.ran == []
    assert setup.ran == ["after"]


async def test_after_commit_work_never_runs_after_a_rollback(setup: Setup, session: AsyncSession) -> None:
    async def ask_then_fail() -> None:
        async with unit_of_work(session) as unit:
            unit.then(lambda outbox: setup.ran.append("after"))
            raise Conflict("refused")

    with pytest.raises(Conflict):
        await ask_then_fail()
    assert setup.ran == []


async def test_a_failing_sink_or_job_does_not_undo_the_commit_nor_stop_the_other_jobs(
    setup: Setup, session: AsyncSession
) -> None:
    def broken(committed: Sequence[events.CommittedEvent]) -> None:
        raise OSError("the broker is gone")

    setup.sink.committed = broken  # type: ignore[method-assign]

    def fails(outbox: Outbox) -> None:
        raise ValueError("a job failed")

    async with unit_of_work(session) as unit:
        await chat.post_message(session, setup.member, setup.circle_id, body="Toch bewaard")
        unit.then(fails)
        unit.then(lambda outbox: setup.ran.append("after"))
    assert await _messages(setup) == ["Toch bewaard"]
    assert setup.ran == ["after"]


async def test_a_document_upload_wakes_the_extractor_once_after_its_commit(
    setup: Setup, session: AsyncSession, context: AppContext
) -> None:
    extractor = setup.outbox.extractor
    assert isinstance(extractor, CountingExtractor)
    settings = context.settings
    kwargs = {"media_dir": settings.media_dir, "max_bytes": 100_000}
    editor = await make_user(session, role=Role.EDITOR)
    async with unit_of_work(session):
        await documents.create_document(session, editor, documents.Upload(b"Een.", "een.txt"), **kwargs)
        await documents.create_document(session, editor, documents.Upload(b"Twee.", "twee.txt"), **kwargs)
        assert extractor.woken == 0
    assert extractor.woken == 1


async def test_an_inner_unit_that_fails_is_undone_and_the_outer_one_carries_on(
    setup: Setup, session: AsyncSession
) -> None:
    topic = events.circle_topic(setup.circle_id)

    async def post_then_fail() -> None:
        async with unit_of_work(session):
            await chat.post_message(session, setup.member, setup.circle_id, body="Verdwijnt")
            raise Conflict("refused after writing")

    async with unit_of_work(session):
        await chat.post_message(session, setup.member, setup.circle_id, body="Blijft")
        with pytest.raises(Conflict):
            await post_then_fail()
        await chat.post_message(session, setup.member, setup.circle_id, body="Ook")
    assert sorted(await _messages(setup)) == ["Blijft", "Ook"]
    published = [(e.seq, e.data["body"]) for e in setup.sink.received if e.topic == topic]
    head = await events.head(session, topic)
    assert published == [(head - 1, "Blijft"), (head, "Ook")]  # the undone event left no gap


async def test_a_refusal_inside_a_unit_keeps_what_was_loaded_and_releases_the_write(
    setup: Setup, session: AsyncSession, context: AppContext
) -> None:
    member = await session.get(User, setup.member.id)
    assert member is not None

    async def post_then_overreach() -> None:
        async with unit_of_work(session):
            await chat.post_message(session, member, setup.circle_id, body="Eerst dit")
            await circles.update_circle(session, member, setup.circle_id, description="Niet van jou")

    with pytest.raises(PermissionDenied):
        await post_then_overreach()
    # The error page shows the colleague without loading anything (an expired attribute would
    # need a lazy load, which an async session refuses).
    assert inspect(member).expired_attributes == set()
    assert member.name
    assert current(session) is None
    assert not session.in_transaction()
    async with context.db() as other:  # no write lock is left behind
        await chat.post_message(other, setup.member, setup.circle_id, body="Daarna")
    assert await _messages(setup) == ["Daarna"]


async def test_the_badge_recount_runs_last_inside_the_unit(setup: Setup, session: AsyncSession) -> None:
    with pytest.raises(RuntimeError):
        await notifications.announce(session, [setup.member.id or 0])  # outside a unit
    async with unit_of_work(session) as unit:
        await notifications.announce(session, [setup.member.id or 0])
        await notifications.announce(session, [setup.owner.id or 0, setup.member.id or 0])
        assert len(unit.before_commit) == 1
        await events.record(session, "user:901", NewsRead(post_id=1))
    kinds = [(e.topic, e.kind) for e in setup.sink.received]
    owner_topic, member_topic = events.user_topic(setup.owner.id or 0), events.user_topic(setup.member.id or 0)
    assert kinds == [
        ("user:901", "news.read"),
        *sorted([(owner_topic, notifications.BADGE_EVENT), (member_topic, notifications.BADGE_EVENT)]),
    ]


async def test_changes_made_before_the_unit_are_refused(session: AsyncSession, setup: Setup) -> None:
    member = await session.get(User, setup.member.id)
    assert member is not None
    member.name = "Buiten de unit"
    with pytest.raises(RuntimeError):
        async with unit_of_work(session):
            pass


def test_no_listener_is_registered_on_the_session_class() -> None:
    plain = Session()
    for name in ("before_commit", "after_commit", "after_rollback", "after_soft_rollback", "after_begin"):
        assert len(getattr(plain.dispatch, name)) == 0, name
