"""Cursors for list endpoints (`{"items": [...], "next": cursor}`); limits and the cursors' shapes
are declared in `server.params`."""

from __future__ import annotations

from starlette.requests import Request

from models.base import MAX_ID
from server.params import NameCursor, QueryIn, encode_name_cursor, read_query


class _Before(QueryIn):
    before: NameCursor | None = None


def encode_cursor(name: str, item_id: int | None) -> str:
    return encode_name_cursor(name, item_id)


def name_id_cursor(request: Request) -> tuple[str, int] | None:
    """The (name, id) position a `before` cursor continues from, for pages in name order."""
    return read_query(_Before, request, blank_is_absent=True).before


def is_number(raw: str) -> bool:
    """Whether `raw` is a whole number an id column can hold. `str.isdigit` alone is not
    enough: it accepts "²", which `int` refuses."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID
