"""Circles over the API: directory, detail, joining, leaving, members, requests, invitations."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response
from starlette.routing import Route

from models import JoinRequest, User
from server.endpoints import Call, api_route, json_response
from server.pagination import encode_cursor
from server.params import Flag, Limit, NameCursor, QueryIn
from server.schemas import (
    CircleIn,
    CircleList,
    CircleOut,
    CirclePatch,
    DecisionIn,
    InvitationOut,
    InviteIn,
    JoinIn,
    JoinOut,
    JoinRequestList,
    JoinRequestOut,
    MadeKind,
    MemberList,
    MemberOut,
    Ok,
    PersonOut,
    RoleIn,
)
from services import chat_retention, circles
from services.access import access_circle
from services.transactions import unit_of_work


def _circle_id(call: Call) -> int:
    return int(call.request.path_params["circle_id"])


async def circle_out(call: Call, circle_id: int) -> CircleOut:
    """A circle as the caller sees it, with their membership state."""
    access = await access_circle(call.db, call.user, circle_id)
    counts = await circles.member_counts(call.db, [circle_id])
    return CircleOut.of(
        access.circle,
        member_count=counts.get(circle_id, 0),
        membership=access.membership,
        join_requested=access.pending_request is not None,
        invited=access.pending_invitation is not None,
        chat_retention_days=chat_retention.kept_days(access.circle, call.ctx.settings.chat_retention_days),
    )


class CirclesQuery(QueryIn):
    kind: MadeKind | None = None
    mine: Flag = Field(default=False, description="true: only circles you belong to")
    before: NameCursor | None = Field(default=None, description="the `next` cursor of the previous page")
    limit: Limit = 50


class MembersQuery(QueryIn):
    before: NameCursor | None = Field(default=None, description="the `next` cursor of the previous page")
    limit: Limit = 100


async def list_circles(call: Call) -> Response:
    query = call.query(CirclesQuery)
    limit = query.limit
    found = await circles.list_circles(
        call.db, call.user, kind=query.kind, mine=query.mine, after=query.before, limit=limit
    )
    ids = [c.id or 0 for c in found]
    counts = await circles.member_counts(call.db, ids)
    mine = await circles.my_circle_ids(call.db, call.user)
    organisation = call.ctx.settings.chat_retention_days
    items = [
        CircleOut(
            **CircleOut.of(
                c, member_count=counts.get(c.id or 0, 0), chat_retention_days=chat_retention.kept_days(c, organisation)
            ).model_dump(exclude={"is_member"}),
            is_member=(c.id in mine),
        )
        for c in found
    ]
    next_cursor = encode_cursor(found[-1].name, found[-1].id) if len(found) == limit else None
    return json_response(CircleList(items=items, next=next_cursor))


async def create_circle(call: Call) -> Response:
    body = await call.json_body(CircleIn)
    circle = await circles.create_circle(call.db, call.user, **body.model_dump())
    return json_response(await circle_out(call, circle.id or 0), status=201)


async def get_circle(call: Call) -> Response:
    return json_response(await circle_out(call, _circle_id(call)))


async def update_circle(call: Call) -> Response:
    body = await call.json_body(CirclePatch)
    changes = body.model_dump(exclude_unset=True)
    async with unit_of_work(call.db):  # all of the patch or none of it
        if "chat_retention_days" in changes:
            await chat_retention.set_circle_retention(
                call.db,
                call.user,
                _circle_id(call),
                changes.pop("chat_retention_days"),
                organisation_days=call.ctx.settings.chat_retention_days,
            )
        circle = await circles.update_circle(call.db, call.user, _circle_id(call), **changes)
    return json_response(await circle_out(call, circle.id or 0))


async def join(call: Call) -> Response:
    body = await call.json_body(JoinIn)
    outcome = await circles.join_circle(call.db, call.user, _circle_id(call), message=body.message)
    status = "joined" if outcome.joined else "requested"
    return json_response(JoinOut(status=status, circle=await circle_out(call, _circle_id(call))))


async def leave(call: Call) -> Response:
    await circles.leave_circle(call.db, call.user, _circle_id(call))
    return json_response(Ok())


async def members(call: Call) -> Response:
    query = call.query(MembersQuery)
    limit = query.limit
    rows = await circles.list_members(call.db, call.user, _circle_id(call), after=query.before, limit=limit)
    items = [MemberOut(user=PersonOut.of(u), role=m.role, joined_at=m.joined_at) for u, m in rows]
    next_cursor = encode_cursor(rows[-1][0].name, rows[-1][0].id) if len(rows) == limit else None
    return json_response(MemberList(items=items, next=next_cursor))


async def remove_member(call: Call) -> Response:
    await circles.remove_member(call.db, call.user, _circle_id(call), int(call.request.path_params["user_id"]))
    return json_response(Ok())


async def set_member_role(call: Call) -> Response:
    body = await call.json_body(RoleIn)
    user_id = int(call.request.path_params["user_id"])
    await circles.set_member_role(call.db, call.user, _circle_id(call), user_id, body.role)
    return json_response(Ok())


async def join_requests(call: Call) -> Response:
    rows = await circles.list_join_requests(call.db, call.user, _circle_id(call))
    return json_response(JoinRequestList(items=[_request_out(u, r) for u, r in rows]))


def _request_out(user: User, request: JoinRequest) -> JoinRequestOut:
    return JoinRequestOut(
        id=request.id or 0, user=PersonOut.of(user), message=request.message, created_at=request.created_at
    )


async def decide(call: Call) -> Response:
    body = await call.json_body(DecisionIn)
    request_id = int(call.request.path_params["request_id"])
    await circles.decide_join_request(call.db, call.user, _circle_id(call), request_id, approve=body.approve)
    return json_response(Ok())


async def invite(call: Call) -> Response:
    body = await call.json_body(InviteIn)
    invitation = await circles.invite(call.db, call.user, _circle_id(call), body.user_id)
    return json_response(
        InvitationOut(
            id=invitation.id or 0,
            circle_id=invitation.circle_id,
            user_id=invitation.user_id,
            status=invitation.status,
            created_at=invitation.created_at,
        ),
        status=201,
    )


async def decline_invitation(call: Call) -> Response:
    await circles.decline_invitation(call.db, call.user, _circle_id(call))
    return json_response(Ok())


_C = "/api/v1/circles/{circle_id:int}"

routes: list[Route] = [
    api_route(
        "/api/v1/circles", list_circles, "GET", summary="Circles you may see.", returns=CircleList, query=CirclesQuery
    ),
    api_route(
        "/api/v1/circles",
        create_circle,
        "POST",
        summary="Create a circle; you become its admin.",
        body=CircleIn,
        returns=CircleOut,
        status=201,
    ),
    api_route(_C, get_circle, "GET", summary="One circle.", returns=CircleOut),
    api_route(
        _C, update_circle, "PATCH", summary="Change a circle (circle admins).", body=CirclePatch, returns=CircleOut
    ),
    api_route(
        f"{_C}/join",
        join,
        "POST",
        summary="Join an open circle, ask to join a closed one, or accept an invitation.",
        body=JoinIn,
        returns=JoinOut,
    ),
    api_route(f"{_C}/leave", leave, "POST", summary="Leave, or withdraw a join request.", returns=Ok),
    api_route(
        f"{_C}/members",
        members,
        "GET",
        summary="Members; of closed and secret circles for members only.",
        returns=MemberList,
        query=MembersQuery,
    ),
    api_route(
        f"{_C}/members/{{user_id:int}}", remove_member, "DELETE", summary="Remove a member (circle admins).", returns=Ok
    ),
    api_route(
        f"{_C}/members/{{user_id:int}}",
        set_member_role,
        "PATCH",
        summary="Make a member admin or member (circle admins).",
        body=RoleIn,
        returns=Ok,
    ),
    api_route(
        f"{_C}/requests",
        join_requests,
        "GET",
        summary="Pending join requests (circle admins).",
        returns=JoinRequestList,
    ),
    api_route(
        f"{_C}/requests/{{request_id:int}}",
        decide,
        "POST",
        summary="Approve or decline a join request (circle admins).",
        body=DecisionIn,
        returns=Ok,
    ),
    api_route(
        f"{_C}/invitations",
        invite,
        "POST",
        summary="Invite a colleague (circle admins).",
        body=InviteIn,
        returns=InvitationOut,
        status=201,
    ),
    api_route(f"{_C}/invitation", decline_invitation, "DELETE", summary="Decline your invitation.", returns=Ok),
]
