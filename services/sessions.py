"""Signing in and out with server-side sessions, and personal API tokens.

The browser holds a random token; the database holds its SHA-256 digest with the user, so
logout, password change and deactivation take effect on the next request.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ApiToken, LastSignIn, User, UserSession
from models.base import utcnow
from services import audit, events, passwords, throttle, welcome
from services.accounts import find_by_email
from services.errors import N_, Invalid, NotFound, Unauthenticated
from services.event_types import SessionEnded
from services.transactions import unit_of_work, writes

log = logging.getLogger("kring.sessions")

API_TOKEN_PREFIX = "kring_"
# Refreshing last_seen_at on every request would turn each page view into a write.
_TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class SignedIn:
    user: User
    session: UserSession
    token: str  # the raw token for the cookie; never stored


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def sign_in(
    db: AsyncSession,
    limits: throttle.LoginLimits,
    *,
    email: str,
    password: str,
    address: str,
    user_agent: str = "",
    session_days: int = 14,
    device: str | None = None,
    password_allowed: bool = True,
    greet: bool = True,
) -> SignedIn:
    """Check the credentials and open a session. Unknown address, wrong password and
    deactivated account all fail alike, in the same time, so none can be told apart.

    The attempt is recorded as a failure before the password is checked (`throttle`), in a
    transaction of its own, and the check runs off the event loop with no transaction open, so a
    burst of sign-ins holds neither the loop nor database connections; a success takes the
    failure back. `device` is this browser's id when it has signed in to `email` before: its
    attempts are counted apart from strangers' (`throttle`). `password_allowed` is False when the
    organisation signs in through its provider only and `email` is not its break-glass admin's."""
    email = email.strip().lower()[:254]
    if not password_allowed:
        raise Unauthenticated(N_("This organisation signs in with its own accounts: use the sign-in button."))
    user = await find_by_email(db, email) if email else None
    attempt = await throttle.begin_attempt(db, limits, email=email, address=address, device=device)
    ok = await passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active or user.is_assistant:
        raise Unauthenticated(N_("Wrong e-mail address or password."))
    stronger = await passwords.rehash(password) if passwords.needs_rehash(user.password_hash) else None
    async with unit_of_work(db):
        await throttle.forgive(db, attempt)
        if stronger is not None:
            user.password_hash = stronger
            db.add(user)
        return await open_session(
            db, user, address=address, user_agent=user_agent, session_days=session_days, greet=greet
        )


async def open_session(
    db: AsyncSession, user: User, *, address: str, user_agent: str = "", session_days: int = 14, greet: bool = True
) -> SignedIn:
    """A new session for a colleague whose identity is settled (a password here, or the
    organisation's sign-on), in the open unit of work. Nobody signs in as the assistant, whatever
    a provider says of its address."""
    if user.is_assistant or not user.is_active:
        raise Unauthenticated(N_("Wrong e-mail address or password."))
    first = await db.get(LastSignIn, user.id) is None
    await _note_sign_in(db, user)
    # Every session is made here, whoever made the account and however they signed in: the one
    # place a first sign-in is certain, and the welcome's claim keeps it single across tabs and
    # workers. Colleagues who signed in before Ids's care existed are no newcomers.
    if first and greet:  # the organisation's choice (KRING_IDS_WELCOME)
        try:
            async with unit_of_work(db):  # a savepoint: a welcome that fails never fails the sign-in
                await welcome.welcome_once(db, user)
        except Exception:
            log.exception("the welcome of user %s failed; they signed in without it", user.id)
    token = secrets.token_urlsafe(32)
    session = UserSession(
        token_hash=digest(token),
        user_id=user.id or 0,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + timedelta(days=session_days),
        user_agent=user_agent[:300],
        address=address[:64],
    )
    db.add(session)
    return SignedIn(user=user, session=session, token=token)


async def _note_sign_in(db: AsyncSession, user: User) -> None:
    """Remember when the colleague signed in (the admin console shows it)."""
    last = await db.get(LastSignIn, user.id)
    if last is None:
        db.add(LastSignIn(user_id=user.id or 0, at=utcnow()))
    else:
        last.at = utcnow()
        db.add(last)


async def last_sign_ins(db: AsyncSession) -> dict[int, datetime]:
    """When each colleague last signed in, by user id (never signed in: absent)."""
    rows = await db.exec(select(LastSignIn))
    return {row.user_id: row.at for row in rows.all()}


async def resolve_session(db: AsyncSession, token: str) -> tuple[User, UserSession] | None:
    """The active user and session behind a cookie token, or None."""
    if not token or len(token) > 128:
        return None
    statement = (
        select(User, UserSession)
        .join(UserSession, col(UserSession.user_id) == col(User.id))
        .where(UserSession.token_hash == digest(token), col(User.is_active).is_(True))
    )
    row = (await db.exec(statement)).first()
    if row is None:
        return None
    user, session = row
    now = utcnow()
    if session.expires_at <= now:
        async with unit_of_work(db):
            await db.delete(session)
        return None
    if now - session.last_seen_at > _TOUCH_INTERVAL:
        async with unit_of_work(db):
            session.last_seen_at = now
            db.add(session)
    return user, session


@writes
async def sign_out(db: AsyncSession, session: UserSession) -> None:
    """End one session; sockets opened with it close (`session.ended` on the user's topic)."""
    await db.exec(delete(UserSession).where(col(UserSession.id) == session.id))
    await events.record(db, events.user_topic(session.user_id), SessionEnded(session_id=session.id))


@writes
async def create_api_token(db: AsyncSession, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token; the raw value is returned once and never again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid(N_("Give the token a name of at most 100 characters."), field="name")
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=digest(raw), user_id=user.id or 0, name=name)
    db.add(token)
    return token, raw


async def resolve_api_token(db: AsyncSession, raw: str) -> tuple[User, ApiToken] | None:
    if not raw.startswith(API_TOKEN_PREFIX) or len(raw) > 128:
        return None
    statement = (
        select(User, ApiToken)
        .join(ApiToken, col(ApiToken.user_id) == col(User.id))
        .where(
            ApiToken.token_hash == digest(raw),
            col(ApiToken.revoked_at).is_(None),
            col(User.is_active).is_(True),
        )
    )
    row = (await db.exec(statement)).first()
    if row is None:
        return None
    user, token = row
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_INTERVAL:
        async with unit_of_work(db):
            token.last_used_at = now
            db.add(token)
    return user, token


async def list_api_tokens(db: AsyncSession, user: User) -> list[ApiToken]:
    statement = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.created_at).desc())
    )
    return list((await db.exec(statement)).all())


@writes
async def revoke_api_token(db: AsyncSession, user: User, token_id: int) -> None:
    token = await db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound(N_("No such token."))
    token.revoked_at = utcnow()
    db.add(token)
    await events.record(db, events.user_topic(user.id or 0), SessionEnded(token_id=token.id))
    await audit.record(
        db,
        audit.Action.TOKEN_REVOKED,
        actor=user,
        subject=audit.Subject("api_token", token.id, token.name),
        before={"revoked": False},
        after={"revoked": True},
    )


__all__ = [
    "SignedIn",
    "create_api_token",
    "list_api_tokens",
    "resolve_api_token",
    "resolve_session",
    "revoke_api_token",
    "sign_in",
    "sign_out",
]
