"""Who is asking: a session cookie (browsers) or a Bearer token (scripts and apps)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection

from models import User, UserSession
from services import sessions

SESSION_COOKIE = "kring_session"


class Via(enum.StrEnum):
    COOKIE = "cookie"
    TOKEN = "token"


@dataclass(frozen=True)
class Principal:
    user: User
    via: Via
    session: UserSession | None = None  # set when via is COOKIE

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id


async def authenticate(conn: HTTPConnection, db: AsyncSession) -> Principal | None:
    """Resolve the request's credentials. A Bearer header, when present, is the only credential
    considered: a script with a bad token is refused, not silently treated as the browser."""
    header = conn.headers.get("authorization")
    if header is not None:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        user = await sessions.resolve_api_token(db, raw.strip())
        return Principal(user, Via.TOKEN) if user else None
    token = conn.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    resolved = await sessions.resolve_session(db, token)
    if resolved is None:
        return None
    user, session = resolved
    return Principal(user, Via.COOKIE, session)


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"
