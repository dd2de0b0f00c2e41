"""Signing in through the organisation's OpenID provider: the request sent out, the callback
taken back once, and which colleague the provider's account is.

A provider account is matched by its subject once linked (`SignOnLink`). The first time, it is
linked to the colleague with the same e-mail address only when the provider says it verified that
address (`email_verified`), or, when the organisation allows it, a new colleague is made. Team and
job title follow the claims the organisation names. A deactivated colleague stays out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import SignOnLink, SignOnRequest, User
from models.base import utcnow
from services import accounts, audit, sessions
from services.errors import N_, Invalid, Unauthenticated
from services.oidc import OidcClient, TokenRefused
from services.transactions import end_read, unit_of_work, writes

# Long enough to type a password and approve at the provider, short enough that a stolen state
# is of little use.
REQUEST_MINUTES = 10
# A password hash no password matches: a colleague made by sign-on has no password until a
# reset gives one.
NO_PASSWORD = "!sign-on"


@dataclass(frozen=True)
class Policy:
    """What the organisation allows (from the settings)."""

    create_accounts: bool = False
    team_claim: str = ""
    job_title_claim: str = ""
    email_verified_claim: str = "email_verified"
    welcome: bool = True  # Ids welcomes a colleague on their first sign-in


class SignOnRefused(Unauthenticated):
    """The provider's account may not sign in here (unverified address, unknown, deactivated)."""


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass(frozen=True)
class Started:
    state: str  # for the browser's cookie, which binds the callback to this browser
    url: str  # the provider's authorization URL


async def begin(db: AsyncSession, client: OidcClient, *, next_url: str = "/") -> Started:
    """A sign-in sent to the provider: state, nonce and PKCE verifier kept server-side."""
    await end_read(db)  # no read transaction held open while the provider is asked
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    url = await client.authorization_url(state=state, nonce=nonce, code_verifier=verifier)
    async with unit_of_work(db):
        # Requests never answered go with the next one, so the table stays small.
        await db.exec(delete(SignOnRequest).where(col(SignOnRequest.expires_at) < utcnow()))
        db.add(
            SignOnRequest(
                state_hash=_digest(state),
                nonce=nonce,
                code_verifier=verifier,
                next_url=next_url[:500],
                expires_at=utcnow() + timedelta(minutes=REQUEST_MINUTES),
            )
        )
    return Started(state=state, url=url)


@writes
async def take_request(db: AsyncSession, state: str, browser_state: str) -> SignOnRequest:
    """The sign-in this callback answers, taken so no second callback finds it. Refused when the
    state is unknown, used, expired, or was not started in this browser."""
    refused = TokenRefused(N_("This sign-in link is no longer valid or was changed. Please sign in again."))
    if not state or not secrets.compare_digest(state.encode(), browser_state.encode()):
        raise refused
    request = (await db.exec(select(SignOnRequest).where(SignOnRequest.state_hash == _digest(state)))).first()
    if request is None:
        raise refused
    # A conditional delete: of two callbacks racing with one state, only one removes the row.
    result = await db.exec(delete(SignOnRequest).where(col(SignOnRequest.id) == request.id))
    if result.rowcount != 1 or request.expires_at <= utcnow():
        raise refused
    return request


async def complete(
    db: AsyncSession,
    client: OidcClient,
    policy: Policy,
    *,
    request: SignOnRequest,
    code: str,
    address: str,
    user_agent: str = "",
    session_days: int = 14,
) -> sessions.SignedIn:
    """Exchange the code, check the ID token, find or make the colleague and open a session."""
    await end_read(db)
    tokens = await client.exchange(code, request.code_verifier)
    claims = await client.validate_id_token(tokens.id_token, nonce=request.nonce, access_token=tokens.access_token)
    if "email" not in claims:
        claims = {**await client.userinfo(tokens.access_token, str(claims["sub"])), **claims}
    return await sign_in_with_claims(
        db,
        policy,
        issuer=client.config.issuer,
        claims=claims,
        address=address,
        user_agent=user_agent,
        session_days=session_days,
    )


@writes
async def sign_in_with_claims(
    db: AsyncSession,
    policy: Policy,
    *,
    issuer: str,
    claims: dict[str, Any],
    address: str,
    user_agent: str = "",
    session_days: int = 14,
) -> sessions.SignedIn:
    """The colleague behind checked claims, signed in (and audited)."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignOnRefused(N_("The sign-on provider sent no account."))
    link = (await db.exec(select(SignOnLink).where(SignOnLink.issuer == issuer, SignOnLink.subject == subject))).first()
    action = audit.Action.SIGN_ON
    if link is not None:
        user = await db.get(User, link.user_id)
        assert user is not None
    else:
        user, action = await _first_sign_in(db, policy, claims)
        link = SignOnLink(issuer=issuer, subject=subject, user_id=user.id or 0)
    if not user.is_active:
        raise SignOnRefused(N_("Your account has been deactivated. Ask an administrator if this is wrong."))
    link.last_used_at = utcnow()
    db.add(link)
    changed = _profile_from_claims(user, claims, policy)
    if changed:
        await accounts.update_profile(db, user, **changed)
    signed_in = await sessions.open_session(
        db, user, address=address, user_agent=user_agent, session_days=session_days, greet=policy.welcome
    )
    await audit.record(
        db,
        action,
        actor=user,
        subject=audit.Subject.user(user),
        after={"issuer": issuer, "subject": subject},
        address=address,
    )
    return signed_in


async def _first_sign_in(db: AsyncSession, policy: Policy, claims: dict[str, Any]) -> tuple[User, audit.Action]:
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise SignOnRefused(N_("The sign-on provider did not tell your e-mail address, so Kring cannot find you."))
    # Only the literal true counts: a provider that says nothing, or "false", has not checked that
    # the address is this person's, and linking on it would hand over someone else's account.
    if claims.get(policy.email_verified_claim) is not True:
        raise SignOnRefused(
            N_("Your organisation has not confirmed your e-mail address, so Kring cannot link your account.")
        )
    user = await accounts.find_by_email(db, email)
    if user is not None:
        return user, audit.Action.SIGN_ON_LINKED
    if not policy.create_accounts:
        raise SignOnRefused(
            N_("There is no Kring account for %(email)s. Ask an administrator to invite you."), params={"email": email}
        )
    name = str(claims.get("name") or "").strip() or email.split("@")[0]
    try:
        user = await accounts.create_user(db, email=email, name=name, password_hash=NO_PASSWORD)
    except Invalid:
        raise SignOnRefused(N_("The sign-on provider sent an account Kring cannot use.")) from None
    return user, audit.Action.SIGN_ON_CREATED


def _profile_from_claims(user: User, claims: dict[str, Any], policy: Policy) -> dict[str, str]:
    """Team and job title as the provider has them, when the organisation names their claims."""
    changed: dict[str, str] = {}
    for field, claim in (("team", policy.team_claim), ("job_title", policy.job_title_claim)):
        value = claims.get(claim) if claim else None
        if isinstance(value, str) and value.strip() and value.strip()[:120] != getattr(user, field):
            changed[field] = value.strip()
    return changed


async def uses_sign_on(db: AsyncSession, user: User) -> bool:
    """Whether the colleague has signed in through the provider (sign-out then ends that too)."""
    link = (await db.exec(select(SignOnLink.id).where(SignOnLink.user_id == user.id))).first()
    return link is not None
