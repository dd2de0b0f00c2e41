"""The search page: one box for everything, with filters by type, tag, circle and date; and the
organisation's search synonyms, which its admins edit."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from models import ItemKind
from server.endpoints import Call, form_route, form_text, page_route
from server.params import read_query
from server.search_params import SearchQuery
from services import access, circles, search, synonyms
from services.errors import N_, PermissionDenied


async def search_page(call: Call) -> Response:
    query = read_query(SearchQuery, call.request, blank_is_absent=True).query()
    searched = bool(query.text.strip() or query.tags or query.kinds or query.circle_id or query.question)
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
        may_edit_synonyms=access.is_org_admin(call.user),
    )


async def synonyms_page(call: Call) -> Response:
    if not access.is_org_admin(call.user):
        raise PermissionDenied(N_("Only an administrator may change the search synonyms."))
    return call.render("search_synonyms.html", synonyms=synonyms.as_text(await synonyms.groups(call.db)))


async def save_synonyms(call: Call) -> Response:
    await synonyms.replace_all(call.db, call.user, form_text(call, "synonyms"))
    return call.redirect("/search/synonyms", message=N_("The search synonyms have been saved."))


routes: list[Route] = [
    page_route("/search", search_page, name="search"),
    page_route("/search/synonyms", synonyms_page, name="search_synonyms"),
    form_route("/search/synonyms", save_synonyms, name="search_synonyms_save"),
]
