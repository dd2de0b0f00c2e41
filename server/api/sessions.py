"""Signing in and out over the API, the current user, and personal API tokens."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server import device_cookie
from server.auth import SESSION_COOKIE, Via, client_address
from server.endpoints import Call, api_route, json_response
from server.schemas import MeOut, Ok, ProfileIn, SessionIn, SessionOut, TokenIn, TokenList, TokenOut
from services import accounts, sessions
from services.errors import N_, Invalid
from services.sessions import SignedIn


async def create_session(call: Call) -> Response:
    body = await call.json_body(SessionIn)
    signed_in = await sign_in(call, body.email, body.password)
    response = json_response(SessionOut(user=MeOut.of(signed_in.user), csrf_token=signed_in.session.csrf_token))
    set_session_cookie(response, call, signed_in)
    return response


async def sign_in(call: Call, email: str, password: str) -> SignedIn:
    """Sign in from this request: its address, its browser, and its device cookie if it has one."""
    settings = call.ctx.settings
    return await sessions.sign_in(
        call.db,
        call.ctx.login_limits,
        email=email,
        password=password,
        address=client_address(call.request),
        user_agent=call.request.headers.get("user-agent", ""),
        session_days=settings.session_days,
        device=device_cookie.device_for(call.request, settings.secret, email.strip().lower()),
        password_allowed=settings.password_allowed(email),
        greet=settings.ids_welcome,
    )


def set_session_cookie(response: Response, call: Call, signed_in: SignedIn) -> None:
    """The session's cookie, and the device cookie that keeps strangers' guesses from locking
    this browser out of the account."""
    settings = call.ctx.settings
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    device_cookie.remember(response, settings.secret, signed_in.user.email, secure=settings.secure_cookies)


async def delete_session(call: Call) -> Response:
    principal = call.principal
    assert principal is not None
    if principal.via is not Via.COOKIE or principal.session is None:
        raise Invalid(N_("Only a browser session can be signed out; revoke a token instead."))
    await sessions.sign_out(call.db, principal.session)
    response = json_response(Ok())
    response.delete_cookie(SESSION_COOKIE)
    return response


async def me(call: Call) -> Response:
    return json_response(MeOut.of(call.user))


async def update_me(call: Call) -> Response:
    body = await call.json_body(ProfileIn)
    user = await accounts.update_profile(call.db, call.user, **body.model_dump(exclude_unset=True))
    return json_response(MeOut.of(user))


async def create_token(call: Call) -> Response:
    body = await call.json_body(TokenIn)
    token, raw = await sessions.create_api_token(call.db, call.user, body.name)
    out = TokenOut(id=token.id or 0, name=token.name, created_at=token.created_at, last_used_at=None, token=raw)
    return json_response(out, status=201)


async def list_tokens(call: Call) -> Response:
    tokens = await sessions.list_api_tokens(call.db, call.user)
    items = [TokenOut(id=t.id or 0, name=t.name, created_at=t.created_at, last_used_at=t.last_used_at) for t in tokens]
    return json_response(TokenList(items=items))


async def revoke_token(call: Call) -> Response:
    await sessions.revoke_api_token(call.db, call.user, int(call.request.path_params["token_id"]))
    return json_response(Ok())


routes: list[Route] = [
    api_route(
        "/api/v1/session",
        create_session,
        "POST",
        summary="Sign in with e-mail and password; sets the session cookie and returns the CSRF token.",
        body=SessionIn,
        returns=SessionOut,
        public=True,
    ),
    api_route("/api/v1/session", delete_session, "DELETE", summary="Sign out this browser session.", returns=Ok),
    api_route("/api/v1/me", me, "GET", summary="The signed-in colleague.", returns=MeOut),
    api_route("/api/v1/me", update_me, "PATCH", summary="Update your own profile.", body=ProfileIn, returns=MeOut),
    api_route("/api/v1/tokens", list_tokens, "GET", summary="Your active personal API tokens.", returns=TokenList),
    api_route(
        "/api/v1/tokens",
        create_token,
        "POST",
        summary="Create a personal API token; its secret is shown in this answer only.",
        body=TokenIn,
        returns=TokenOut,
        status=201,
    ),
    api_route(
        "/api/v1/tokens/{token_id:int}", revoke_token, "DELETE", summary="Revoke one of your tokens.", returns=Ok
    ),
]
