"""Units of work: the one place that begins a write, commits it, and hands on what it did.

`async with unit_of_work(db) as unit:` wraps every operation that changes state (`@writes`
opens one around a service function). In order, the unit:

1. begins the write before the operation reads what it will change. On SQLite that is
   `BEGIN IMMEDIATE`, taking the single writer's lock up front: a deferred transaction that read
   first could fail to upgrade ("database is locked") when another writer committed meanwhile.
   On PostgreSQL it is an ordinary transaction; row locks (`topic_heads`) order the writers;
2. collects the events `services.events.record` appends (`unit.events`) and the steps that
   must run last inside the transaction (`unit.before_commit`, e.g. the badge recount of
   `services.notifications.announce`);
3. runs those steps and commits;
4. hands the committed events, in the order recorded (so `seq` order per topic), to the
   `Outbox` the app installed on its sessions (`session_info`), and then runs `unit.after_commit`
   jobs with it (wake the extractor). Nothing is handed on after a rollback.

Units compose: a unit opened inside another joins it, so two operations commit together or
not at all. The inner one is a savepoint: if it raises, what it changed and recorded is undone
and the outer unit may carry on (or let the error end it too). The outermost unit is a
savepoint in its transaction as well, so a refusal (`PermissionDenied`, `Conflict`) rolls back
only what the operation changed: the colleague and circle loaded before it stay loaded for the
error page, where a full rollback would expire every object of the session.

Services never commit; this module is the only one in `services/` that does.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSessionTransaction
from sqlmodel.ext.asyncio.session import AsyncSession

from models.database import IMMEDIATE

if TYPE_CHECKING:
    from services.events import CommittedEvent, EventSink

log = logging.getLogger("kring.transactions")
P = ParamSpec("P")
R = TypeVar("R")
# The two keys this module keeps in `AsyncSession.info`: the app's outbox (copied into every
# session by its sessionmaker) and the unit of work open on the session, if any.
_OUTBOX = "kring_outbox"
_UNIT = "kring_unit"

BeforeCommit = Callable[[], Awaitable[None]]
AfterCommit = Callable[["Outbox"], None]


class Wakeable(Protocol):
    def wake(self) -> None: ...


class Outbox:
    """Where committed work goes, installed by the app: the events to the realtime publisher
    (`EventSink`), and the jobs a commit starts to their runners. Every call here happens
    right after a commit, on the event loop: it must only queue, never block."""

    def __init__(
        self,
        sink: EventSink | None = None,
        *,
        extractor: Wakeable | None = None,
        assistant: Wakeable | None = None,
        exporter: Wakeable | None = None,
    ) -> None:
        self.sink = sink
        self.extractor = extractor  # set by the app once the extractor exists
        self.assistant = assistant  # the assistant's answerer (`services.answering`), set by the app
        self.exporter = exporter  # the data exports' runner (`services.exporting`), set by the app

    def publish(self, committed: Sequence[CommittedEvent]) -> None:
        if committed and self.sink is not None:
            self.sink.committed(committed)

    def wake_extractor(self) -> None:
        """New document versions wait for their text to be read."""
        if self.extractor is not None:
            self.extractor.wake()

    def wake_assistant(self) -> None:
        """Questions for the assistant wait for an answer."""
        if self.assistant is not None:
            self.assistant.wake()

    def wake_exporter(self) -> None:
        """A colleague asked for their data."""
        if self.exporter is not None:
            self.exporter.wake()


def session_info(outbox: Outbox) -> dict[str, Any]:
    """The `info` for `make_sessionmaker` that makes its sessions' units hand over to `outbox`."""
    return {_OUTBOX: outbox}


@dataclass(eq=False)
class UnitOfWork:
    """What one write has done so far; see the module docstring."""

    db: AsyncSession
    events: list[CommittedEvent] = field(default_factory=list)
    before_commit: list[BeforeCommit] = field(default_factory=list)
    after_commit: list[AfterCommit] = field(default_factory=list)

    def then(self, job: AfterCommit) -> None:
        """Run `job(outbox)` once after the commit (asking twice runs it once)."""
        if job not in self.after_commit:
            self.after_commit.append(job)

    def _marks(self) -> tuple[int, int, int]:
        return len(self.events), len(self.before_commit), len(self.after_commit)

    def _undo_since(self, marks: tuple[int, int, int]) -> None:
        events, before, after = marks
        del self.events[events:], self.before_commit[before:], self.after_commit[after:]

    async def _run_before_commit(self) -> None:
        done = 0
        while done < len(self.before_commit):  # a step may add another
            await self.before_commit[done]()
            done += 1

    def _hand_over(self, outbox: Outbox | None) -> None:
        if outbox is None:  # a command's session: no publisher, no extractor to wake
            return
        try:
            outbox.publish(self.events)
        except Exception:
            # The change is committed; the hubs' head check delivers what the sink missed.
            log.exception("the event sink failed; %d events wait for the head check", len(self.events))
        for job in self.after_commit:
            try:
                job(outbox)
            except Exception:
                log.exception("after-commit job %r failed", job)


