"""The application factory: the composition root of a Kring web process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from config import Settings, load_settings
from config.settings import SUPPORTED_LOCALES
from models.database import DatabaseBusy, assert_migrated, make_engine, make_sessionmaker
from realtime import endpoint as realtime_endpoint
from realtime.broker import Broker, MemoryBroker
from realtime.endpoint import RealtimeContext
from realtime.hub import Hub, HubConfig, channel_name
from realtime.metrics import Metrics
from realtime.presence import MemoryPresence, RedisPresence
from realtime.publisher import Publisher
from realtime.redis_broker import RedisBroker
from server import health, openapi, reading
from server.api import attachments as attachments_api
from server.api import chat as chat_api
from server.api import circles as circles_api
from server.api import documents as documents_api
from server.api import drafts as drafts_api
from server.api import knowledge_pages as knowledge_pages_api
from server.api import markdown as markdown_api
from server.api import notifications as notifications_api
from server.api import people as people_api
from server.api import polls as polls_api
from server.api import posts as posts_api
from server.api import search as search_api
from server.api import sessions as sessions_api
from server.auth import authenticate_socket
from server.body_limit import BodyLimit
from server.context import AppContext
from server.csrf import OriginGuard
from server.digest_mail import Mailer
from server.errors import json_error
from server.fragments import EventFragments
from server.i18n import LANGUAGE_NAMES, Catalogs, choose_locale
from server.pages import (
    admin_branding,
    admin_circles,
    admin_import,
    admin_insight,
    admin_pages,
    admin_provisioning,
    attachments_pages,
    brand,
    care_pages,
    circles_pages,
    direct_pages,
    knowledge_pages,
    moderation_pages,
    news_proposals_pages,
    notifications_pages,
    password_pages,
    people_pages,
    polls_pages,
    questions_pages,
    search_pages,
    sessions_pages,
    sign_on_pages,
    stream_pages,
)
from server.scim import endpoint as scim_endpoint
from server.scim import routes as scim_routes
from server.search_params import url_of
from server.security_headers import SecurityHeaders
from server.templating import Templates
from services import attachments, care_schedule, chat_retention, dutch_words, news_proposals
from services.answering import Answerer
from services.branding import BrandingCache
from services.errors import N_
from services.events import ORG_TOPIC
from services.exporting import Exporter
from services.extraction import Extractor
from services.transactions import Outbox, session_info

log = logging.getLogger("kring.app")
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
DATABASE_RETRY_AFTER = 5
# PostgreSQL's error classes of a database that is down, restarting, unreachable, out of
# connections or cancelled the statement: 08 connection, 53 resources, 57 operator intervention
# (shutdown, cannot connect now, statement timeout), 58 system; 55000 "not accepting connections".
_FAULT_STATES = ("08", "53", "57", "58", "55000")


def is_database_fault(exc: BaseException) -> bool:
    """A passing fault of the database (answered 503 with Retry-After), not a fault of Kring's
    (a constraint or a bad statement stays a 500 and a stack trace)."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, ConnectionError, DatabaseBusy)):
        # SQLite's "database is locked" and I/O errors are OperationalError; DatabaseBusy is a
        # statement past KRING_LIMIT_STATEMENT_SECONDS (a locked table, a runaway query).
        return True
    if isinstance(exc, DBAPIError):
        state = str(getattr(exc.orig, "sqlstate", None) or "")
        return exc.connection_invalidated or state.startswith(_FAULT_STATES)
    return False


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app. Engines and clients are made in the lifespan, never at import time."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(settings.async_database_url, statement_timeout=settings.limit_statement_seconds)
        sandbox = reading.open_sandbox(settings)
        try:
            await assert_migrated(engine)
            dutch_words.load()  # before serving: loading it later would stall the event loop
            catalogs = Catalogs()
            templates = Templates(catalogs, {"language_names": LANGUAGE_NAMES, "url_of": url_of}, settings.timezone)
            metrics = Metrics()
            broker = _broker(settings)
            publisher = Publisher(broker, lambda topic: channel_name(settings.redis_prefix, topic), metrics)
            # Every unit of work on these sessions hands what it committed to this outbox.
            outbox = Outbox(publisher)
            db = make_sessionmaker(engine, info=session_info(outbox))
            presence = (
                RedisPresence(settings.redis_url, settings.redis_prefix) if settings.redis_url else MemoryPresence()
            )
            hub = Hub(broker, db, _hub_config(settings), metrics, presence)
            hub.render_items_with(EventFragments(templates, hub.presence_of))
            await hub.start()
            publisher.start()
            extractor = outbox.extractor = Extractor(
                db, settings.media_dir, sandbox, reading.text_limits(settings), reading.preview_limits(settings)
            )
            extractor.start()
            # Ids answers in the colleague's language, linking what it found as search does.
            answerer = outbox.assistant = Answerer(
                db,
                lambda locale: catalogs.get(locale if locale in SUPPORTED_LOCALES else settings.locale).gettext,
                url_of,
                on_assistant=hub.always_online.add,  # the assistant is always there
            )
            answerer.start()
            exporter = outbox.exporter = Exporter(db, settings.media_dir)
            exporter.start()
            # Follows the org topic before its first read, so no change falls between the two.
            branding_cache = BrandingCache(db, settings)
            await hub.listen(ORG_TOPIC, branding_cache.changed)
            await branding_cache.start()
            sign_on = sign_on_pages.oidc_client(settings)
            context = AppContext(settings, engine, db, catalogs, templates, hub, extractor, branding_cache, sign_on)
            digests = (
                asyncio.create_task(Mailer(settings, db, catalogs, templates).run_forever(), name="kring-digest")
                if settings.digest_enabled
                else None
            )
            # Every worker looks; the database claim lets one publish each scheduled item.
            scheduled_news = asyncio.create_task(news_proposals.publish_due_forever(db), name="kring-scheduled-news")
            care = asyncio.create_task(
                care_schedule.care_forever(
                    db, _care_times(settings), settings.ids_care_check_seconds, care_schedule.clock
                ),
                name="kring-ids-care",
            )
            draft_sweep = asyncio.create_task(
                attachments.sweep_forever(db, settings.media_dir), name="kring-attachment-sweep"
            )
            # Every worker looks too; the conditional DELETE lets one delete (and announce) each message.
            retention = asyncio.create_task(
                chat_retention.retention_forever(
                    db,
                    settings.chat_retention_days,
                    settings.media_dir,
                    settings.chat_retention_check_seconds,
                    chat_retention.clock,
                ),
                name="kring-chat-retention",
            )
            try:
                yield {"kring": context, "kring_realtime": _realtime_context(settings, hub)}
            finally:
                await admin_import.stop_imports()
                await extractor.close()
                await answerer.close()
                await exporter.close()
                await branding_cache.close()
                if sign_on is not None:
                    await sign_on.close()
                for task in (digests, scheduled_news, care, draft_sweep, retention):
                    if task is not None:
                        task.cancel()
                        with suppress(asyncio.CancelledError):
                            await task
                await publisher.close()
                await hub.close()
                await presence.close()
        finally:
            sandbox.close()
            await engine.dispose()

    return Starlette(
        routes=_routes(settings),
        middleware=[
            # The same rule uvicorn applies (`serve` passes it `forwarded_allow_ips`), here too so
            # it holds under any server and in tests: only KRING_TRUSTED_PROXIES name the client.
            Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies)),
            Middleware(SecurityHeaders, hsts=settings.secure_cookies, form_origins=_sign_on_origins(settings)),
            Middleware(OriginGuard, trusted_origins=settings.trusted_origins),
            Middleware(BodyLimit, max_body_size=settings.limit_request_bytes),
        ],
        exception_handlers={
            HTTPException: _http_error,
            **dict.fromkeys((DBAPIError, PoolTimeout, ConnectionError, DatabaseBusy), _database_fault),
        },
        lifespan=lifespan,
    )


