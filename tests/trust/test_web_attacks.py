"""Case 12, web attacks (the parts without a browser; the XSS corpus is in `test_xss.py` and
`tests/browser/test_xss_browser.py`, CSRF on every write in `tests/server/test_csrf.py`):
no GET changes data, authenticated answers are `Cache-Control: no-store`, passwords are argon2id
with strong parameters, uploads are checked by content and never named by the visitor, and login
throttling never tells which addresses have accounts."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import argon2
import pytest
from sqlalchemy import select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.routing import Route

from config import Settings
from models import Role, User
from server.digest_mail import unsubscribe_token
from services import accounts, avatars, chat, comments, direct, passwords, posts, reactions
from tests.support import BASE_URL, PASSWORD, Visitor, add_member, make_circle, make_user
from tests.trust.report import report

pytestmark = pytest.mark.trust

# Bookkeeping a read may do: when a session or token was last used, and the event log's epoch,
# made the first time anyone asks for it.
VOLATILE = {("user_sessions", "last_seen_at"), ("api_tokens", "last_used_at")}
VOLATILE_TABLES = {"realtime_meta", "alembic_version"}
# Answers that hold nothing of a colleague's and may be cached.
CACHEABLE = {"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/theme.css", "/brand/logo", "/login"}
PNG = b"\x89PNG\r\n\x1a\n"


async def snapshot(db: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, less the bookkeeping columns."""
    state = {}
    await db.commit()  # a fresh transaction sees everything committed
    for table in SQLModel.metadata.sorted_tables:
        if table.name in VOLATILE_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
        rows = (await db.exec(select(*columns))).all()  # type: ignore[call-overload]
        state[table.name] = sorted((tuple(str(v) for v in row) for row in rows), key=repr)
    await db.commit()
    return state


async def fresh_user(db: AsyncSession, user_id: int) -> User:
    """The user as the database holds it now, not as this session last saw it."""
    await db.commit()  # end the session's transaction: the next read sees what others committed
    user = await db.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


def get_routes(app: Starlette) -> list[str]:
    return [r.path for r in app.routes if isinstance(r, Route) and "GET" in (r.methods or set())]


async def rich_organisation(db: AsyncSession, settings: Settings) -> tuple[User, dict[str, str]]:
    """A colleague with something behind every kind of id a GET route takes."""
    admin = await make_user(db, role=Role.ADMIN)
    other = await make_user(db)
    circle = await make_circle(db, admin)
    await add_member(db, admin, circle, other)
    assert circle.id is not None
    assert other.id is not None
    post = await posts.create_post(db, admin, circle.id, body="Hallo @kring")
    news = await posts.create_news(db, admin, title="Nieuws", body="Lees dit", must_read=True)
    blog = await posts.create_blog_post(db, admin, title="Blog", body="Tekst")
    comment = await comments.add_comment(db, other, post.id or 0, body="Reactie")
    message = await chat.post_message(db, other, circle.id, body="Bericht")
    await reactions.set_reaction(db, other, "post", post.id or 0, "thumbsup", on=True)
    await direct.open_conversation(db, admin, [other.id])
    await avatars.set_avatar(db, admin, PNG + b"avatar", media_dir=settings.media_dir, max_bytes=10_000)
    refreshed = await fresh_user(db, admin.id or 0)
    values = {
        "circle_id": str(circle.id),
        "user_id": str(other.id),
        "post_id": str(news.id),
        "target_id": str(post.id),
        "comment_id": str(comment.id),
        "message_id": str(message.id),
        "token_id": "1",
        "folder": "avatars",
        "name": str(refreshed.avatar),
        "kind": "post",
        "token": unsubscribe_token(settings, other.id),  # the digest mail's unsubscribe link
        "emoji": "thumbsup",
    }
    assert blog.id is not None
    return admin, values


def fill(path: str, values: dict[str, str]) -> str:
    # Ids this test has no object for (knowledge documents and pages) are 1: a 404 still says
    # whether the GET changed anything or failed.
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: values.get(m.group(1), "1"), path)


async def test_no_get_changes_data_and_every_private_answer_is_no_store(
    db: AsyncSession, visitor: Visitor, app: Starlette, settings: Settings
) -> None:
    admin, values = await rich_organisation(db, settings)
    await visitor.sign_in(admin)
    await visitor.write("POST", "/api/v1/tokens", {"name": "script"})
    await visitor.get("/")  # the log's epoch and the first touches happen here
    before = await snapshot(db)

    checked, missing_no_store = 0, []
    for path in get_routes(app):
        for variant in ({}, {"post_id": values["target_id"]}):  # news and a circle post
            url = fill(path, {**values, **variant})
            response = await visitor.get(url)
            assert response.status_code < 500, (url, response.status_code)
            checked += 1
            private = response.status_code == 200 and path not in CACHEABLE and not path.startswith("/media/")
            if private and "no-store" not in response.headers.get("cache-control", ""):
                missing_no_store.append(url)
    after = await snapshot(db)
    changed = {table for table in before if before[table] != after[table]}
    assert changed == set(), f"GET requests changed {changed}"
    assert sorted(set(missing_no_store)) == []
    report("12-get-and-cache", get_requests=checked, tables_compared=len(before))


def test_passwords_are_argon2id_with_at_least_owasp_parameters() -> None:
    hashed = passwords.hash_blocking("een lang genoeg wachtwoord")
    parameters = argon2.extract_parameters(hashed)
    assert parameters.type is argon2.Type.ID
    # OWASP's floor for argon2id: 19 MiB with 2 passes, or more memory with fewer.
    assert parameters.memory_cost >= 19_456
    assert parameters.time_cost >= 2
    assert parameters.parallelism >= 1
    assert parameters.salt_len >= 16
    assert parameters.hash_len >= 32
    report("12-argon2id", m=parameters.memory_cost, t=parameters.time_cost, p=parameters.parallelism)


