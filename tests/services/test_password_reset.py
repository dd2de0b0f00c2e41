"""Password reset: a single-use link that expires in an hour, throttled, the same for known and
unknown addresses, and ending every other session when used."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import PasswordReset
from models.base import utcnow
from services import credentials, passwords, sessions
from services.errors import Invalid, RateLimited
from services.throttle import LoginLimits
from tests.support import PASSWORD, make_user

LIMITS = LoginLimits(per_account=5, per_address=50, window_seconds=600)
NEW_PASSWORD = "een nieuw lang wachtwoord"


async def test_a_reset_sets_the_password_and_ends_every_session_and_token(db: AsyncSession) -> None:
    user = await make_user(db)
    elsewhere = await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.0.1")
    _token, raw_token = await sessions.create_api_token(db, user, "script")
    link = await credentials.request_reset(db, email=user.email.upper(), address="10.0.0.2")
    assert link is not None
    assert link.user.id == user.id
    assert timedelta(minutes=59) < link.expires_at - utcnow() <= timedelta(minutes=60)

    await credentials.use_reset(db, link.token, NEW_PASSWORD)
    assert await sessions.resolve_session(db, elsewhere.token) is None
    assert await sessions.resolve_api_token(db, raw_token) is None
    await db.refresh(user)
    assert await passwords.verify_password(user.password_hash, NEW_PASSWORD)


async def test_the_link_works_once(db: AsyncSession) -> None:
    user = await make_user(db)
    link = await credentials.request_reset(db, email=user.email, address="10.0.0.2")
    assert link is not None
    await credentials.use_reset(db, link.token, NEW_PASSWORD)
    assert await credentials.valid_reset(db, link.token) is None
    with pytest.raises(Invalid):
        await credentials.use_reset(db, link.token, "een derde wachtwoord hier")


async def test_the_link_expires_after_the_hour(db: AsyncSession) -> None:
    user = await make_user(db)
    link = await credentials.request_reset(db, email=user.email, address="10.0.0.2")
    assert link is not None
    [reset] = (await db.exec(select(PasswordReset))).all()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.add(reset)
    await db.commit()
    with pytest.raises(Invalid):
        await credentials.use_reset(db, link.token, NEW_PASSWORD)


async def test_only_the_digest_is_stored(db: AsyncSession) -> None:
    user = await make_user(db)
    link = await credentials.request_reset(db, email=user.email, address="10.0.0.2")
    assert link is not None
    [reset] = (await db.exec(select(PasswordReset))).all()
    assert reset.token_hash == sessions.digest(link.token) != link.token


async def test_unknown_and_deactivated_addresses_get_no_link(db: AsyncSession) -> None:
    from services import accounts

    gone = await make_user(db)
    await accounts.deactivate(db, None, gone)
    assert await credentials.request_reset(db, email="niemand@kring.test", address="10.0.0.3") is None
    assert await credentials.request_reset(db, email=gone.email, address="10.0.0.3") is None
    assert (await db.exec(select(PasswordReset))).all() == []


async def test_requests_are_throttled_per_address_typed_and_per_client(db: AsyncSession) -> None:
    user = await make_user(db)
    for number in range(3):
        await credentials.request_reset(db, email=user.email, address=f"10.0.1.{number}")
    with pytest.raises(RateLimited):
        await credentials.request_reset(db, email=user.email, address="10.0.1.9")
    # The same for an address without an account: the limit tells nothing.
    for _ in range(3):
        await credentials.request_reset(db, email="niemand@kring.test", address="10.0.2.1")
    with pytest.raises(RateLimited):
        await credentials.request_reset(db, email="niemand@kring.test", address="10.0.2.2")
    # Per client: ten requests for different addresses, then the eleventh waits.
    for number in range(10):
        await credentials.request_reset(db, email=f"n{number}@kring.test", address="192.0.2.50")
    with pytest.raises(RateLimited):
        await credentials.request_reset(db, email="n99@kring.test", address="192.0.2.50")
    # Reset requests never count towards the sign-in limits.
    assert (
        await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.1.9")
    ).user.id == user.id
