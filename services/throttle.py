"""Login throttling per account and per address, shared by every worker through the database.

Each attempt is counted as a failure *before* its password is checked (`begin_attempt`), and a
success takes it back (`forgive`). The check of the limits and that record are one step under a
lock on the account's and the address's names, so however many attempts arrive at once, no more
passwords are checked than the limits allow.

Past a limit the account or address is slowed down, not shut: the next attempt waits
`first_delay_seconds` after the latest failure, each further failure doubles the wait, up to the
window. An attempt after the wait is checked as usual, so a colleague whose account a stranger
hammers still gets in with the right password once the wait is over; the answer before then says
when.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import LoginFailure
from models.base import utcnow
from services.errors import N_, RateLimited
from services.transactions import writes


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    window_seconds: int
    first_delay_seconds: int = 30


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt, counted as a failure until `forgive` takes it back."""

    email: str
    address: str


@writes
async def begin_attempt(db: AsyncSession, limits: LoginLimits, *, email: str, address: str) -> Attempt:
    """Record the attempt as a failure, or raise `RateLimited` (with the seconds to wait) when the
    account or the address must wait first.

    Checked before the password, so a slowed-down account answers the same whether or not the
    password would have been right, and whether or not the account exists. Atomic: on SQLite the
    write transaction holds the one writer's lock; on PostgreSQL a transaction-scoped advisory lock
    on each name serialises the attempts for that account and that address (no row exists to lock
    for an address or an unknown account)."""
    await _lock(db, f"login:account:{email}", f"login:address:{address}")
    now = utcnow()
    for column, value, limit in (
        (col(LoginFailure.email), email, limits.per_account),
        (col(LoginFailure.address), address, limits.per_address),
    ):
        wait = await _wait(db, limits, column == value, limit, now)
        if wait > 0:
            raise _slowed_down(wait)
    db.add(LoginFailure(email=email, address=address, at=now))
    return Attempt(email, address)


async def forgive(db: AsyncSession, attempt: Attempt) -> None:
    """The attempt succeeded: forget the account's failures, this attempt's with them. Run inside
    the caller's write transaction."""
    await db.exec(delete(LoginFailure).where(col(LoginFailure.email) == attempt.email))


def delay_after(excess: int, limits: LoginLimits) -> int:
    """Seconds an attempt waits after the latest failure, `excess` failures past the limit."""
    return int(min(limits.first_delay_seconds * 2 ** min(excess, 30), limits.window_seconds))


@writes
async def prune(db: AsyncSession, limits: LoginLimits) -> int:
    since = utcnow() - timedelta(seconds=limits.window_seconds)
    result = await db.exec(delete(LoginFailure).where(col(LoginFailure.at) < since))
    return int(result.rowcount or 0)


async def _lock(db: AsyncSession, *names: str) -> None:
    if db.get_bind().dialect.name != "postgresql":
        return  # the write transaction already holds SQLite's one writer lock
    for name in sorted(names):  # always in one order, so two attempts never wait on each other
        await db.exec(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))


async def _wait(
    db: AsyncSession, limits: LoginLimits, condition: ColumnElement[bool], limit: int, now: datetime
) -> int:
    since = now - timedelta(seconds=limits.window_seconds)
    statement = select(func.count(), func.max(LoginFailure.at)).where(condition, col(LoginFailure.at) >= since)
    count, latest = (await db.exec(statement)).one()
    if count < limit or latest is None:
        return 0
    if latest.tzinfo is None:  # aggregates bypass the column type on SQLite
        latest = datetime.fromisoformat(latest) if isinstance(latest, str) else latest
        latest = latest.replace(tzinfo=UTC)
    free_at = latest + timedelta(seconds=delay_after(count - limit, limits))
    return max(0, math.ceil((free_at - now).total_seconds()))


def _slowed_down(seconds: int) -> RateLimited:
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return RateLimited(N_("Too many failed sign-in attempts. Try again in a minute."), retry_after=seconds)
    return RateLimited(
        N_("Too many failed sign-in attempts. Try again in %(minutes)s minutes."),
        retry_after=seconds,
        params={"minutes": minutes},
    )
