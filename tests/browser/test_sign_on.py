"""Signing in with the organisation's account, end to end: a live Kring and a real OpenID provider
(node's certified `oidc-provider`, tests/oidc_provider), whose own login, consent and sign-out
pages Chromium fills in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from harness import HarnessError, manage
from tests.browser.conftest import LiveServer
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/kring-sign-on")
ANNA = {"email": "anna@rivierenland.example", "name": "Anna de Vries", "team": "Wijkteam Oost"}


@pytest.fixture
def with_provider(tmp_path: Path) -> Iterator[tuple[str, OpenIdProvider]]:
    server = LiveServer(tmp_path / "kring")
    (tmp_path / "kring").mkdir(exist_ok=True)
    provider = OpenIdProvider(
        tmp_path,
        redirect_uri=f"{server.worker.origin}/login/sso/callback",
        post_logout_redirect_uri=f"{server.worker.origin}/login",
        accounts={"anna": ANNA},
    )
    try:
        provider.start()
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    server.env.update(
        {
            "KRING_OIDC_ISSUER": provider.issuer,
            "KRING_OIDC_CLIENT_ID": CLIENT_ID,
            "KRING_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "KRING_OIDC_PROVIDER_NAME": "Rivierenland-account",
            "KRING_OIDC_CREATE_ACCOUNTS": "true",
            "KRING_OIDC_TEAM_CLAIM": "team",
        }
    )
    server.worker.env = server.env
    try:
        # Migrated only: the demo organisation would take long to seed and is not needed here.
        manage(server.env, "migrate")
        server.start()
        yield server.base, provider
    finally:
        server.stop()
        provider.stop()


def _through_provider(page: Page, base: str, login: str) -> bool:
    """The provider's own pages: its login form when it does not know the browser (then True),
    its consent page when it asks, until it sends the browser back to Kring."""
    asked_login = False
    # The provider's pages ask for web fonts this machine cannot fetch: wait for a page's
    # content, never for its load.
    login_field = page.locator('input[name="login"]')
    consent = page.get_by_role("button", name="Continue")
    for _ in range(3):
        page.wait_for_url(lambda url: url.startswith(base) or "/interaction/" in url, wait_until="commit")
        if page.url.startswith(base):
            break
        here = page.url
        expect(login_field.or_(consent)).to_be_visible()
        if login_field.is_visible():
            asked_login = True
            login_field.fill(login)
            page.fill('input[name="password"]', "wachtwoord")
            page.get_by_role("button", name="Sign-in").click()
        else:
            consent.click()
        page.wait_for_url(lambda url, here=here: url != here, wait_until="commit")  # type: ignore[misc]
    page.wait_for_url(lambda url: url.startswith(base))
    return asked_login


def _me(page: Page) -> dict[str, object]:
    return page.evaluate("fetch('/api/v1/me').then(r => r.ok ? r.json() : null)")


def test_signing_in_with_the_organisations_account(page: Page, with_provider: tuple[str, OpenIdProvider]) -> None:
    base, provider = with_provider
    SHOTS.mkdir(exist_ok=True)

    # First sign-in: the button on the login page, the provider's pages, and a new account.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/login")
    button = page.get_by_role("link", name="Inloggen met Rivierenland-account")
    expect(button).to_be_visible()
    page.screenshot(path=SHOTS / "login-phone.png", full_page=True)
    callbacks: list[str] = []
    page.on("request", lambda request: callbacks.append(request.url) if "/login/sso/callback" in request.url else None)
    button.click()
    _through_provider(page, base, "anna")
    first = _me(page)
    assert first is not None
    assert (first["name"], first["team"]) == ("Anna de Vries", "Wijkteam Oost")

    # The same callback again (a replay, or the back button) signs no one in.
    page.context.clear_cookies()
    page.goto(callbacks[-1])
    expect(page.locator("#login-error")).to_contain_text("niet meer geldig")
    assert _me(page) is None

    # Signing in again, and again after signing out (by way of the provider's end-session
    # endpoint, tests/server/test_sign_on_routes.py): the same account, found by subject.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Inloggen met Rivierenland-account").click()
    _through_provider(page, base, "anna")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{base}/login")
    assert _me(page) is None
    page.get_by_role("link", name="Inloggen met Rivierenland-account").click()
    _through_provider(page, base, "anna")
    second = _me(page)
    assert second is not None
    assert second["id"] == first["id"]

    # A sign-in started here whose way back carries another state is refused, in Dutch.
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Inloggen met Rivierenland-account").click()
    page.wait_for_url(lambda url: url.startswith(provider.issuer), wait_until="commit")
    code = dict(parse_qsl(urlsplit(callbacks[-1]).query))["code"]
    page.goto(f"{base}/login/sso/callback?" + urlencode({"code": code, "state": "veranderd"}))
    expect(page.locator("#login-error")).to_contain_text("niet meer geldig")
    page.screenshot(path=SHOTS / "refused-desk.png", full_page=True)
    assert _me(page) is None
