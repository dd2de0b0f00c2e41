"""Search and tags over the API."""

from __future__ import annotations

from html import escape

from pydantic import Field
from starlette.responses import Response
from starlette.routing import Route

from server.endpoints import Call, api_route, json_response
from server.params import QueryIn, Text
from server.schemas import SearchHitOut, SearchOut, TagList, TagOut
from server.search_params import SearchQuery, url_of
from services import search


def snippet_html(pieces: tuple[tuple[str, bool], ...]) -> str:
    return "".join(f"<mark>{escape(text)}</mark>" if marked else escape(text) for text, marked in pieces)


def _place_title(call: Call, hit: search.Hit) -> str:
    """A chat message's title: who wrote it where (a message has no title of its own)."""
    if not hit.author:
        return ""
    return call.gettext("%(author)s in %(place)s") % {"author": hit.author, "place": hit.place}


class TagsQuery(QueryIn):
    tag: list[Text] = Field(
        default_factory=list, description="Count only items that also carry this tag (repeatable), to narrow down."
    )


async def run_search(call: Call) -> Response:
    found = await search.search(call.db, call.user, call.query(SearchQuery).query())
    return json_response(
        SearchOut(
            items=[
                SearchHitOut(
                    type=hit.item.kind.value,
                    id=hit.item.ref_id,
                    title=hit.item.title or _place_title(call, hit),
                    snippet_html=snippet_html(hit.snippet),
                    url=url_of(hit.item),
                    tags=hit.tags,
                    circle_id=hit.item.circle_id,
                    question=hit.item.question.value if hit.item.question else None,
                    created_at=hit.item.created_at,
                    updated_at=hit.item.updated_at,
                )
                for hit in found.hits
            ],
            more=found.more,
        )
    )


async def list_tags(call: Call) -> Response:
    within = [tag for tag in call.query(TagsQuery).tag if tag][:10]
    counts = await search.tag_counts(call.db, call.user, within=within)
    return json_response(TagList(items=[TagOut(name=name, count=count) for name, count in counts]))


routes: list[Route] = [
    api_route(
        "/api/v1/search",
        run_search,
        "GET",
        summary="Search everything you may read: documents (their text too), pages, posts, news, blogs, chat "
        "messages, people and circles. Each word matches as a prefix and in its Dutch stem, accents folded.",
        returns=SearchOut,
        query=SearchQuery,
    ),
    api_route(
        "/api/v1/tags",
        list_tags,
        "GET",
        summary="Tags with how many items you may read carry them, by name.",
        returns=TagList,
        query=TagsQuery,
    ),
]
