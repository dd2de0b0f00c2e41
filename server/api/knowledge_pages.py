"""Knowledge pages over the API."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from models import Circle, ItemKind, KnowledgePage
from server.endpoints import Call, api_route, json_response
from server.schemas import CircleRef, Ok, PageIn, PageList, PageOut, PagePatch, RevisionList, RevisionOut
from server.search_params import ListQuery
from services import knowledge_pages, search


async def page_out(call: Call, page: KnowledgePage) -> PageOut:
    assert page.id is not None
    circle = await call.db.get(Circle, page.circle_id) if page.circle_id is not None else None
    return PageOut(
        id=page.id,
        title=page.title,
        body=page.body,
        html=page.html,
        tags=await knowledge_pages.tags_of(call.db, page.id),
        circle=CircleRef(id=circle.id or 0, name=circle.name, color=circle.color) if circle else None,
        revision=page.revision,
        created_by=page.created_by,
        updated_by=page.updated_by,
        created_at=page.created_at,
        updated_at=page.updated_at,
    )


def _id(call: Call) -> int:
    return int(call.request.path_params["page_id"])


async def list_pages(call: Call) -> Response:
    query = call.query(ListQuery)
    found = await search.search(
        call.db,
        call.user,
        search.Query(
            kinds=[ItemKind.PAGE], tags=query.tags(), circle_id=query.circle, limit=query.limit, offset=query.offset
        ),
    )
    pages = await knowledge_pages.list_pages(call.db, call.user, [hit.item.ref_id for hit in found.hits])
    return json_response(PageList(items=[await page_out(call, p) for p in pages], more=found.more))


async def create_page(call: Call) -> Response:
    body = await call.json_body(PageIn)
    page = await knowledge_pages.create_page(
        call.db, call.user, title=body.title, body=body.body, tags=body.tags, circle_id=body.circle_id
    )
    return json_response(await page_out(call, page), status=201)


async def get_page(call: Call) -> Response:
    return json_response(await page_out(call, await knowledge_pages.access_page(call.db, call.user, _id(call))))


async def update_page(call: Call) -> Response:
    patch = await call.json_body(PagePatch)
    page = await knowledge_pages.edit_page(
        call.db,
        call.user,
        _id(call),
        title=patch.title,
        body=patch.body,
        tags=patch.tags,
        base_revision=patch.base_revision,
    )
    return json_response(await page_out(call, page))


async def delete_page(call: Call) -> Response:
    await knowledge_pages.delete_page(call.db, call.user, _id(call))
    return json_response(Ok())


async def list_revisions(call: Call) -> Response:
    found = await knowledge_pages.revisions(call.db, call.user, _id(call))
    return json_response(
        RevisionList(
            items=[
                RevisionOut(number=r.number, title=r.title, body=r.body, editor_id=r.editor_id, created_at=r.created_at)
                for r in found
            ]
        )
    )


_P = "/api/v1/pages/{page_id:int}"

routes: list[Route] = [
    api_route(
        "/api/v1/pages",
        list_pages,
        "GET",
        summary="Knowledge pages you may read, last changed first.",
        returns=PageList,
        query=ListQuery,
    ),
    api_route(
        "/api/v1/pages",
        create_page,
        "POST",
        summary="Write a page (Markdown; `[[Title]]` links to another page). Without circle_id: for editors.",
        body=PageIn,
        returns=PageOut,
        status=201,
    ),
    api_route(_P, get_page, "GET", summary="One page.", returns=PageOut),
    api_route(_P, update_page, "PATCH", summary="Save a new revision of a page.", body=PagePatch, returns=PageOut),
    api_route(_P, delete_page, "DELETE", summary="Delete a page and its history.", returns=Ok),
    api_route(
        f"{_P}/revisions", list_revisions, "GET", summary="The page's history, newest first.", returns=RevisionList
    ),
]
