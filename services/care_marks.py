"""The claims that make each of Ids's nudges single (`models.care.CareMark`).

Guarantees: `claim_once` is true for exactly one caller per kind, subject and colleague, ever,
however many workers, tabs or runs ask at once (an insert-or-nothing on the unique key);
`claim_every` is true at most once per `every` (the first time by the insert, later by a
conditional UPDATE on the last time). Both must run inside the unit of work that sends the
nudge, so a send that fails gives its claim back with the rollback.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CareMark
from services import events

WELCOME = "welcome"
CHECKLIST_DONE = "checklist_done"
REVIEW = "review"
MUST_READ = "must_read"
ROUNDUP = "roundup"
QUESTIONS = "questions"


async def claim_once(db: AsyncSession, kind: str, subject: str, user_id: int, now: datetime) -> bool:
    inserted = await db.exec(
        events.upsert_insert(db)(CareMark)
        .values(kind=kind, subject=subject, user_id=user_id, at=now, times=1)
        .on_conflict_do_nothing(index_elements=["kind", "subject", "user_id"])
    )
    return bool(inserted.rowcount)


async def claim_every(db: AsyncSession, kind: str, subject: str, user_id: int, now: datetime, every: timedelta) -> bool:
    if await claim_once(db, kind, subject, user_id, now):
        return True
    moved = await db.exec(
        update(CareMark)
        .where(
            col(CareMark.kind) == kind,
            col(CareMark.subject) == subject,
            col(CareMark.user_id) == user_id,
            col(CareMark.at) <= now - every,
        )
        .values(at=now, times=col(CareMark.times) + 1)
    )
    return bool(moved.rowcount)


async def has(db: AsyncSession, kind: str, subject: str, user_id: int) -> bool:
    found = await db.exec(
        select(CareMark.id).where(CareMark.kind == kind, CareMark.subject == subject, CareMark.user_id == user_id)
    )
    return found.first() is not None


async def forget(db: AsyncSession, kind: str, subject: str) -> None:
    """The subject changed (a document reviewed): its reminders start anew next time it is due."""
    await db.exec(delete(CareMark).where(col(CareMark.kind) == kind, col(CareMark.subject) == subject))
