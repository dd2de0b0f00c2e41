"""The organisation's colour, logo, favicon and assistant picture, as `services.branding` says
(this worker's copy of it): chosen in the console, else the environment's default."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from server.context import app_context
from services.branding import contrast, readable
from services.images import CONTENT_TYPES

__all__ = ["contrast", "readable", "routes"]

# A versioned URL (`?v=<revision>`) changes with every change, so browsers may keep it a while;
# the bare URL is what an old page or a feed reader asks for.
_VERSIONED = "public, max-age=86400"
_BARE = "public, max-age=300"


def _cache_control(request: Request, revision: int) -> str:
    asked = request.query_params.get("v", "")
    if not asked:
        return _BARE
    # A tab told of a newer revision than this worker has read yet must not keep the old one
    # under the new URL.
    return _VERSIONED if asked.isdigit() and int(asked) <= revision else "no-store"


async def theme_css(request: Request) -> Response:
    brand = app_context(request).branding.current()
    css = f":root {{ --brand: {brand.shade}; --brand-configured: {brand.color}; }}\n"
    headers = {"Cache-Control": _cache_control(request, brand.revision)}
    return Response(css, media_type="text/css", headers=headers)


def _picture(which: str) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        ctx = app_context(request)
        brand = ctx.branding.current()
        path = brand.picture_file(ctx.settings.media_dir, which)
        if path is None:
            return Response(status_code=404)
        suffix = path.suffix.lstrip(".").lower()
        media_type = CONTENT_TYPES.get("jpg" if suffix == "jpeg" else suffix)
        if media_type is None and suffix == "svg":
            media_type = "image/svg+xml"  # only the operator's KRING_ORG_LOGO is ever an SVG
        headers = {"Cache-Control": _cache_control(request, brand.revision), "X-Content-Type-Options": "nosniff"}
        return FileResponse(path, media_type=media_type, headers=headers)

    return serve


async def favicon(request: Request) -> Response:
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the brand icon."""
    target = app_context(request).branding.current().favicon_url
    return RedirectResponse(target, status_code=302, headers={"Cache-Control": _BARE})


routes = [
    Route("/theme.css", theme_css, methods=["GET"]),
    Route("/brand/logo", _picture("logo"), methods=["GET"]),
    Route("/brand/favicon", _picture("favicon"), methods=["GET"]),
    Route("/brand/assistant", _picture("assistant_picture"), methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
]
