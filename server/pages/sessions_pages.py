"""Login, logout and the language switch."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.responses import HTMLResponse, Response

from config.settings import SUPPORTED_LOCALES
from models.base import utcnow
from server.api.sessions import set_session_cookie, sign_in
from server.auth import SESSION_COOKIE
from server.endpoints import Call, form_route, form_text, page_route
from server.i18n import LANGUAGE_COOKIE
from services import accounts, sessions, sign_on
from services.errors import KringError, RateLimited, Unauthenticated


def safe_next(target: str) -> str:
    """Only a path on this site: never `//evil.example` or an absolute URL."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login(
    call: Call,
    *,
    status: int = 200,
    next_url: str,
    email: str = "",
    error: str | None = None,
    retry_at: datetime | None = None,
) -> HTMLResponse:
    """The login page; with sign-on configured, the provider's button first, and the password
    form only for the break-glass admin when the organisation signs in through its provider only."""
    settings = call.ctx.settings
    return call.render(
        "login.html",
        status=status,
        next=next_url,
        email=email,
        error=error,
        retry_at=retry_at,
        sign_on=settings.sign_on_enabled,
        sign_on_only=settings.oidc_only,
        provider_name=settings.oidc_provider_name,
    )


def login_error(call: Call, error: KringError, *, status: int, next_url: str) -> HTMLResponse:
    return _login(call, status=status, next_url=next_url, error=error.text(call.gettext))


async def login_page(call: Call) -> Response:
    if call.principal is not None:
        return call.redirect("/")
    return _login(call, next_url=safe_next(call.request.query_params.get("next", "/")))


async def login(call: Call) -> Response:
    email = form_text(call, "email")
    next_url = safe_next(form_text(call, "next", "/"))
    try:
        signed_in = await sign_in(call, email, form_text(call, "password"))
    except (Unauthenticated, RateLimited) as error:
        status = 429 if isinstance(error, RateLimited) else 401
        # The clock time too ("om 14:32", in the organisation's zone): "over 12 minuten" alone
        # leaves a colleague who reads it later guessing.
        retry_at = utcnow() + timedelta(seconds=error.retry_after) if isinstance(error, RateLimited) else None
        page = _login(
            call, status=status, next_url=next_url, email=email[:254], error=error.text(call.gettext), retry_at=retry_at
        )
        if isinstance(error, RateLimited):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    response = call.redirect(next_url)
    set_session_cookie(response, call, signed_in)
    return response


async def logout(call: Call) -> Response:
    principal = call.principal
    target = "/login"
    if principal is not None and principal.session is not None:
        await sessions.sign_out(call.db, principal.session)
        # Signed in through the organisation: its session ends too, or the next "sign in" would
        # let anyone at this device straight back in.
        client = call.ctx.sign_on
        if client is not None and await sign_on.uses_sign_on(call.db, principal.user):
            target = await client.end_session_url(call.ctx.settings.base_url + "/login") or target
    response = call.redirect(target)
    response.delete_cookie(SESSION_COOKIE)
    return response


async def set_language(call: Call) -> Response:
    locale = form_text(call, "locale")
    if locale not in SUPPORTED_LOCALES:
        return call.redirect("/")
    if call.principal is not None:
        await accounts.update_profile(call.db, call.principal.user, locale=locale)
    redirect = call.redirect(safe_next(form_text(call, "next", "/")))
    redirect.set_cookie(LANGUAGE_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True)
    return redirect


routes = [
    page_route("/login", login_page, name="login", public=True),
    form_route("/login", login, name="login_post", public=True),
    form_route("/logout", logout, name="logout"),
    form_route("/language", set_language, name="language", public=True),
]
