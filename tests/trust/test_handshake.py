"""Case 10, the handshake: every Origin against every kind of credential; only the right pair
upgrades to a WebSocket, everything else is refused with HTTP 403 before the upgrade.

A cookie is ambient (any page's request carries it), so a cookie socket needs the server's own
origin or a listed one, byte for byte. A Bearer token is not ambient (no page can make a browser
send one to another site's socket), so a valid token upgrades whatever the Origin says.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import col, select

from harness import Worker
from models import UserSession
from models.base import utcnow
from services import accounts
from tests.realtime.support import Colleague, database
from tests.support import make_user

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]
LISTED = "https://app.example.org"


def origin_matrix(own: str, port: int) -> dict[str, str | None]:
    """Origins a browser (or an attacker's script) may send, by what they try."""
    host = own.split("://", 1)[1].rsplit(":", 1)[0]  # kring.localhost
    return {
        "own": own,
        "listed": LISTED,
        "missing": None,
        "foreign": "https://evil.example",
        "null": "null",
        "sibling subdomain": f"http://chat.{host}:{port}",
        "parent domain": f"http://{host.split('.', 1)[1]}:{port}",
        "wrong scheme": f"https://{host}:{port}",
        "wrong port": f"http://{host}:{port + 1}",
        "default port": f"http://{host}",
        "suffix: own as subdomain of evil": f"{own}.evil.example",
        "suffix: host inside evil": f"http://{host}.evil.example:{port}",
        "prefix: evil before host": f"http://evil{host}:{port}",
        "userinfo trick": f"http://{host}:{port}@evil.example",
        "trailing slash": f"{own}/",
        "upper case": own.upper(),
        "listed, other scheme": LISTED.replace("https:", "http:"),
        "listed as a prefix": f"{LISTED}.evil.example",
        "two origins": f"{own} https://evil.example",
        "file": "file://",
    }


async def upgrades(worker: Worker, headers: dict[str, str]) -> bool:
    """True when the handshake upgrades (101); False when it is refused with 403. A raw
    handshake: only the status line matters, and the connection is closed either way."""
    request = [
        "GET /ws HTTP/1.1",
        f"Host: 127.0.0.1:{worker.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(secrets.token_bytes(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    reader, writer = await asyncio.open_connection("127.0.0.1", worker.port)
    try:
        writer.write(("\r\n".join(request) + "\r\n\r\n").encode())
        await writer.drain()
        async with asyncio.timeout(60):
            status_line = (await reader.readline()).decode()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    status = int(status_line.split()[1])
    assert status in {101, 403}, (headers, status_line)
    return status == 101


async def test_only_the_right_origin_and_credential_pair_upgrades(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        user = await make_user(db)
        gone_user = await make_user(db)
    (worker,) = start_workers(url, 1, KRING_BASE_URL="http://kring.localhost:{port}", KRING_ALLOWED_ORIGINS=LISTED)

    valid = await Colleague(worker, user).sign_in()
    expired = await Colleague(worker, user).sign_in()
    signed_out = await Colleague(worker, user).sign_in()
    deactivated = await Colleague(worker, gone_user).sign_in()
    token = (await valid.write("POST", "/api/v1/tokens", {"name": "script"})).json()["token"]
    revoked_token = (await valid.write("POST", "/api/v1/tokens", {"name": "old"})).json()
    assert (await valid.write("DELETE", f"/api/v1/tokens/{revoked_token['id']}")).status_code == 200
    expired_cookie, signed_out_cookie = expired.cookie, signed_out.cookie
    assert (await signed_out.write("DELETE", "/api/v1/session")).status_code == 200
    # The second session signed in is `expired`: age it past its end.
    async with database(url) as db:
        sessions = list((await db.exec(select(UserSession).order_by(col(UserSession.id)))).all())
        assert len(sessions) >= 3
        sessions[1].expires_at = utcnow() - timedelta(seconds=1)
        db.add(sessions[1])
        await db.commit()
    async with database(url) as db:
        await accounts.deactivate(db, None, await accounts.get_user(db, gone_user.id or 0))

    raw = valid.cookie.split("=", 1)[1]
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    credentials: dict[str, dict[str, str]] = {
        "valid cookie": {"Cookie": valid.cookie},
        "no credential": {},
        "expired cookie": {"Cookie": expired_cookie},
        "tampered cookie": {"Cookie": f"kring_session={tampered}"},
        "signed-out cookie": {"Cookie": signed_out_cookie},
        "deactivated user's cookie": {"Cookie": deactivated.cookie},
        "empty cookie": {"Cookie": "kring_session="},
        "valid token": {"Authorization": f"Bearer {token}"},
        "tampered token": {"Authorization": f"Bearer {token[:-1]}{'A' if token[-1] != 'A' else 'B'}"},
        "revoked token": {"Authorization": f"Bearer {revoked_token['token']}"},
        "token in the wrong scheme": {"Authorization": f"Basic {token}"},
        # A Bearer header is the only credential looked at: a bad one does not fall back to the cookie.
        "tampered token beside a valid cookie": {"Authorization": "Bearer kring_forged", "Cookie": valid.cookie},
    }
    origins = origin_matrix(worker.origin, worker.port)

    outcomes: dict[tuple[str, str], bool] = {}
    for credential, credential_headers in credentials.items():
        for origin_name, origin in origins.items():
            headers = dict(credential_headers)
            if origin is not None:
                headers["Origin"] = origin
            outcomes[(credential, origin_name)] = await upgrades(worker, headers)

    expected = {
        key for key in outcomes if (key[0] == "valid cookie" and key[1] in {"own", "listed"}) or key[0] == "valid token"
    }
    upgraded = {key for key, ok in outcomes.items() if ok}
    assert upgraded - expected == set(), "upgraded but should not have"
    assert expected - upgraded == set(), "refused but should have upgraded"
    assert len(outcomes) == len(credentials) * len(origins)
    assert (await valid.http.get("/healthz")).status_code == 200
    for colleague in (valid, expired, signed_out, deactivated):
        await colleague.close()