def current(db: AsyncSession) -> UnitOfWork | None:
    """The unit of work open on `db`, if any."""
    unit = db.info.get(_UNIT)
    return unit if isinstance(unit, UnitOfWork) else None


def is_writing(db: AsyncSession) -> bool:
    return current(db) is not None


def require(db: AsyncSession) -> UnitOfWork:
    unit = current(db)
    if unit is None:
        raise RuntimeError("this changes state: call it inside `unit_of_work(db)` (or a `@writes` operation)")
    return unit


@asynccontextmanager
async def unit_of_work(db: AsyncSession) -> AsyncIterator[UnitOfWork]:
    """Begin a write on `db`, or join the one open on it; see the module docstring."""
    outer = current(db)
    if outer is not None:
        async with _joined(db, outer):
            yield outer
        return
    await _begin_write(db)
    unit = UnitOfWork(db)
    db.info[_UNIT] = unit
    try:
        savepoint: AsyncSessionTransaction | None = None
        try:
            savepoint = await db.begin_nested()
            yield unit
            await unit._run_before_commit()
            if savepoint.is_active:
                await savepoint.commit()
            await db.commit()
        except Exception:
            await _undo(db, savepoint)
            raise
        except BaseException:  # cancelled mid-statement: the connection's state is unknown
            await db.rollback()
            raise
    finally:
        db.info.pop(_UNIT, None)
    outbox = db.info.get(_OUTBOX)
    unit._hand_over(outbox if isinstance(outbox, Outbox) else None)


@asynccontextmanager
async def _joined(db: AsyncSession, outer: UnitOfWork) -> AsyncIterator[None]:
    """A unit inside `outer`: a savepoint, and on failure what it recorded is forgotten."""
    marks = outer._marks()
    savepoint = await db.begin_nested()
    try:
        yield
    except BaseException:
        if savepoint.is_active:
            await savepoint.rollback()
        outer._undo_since(marks)
        raise
    if savepoint.is_active:
        await savepoint.commit()


async def _undo(db: AsyncSession, savepoint: AsyncSessionTransaction | None) -> None:
    """Roll back what the operation did, keeping the session's other objects loaded: rolling
    back to the savepoint expires only what changed in it, and the commit that then ends the
    empty transaction (and SQLite's write lock) expires nothing (`expire_on_commit=False`).
    A transaction the database has already ended (a timeout, a lost connection) is rolled
    back whole."""
    try:
        if savepoint is not None and savepoint.is_active:
            await savepoint.rollback()
        await db.commit()
    except Exception:
        await db.rollback()


async def _begin_write(db: AsyncSession) -> None:
    """Start the unit's write transaction. A read-only transaction the request had open
    (authentication) is ended first, so this must run before the operation changes anything."""
    if db.in_transaction():
        if db.new or db.dirty or db.deleted:
            raise RuntimeError("unit_of_work after changes: start the unit first")
        await db.commit()
    await db.connection(execution_options={IMMEDIATE: True})


async def begin_snapshot(db: AsyncSession) -> None:
    """Start a read-only transaction that sees one snapshot for all its reads.

    A page reads each topic's head and then its data; on PostgreSQL's default READ COMMITTED
    each statement could see a different moment, so a change between them would be rendered
    and replayed, or neither. SQLite's read transactions are snapshots already."""
    if current(db) is not None:
        raise RuntimeError("begin_snapshot inside a unit of work")
    if db.in_transaction():
        await db.commit()
    if db.get_bind().dialect.name == "postgresql":
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})


async def end_read(db: AsyncSession) -> None:
    """End the read transaction `db` has open, so the next read sees what others committed
    since (a long-lived session: the hub's, a background job's). Nothing may be pending."""
    if current(db) is not None:
        raise RuntimeError("end_read inside a unit of work")
    if db.in_transaction():
        if db.new or db.dirty or db.deleted:
            raise RuntimeError("end_read with changes pending: make them in a unit of work")
        await db.commit()


def writes(
    operation: Callable[Concatenate[AsyncSession, P], Awaitable[R]],
) -> Callable[Concatenate[AsyncSession, P], Awaitable[R]]:
    """Run `operation(db, ...)` as a unit of work (joining the caller's, if one is open)."""

    @functools.wraps(operation)
    async def wrapper(db: AsyncSession, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with unit_of_work(db):
            return await operation(db, *args, **kwargs)

    return wrapper
