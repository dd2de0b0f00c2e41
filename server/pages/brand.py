"""The organisation's colours and logo."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from server.context import app_context


async def theme_css(request: Request) -> Response:
    color = app_context(request).settings.org_color
    css = f":root {{ --brand: {color}; }}\n"
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})


async def logo(request: Request) -> Response:
    path = app_context(request).settings.org_logo
    if path is None:
        return Response(status_code=404)
    return FileResponse(Path(path), headers={"Cache-Control": "public, max-age=3600"})


routes = [Route("/theme.css", theme_css, methods=["GET"]), Route("/brand/logo", logo, methods=["GET"])]
