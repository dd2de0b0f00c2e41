"""Signing in through a real OpenID provider (node's `oidc-provider`), over HTTP against the app,
on both databases: the provider's own login and consent forms are posted as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, Message, Role, SignOnLink, User
from server.pages.sign_on_pages import CALLBACK_PATH
from services import accounts, assistant, audit
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider
from tests.support import BASE_URL, Visitor, make_user

ACCOUNTS = {
    "anna": {
        "email": "anna@rivierenland.example",
        "name": "Anna de Vries",
        "team": "Wijkteam Oost",
        "functie": "Opbouwwerker",
    },
    "bram": {"email": "bram@rivierenland.example", "email_verified": False, "name": "Bram Bos"},
    "carla": {"email": "Carla@Rivierenland.example", "name": "Carla Jansen"},
    "daan": {"email": "daan@rivierenland.example", "name": "Daan Smit"},
}
BREAK_GLASS = "beheer@rivierenland.example"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    running = OpenIdProvider(
        tmp_path_factory.mktemp("oidc"),
        redirect_uri=BASE_URL + CALLBACK_PATH,
        post_logout_redirect_uri=BASE_URL + "/login",
        accounts=ACCOUNTS,
    ).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def settings_overrides(provider: OpenIdProvider) -> dict[str, Any]:
    return {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_provider_name": "Rivierenland-account",
        "oidc_create_accounts": True,
        "oidc_team_claim": "team",
        "oidc_job_title_claim": "functie",
        "oidc_only": True,
        "oidc_break_glass_email": BREAK_GLASS,
        "ids_welcome": True,  # a newcomer through the provider is welcomed (off in the other tests)
    }


async def to_provider(visitor: Visitor) -> str:
    started = await visitor.get("/login/sso?next=/people")
    assert started.status_code == 303, started.text
    return started.headers["location"]


async def through_provider(url: str, login: str, *, consent: bool = True) -> str:
    """Follow the provider's pages as a browser new to it, filling its login form and agreeing
    (or not), until it sends the browser back to Kring; that URL."""
    async with httpx.AsyncClient(timeout=20) as at_provider:
        return await _follow(at_provider, url, login, consent=consent)


async def _follow(at_provider: httpx.AsyncClient, url: str, login: str, *, consent: bool) -> str:
    for _ in range(20):
        if url.startswith(BASE_URL):
            return url
        response = await at_provider.get(url)
        if response.status_code in {302, 303}:
            url = urljoin(url, response.headers["location"])
            continue
        assert response.status_code == 200, response.text
        action = urljoin(url, urlsplit(url).path)
        if 'name="login"' in response.text:
            response = await at_provider.post(action, data={"prompt": "login", "login": login, "password": "x"})
        elif consent:
            response = await at_provider.post(action, data={"prompt": "consent"})
        else:
            response = await at_provider.get(action + "/abort")
        url = urljoin(url, response.headers["location"])
    raise AssertionError("the provider never sent the browser back")


async def sign_on(visitor: Visitor, login: str) -> httpx.Response:
    back = await through_provider(await to_provider(visitor), login)
    return await visitor.get(back.removeprefix(BASE_URL))


async def me(visitor: Visitor) -> dict[str, Any] | None:
    response = await visitor.get("/api/v1/me")
    return response.json() if response.status_code == 200 else None


async def actions(db: AsyncSession) -> list[str]:
    db.expire_all()
    rows = await db.exec(select(AuditEntry.action).order_by(col(AuditEntry.id)))
    return list(rows.all())


async def test_first_sign_in_makes_the_account_the_next_finds_it_by_subject_and_sign_out_ends_both(
    new_visitor: Any, db: AsyncSession, provider: OpenIdProvider
) -> None:
    first = await new_visitor()
    response = await sign_on(first, "anna")

    assert response.status_code == 303
    assert response.headers["location"] == "/people"
    anna = await me(first)
    assert anna is not None
    assert (anna["name"], anna["team"], anna["job_title"]) == ("Anna de Vries", "Wijkteam Oost", "Opbouwwerker")

    # Her address changes in Kring; the provider's subject still finds her.
    user = await db.get(User, anna["id"])
    assert user is not None
    user.email = "anna.devries@rivierenland.example"
    await db.commit()
    again = await new_visitor()
    await sign_on(again, "anna")
    second = await me(again)
    assert second is not None
    assert second["id"] == anna["id"]
    links = (await db.exec(select(SignOnLink))).all()
    assert [(link.issuer, link.subject, link.user_id) for link in links] == [(provider.issuer, "anna", anna["id"])]
    assert await actions(db) == [audit.Action.SIGN_ON_CREATED, audit.Action.SIGN_ON]
    # A colleague who first arrives through the provider is a newcomer too: Ids welcomes her, once.
    ids = await assistant.assistant_user(db)
    await db.commit()
    welcomes = (await db.exec(select(Message).where(Message.author_id == ids.id))).all()
    assert len(welcomes) == 1
    assert "Welkom" in welcomes[0].body

    # Signing out ends Kring's session and sends the browser to end the provider's too.
    out = await again.http.post(
        "/logout", data={"csrf_token": await again.form_token("/")}, headers={"Origin": BASE_URL}
    )
    assert out.status_code == 303
    assert out.headers["location"].startswith(f"{provider.issuer}/session/end?")
    assert "post_logout_redirect_uri=" in out.headers["location"]
    assert await me(again) is None


async def test_only_a_verified_address_links_and_a_deactivated_colleague_stays_out(
    new_visitor: Any, db: AsyncSession
) -> None:
    carla = await make_user(db, "Carla Jansen", email="carla@rivierenland.example")
    await make_user(db, "Bram Bos", email="bram@rivierenland.example")
    daan = await make_user(db, "Daan Smit", email="daan@rivierenland.example")
    await accounts.deactivate(db, None, daan)

    visitor = await new_visitor()
    await sign_on(visitor, "carla")
    signed_in = await me(visitor)
    assert signed_in is not None
    assert signed_in["id"] == carla.id

    stranger = await new_visitor()
    refused = await sign_on(stranger, "bram")  # the provider has not verified this address
    assert refused.status_code == 401
    assert "niet bevestigd" in refused.text
    assert await me(stranger) is None

    former = await new_visitor()
    refused = await sign_on(former, "daan")
    assert refused.status_code == 401
    assert "gedeactiveerd" in refused.text
    assert await me(former) is None
    assert audit.Action.SIGN_ON_LINKED in await actions(db)


async def test_a_changed_replayed_or_foreign_callback_is_refused_and_so_is_a_no(new_visitor: Any) -> None:
    visitor = await new_visitor()
    back = await through_provider(await to_provider(visitor), "anna")
    path = back.removeprefix(BASE_URL)

    # Another browser (a forged sign-in link sent to a colleague) has no state cookie.
    elsewhere = await new_visitor()
    assert (await elsewhere.get(path)).status_code == 401
    assert await me(elsewhere) is None
    # The real callback works once; the same callback again, even with the cookie, does not.
    assert (await visitor.get(path)).status_code == 303
    assert await me(visitor) is not None
    replay = await new_visitor()
    replay.http.cookies.set("kring_sign_on", dict(parse_qsl(urlsplit(path).query))["state"], path="/login/sso")
    assert (await replay.get(path)).status_code == 401
    assert await me(replay) is None

    changed = await new_visitor()
    back = await through_provider(await to_provider(changed), "anna")
    tampered = await changed.get(back.removeprefix(BASE_URL).replace("state=", "state=x"))
    assert tampered.status_code == 401
    assert "niet meer geldig" in tampered.text
    assert await me(changed) is None

    declining = await new_visitor()
    back = await through_provider(await to_provider(declining), "anna", consent=False)
    assert "error=access_denied" in back
    page = await declining.get(back.removeprefix(BASE_URL))
    assert page.status_code == 401
    assert "geen toestemming gegeven" in page.text
    assert await me(declining) is None


async def test_sign_on_only_leaves_a_password_to_the_break_glass_admin(new_visitor: Any, db: AsyncSession) -> None:
    colleague = await make_user(db, "Eva Visser")
    admin = await make_user(db, "Beheer", email=BREAK_GLASS, role=Role.ADMIN)

    refused = await (await new_visitor()).sign_in(colleague)
    assert refused.status_code == 401
    break_glass = await new_visitor()
    assert (await break_glass.sign_in(admin)).status_code == 200
    # The console shows the settings, read-only, and never the secret.
    console = (await break_glass.get("/beheer")).text
    assert "Inloggen via de organisatie" in console
    assert CLIENT_ID in console
    assert CLIENT_SECRET not in console
    page = await (await new_visitor()).get("/login")
    assert "Inloggen met Rivierenland-account" in page.text
    assert "Beheerder: inloggen met wachtwoord" in page.text