def _care_times(settings: Settings) -> care_schedule.CareTimes:
    return care_schedule.CareTimes(
        zone=settings.timezone, must_read_days=settings.ids_must_read_days, roundup_hour=settings.ids_roundup_hour
    )


def _sign_on_origins(settings: Settings) -> tuple[str, ...]:
    if settings.oidc_issuer is None:
        return ()
    parts = urlsplit(settings.oidc_issuer)
    return (f"{parts.scheme}://{parts.netloc}",)


def _broker(settings: Settings) -> Broker:
    if settings.redis_url is None:
        return MemoryBroker()
    return RedisBroker(settings.redis_url, prefix=settings.redis_prefix)


def _hub_config(settings: Settings) -> HubConfig:
    return HubConfig(
        channel_prefix=settings.redis_prefix,
        sync_interval=settings.realtime_sync_seconds,
        history_seconds=settings.realtime_history_seconds,
        history_events=settings.realtime_history_events,
        presence_interval=settings.realtime_presence_seconds,
        presence_ttl=settings.realtime_presence_ttl_seconds,
    )


def _realtime_context(settings: Settings, hub: Hub) -> RealtimeContext:
    return RealtimeContext(
        hub=hub,
        authenticate=authenticate_socket,
        trusted_origins=settings.trusted_origins,
        max_frame_bytes=settings.limit_ws_frame_bytes,
        queue_size=settings.limit_ws_queue,
        ops_per_second=settings.limit_ws_ops_per_second,
        sockets_per_user=settings.limit_sockets_per_user,
        slow_close_seconds=settings.realtime_ping_seconds,
    )


