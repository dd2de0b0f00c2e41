"""Login throttling per account and per address, shared by every worker through the database.

Each attempt is counted as a failure *before* its password is checked (`begin_attempt`), and a
success takes it back (`forgive`). The check of the limits and that record are one step under a
lock on the account's and the address's names, so however many attempts arrive at once, no more
passwords are checked than the limits allow.

The account's limit counts its failures from every address: a guesser who spreads one account's
guesses over many addresses meets the same limit (tests/trust/test_sign_in.py). Counting per
account and address instead was tried and let forty addresses check forty passwords. So that a
stranger's guessing does not lock the colleague out, a browser that has signed in to the account
before (it shows a signed device cookie, `server/device_cookie.py`) is counted apart, under its
own device key with the same limit: the stranger's failures slow down only clients that cannot
prove that. An administrator can still unlock an account (`unlock`).

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
from services import audit
from services.errors import N_, RateLimited
from services.transactions import writes

# Password-reset requests are counted in the same table under names of their own, so they never
# count towards the sign-in limits (nor sign-ins towards theirs).
_RESET = "reset:"
# A known device's sign-in failures are counted under its own name, apart from the account's.
_DEVICE = "device:"


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
    key: str  # the name the failure is counted under: the account's, or its known device's


def device_key(device: str) -> str:
    return _DEVICE + device


@writes
async def begin_attempt(
    db: AsyncSession, limits: LoginLimits, *, email: str, address: str, device: str | None = None
) -> Attempt:
    """Record the attempt as a failure, or raise `RateLimited` (with the seconds to wait) when the
    account (or, for a `device` known to have signed in to it, that device) or the address must
    wait first.

    Checked before the password, so a slowed-down account answers the same whether or not the
    password would have been right, and whether or not the account exists. Atomic: on SQLite the
    write transaction holds the one writer's lock; on PostgreSQL a transaction-scoped advisory lock
    on each name serialises the attempts for that account and that address (no row exists to lock
    for an address or an unknown account)."""
    key = email if device is None else device_key(device)
    await _lock(db, f"login:account:{key}", f"login:address:{address}")
    now = utcnow()
    account = col(LoginFailure.email) == key
    for condition, limit in ((account, limits.per_account), (col(LoginFailure.address) == address, limits.per_address)):
        wait = await _wait(db, limits, condition, limit, now)
        if wait > 0:
            raise _slowed_down(wait)
    earlier = await _count(db, limits, account, now)
    db.add(LoginFailure(email=key[:254], address=address, at=now))
    if device is None and earlier + 1 == limits.per_account:
        # This failure reaches the limit: a burst worth an administrator's eye (once per burst).
        await audit.record(
            db,
            audit.Action.SIGN_IN_FAILURES,
            actor=None,
            subject=audit.Subject("email", None, email),
            after={"failures": limits.per_account, "window_seconds": limits.window_seconds},
            address=address,
        )
    return Attempt(email, address, key)


@writes
async def begin_reset_request(
    db: AsyncSession, *, email: str, address: str, per_email: int = 3, per_address: int = 10, window_seconds: int = 3600
) -> None:
    """Count a password-reset request, or raise `RateLimited` past `per_email` requests for one
    address or `per_address` from one client within the window. Keyed on the e-mail address as
    typed, whether or not an account has it, so the limit itself tells nothing."""
    key_email, key_address = _RESET + email, _RESET + address
    await _lock(db, f"reset:account:{email}", f"reset:address:{address}")
    limits = LoginLimits(per_email, per_address, window_seconds, first_delay_seconds=window_seconds)
    now = utcnow()
    for condition, limit in (
        (col(LoginFailure.email) == key_email, per_email),
        (col(LoginFailure.address) == key_address, per_address),
    ):
        wait = await _wait(db, limits, condition, limit, now)
        if wait > 0:
            raise _slowed_down(wait, sign_in=False)
    db.add(LoginFailure(email=key_email[:254], address=key_address[:64], at=now))


async def unlock(db: AsyncSession, email: str) -> int:
    """Forget every failed sign-in of the account, from any address (inside the caller's unit)."""
    result = await db.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))
    return int(result.rowcount or 0)


async def locked_emails(db: AsyncSession, limits: LoginLimits, emails: list[str]) -> set[str]:
    """Which of these accounts are slowed down just now."""
    if not emails:
        return set()
    since = utcnow() - timedelta(seconds=limits.window_seconds)
    statement = (
        select(LoginFailure.email)
        .where(col(LoginFailure.email).in_(emails), col(LoginFailure.at) >= since)
        .group_by(col(LoginFailure.email))
        .having(func.count() >= limits.per_account)
    )
    return set((await db.exec(statement)).all())


async def forgive(db: AsyncSession, attempt: Attempt) -> None:
    """The attempt succeeded: forget the account's failures and this device's, this attempt's with
    them. Run inside the caller's write transaction."""
    await db.exec(delete(LoginFailure).where(col(LoginFailure.email).in_({attempt.email, attempt.key})))


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


async def _count(db: AsyncSession, limits: LoginLimits, condition: ColumnElement[bool], now: datetime) -> int:
    since = now - timedelta(seconds=limits.window_seconds)
    statement = select(func.count()).select_from(LoginFailure).where(condition, col(LoginFailure.at) >= since)
    return int((await db.exec(statement)).one())


def _slowed_down(seconds: int, *, sign_in: bool = True) -> RateLimited:
    minutes = math.ceil(seconds / 60)
    if not sign_in:
        if minutes <= 1:
            return RateLimited(N_("Too many requests. Try again in a minute."), retry_after=seconds)
        return RateLimited(
            N_("Too many requests. Try again in %(minutes)s minutes."), retry_after=seconds, params={"minutes": minutes}
        )
    if minutes <= 1:
        return RateLimited(N_("Too many failed sign-in attempts. Try again in a minute."), retry_after=seconds)
    return RateLimited(
        N_("Too many failed sign-in attempts. Try again in %(minutes)s minutes."),
        retry_after=seconds,
        params={"minutes": minutes},
    )
