"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from server.auth import client_address
from server.context import AppContext, app_context

_CHECK_TIMEOUT = 2.0


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    """Ready when the database answers and, when configured, Redis delivers (the broker's own
    probe: a frozen Redis shows here within seconds)."""
    ctx = app_context(request)
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT), ctx.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; the reason goes to the probe
        checks["database"] = f"error: {type(exc).__name__}"
    if ctx.settings.redis_url is not None:
        problem = ctx.hub.broker.health()
        checks["redis"] = "ok" if problem is None else f"error: {problem}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    """The worker's Prometheus metrics, for the addresses in KRING_METRICS_ADDRESSES or a caller
    with KRING_METRICS_TOKEN as its Bearer token; nobody else (they tell about the load)."""
    ctx = app_context(request)
    if not _may_read_metrics(request, ctx):
        return PlainTextResponse("Forbidden: see KRING_METRICS_ADDRESSES and KRING_METRICS_TOKEN.", status_code=403)
    ctx.hub.metrics.broker_reconnects.set(ctx.hub.broker.reconnects)
    # Both should stay flat while the number of sockets does (the soak checks them).
    ctx.hub.metrics.tasks.set(len(asyncio.all_tasks()))
    ctx.hub.metrics.topics.set(ctx.hub.topic_count)
    return Response(ctx.hub.metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _may_read_metrics(request: Request, ctx: AppContext) -> bool:
    token = ctx.settings.metrics_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if token is not None and scheme.lower() == "bearer":
        return hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in ctx.settings.metrics_addresses)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
