"""The people directory over the API."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.endpoints import Call, api_route, json_response
from server.pagination import encode_cursor, is_number, limit_of, name_id_cursor
from server.schemas import PeopleList, PersonOut, PresenceOut
from services import accounts
from services.errors import N_, Invalid


async def list_people(call: Call) -> Response:
    limit = limit_of(call.request)
    people = await accounts.list_people(
        call.db,
        query=call.request.query_params.get("q", "")[:100],
        team=call.request.query_params.get("team", "")[:120],
        after=name_id_cursor(call.request),
        limit=limit,
    )
    next_cursor = encode_cursor(people[-1].name, people[-1].id) if len(people) == limit else None
    return json_response(PeopleList(items=[PersonOut.of(p) for p in people], next=next_cursor))


async def get_person(call: Call) -> Response:
    person = await accounts.get_user(call.db, int(call.request.path_params["user_id"]))
    return json_response(PersonOut.of(person))


async def presence(call: Call) -> Response:
    raw = call.request.query_params.getlist("user_id")[:500]
    if not all(is_number(value) for value in raw):
        raise Invalid(N_("user_id is a number."), field="user_id")
    states = call.ctx.hub.presence_of(int(value) for value in raw)
    return json_response(PresenceOut(states={str(k): v for k, v in states.items()}))


routes: list[Route] = [
    api_route(
        "/api/v1/presence",
        presence,
        "GET",
        summary="Who is online: active, away or offline, for each user_id given (repeat the parameter).",
        returns=PresenceOut,
        query=(("user_id", "a colleague's id; give it once per colleague"),),
    ),
    api_route(
        "/api/v1/people",
        list_people,
        "GET",
        summary="Colleagues in name order.",
        returns=PeopleList,
        query=(
            ("q", "words from name, job title, team, location or skills"),
            ("team", "exact team name"),
            ("before", "the `next` cursor of the previous page"),
            ("limit", "1 to 200, default 50"),
        ),
    ),
    api_route("/api/v1/people/{user_id:int}", get_person, "GET", summary="One colleague.", returns=PersonOut),
]
