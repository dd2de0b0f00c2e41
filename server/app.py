"""The application factory: the composition root of a Kring web process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from config import Settings, load_settings
from models.database import assert_migrated, make_engine, make_sessionmaker
from server import health, openapi
from server.api import circles as circles_api
from server.api import people as people_api
from server.api import sessions as sessions_api
from server.context import AppContext
from server.csrf import OriginGuard
from server.errors import json_error
from server.i18n import LANGUAGE_NAMES, Catalogs
from server.pages import brand, circles_pages, home, people_pages, sessions_pages
from server.security_headers import SecurityHeaders
from server.templating import Templates

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app. Engines and clients are made in the lifespan, never at import time."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(settings.async_database_url)
        try:
            await assert_migrated(engine)
            catalogs = Catalogs()
            templates = Templates(catalogs, {"language_names": LANGUAGE_NAMES}, settings.timezone)
            context = AppContext(settings, engine, make_sessionmaker(engine), catalogs, templates)
            yield {"kring": context}
        finally:
            await engine.dispose()

    return Starlette(
        routes=_routes(settings),
        middleware=[
            Middleware(SecurityHeaders, hsts=settings.secure_cookies),
            Middleware(OriginGuard, trusted_origins=settings.trusted_origins),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
        max_body_size=settings.limit_request_bytes,
    )


def _routes(settings: Settings) -> list[BaseRoute]:
    return [
        *health.routes,
        *openapi.routes,
        *sessions_api.routes,
        *people_api.routes,
        *circles_api.routes,
        *sessions_pages.routes,
        *home.routes,
        *people_pages.routes,
        *people_pages.upload_routes(settings),
        *circles_pages.routes,
        *brand.routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
    if request.url.path.startswith("/api/"):
        return json_error(code, exc.detail, exc.status_code)
    return HTMLResponse(f"<!doctype html><title>{exc.status_code}</title><p>{exc.status_code}</p>", exc.status_code)