def _routes(settings: Settings) -> list[BaseRoute]:
    return [
        *health.routes,
        *scim_routes.routes,
        *realtime_endpoint.routes,
        *openapi.routes,
        *sessions_api.routes,
        *people_api.routes,
        *circles_api.routes,
        *posts_api.routes,
        *chat_api.routes,
        *polls_api.routes,
        *notifications_api.routes,
        *documents_api.routes(settings),
        *attachments_api.routes(settings),
        *attachments_pages.routes,
        *knowledge_pages_api.routes,
        *search_api.routes,
        *drafts_api.routes,
        *markdown_api.routes(settings),
        *sessions_pages.routes,
        *sign_on_pages.routes,
        *stream_pages.routes,
        *stream_pages.upload_routes(settings),
        *questions_pages.routes,
        *polls_pages.routes,
        *news_proposals_pages.routes,
        *care_pages.routes,
        *people_pages.routes,
        *people_pages.upload_routes(settings),
        *circles_pages.routes,
        *direct_pages.routes,
        *notifications_pages.routes,
        *knowledge_pages.routes,
        *knowledge_pages.upload_routes(settings),
        *search_pages.routes,
        *brand.routes,
        *password_pages.routes,
        *admin_pages.routes,
        *admin_import.upload_routes(settings),
        *admin_circles.routes,
        *admin_branding.routes,
        *admin_insight.routes,
        *admin_provisioning.routes,
        *moderation_pages.routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


async def _database_fault(request: Request, exc: Exception) -> Response:
    """The API's JSON error, or a page, with Retry-After; the fault itself goes to the log."""
    if not is_database_fault(exc):
        raise exc  # a fault of Kring's own: the server's 500 and the stack trace in the log
    log.warning("database fault on %s %s: %s", request.method, request.url.path, exc)
    message = N_("Kring's database is not answering just now. Try again in a moment.")
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    if request.url.path.startswith("/api/"):
        response: Response = json_error("unavailable", message, 503)
        response.headers.update(headers)
        return response
    return _error_page(request, message, 503, headers)


def _error_page(request: Request, message: str, status: int, headers: dict[str, str]) -> Response:
    """The error page without a signed-in colleague: the database may be away, and a path no
    route knows has no session read."""
    ctx: AppContext = request.state.kring
    locale = choose_locale(request, None, ctx.settings.locale)
    context = {
        "request": request,
        "me": None,  # whoever asked: with the database away, nobody can be looked up
        "csrf_token": "",
        "flash": None,
        "org_name": ctx.branding.current().name,
        "brand": ctx.branding.current(),
        "realtime": None,
        "badge": None,
        "message": ctx.catalogs.get(locale).gettext(message),
    }
    html = ctx.templates.render(locale, "error.html", context)
    return HTMLResponse(html, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    if request.url.path.startswith("/api/"):
        response = json_error(code, exc.detail, exc.status_code)
        response.headers.update(headers)
        return response
    if request.url.path.startswith(scim_endpoint.PREFIX + "/"):
        return scim_endpoint.http_error(exc.status_code, exc.detail, headers)
    # A page in the reader's language, with a way back (a bare "404" has no language or title).
    if exc.status_code == 404:
        return _error_page(request, N_("This page does not exist."), 404, headers)
    page = f"<!doctype html><title>{exc.status_code}</title><p>{exc.status_code}</p>"
    return HTMLResponse(page, exc.status_code, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path. Starlette's own `Allow` names only the first
    route matching the path, and each method of an API path is a route of its own."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)
