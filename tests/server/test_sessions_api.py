"""Signing in and out over HTTP, cookies, tokens, throttling and deactivation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from services import accounts
from tests.support import BASE_URL, PASSWORD, Visitor, make_user


async def test_sign_in_answers_user_and_csrf_token_and_sets_a_safe_cookie(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db, "Anna de Vries", team="Buurtteam Oost")
    response = await visitor.sign_in(user)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == user.id
    assert body["user"]["team"] == "Buurtteam Oost"
    assert "password_hash" not in body["user"]
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"].lower()
    assert "kring_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # the base URL is http here

    me = await visitor.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == user.email


async def test_unauthenticated_api_answers_json_401(visitor: Visitor) -> None:
    response = await visitor.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


async def test_wrong_password_is_401_without_telling_which_part_was_wrong(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    wrong = await visitor.http.post(
        "/api/v1/session", json={"email": user.email, "password": "nope nope nope"}, headers={"Origin": BASE_URL}
    )
    unknown = await visitor.http.post(
        "/api/v1/session",
        json={"email": "ghost@kring.test", "password": "nope nope nope"},
        headers={"Origin": BASE_URL},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_deactivated_colleague_is_out_on_the_next_request(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    assert (await visitor.get("/api/v1/me")).status_code == 200
    assert (await visitor.get("/circles")).status_code == 200

    await accounts.deactivate(db, None, user)
    assert (await visitor.get("/api/v1/me")).status_code == 401
    page = await visitor.get("/circles")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


async def test_sign_out_ends_the_session(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    cookie = visitor.http.cookies.get("kring_session")
    assert (await visitor.write("DELETE", "/api/v1/session")).status_code == 200
    # Even a client that kept the cookie is out: the server forgot the session.
    visitor.http.cookies.set("kring_session", cookie or "", domain="kring.test")
    assert (await visitor.get("/api/v1/me")).status_code == 401


@pytest.mark.parametrize("settings_overrides", [{"limit_login_per_account": 3, "limit_login_per_address": 50}])
async def test_login_throttling_engages_per_account(
    db: AsyncSession, visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    user = await make_user(db)
    for _ in range(3):
        response = await visitor.http.post(
            "/api/v1/session", json={"email": user.email, "password": "guess guess"}, headers={"Origin": BASE_URL}
        )
        assert response.status_code == 401
    locked = await visitor.sign_in(user)  # the right password, too late
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "rate_limited"
    assert int(locked.headers["retry-after"]) > 0


@pytest.mark.parametrize("settings_overrides", [{"limit_login_per_account": 50, "limit_login_per_address": 4}])
async def test_login_throttling_engages_per_address(
    db: AsyncSession, visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    user = await make_user(db)
    for number in range(4):
        await visitor.http.post(
            "/api/v1/session",
            json={"email": f"spray{number}@kring.test", "password": "x"},
            headers={"Origin": BASE_URL},
        )
    assert (await visitor.sign_in(user)).status_code == 429


@pytest.mark.parametrize("settings_overrides", [{"limit_login_per_account": 3, "limit_login_per_address": 50}])
async def test_a_strangers_guessing_does_not_lock_the_colleague_out_of_their_own_browser(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]], settings_overrides: dict[str, Any]
) -> None:
    anna, bram = await make_user(db, "Anna de Vries"), await make_user(db, "Bram Bakker")
    annas_browser, brams_browser, stranger = await new_visitor(), await new_visitor(), await new_visitor()
    assert (await annas_browser.sign_in(anna)).status_code == 200
    assert (await annas_browser.write("DELETE", "/api/v1/session")).status_code == 200
    assert (await brams_browser.sign_in(bram)).status_code == 200
    assert (await brams_browser.write("DELETE", "/api/v1/session")).status_code == 200

    for _ in range(3):
        assert (await stranger.sign_in(anna, "guess guess")).status_code == 401
    assert (await stranger.sign_in(anna)).status_code == 429  # the stranger must wait, right password or not
    # A browser that signed in to Bram's account proves nothing about Anna's: it waits too.
    assert (await brams_browser.sign_in(anna)).status_code == 429
    # A forged device cookie neither.
    stranger.http.cookies.set("kring_device", "made-up.0123456789abcdef0123456789abcdef", domain="kring.test")
    assert (await stranger.sign_in(anna)).status_code == 429

    # Anna's own browser has signed in to her account before: the stranger's guesses do not count.
    assert (await annas_browser.sign_in(anna)).status_code == 200
    # Her browser's own wrong passwords are still limited.
    assert (await annas_browser.write("DELETE", "/api/v1/session")).status_code == 200
    for _ in range(3):
        assert (await annas_browser.sign_in(anna, "typo typo")).status_code == 401
    assert (await annas_browser.sign_in(anna)).status_code == 429


async def _spray(visitor: Visitor, count: int, forwarded_for: str | None = None) -> list[int]:
    """`count` wrong sign-ins for unknown accounts, each claiming another client address."""
    statuses = []
    for number in range(count):
        headers = {"Origin": BASE_URL, "X-Forwarded-For": forwarded_for or f"192.0.2.{number}"}
        response = await visitor.http.post(
            "/api/v1/session", json={"email": f"spray{number}@kring.test", "password": "x"}, headers=headers
        )
        statuses.append(response.status_code)
    return statuses


@pytest.mark.parametrize("settings_overrides", [{"limit_login_per_address": 4}])
async def test_a_client_cannot_dodge_the_address_limit_by_naming_other_addresses(
    visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    # No KRING_TRUSTED_PROXIES: X-Forwarded-For is ignored, the connection's address counts.
    assert await _spray(visitor, 6) == [401] * 4 + [429] * 2


@pytest.mark.parametrize("settings_overrides", [{"limit_login_per_address": 4, "trusted_proxies": "127.0.0.0/8"}])
async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    # The test client connects from 127.0.0.1, the proxy named in the settings.
    assert await _spray(visitor, 6) == [401] * 6
    assert await _spray(visitor, 6, forwarded_for="198.51.100.7") == [401] * 4 + [429] * 2


@pytest.mark.parametrize("settings_overrides", [{"limit_login_per_account": 2}])
async def test_the_login_page_says_when_to_try_again_in_both_languages(
    db: AsyncSession, visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    user = await make_user(db)
    token = await visitor.form_token("/login")
    for _ in range(2):
        wrong = await visitor.http.post("/login", data={"email": user.email, "password": "guess", "csrf_token": token})
        assert wrong.status_code == 401
    said = {}
    for locale in ("nl", "en"):
        visitor.http.cookies.set("kring_lang", locale)
        page = await visitor.http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert page.status_code == 429
        assert 0 < int(page.headers["retry-after"]) <= 30
        said[locale] = page.text
    assert "Probeer het over een minuut opnieuw." in said["nl"]
    assert "Try again in a minute." in said["en"]


async def test_bearer_token_works_without_csrf_and_stops_when_revoked(
    db: AsyncSession, visitor: Visitor, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    created = await visitor.write("POST", "/api/v1/tokens", json={"name": "rooster-script"})
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("kring_")

    script = await new_visitor()
    auth = {"Authorization": f"Bearer {raw}"}
    assert (await script.get("/api/v1/me", headers=auth)).json()["id"] == user.id
    made = await script.http.post(
        "/api/v1/circles", json={"name": "Scripts", "kind": "interest", "visibility": "open"}, headers=auth
    )
    assert made.status_code == 201, made.text

    listed = (await visitor.get("/api/v1/tokens")).json()["items"]
    assert [t["name"] for t in listed] == ["rooster-script"]
    assert "token" not in listed[0] or listed[0]["token"] is None
    assert (await visitor.write("DELETE", f"/api/v1/tokens/{listed[0]['id']}")).status_code == 200
    assert (await script.get("/api/v1/me", headers=auth)).status_code == 401


async def test_bad_bearer_token_is_refused_even_with_a_session_cookie(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.get("/api/v1/me", headers={"Authorization": "Bearer kring_forged"})
    assert response.status_code == 401


async def test_profile_update_over_the_api(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.write(
        "PATCH", "/api/v1/me", json={"job_title": "Buurtcoach", "skills": ["Schuldhulp", " schuldhulp ", "Wmo"]}
    )
    assert response.status_code == 200
    assert response.json()["job_title"] == "Buurtcoach"
    assert response.json()["skills"] == ["Schuldhulp", "Wmo"]
    unknown_field = await visitor.write("PATCH", "/api/v1/me", json={"role": "admin"})
    assert unknown_field.status_code == 422
    assert (await visitor.get("/api/v1/me")).json()["role"] == "member"


async def test_password_is_not_accepted_over_a_bad_json_body(visitor: Visitor) -> None:
    response = await visitor.http.post(
        "/api/v1/session", content=b"{not json", headers={"Origin": BASE_URL, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("settings_overrides", [{"base_url": "https://intranet.example.org"}])
async def test_cookie_is_secure_behind_https(
    db: AsyncSession, visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    user = await make_user(db)
    response = await visitor.http.post(
        "/api/v1/session",
        json={"email": user.email, "password": PASSWORD},
        headers={"Origin": "https://intranet.example.org"},
    )
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    "name",
    ["Eva\r\nBcc: iedereen@example.org", "Eva\tde Vries", "\u202eseirV ed avE", "Eva\u200bde Vries", "Eva\u2028Vries"],
)
async def test_a_name_with_line_breaks_or_invisible_characters_is_refused(
    db: AsyncSession, visitor: Visitor, name: str
) -> None:
    user = await make_user(db, "Eva de Vries")
    await visitor.sign_in(user)
    refused = await visitor.write("PATCH", "/api/v1/me", {"name": name})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == "name"
    assert (await visitor.get("/api/v1/me")).json()["name"] == "Eva de Vries"


async def test_names_are_normalised_and_nobody_takes_a_colleagues_name(db: AsyncSession, visitor: Visitor) -> None:
    await make_user(db, "Anna de Vries", role=Role.ADMIN)
    user = await make_user(db, "Eva Jansen")
    await visitor.sign_in(user)
    wide = await visitor.write("PATCH", "/api/v1/me", {"name": "  Ｅｖａ   Jansen-Smit "})
    assert wide.json()["name"] == "Eva Jansen-Smit"
    for taken in ("Anna de Vries", "ANNA  DE VRIES", "Ａｎｎａ de vries"):
        refused = await visitor.write("PATCH", "/api/v1/me", {"name": taken})
        assert refused.status_code == 409, (taken, refused.text)
        assert refused.json()["error"]["field"] == "name"
    assert (await visitor.write("PATCH", "/api/v1/me", {"name": "Anna de Vries-Jansen"})).status_code == 200
    assert (await visitor.write("PATCH", "/api/v1/me", {"name": "anna de vries-jansen"})).status_code == 200