async def test_a_weak_stored_hash_is_replaced_at_the_next_sign_in(db: AsyncSession, visitor: Visitor) -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user = await make_user(db)
    user.password_hash = weak
    db.add(user)
    await db.commit()
    assert (await visitor.sign_in(user)).status_code == 200
    stored = (await fresh_user(db, user.id or 0)).password_hash
    assert argon2.extract_parameters(stored).memory_cost >= 19_456


UPLOAD_NAMES = [
    "../../evil.png",
    "..\\..\\evil.png",
    "/etc/passwd",
    "avatar.png\x00.html",
    "a" * 300 + ".png",
    ".htaccess",
    "évil name.png",
    "%2e%2e%2fevil.png",
    "CON",
    "avatar.php.png",
]
NOT_PICTURES = {
    "html": b"<!doctype html><script>alert(1)</script>",
    "svg with script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "php": b"<?php system($_GET['c']); ?>",
    "gif polyglot": b"GIF89a/*<script>alert(1)</script>*/",
    "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    "zip": b"PK\x03\x04" + b"\x00" * 40,
    "windows program": b"MZ\x90\x00" + b"\x00" * 60,
    "text named png": b"just text",
    "empty": b"",
    "png signature cut short": PNG[:5],
}


async def test_uploads_are_checked_by_content_and_never_named_by_the_visitor(
    db: AsyncSession, visitor: Visitor, settings: Settings, tmp_path: Path
) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    token = await visitor.form_token("/profile")

    async def upload(name: str, data: bytes, content_type: str = "image/png") -> str | None:
        response = await visitor.http.post(
            "/profile/avatar",
            data={"csrf_token": token},
            files={"avatar": (name, data, content_type)},
            headers={"Origin": BASE_URL, "Referer": f"{BASE_URL}/profile"},
        )
        assert response.status_code == 303, (name, response.status_code)
        return (await fresh_user(db, user.id or 0)).avatar

    stored = set()
    for number, name in enumerate(UPLOAD_NAMES):
        avatar = await upload(name, PNG + f"picture {number}".encode())
        assert avatar is not None, name
        assert re.fullmatch(r"[0-9a-f]{64}\.png", avatar), (name, avatar)
        stored.add(avatar)
    accepted = await fresh_user(db, user.id or 0)
    for label, data in NOT_PICTURES.items():
        assert await upload("picture.png", data) == accepted.avatar, label  # refused: unchanged
    # Named by the browser as a picture, but the bytes decide.
    assert await upload("x.svg", NOT_PICTURES["svg with script"], "image/svg+xml") == accepted.avatar

    on_disk = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}  # noqa: ASYNC240
    media = {p for p in on_disk if p.startswith("media/")}
    assert media == {f"media/avatars/{name}" for name in stored}
    assert not any("evil" in p or "passwd" in p or "htaccess" in p for p in on_disk)

    one = sorted(stored)[0]
    served = await visitor.get(f"/media/avatars/{one}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    for probe in (
        "/media/avatars/..%2f..%2fkring.db",
        "/media/avatars/%2e%2e/secret_key",
        "/media/../kring.db",
        "/media/var/secret_key",
        f"/media/covers/{one}",
        f"/media/avatars/{one.upper()}",
        f"/media/avatars/{one}%00.html",
        "/media/avatars/.." + "%2f" * 3,
    ):
        response = await visitor.get(probe, follow_redirects=True)  # the router may drop a trailing slash
        assert response.status_code == 404, (probe, response.status_code)
        assert str(response.url).startswith(BASE_URL)
    report("12-uploads", names=len(UPLOAD_NAMES), refused_contents=len(NOT_PICTURES) + 1, traversal_probes=8)


async def test_login_throttling_never_tells_which_addresses_have_accounts(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    known = await make_user(db)
    gone = await make_user(db)
    await accounts.deactivate(db, None, gone)
    visitor = await new_visitor()

    wrong = "wrong password!"

    async def attempt(email: str, password: str = wrong) -> tuple[int, str, float]:
        started = time.perf_counter()
        response = await visitor.http.post(
            "/api/v1/session", json={"email": email, "password": password}, headers={"Origin": BASE_URL}
        )
        return response.status_code, response.json()["error"]["message"], time.perf_counter() - started

    unknown = "niemand@kring.test"
    answers = {email: [await attempt(email) for _ in range(5)] for email in (known.email, unknown, gone.email)}
    for email, tries in answers.items():
        assert {(status, message) for status, message, _ in tries} == {(401, "Wrong e-mail address or password.")}, (
            email
        )
    # Slowed down now, all three alike, even with the right password.
    locked = {email: await attempt(email, PASSWORD) for email in answers}
    assert {(status, message) for status, message, _ in locked.values()} == {
        (429, "Too many failed sign-in attempts. Try again in a minute.")
    }
    medians = {email: statistics.median(t for _, _, t in tries) for email, tries in answers.items()}
    slowest, fastest = max(medians.values()), min(medians.values())
    report(
        "12-login",
        known_ms=round(medians[known.email] * 1000, 1),
        unknown_ms=round(medians[unknown] * 1000, 1),
        deactivated_ms=round(medians[gone.email] * 1000, 1),
    )
    # Every failure costs one argon2 verification, known account or not.
    assert slowest < 3 * fastest, medians

    # The address limit: 30 failures from one address slow it down for every account.
    for number in range(30 - 15):
        status, _, _ = await attempt(f"nummer{number}@kring.test")
        assert status == 401
    status, _, _ = await attempt("nog.een@kring.test")
    assert status == 429
