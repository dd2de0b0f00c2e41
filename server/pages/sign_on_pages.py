"""Signing in with the organisation's account: off to the provider, and back.

`/login/sso` keeps the sign-in's state, nonce and PKCE verifier in the database and the state in
a short-lived cookie of this browser too, so a callback opened in another browser (a forged
sign-in) or twice (a replay) is refused. The session itself is the one a password opens.
"""

from __future__ import annotations

from starlette.responses import Response

from config import Settings
from server.api.sessions import set_session_cookie
from server.auth import client_address
from server.endpoints import Call, page_route
from server.pages.sessions_pages import login_error, safe_next
from services import sign_on
from services.errors import N_, KringError
from services.oidc import OidcClient, ProviderConfig

STATE_COOKIE = "kring_sign_on"
_COOKIE_PATH = "/login/sso"
CALLBACK_PATH = "/login/sso/callback"


def oidc_client(settings: Settings) -> OidcClient | None:
    """The process's client of the provider, when sign-on is configured."""
    if settings.oidc_issuer is None or settings.oidc_client_id is None or settings.oidc_client_secret is None:
        return None
    return OidcClient(
        ProviderConfig(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            redirect_uri=settings.base_url + CALLBACK_PATH,
            scopes=settings.oidc_scopes,
            timeout=settings.oidc_timeout_seconds,
        )
    )


def policy(settings: Settings) -> sign_on.Policy:
    return sign_on.Policy(
        create_accounts=settings.oidc_create_accounts,
        team_claim=settings.oidc_team_claim,
        job_title_claim=settings.oidc_job_title_claim,
        email_verified_claim=settings.oidc_email_verified_claim,
        welcome=settings.ids_welcome,
    )


async def start(call: Call) -> Response:
    client = call.ctx.sign_on
    if client is None:
        return call.redirect("/login")
    next_url = safe_next(call.request.query_params.get("next", "/"))
    try:
        started = await sign_on.begin(call.db, client, next_url=next_url)
    except KringError as error:
        return login_error(call, error, status=502, next_url=next_url)
    response = call.redirect(started.url)
    response.set_cookie(
        STATE_COOKIE,
        started.state,
        max_age=sign_on.REQUEST_MINUTES * 60,
        path=_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=call.ctx.settings.secure_cookies,
    )
    return response


async def callback(call: Call) -> Response:
    client = call.ctx.sign_on
    if client is None:
        return call.redirect("/login")
    params = call.request.query_params
    error = params.get("error")
    try:
        if error:
            # The colleague said no at the provider, or the provider would not: nothing to take.
            message = (
                N_("You did not give permission at your organisation's sign-in, so you are not signed in.")
                if error == "access_denied"
                else N_("Your organisation's sign-in did not succeed. Please try again.")
            )
            raise sign_on.SignOnRefused(message)
        request = await sign_on.take_request(
            call.db, params.get("state", ""), call.request.cookies.get(STATE_COOKIE, "")
        )
        signed_in = await sign_on.complete(
            call.db,
            client,
            policy(call.ctx.settings),
            request=request,
            code=params.get("code", ""),
            address=client_address(call.request),
            user_agent=call.request.headers.get("user-agent", ""),
            session_days=call.ctx.settings.session_days,
        )
    except KringError as refused:
        page = login_error(call, refused, status=401, next_url="/")
        page.delete_cookie(STATE_COOKIE, path=_COOKIE_PATH)
        return page
    response = call.redirect(safe_next(request.next_url))
    response.delete_cookie(STATE_COOKIE, path=_COOKIE_PATH)
    set_session_cookie(response, call, signed_in)
    return response


routes = [
    page_route("/login/sso", start, name="sign_on", public=True),
    page_route(CALLBACK_PATH, callback, name="sign_on_callback", public=True),
]
