"""Headers every response carries: a strict Content-Security-Policy and friends.

The policy allows no inline script or style at all; colours that come from data (circles) are
drawn as SVG `fill` attributes, and the organisation's colour comes from /theme.css.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(form_origins: tuple[str, ...] = ()) -> str:
    """The policy; `form_origins` are other origins a form may lead to: the sign-on provider's,
    since signing out leaves a form for its end-session page (the browser holds a form's
    redirects to `form-action` too)."""
    if not form_origins:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", " ".join(("form-action 'self'", *form_origins)))


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool, form_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.hsts = hsts
        self.policy = content_security_policy(form_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)
