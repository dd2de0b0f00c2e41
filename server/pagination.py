"""Opaque cursors and limits for list endpoints (`{"items": [...], "next": cursor}`)."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request

from models.base import MAX_ID
from services.errors import N_, Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def name_id_cursor(request: Request) -> tuple[str, int] | None:
    """The (name, id) position a `before` cursor continues from, for lists in name order."""
    raw = request.query_params.get("before")
    if not raw:
        return None
    try:
        name, item_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if isinstance(name, str) and isinstance(item_id, int) and 0 <= item_id <= MAX_ID:
            return name, item_id
    except (ValueError, TypeError):
        pass
    raise Invalid(N_("The cursor is not valid."), field="before")


def limit_of(request: Request, default: int = DEFAULT_LIMIT) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    if not is_number(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid(N_("limit must be a whole number from 1 to 200."), field="limit")
    return int(raw)


def is_number(raw: str) -> bool:
    """Whether `raw` is a whole number an id column can hold. `str.isdigit` alone is not
    enough: it accepts "²", which `int` refuses."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID


def number_param(request: Request, name: str, message: str) -> int | None:
    """A whole-number query parameter (an id or an id cursor), None when absent."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not is_number(raw):
        raise Invalid(message, field=name)
    return int(raw)
