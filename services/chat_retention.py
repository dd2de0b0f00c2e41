"""Chat retention: messages older than the organisation's or their circle's period are deleted.

The organisation sets a period (`KRING_CHAT_RETENTION_DAYS`, none keeps chat forever); a circle's
admins may set a shorter one, never a longer one: for a welfare organisation the period is a
policy maximum (what its privacy statement promises clients and colleagues), so a circle can
keep less, but not more. Direct conversations follow the organisation's period.

`retention_forever` is the lifespan's periodic task in every worker. Each run deletes the
expired messages in small batches, each its own unit of work, so SQLite's single write lock is
never held for long. A message is claimed by a conditional DELETE of its row: of several
workers only the one whose DELETE removed it forgets its parts and tells the circle's open tabs
(`message.deleted`), so nothing is announced twice. The clock is a parameter, as in
`care_schedule`, so tests move time on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config.settings import MAX_RETENTION_DAYS
from models import Circle, Message, User
from models.base import utcnow
from models.database import SessionMaker
from services import attachments, chat
from services.access import readable_circle
from services.errors import N_, Invalid
from services.transactions import unit_of_work, writes

log = logging.getLogger("kring.chat_retention")

Clock = Callable[[], datetime]
BATCH = 50
MAX_DAYS = MAX_RETENTION_DAYS


def kept_days(circle: Circle, organisation_days: int | None) -> int | None:
    """How many days the circle's chat is kept: the shorter of the two periods (a circle's own
    can outlast the organisation's only when the organisation shortened its period later)."""
    periods = [days for days in (circle.chat_retention_days, organisation_days) if days is not None]
    return min(periods) if periods else None


@writes
async def set_circle_retention(
    db: AsyncSession, user: User, circle_id: int, days: int | None, *, organisation_days: int | None
) -> Circle:
    """The circle's admins keep its chat `days` days (None: as long as the organisation does)."""
    access = await readable_circle(db, user, circle_id)
    access.standing.ensure_administer()
    if days is not None:
        if days < 1:
            raise Invalid(N_("Keep messages for at least one day."), field="chat_retention_days")
        if days > MAX_DAYS:
            raise Invalid(
                N_("Keep messages for at most %(days)s days."), field="chat_retention_days", params={"days": MAX_DAYS}
            )
        if organisation_days is not None and days > organisation_days:
            raise Invalid(
                N_("The organisation keeps chat for at most %(days)s days; a circle may only keep it shorter."),
                field="chat_retention_days",
                params={"days": organisation_days},
            )
    access.circle.chat_retention_days = days
    db.add(access.circle)
    return access.circle


async def delete_expired(
    db: AsyncSession, organisation_days: int | None, *, now: datetime, media_dir: Path, batch: int = BATCH
) -> int:
    """Delete every message older than its circle's period, `batch` per unit of work; how many
    this worker deleted."""
    deleted = 0
    for cutoff_of in await _cutoffs(db, organisation_days, now):
        while True:
            taken, seen = await _delete_batch(db, cutoff_of, media_dir, batch)
            deleted += taken
            if seen < batch:
                break
    return deleted


async def _cutoffs(db: AsyncSession, organisation_days: int | None, now: datetime) -> list[Any]:
    """The conditions on messages that are due: the organisation's period for every circle, and
    each circle's own shorter one."""
    due: list[Any] = []
    if organisation_days is not None:
        due.append(col(Message.created_at) < now - timedelta(days=organisation_days))
    own = await db.exec(
        select(Circle.id, Circle.chat_retention_days).where(col(Circle.chat_retention_days).is_not(None))
    )
    for circle_id, days in own.all():
        if days is not None and (organisation_days is None or days < organisation_days):
            due.append((col(Message.circle_id) == circle_id) & (col(Message.created_at) < now - timedelta(days=days)))
    await db.rollback()  # end the read before the writes
    return due


async def _delete_batch(db: AsyncSession, due: Any, media_dir: Path, batch: int) -> tuple[int, int]:
    """One unit of work: claim up to `batch` due messages by deleting their rows, and forget
    their parts. Returns (deleted by this worker, looked at)."""
    files: list[str] = []
    taken = 0
    async with unit_of_work(db):
        found = list((await db.exec(select(Message).where(due).order_by(col(Message.id)).limit(batch))).all())
        circles: set[int] = set()
        for message in found:
            shown = message.deleted_at is None
            # Replies keep their place: the database sets their `reply_to_id` to NULL.
            result = await db.exec(cast(Any, delete(Message).where(col(Message.id) == message.id)))
            if result.rowcount != 1:
                continue  # another worker took it
            taken += 1
            db.expunge(message)
            if shown:  # a message its author deleted already left search and told its tabs
                message.deleted_at, message.body, message.html = utcnow(), "", ""
                files += await chat.forget_message(db, message)
                circles.add(message.circle_id)
        for circle_id in circles:
            await chat.announce_readers(db, circle_id)
    await db.rollback()
    if files:
        await attachments.remove_unused(db, media_dir, files)
        await db.rollback()
    return taken, len(found)


def system_clock() -> datetime:
    return utcnow()


# What the lifespan hands `retention_forever`; a test's worker wrapper sets another before serving.
clock: Clock = system_clock


async def retention_forever(
    sessions: SessionMaker,
    organisation_days: int | None,
    media_dir: Path,
    interval: float,
    clock: Clock = system_clock,
) -> None:
    """The lifespan's periodic task: every worker runs it; the conditional DELETE keeps each
    message's deletion single."""
    while True:
        await asyncio.sleep(interval)
        try:
            async with sessions() as db:
                await delete_expired(db, organisation_days, now=clock(), media_dir=media_dir)
        except Exception:
            log.exception("deleting expired chat messages failed; trying again later")
