"""One-shot messages shown on the next page after a form post (a signed cookie)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from starlette.requests import HTTPConnection
from starlette.responses import Response

FLASH_COOKIE = "kring_flash"


def set_flash(response: Response, secret: bytes, kind: str, message: str, *, secure: bool) -> None:
    payload = base64.urlsafe_b64encode(json.dumps([kind, message]).encode()).decode()
    value = f"{payload}.{_sign(secret, payload)}"
    response.set_cookie(FLASH_COOKIE, value, max_age=60, httponly=True, samesite="lax", secure=secure)


def read_flash(conn: HTTPConnection, secret: bytes) -> tuple[str, str] | None:
    """The pending message, if any; the page that shows it deletes the cookie."""
    raw = conn.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    payload, _, signature = raw.partition(".")
    if not hmac.compare_digest(signature, _sign(secret, payload)):
        return None
    try:
        kind, message = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return None
    return str(kind), str(message)


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, b"flash:" + payload.encode(), hashlib.sha256).hexdigest()[:32]
