"""The bearer tokens of the organisation's provisioning client (SCIM).

An organisation admin makes a token in the console and gives it to Entra ID or Keycloak; the
database keeps only its SHA-256 digest (`sessions.digest`), so a copy of the database provisions
nobody. A token belongs to the organisation, not to the admin who made it: it keeps working when
that admin leaves, until an admin revokes it. Making and revoking are written to the audit log in
the same unit of work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ScimToken, User
from models.base import utcnow
from services import access, audit
from services.errors import N_, Invalid, NotFound
from services.sessions import digest
from services.transactions import unit_of_work, writes

TOKEN_PREFIX = "kring_scim_"
# Writing last_used_at on every provisioning call would make each read a write.
_TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class Client:
    """Who calls the SCIM endpoint: a token, named in the audit log as "SCIM: <name>"."""

    token_id: int
    name: str
    address: str = ""

    @property
    def label(self) -> str:
        return f"SCIM: {self.name}"


@writes
async def create_token(db: AsyncSession, actor: User, name: str, *, address: str = "") -> tuple[ScimToken, str]:
    """A new token; the raw value is returned once and never again."""
    access.ensure_org_admin(actor)
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise Invalid(N_("Give the token a name of at most 100 characters."), field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(token_hash=digest(raw), name=name, created_by=actor.id)
    db.add(token)
    await db.flush()
    await audit.record(
        db,
        audit.Action.SCIM_TOKEN_CREATED,
        actor=actor,
        subject=audit.Subject("scim_token", token.id, name),
        after={"name": name},
        address=address,
    )
    return token, raw


@writes
async def revoke_token(db: AsyncSession, actor: User, token_id: int, *, address: str = "") -> ScimToken:
    """The token stops working at the next request."""
    access.ensure_org_admin(actor)
    token = await db.get(ScimToken, token_id)
    if token is None or token.revoked_at is not None:
        raise NotFound(N_("No such token."))
    token.revoked_at = utcnow()
    db.add(token)
    await audit.record(
        db,
        audit.Action.SCIM_TOKEN_REVOKED,
        actor=actor,
        subject=audit.Subject("scim_token", token.id, token.name),
        before={"revoked": False},
        after={"revoked": True},
        address=address,
    )
    return token


async def list_tokens(db: AsyncSession) -> list[ScimToken]:
    """The tokens that work, newest first."""
    statement = select(ScimToken).where(col(ScimToken.revoked_at).is_(None)).order_by(col(ScimToken.id).desc())
    return list((await db.exec(statement)).all())


async def resolve_token(db: AsyncSession, raw: str, *, address: str = "") -> Client | None:
    """The client behind a bearer token, or None for a token that is unknown or revoked."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
        return None
    found = await db.exec(
        select(ScimToken).where(ScimToken.token_hash == digest(raw), col(ScimToken.revoked_at).is_(None))
    )
    token = found.first()
    if token is None or token.id is None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_INTERVAL:
        async with unit_of_work(db):
            token.last_used_at = now
            db.add(token)
    return Client(token.id, token.name, address)
