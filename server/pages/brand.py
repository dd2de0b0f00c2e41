"""The organisation's colours and logo."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from server.context import app_context

# The page's lightest background (kring.css --paper): brand-coloured text and links sit on it, and
# white text sits on the brand colour, so the colour must reach WCAG AA (4.5:1) against both.
_PAPER = "#f5f6f7"
_MIN_CONTRAST = 4.5


def _luminance(color: str) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(color: str) -> str:
    """The organisation's colour, darkened in small steps until white text on it and it as text on
    the page are readable: an organisation may configure a light colour such as #ffcc00."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    shade = color
    for step in range(101):
        factor = 1 - step / 100
        shade = f"#{round(red * factor):02x}{round(green * factor):02x}{round(blue * factor):02x}"
        if contrast(shade, _PAPER) >= _MIN_CONTRAST:
            break
    return shade


async def theme_css(request: Request) -> Response:
    color = app_context(request).settings.org_color
    css = f":root {{ --brand: {readable(color)}; --brand-configured: {color}; }}\n"
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})


async def logo(request: Request) -> Response:
    path = app_context(request).settings.org_logo
    if path is None:
        return Response(status_code=404)
    return FileResponse(Path(path), headers={"Cache-Control": "public, max-age=3600"})


async def favicon(request: Request) -> Response:
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the brand icon."""
    has_logo = app_context(request).settings.org_logo is not None
    target = "/brand/logo" if has_logo else "/static/img/kring.svg"
    return RedirectResponse(target, status_code=301, headers={"Cache-Control": "public, max-age=86400"})


routes = [
    Route("/theme.css", theme_css, methods=["GET"]),
    Route("/brand/logo", logo, methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
]
