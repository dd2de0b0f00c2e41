"""The SCIM endpoint's plumbing: the bearer token, SCIM's content type, and every error as a
SCIM error (RFC 7644 §3.12), once for every route.

A SCIM route takes only a provisioning token (`Authorization: Bearer kring_scim_...`): never a
session cookie, so no browser can be made to call it, and no colleague's API token.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from scim2_models import Error, SCIMException
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import client_address
from server.context import app_context
from services import provisioning_tokens
from services.errors import Conflict, Invalid, KringError, NotFound, PermissionDenied, TooLarge, Unauthenticated
from services.provisioning_tokens import Client

PREFIX = "/scim/v2"
MEDIA_TYPE = "application/scim+json"
_STATUS: list[tuple[type[KringError], int, str | None]] = [
    (NotFound, 404, None),
    (Conflict, 409, "uniqueness"),
    (Invalid, 400, "invalidValue"),
    (PermissionDenied, 403, None),
    (Unauthenticated, 401, None),
    (TooLarge, 413, None),
]


@dataclass
class ScimCall:
    request: Request
    db: AsyncSession
    client: Client
    base: str  # the endpoint's public URL, for `meta.location` and `$ref`

    async def body(self) -> dict[str, Any]:
        try:
            raw = await self.request.body()
        except ClientDisconnect:
            raise Invalid("The request body did not arrive.") from None
        try:
            payload = json.loads(raw)
        except ValueError:
            raise ScimError(400, "The body is not JSON.", "invalidSyntax") from None
        if not isinstance(payload, dict):
            raise ScimError(400, "The body is not a JSON object.", "invalidSyntax")
        return payload


class ScimError(Exception):
    """An answer in SCIM's error format that no service error describes."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def respond(payload: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    response = Response(body, status_code=status, media_type=MEDIA_TYPE if payload is not None else None)
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def error(status: int, detail: str, scim_type: str | None = None, headers: dict[str, str] | None = None) -> Response:
    payload = Error(status=status, detail=detail, scim_type=scim_type).model_dump()
    return respond(payload, status, headers)


def _from_scim(exc: SCIMException) -> Response:
    found = exc.to_error()
    return error(found.status or 400, found.detail or str(exc), found.scim_type)


def _from_validation(exc: ValidationError) -> Response:
    errors = Error.from_validation_errors(exc)
    first = errors[0] if errors else Error(status=400, scim_type="invalidSyntax", detail=str(exc))
    return error(first.status or 400, first.detail or "", first.scim_type)


def _from_kring(exc: KringError) -> Response:
    for kind, status, scim_type in _STATUS:
        if isinstance(exc, kind):
            detail = exc.text()
            return error(status, f"{exc.field}: {detail}" if exc.field and status == 400 else detail, scim_type)
    return error(400, exc.text())


def _unauthenticated() -> Response:
    return error(401, "Send a provisioning token as the Bearer token.", headers={"WWW-Authenticate": "Bearer"})


async def _client(request: Request, db: AsyncSession) -> Client | None:
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return await provisioning_tokens.resolve_token(db, raw.strip(), address=client_address(request))


ScimHandler = Callable[[ScimCall], Awaitable[Response]]


def scim_route(path: str, handler: ScimHandler, methods: list[str]) -> Route:
    async def endpoint(request: Request) -> Response:
        ctx = app_context(request)
        async with ctx.db() as db:
            client = await _client(request, db)
            if client is None:
                return _unauthenticated()
            call = ScimCall(request, db, client, ctx.settings.base_url.rstrip("/") + PREFIX)
            try:
                return await handler(call)
            except ScimError as exc:
                return error(exc.status, exc.detail, exc.scim_type)
            except SCIMException as exc:
                return _from_scim(exc)
            except ValidationError as exc:
                return _from_validation(exc)
            except KringError as exc:  # the unit of work has undone the refused operation
                return _from_kring(exc)

    name = f"scim:{'/'.join(methods)}:{path}"
    return Route(PREFIX + path, endpoint, methods=methods, name=name)


def http_error(status: int, detail: str, headers: dict[str, str]) -> Response:
    """A path or method the endpoint does not have, in SCIM's format (RFC 7644 §3.12)."""
    return error(status, detail, headers=headers)
