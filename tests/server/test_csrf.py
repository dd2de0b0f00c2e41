"""Cross-site request forgery: every state-changing route, enumerated from the router."""

from __future__ import annotations

import re

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.routing import Route

from models import Role
from tests.support import BASE_URL, PASSWORD, Visitor, make_circle, make_user

pytestmark = pytest.mark.trust  # case 12: CSRF on every state-changing route

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC_WRITES = {"/api/v1/session", "/login", "/language"}
# The signed token in the address is the proof here (one-click unsubscribe from a mail program,
# RFC 8058); a made-up token must find nothing.
TOKEN_WRITES = {"/unsubscribe/1/1"}


def unsafe_routes(app: Starlette) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) & UNSAFE):
                path = re.sub(r"{\w+(:\w+)?}", "1", route.path)
                found.append((method, path))
    return found


async def test_the_router_has_the_writes_we_expect(app: Starlette) -> None:
    routes = unsafe_routes(app)
    assert ("POST", "/api/v1/circles") in routes
    assert ("POST", "/circles/1/join") in routes
    assert len(routes) >= 25


async def test_every_cookie_write_without_the_token_is_refused(
    db: AsyncSession, visitor: Visitor, app: Starlette
) -> None:
    # An organisation admin, whom no route refuses for their role (the console's forms refuse
    # anyone else before they read the body), so every refusal here is the token's.
    user = await make_user(db, role=Role.ADMIN)
    await make_circle(db, user)  # circle 1 exists, so a refusal cannot be a 404 in disguise
    await visitor.sign_in(user)
    for method, path in unsafe_routes(app):
        if path in PUBLIC_WRITES and method == "POST":
            continue
        if path in TOKEN_WRITES:
            assert (await visitor.http.request(method, path, headers={"Origin": BASE_URL})).status_code == 404
            continue
        if path.startswith("/scim/"):
            # SCIM takes a provisioning token only: a browser's cookie is no credential there.
            response = await visitor.http.request(method, path, json={}, headers={"Origin": BASE_URL})
            assert response.status_code == 401, (method, path, response.text)
            continue
        if path.startswith("/api/"):
            response = await visitor.http.request(method, path, json={}, headers={"Origin": BASE_URL})
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"]["code"] == "csrf"
        else:
            response = await visitor.http.request(method, path, data={"name": "x"}, headers={"Origin": BASE_URL})
            assert response.status_code == 403, (method, path, response.text)
    # Nothing above changed anything: still one circle, still a member.
    assert len((await visitor.get("/api/v1/circles")).json()["items"]) == 1


async def test_a_wrong_token_is_refused_too(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.http.post(
        "/api/v1/circles",
        json={"name": "Sneaky", "kind": "interest", "visibility": "open"},
        headers={"Origin": BASE_URL, "X-CSRF-Token": "0" * 43},
    )
    assert response.status_code == 403
    form = await visitor.http.post(
        "/circles", data={"csrf_token": "forged", "name": "Sneaky", "kind": "interest", "visibility": "open"}
    )
    assert form.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://kring.test.evil.example"},
        {"Origin": "null"},
        {"Origin": "https://kring.test"},  # wrong scheme
        {"Referer": "https://evil.example/page"},
    ],
)
async def test_foreign_origin_cookie_writes_are_refused_even_with_the_token(
    db: AsyncSession, visitor: Visitor, headers: dict[str, str]
) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.http.post(
        "/api/v1/circles",
        json={"name": "Hijacked", "kind": "interest", "visibility": "open"},
        headers={"X-CSRF-Token": visitor.csrf, **headers},
    )
    assert response.status_code == 403
    assert (await visitor.get("/api/v1/circles")).json()["items"] == []


async def test_same_origin_write_with_token_succeeds(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.write(
        "POST", "/api/v1/circles", json={"name": "Eerlijk", "kind": "team", "visibility": "open"}
    )
    assert response.status_code == 201


async def test_login_form_needs_its_anonymous_token(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    forged = await visitor.http.post("/login", data={"email": user.email, "password": "x", "csrf_token": "x"})
    assert forged.status_code == 403
    token = await visitor.form_token("/login")
    signed_in = await visitor.http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 303
    assert "kring_session" in visitor.http.cookies


@pytest.mark.parametrize("settings_overrides", [{"allowed_origins": "https://app.example.org"}])
async def test_listed_origins_are_trusted(db: AsyncSession, visitor: Visitor, settings_overrides: object) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.http.post(
        "/api/v1/circles",
        json={"name": "Vanuit de app", "kind": "team", "visibility": "open"},
        headers={"Origin": "https://app.example.org", "X-CSRF-Token": visitor.csrf},
    )
    assert response.status_code == 201
