"""Mapping of the service error tree to HTTP, in one place."""

from __future__ import annotations

from starlette.responses import JSONResponse

from services.errors import (
    Conflict,
    Invalid,
    KringError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TooLarge,
    Unauthenticated,
)

_STATUS: dict[type[KringError], int] = {
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    TooLarge: 413,
    RateLimited: 429,
}


def status_of(error: KringError) -> int:
    for cls, status in _STATUS.items():
        if isinstance(error, cls):
            return status
    return 400


def json_error(code: str, message: str, status: int, *, field: str | None = None) -> JSONResponse:
    error: dict[str, str] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status)


def json_from(error: KringError) -> JSONResponse:
    response = json_error(error.code, error.text(), status_of(error), field=error.field)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response
