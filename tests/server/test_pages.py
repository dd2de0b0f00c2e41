"""The web pages: sign-in flow, language, headers, and what they show."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.support import BASE_URL, PASSWORD, Visitor, make_circle, make_user


async def test_private_pages_send_anonymous_visitors_to_login(visitor: Visitor) -> None:
    for url in ("/", "/circles", "/people", "/profile", "/circles/1", "/people/1"):
        response = await visitor.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=")


async def test_login_page_is_dutch_by_default_and_english_on_request(visitor: Visitor) -> None:
    page = await visitor.get("/login")
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text
    assert "Wachtwoord" in page.text
    token = await visitor.form_token("/login")
    switched = await visitor.http.post("/language", data={"locale": "en", "next": "/login", "csrf_token": token})
    assert switched.status_code == 303
    english = await visitor.get("/login")
    assert '<html lang="en">' in english.text
    assert "Password" in english.text


async def test_sign_in_through_the_form_returns_to_the_page_asked_for(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db, "Anna de Vries")
    token = await visitor.form_token("/login")
    response = await visitor.http.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/people", "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/people"
    people = await visitor.get("/people")
    assert "Anna de Vries" in people.text


async def test_sign_in_never_redirects_off_site(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        token = await visitor.form_token("/login")
        response = await visitor.http.post(
            "/login", data={"email": user.email, "password": PASSWORD, "next": target, "csrf_token": token}
        )
        assert response.headers["location"] == "/", target


async def test_wrong_password_shows_an_error_on_the_form(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    token = await visitor.form_token("/login")
    response = await visitor.http.post("/login", data={"email": user.email, "password": "fout", "csrf_token": token})
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert user.email in response.text  # the address stays filled in


async def test_users_language_choice_follows_them(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    token = await visitor.form_token("/")
    await visitor.http.post("/language", data={"locale": "en", "csrf_token": token}, headers={"Origin": BASE_URL})
    assert (await visitor.get("/api/v1/me")).json()["locale"] == "en"
    visitor.http.cookies.delete("kring_lang")
    assert "Circles" in (await visitor.get("/")).text


async def test_authenticated_pages_are_not_cached_and_carry_a_strict_policy(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    page = await visitor.get("/")
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"


async def test_people_directory_searches_skills_and_teams(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db, "Yusuf Yilmaz", team="Buurtteam Zuid", skills=["Schuldhulpverlening"])
    await make_user(db, "Petra Peeters", team="Jongerenwerk")
    await visitor.sign_in(user)
    found = await visitor.get("/people?q=schuldhulp")
    assert "Yusuf Yilmaz" in found.text
    assert "Petra Peeters" not in found.text
    by_team = (await visitor.get("/api/v1/people?team=Jongerenwerk")).json()["items"]
    assert [p["name"] for p in by_team] == ["Petra Peeters"]
    profile = await visitor.get(f"/people/{user.id}")
    assert "Schuldhulpverlening" in profile.text


async def test_profile_form_saves_and_user_content_is_escaped(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.submit(
        "/profile",
        {
            "name": "<script>alert(1)</script>",
            "job_title": "Buurtcoach",
            "team": "",
            "location": "",
            "bio": "",
            "skills": "Wmo, Schuldhulp",
        },
        page="/profile",
    )
    assert response.status_code == 303
    page = await visitor.get(f"/people/{user.id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Schuldhulp" in page.text


async def test_password_change_through_the_form_signs_everyone_out(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    response = await visitor.submit(
        "/profile/password",
        {"current_password": PASSWORD, "new_password": "nieuw wachtwoord 1", "repeat_password": "nieuw wachtwoord 1"},
        page="/profile",
    )
    assert response.headers["location"] == "/login"
    assert (await visitor.get("/api/v1/me")).status_code == 401


async def test_token_is_shown_once_on_the_profile_page(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    created = await visitor.submit("/profile/tokens", {"name": "Rooster"}, page="/profile")
    assert created.status_code == 200
    assert 'id="new-token">kring_' in created.text
    assert "kring_" not in (await visitor.get("/profile")).text.split("</header>")[1].split("Rooster")[0]


async def test_home_lists_my_circles(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await make_circle(db, user, name="Hardlopen")
    await visitor.sign_in(user)
    assert "Hardlopen" in (await visitor.get("/")).text


async def test_theme_carries_the_organisation_colour(visitor: Visitor) -> None:
    css = await visitor.get("/theme.css")
    assert css.status_code == 200
    assert "--brand: #0b6e4f" in css.text


async def test_health_and_readiness(visitor: Visitor) -> None:
    assert (await visitor.get("/healthz")).text == "ok"
    ready = await visitor.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"database": "ok"}}


async def test_unknown_api_path_answers_json_404(db: AsyncSession, visitor: Visitor) -> None:
    response = await visitor.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_profile_picture_is_checked_by_content_and_served_safely(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    token = await visitor.form_token("/profile")

    async def upload(name: str, data: bytes, content_type: str) -> str:
        response = await visitor.http.post(
            "/profile/avatar",
            data={"csrf_token": token},
            files={"avatar": (name, data, content_type)},
            headers={"Origin": BASE_URL, "Referer": f"{BASE_URL}/profile"},
        )
        assert response.status_code == 303
        return (await visitor.get(response.headers["location"])).text

    page = await upload("script.png", b"<svg onload=alert(1)>", "image/png")
    assert "PNG-, JPEG- of WebP-afbeelding" in page
    assert (await visitor.get("/api/v1/me")).json()["avatar_url"] is None

    await upload("../../etc/passwd", PNG, "image/png")
    avatar_url = (await visitor.get("/api/v1/me")).json()["avatar_url"]
    assert avatar_url.startswith("/media/avatars/")
    assert avatar_url.endswith(".png")
    assert "passwd" not in avatar_url
    served = await visitor.get(avatar_url)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert f'src="{avatar_url}"' in (await visitor.get(f"/people/{user.id}")).text

    for probe in ("/media/avatars/..%2F..%2Fkring.db", "/media/avatars/" + "0" * 64 + ".png", "/media/avatars/x.svg"):
        assert (await visitor.get(probe)).status_code == 404, probe


@pytest.mark.parametrize("settings_overrides", [{"limit_avatar_bytes": 2048}])
async def test_oversized_picture_is_refused(
    db: AsyncSession, visitor: Visitor, settings_overrides: dict[str, object]
) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    token = await visitor.form_token("/profile")
    response = await visitor.http.post(
        "/profile/avatar",
        data={"csrf_token": token},
        files={"avatar": ("big.png", PNG + b"\x00" * 4096, "image/png")},
        headers={"Origin": BASE_URL, "Referer": f"{BASE_URL}/profile"},
    )
    assert response.status_code == 303
    assert "De foto is te groot." in (await visitor.get("/profile")).text
    assert (await visitor.get("/api/v1/me")).json()["avatar_url"] is None
    huge = await visitor.http.post(
        "/profile/avatar",
        data={"csrf_token": token},
        files={"avatar": ("huge.png", PNG + b"\x00" * 200_000, "image/png")},
        headers={"Origin": BASE_URL},
    )
    assert huge.status_code == 413
