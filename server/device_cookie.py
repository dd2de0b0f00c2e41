"""The device cookie: proof that this browser has signed in to an account before.

A stranger's wrong passwords slow an account down for every client that cannot prove it has
signed in to that account before (OWASP's "device cookies"). A browser that has carries this
cookie, so its own attempts are counted apart (`services.throttle`) and a colleague is never
locked out by someone else's guessing. The cookie names the account it was earned on and is
signed with the secret key, so it cannot be forged or carried over to another account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import HTTPConnection
from starlette.responses import Response

DEVICE_COOKIE = "kring_device"
_YEAR = 365 * 86400


def _signature(secret: bytes, email: str, nonce: str) -> str:
    return hmac.new(secret, f"device:{email}:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(secret: bytes, email: str) -> str:
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_signature(secret, email, nonce)}"


def device_for(conn: HTTPConnection, secret: bytes, email: str) -> str | None:
    """This browser's device id if its cookie was earned on `email`; otherwise None."""
    nonce, _, signature = conn.cookies.get(DEVICE_COOKIE, "").partition(".")
    if not nonce or len(nonce) > 64 or not hmac.compare_digest(signature, _signature(secret, email, nonce)):
        return None
    return nonce


def remember(response: Response, secret: bytes, email: str, *, secure: bool) -> None:
    response.set_cookie(
        DEVICE_COOKIE, issue(secret, email), max_age=_YEAR, httponly=True, samesite="lax", secure=secure
    )
