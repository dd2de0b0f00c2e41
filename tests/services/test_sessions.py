"""Signing in, throttling, sessions and tokens ending when they must."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import LoginFailure
from services import accounts, sessions
from services.errors import RateLimited, Unauthenticated
from services.throttle import LoginLimits
from tests.support import PASSWORD, make_user

LIMITS = LoginLimits(per_account=3, per_address=5, window_seconds=600)


async def test_wrong_password_unknown_account_and_deactivated_fail_alike(db: AsyncSession) -> None:
    user = await make_user(db)
    gone = await make_user(db)
    await accounts.deactivate(db, None, gone)
    messages = set()
    for email, password in ((user.email, "wrong password"), ("nobody@kring.test", PASSWORD), (gone.email, PASSWORD)):
        with pytest.raises(Unauthenticated) as caught:
            await sessions.sign_in(db, LIMITS, email=email, password=password, address="10.0.0.1")
        messages.add(caught.value.message)
    assert len(messages) == 1


async def _age_failures(db: AsyncSession, seconds: float) -> None:
    """Move every recorded failure `seconds` into the past, as if that time had gone by."""
    for failure in (await db.exec(select(LoginFailure))).all():
        failure.at -= timedelta(seconds=seconds)
        db.add(failure)
    await db.commit()


async def test_past_the_account_limit_even_the_right_password_waits_but_only_the_delay(db: AsyncSession) -> None:
    user = await make_user(db)
    for attempt in range(LIMITS.per_account):
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(db, LIMITS, email=user.email, password="guess", address=f"10.0.0.{attempt}")
    with pytest.raises(RateLimited) as caught:
        await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.9.9")
    assert 0 < caught.value.retry_after <= LIMITS.first_delay_seconds
    assert caught.value.text() == "Too many failed sign-in attempts. Try again in a minute."
    await _age_failures(db, LIMITS.first_delay_seconds)
    signed_in = await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.9.9")
    assert signed_in.user.id == user.id


async def test_each_failure_past_the_limit_doubles_the_wait(db: AsyncSession) -> None:
    user = await make_user(db)
    for attempt in range(LIMITS.per_account):
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(db, LIMITS, email=user.email, password="guess", address=f"10.0.1.{attempt}")
    waits = []
    for _ in range(4):
        with pytest.raises(RateLimited) as caught:
            await sessions.sign_in(db, LIMITS, email=user.email, password="guess", address="10.0.1.99")
        waits.append(caught.value.retry_after)
        await _age_failures(db, caught.value.retry_after)  # wait it out, then fail once more
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(db, LIMITS, email=user.email, password="guess", address="10.0.1.99")
    assert [round(wait / LIMITS.first_delay_seconds) for wait in waits] == [1, 2, 4, 8]
    with pytest.raises(RateLimited) as caught:
        await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.1.99")
    assert caught.value.text() == "Too many failed sign-in attempts. Try again in 8 minutes."


async def test_address_is_throttled_across_accounts(db: AsyncSession) -> None:
    user = await make_user(db)
    for number in range(LIMITS.per_address):
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(db, LIMITS, email=f"n{number}@kring.test", password="x", address="192.0.2.7")
    with pytest.raises(RateLimited):
        await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="192.0.2.7")
    signed_in = await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="192.0.2.8")
    assert signed_in.user.id == user.id


async def test_success_forgets_earlier_account_failures(db: AsyncSession) -> None:
    user = await make_user(db)
    for _ in range(LIMITS.per_account - 1):
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(db, LIMITS, email=user.email, password="guess", address="10.1.1.1")
    await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.1.1.1")
    with pytest.raises(Unauthenticated):
        await sessions.sign_in(db, LIMITS, email=user.email, password="guess", address="10.1.1.2")
    await sessions.sign_in(db, LIMITS, email=user.email.upper(), password=PASSWORD, address="10.1.1.3")


async def test_deactivation_ends_sessions_and_tokens_at_once(db: AsyncSession) -> None:
    user = await make_user(db)
    signed_in = await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.0.1")
    _token, raw = await sessions.create_api_token(db, user, "script")
    assert await sessions.resolve_session(db, signed_in.token) is not None
    assert await sessions.resolve_api_token(db, raw) is not None

    await accounts.deactivate(db, None, user)
    assert await sessions.resolve_session(db, signed_in.token) is None
    assert await sessions.resolve_api_token(db, raw) is None


async def test_password_change_ends_every_session(db: AsyncSession) -> None:
    user = await make_user(db)
    first = await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.0.1")
    await accounts.change_password(db, user, current=PASSWORD, new="a brand new passphrase")
    assert await sessions.resolve_session(db, first.token) is None
    again = await sessions.sign_in(db, LIMITS, email=user.email, password="a brand new passphrase", address="10.0.0.1")
    assert await sessions.resolve_session(db, again.token) is not None


async def test_sessions_store_only_digests(db: AsyncSession) -> None:
    user = await make_user(db)
    signed_in = await sessions.sign_in(db, LIMITS, email=user.email, password=PASSWORD, address="10.0.0.1")
    assert signed_in.session.token_hash != signed_in.token
    assert signed_in.session.token_hash == sessions.digest(signed_in.token)


async def test_revoked_token_stops_working(db: AsyncSession) -> None:
    user = await make_user(db)
    token, raw = await sessions.create_api_token(db, user, "export")
    assert token.id is not None
    await sessions.revoke_api_token(db, user, token.id)
    assert await sessions.resolve_api_token(db, raw) is None
    assert await sessions.list_api_tokens(db, user) == []
