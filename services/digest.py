"""The digest mail's contents: once a day or week, what a colleague has not seen in Kring.

A colleague's digest is due once per period (a local day, or a local week from Monday) after
the hour the organisation chose. `take` claims it inside a write transaction, so two workers
or a worker and cron never both send it; `give_back` undoes the claim when the mail could not
be sent, so the next run tries again. A digest holds the unread notifications that changed
since the previous one and the direct messages that arrived since then and are still unread;
with nothing in it, nothing is sent and the period still counts as done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DigestFrequency, NotificationSettings, User
from services import notifications
from services.transactions import writes

MAX_LINES = 50


@dataclass(frozen=True)
class Digest:
    user: User
    lines: list[notifications.Line]
    direct: int  # unread direct messages that arrived since the previous digest
    previous: datetime | None  # when the previous digest was handled; `give_back` restores it

    @property
    def empty(self) -> bool:
        return not self.lines and not self.direct


def period_start(frequency: DigestFrequency, now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the local day (daily) or the local week from Monday (weekly) holding `now`."""
    today = now.astimezone(zone).date()
    if frequency is DigestFrequency.WEEKLY:
        today -= timedelta(days=today.weekday())
    return datetime.combine(today, time(), tzinfo=zone)


def _is_due(choices: NotificationSettings, now: datetime, zone: ZoneInfo, hour: int) -> bool:
    if choices.digest is DigestFrequency.NEVER or now.astimezone(zone).hour < hour:
        return False
    start = period_start(choices.digest, now, zone)
    return choices.digest_sent_at is None or choices.digest_sent_at < start


async def due(db: AsyncSession, now: datetime, zone: ZoneInfo, *, hour: int = 0) -> list[int]:
    """The active colleagues whose digest for the current period has not been handled."""
    rows = await db.exec(
        select(User.id, NotificationSettings)
        .outerjoin(NotificationSettings, col(NotificationSettings.user_id) == col(User.id))
        .where(col(User.is_active).is_(True))
        .order_by(col(User.id))
    )
    found = []
    for user_id, choices in rows.all():
        assert user_id is not None
        if _is_due(choices or NotificationSettings(user_id=user_id), now, zone, hour):
            found.append(user_id)
    return found


@writes
async def take(db: AsyncSession, user_id: int, now: datetime, zone: ZoneInfo, *, hour: int = 0) -> Digest | None:
    """Claim the user's digest for this period and collect it; None when it is not due (any
    more: someone else took it)."""
    user = await db.get(User, user_id)
    if user is None or not user.is_active:
        return None
    choices = await db.get(NotificationSettings, user_id, with_for_update=True, populate_existing=True)
    if choices is None:
        choices = NotificationSettings(user_id=user_id)
    if not _is_due(choices, now, zone, hour):
        return None
    previous = choices.digest_sent_at
    choices.digest_sent_at = now
    db.add(choices)
    lines = await _unseen(db, user, previous)
    direct = (await notifications.unread_direct(db, [user_id], since=previous)).get(user_id, 0)
    return Digest(user, lines, direct, previous)


@writes
async def give_back(db: AsyncSession, digest: Digest) -> None:
    """The mail did not go out: leave the period to the next run."""
    choices = await db.get(NotificationSettings, digest.user.id, with_for_update=True, populate_existing=True)
    if choices is not None:
        choices.digest_sent_at = digest.previous
        db.add(choices)


async def _unseen(db: AsyncSession, user: User, since: datetime | None) -> list[notifications.Line]:
    lines = await notifications.inbox(db, user, unread_only=True, limit=MAX_LINES)
    return [line for line in lines if since is None or line.notification.updated_at > since]


@writes
async def unsubscribe(db: AsyncSession, user_id: int) -> None:
    """Stop the digest (the link in every digest mail)."""
    choices = await db.get(NotificationSettings, user_id, with_for_update=True)
    if choices is None:
        choices = NotificationSettings(user_id=user_id)
    choices.digest = DigestFrequency.NEVER
    db.add(choices)
