"""Write transactions that behave the same on SQLite and PostgreSQL.

Every operation that changes state is decorated with `@writes`. It starts the operation's
transaction before the operation reads what it will change. On SQLite that transaction is
`BEGIN IMMEDIATE`, taking the single writer's lock up front: a deferred transaction that read
first could fail to upgrade ("database is locked") when another writer committed meanwhile.
On PostgreSQL it is an ordinary transaction; row locks (`topic_heads`) order the writers.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from models.database import IMMEDIATE

P = ParamSpec("P")
R = TypeVar("R")
_WRITING = "kring_writing"


async def begin_write(db: AsyncSession) -> None:
    """Make the current transaction a write transaction; a no-op inside one already.

    A read-only transaction the request had open (authentication) is ended first, so this must
    run before the operation changes anything."""
    if db.info.get(_WRITING):
        return
    if db.in_transaction():
        if db.new or db.dirty or db.deleted:
            raise RuntimeError("begin_write after changes: start the write first")
        await db.commit()
    await db.connection(execution_options={IMMEDIATE: True})
    db.info[_WRITING] = True


def is_writing(db: AsyncSession) -> bool:
    return bool(db.info.get(_WRITING))


async def begin_snapshot(db: AsyncSession) -> None:
    """Start a read-only transaction that sees one snapshot for all its reads.

    A page reads each topic's head and then its data; on PostgreSQL's default READ COMMITTED
    each statement could see a different moment, so a change between them would be rendered
    and replayed, or neither. SQLite's read transactions are snapshots already."""
    if db.in_transaction():
        await db.commit()
    if db.get_bind().dialect.name == "postgresql":
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})


def writes(
    operation: Callable[Concatenate[AsyncSession, P], Awaitable[R]],
) -> Callable[Concatenate[AsyncSession, P], Awaitable[R]]:
    """Run `operation(db, ...)` inside a write transaction (see the module docstring)."""

    @functools.wraps(operation)
    async def wrapper(db: AsyncSession, /, *args: P.args, **kwargs: P.kwargs) -> R:
        await begin_write(db)
        return await operation(db, *args, **kwargs)

    return wrapper


def _transaction_over(session: Session, *_args: object) -> None:
    session.info.pop(_WRITING, None)


event.listen(Session, "after_commit", _transaction_over)
event.listen(Session, "after_rollback", _transaction_over)
