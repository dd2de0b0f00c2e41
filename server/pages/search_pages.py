"""The search page: one box for everything, with filters by type, tag, circle and date."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from models import ItemKind
from server.endpoints import Call, page_route
from server.params import read_query
from server.search_params import SearchQuery
from services import circles, search


async def search_page(call: Call) -> Response:
    query = read_query(SearchQuery, call.request, blank_is_absent=True).query()
    searched = bool(query.text.strip() or query.tags or query.kinds or query.circle_id)
    found = await search.search(call.db, call.user, query) if searched else None
    params = call.request.query_params
    return call.render(
        "search.html",
        query=query,
        found=found,
        kinds=[kind.value for kind in ItemKind],
        chosen_kinds={kind.value for kind in query.kinds},
        my_circles=await circles.list_circles(call.db, call.user, mine=True, limit=200),
        since=params.get("from", ""),
        until=params.get("to", ""),
        next_offset=query.offset + query.limit if found and found.more else None,
    )


routes: list[Route] = [page_route("/search", search_page, name="search")]
