"""Who is asking: a session cookie (browsers) or a Bearer token (scripts and apps)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from models import User, UserSession
from realtime.connection import Viewer
from server.context import app_context
from server.i18n import choose_locale
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
    token_id: int | None = None  # set when via is TOKEN

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
        resolved = await sessions.resolve_api_token(db, raw.strip())
        if resolved is None:
            return None
        user, api_token = resolved
        return Principal(user, Via.TOKEN, token_id=api_token.id)
    cookie = conn.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    signed_in = await sessions.resolve_session(db, cookie)
    if signed_in is None:
        return None
    user, session = signed_in
    return Principal(user, Via.COOKIE, session)


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


async def authenticate_socket(websocket: WebSocket) -> Viewer | None:
    """The WebSocket handshake's credentials, checked like an HTTP request's."""
    async with app_context(websocket).db() as db:
        principal = await authenticate(websocket, db)
    if principal is None:
        return None
    session_id = principal.session.id if principal.session is not None else None
    # The language the socket's HTML items come in: the one its pages are in.
    locale = choose_locale(websocket, principal.user.locale, app_context(websocket).settings.locale)
    return Viewer(principal.user, session_id=session_id, token_id=principal.token_id, locale=locale)
