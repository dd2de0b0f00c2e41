"""What the search page and the search API share: reading a query from the URL, and where each
kind of found item lives."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from starlette.requests import Request

from models import ItemKind, SearchItem
from server.pagination import is_number, limit_of
from services.errors import N_, Invalid
from services.search import Query

MAX_QUERY = 200


def query_from(request: Request, *, default_limit: int = 20) -> Query:
    """`q`, `type` (repeatable), `tag` (repeatable, or several separated by commas), `circle`,
    `from` and `to` (dates, inclusive), `limit` and `offset`."""
    params = request.query_params
    kinds = []
    for value in params.getlist("type"):
        if not value:
            continue
        try:
            kinds.append(ItemKind(value))
        except ValueError:
            raise Invalid(N_("Unknown type."), field="type") from None
    circle = params.get("circle") or None
    if circle is not None and not is_number(circle):
        raise Invalid(N_("Unknown circle."), field="circle")
    offset = params.get("offset") or "0"
    if not is_number(offset) or int(offset) > 10_000:
        raise Invalid(N_("offset must be a whole number up to 10000."), field="offset")
    since = _date(params.get("from"), "from")
    until = _date(params.get("to"), "to")
    return Query(
        text=params.get("q", "")[:MAX_QUERY],
        kinds=kinds,
        tags=[tag for value in params.getlist("tag") for tag in value.split(",") if tag.strip()][:10],
        circle_id=int(circle) if circle else None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
        limit=limit_of(request, default_limit),
        offset=int(offset),
    )


def _date(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(N_("Give dates as YYYY-MM-DD."), field=name) from None


def url_of(item: SearchItem) -> str:
    """Where a found item is shown."""
    match item.kind:
        case ItemKind.DOCUMENT:
            return f"/knowledge/documents/{item.ref_id}"
        case ItemKind.PAGE:
            return f"/knowledge/pages/{item.ref_id}"
        case ItemKind.POST | ItemKind.NEWS | ItemKind.BLOG:
            return f"/posts/{item.ref_id}"
        case ItemKind.MESSAGE:
            return f"/circles/{item.circle_id}#chat"
        case ItemKind.PERSON:
            return f"/people/{item.ref_id}"
        case ItemKind.CIRCLE:
            return f"/circles/{item.ref_id}"
    raise AssertionError(item.kind)
