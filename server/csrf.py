"""Cross-site request forgery defences.

Two layers, because either alone has holes:
1. `OriginGuard` refuses any state-changing request whose `Origin` (or, lacking it, `Referer`)
   is not the server's own or listed in `KRING_ALLOWED_ORIGINS`. Browsers always send `Origin` on
   cross-site POSTs, so a foreign page cannot write with the user's cookie.
2. A per-session token, sent as the `X-CSRF-Token` header (JSON) or the `csrf_token` form field,
   checked by the endpoint wrappers in `server.endpoints` for every cookie-authenticated write.
   Before sign-in, the login form carries a token bound to an anonymous cookie (HMAC with the
   secret key), which stops login CSRF.
Requests authenticated by a Bearer token carry no ambient credential and need neither.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
ANON_COOKIE = "kring_anon"


class OriginGuard:
    """ASGI middleware: refuse unsafe HTTP requests from foreign origins (layer 1)."""

    def __init__(self, app: ASGIApp, trusted_origins: frozenset[str]) -> None:
        self.app = app
        self.trusted = trusted_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"authorization" not in headers and not self._trusted(headers):
            await _refuse(send)
            return
        await self.app(scope, receive, send)

    def _trusted(self, headers: dict[bytes, bytes]) -> bool:
        origin = headers.get(b"origin")
        if origin is not None:
            return origin.decode("latin-1") in self.trusted
        referer = headers.get(b"referer")
        if referer is not None:
            parts = urlsplit(referer.decode("latin-1"))
            return f"{parts.scheme}://{parts.netloc}" in self.trusted
        # Neither header: not a browser (browsers send Origin on every cross-site POST). The
        # CSRF token, required for every cookie write, still applies.
        return True


async def _refuse(send: Send) -> None:
    body = json.dumps({"error": {"code": "forbidden", "message": "Cross-origin request refused."}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def anonymous_token(secret: bytes, anon_id: str) -> str:
    return hmac.new(secret, b"login:" + anon_id.encode(), hashlib.sha256).hexdigest()


def anon_id(conn: HTTPConnection) -> tuple[str, bool]:
    """The anonymous visitor's id from its cookie, or a new one (second value: is new)."""
    existing = conn.cookies.get(ANON_COOKIE)
    if existing and 16 <= len(existing) <= 64:
        return existing, False
    return secrets.token_urlsafe(24), True
