"""Login throttling per account and per address, shared by every worker through the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
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


async def check_login_allowed(db: AsyncSession, limits: LoginLimits, *, email: str, address: str) -> None:
    """Raise `RateLimited` when the account or the address failed too often in the window.

    Checked before the password, so a locked account answers the same whether or not the
    password would have been right, and whether or not the account exists."""
    since = utcnow() - timedelta(seconds=limits.window_seconds)
    for column, value, limit in (
        (LoginFailure.email, email, limits.per_account),
        (LoginFailure.address, address, limits.per_address),
    ):
        statement = select(func.count(), func.min(LoginFailure.at)).where(
            column == value, col(LoginFailure.at) >= since
        )
        count, oldest = (await db.exec(statement)).one()
        if count >= limit:
            raise RateLimited(
                N_("Too many failed sign-in attempts. Try again later."),
                retry_after=_seconds_until_free(oldest, limits.window_seconds),
            )


async def record_failure(db: AsyncSession, *, email: str, address: str) -> None:
    db.add(LoginFailure(email=email, address=address))
    await db.commit()


async def clear_account(db: AsyncSession, email: str) -> None:
    """Forget an account's failures after a successful sign-in; the address keeps its count."""
    await db.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))


@writes
async def prune(db: AsyncSession, limits: LoginLimits) -> int:
    since = utcnow() - timedelta(seconds=limits.window_seconds)
    result = await db.exec(delete(LoginFailure).where(col(LoginFailure.at) < since))
    await db.commit()
    return int(result.rowcount or 0)


def _seconds_until_free(oldest: datetime | None, window_seconds: int) -> int:
    if oldest is None:
        return window_seconds
    if oldest.tzinfo is None:  # aggregates bypass the column type on SQLite
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    remaining = oldest + timedelta(seconds=window_seconds) - utcnow()
    return max(1, int(remaining.total_seconds()) + 1)
