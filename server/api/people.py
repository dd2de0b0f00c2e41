"""The people directory over the API."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response
from starlette.routing import Route

from server.endpoints import Call, api_route, json_response
from server.pagination import encode_cursor
from server.params import Limit, NameCursor, QueryId, QueryIn, Text
from server.schemas import PeopleList, PersonOut, PresenceOut
from services import accounts


class PeopleQuery(QueryIn):
    q: Text = Field(default="", description="words from name, job title, team, location or skills")
    team: Text = Field(default="", description="exact team name")
    before: NameCursor | None = Field(default=None, description="the `next` cursor of the previous page")
    limit: Limit = 50


class PresenceQuery(QueryIn):
    user_id: list[QueryId] = Field(
        default_factory=list, max_length=500, description="a colleague's id; give it once per colleague"
    )


async def list_people(call: Call) -> Response:
    query = call.query(PeopleQuery)
    limit = query.limit
    people = await accounts.list_people(
        call.db, query=query.q[:100], team=query.team[:120], after=query.before, limit=limit
    )
    next_cursor = encode_cursor(people[-1].name, people[-1].id) if len(people) == limit else None
    return json_response(PeopleList(items=[PersonOut.of(p) for p in people], next=next_cursor))


async def get_person(call: Call) -> Response:
    person = await accounts.get_user(call.db, int(call.request.path_params["user_id"]))
    return json_response(PersonOut.of(person))


async def presence(call: Call) -> Response:
    states = call.ctx.hub.presence_of(call.query(PresenceQuery).user_id)
    return json_response(PresenceOut(states={str(k): v for k, v in states.items()}))


routes: list[Route] = [
    api_route(
        "/api/v1/presence",
        presence,
        "GET",
        summary="Who is online: active, away or offline, for each user_id given (repeat the parameter).",
        returns=PresenceOut,
        query=PresenceQuery,
    ),
    api_route(
        "/api/v1/people",
        list_people,
        "GET",
        summary="Colleagues in name order.",
        returns=PeopleList,
        query=PeopleQuery,
    ),
    api_route("/api/v1/people/{user_id:int}", get_person, "GET", summary="One colleague.", returns=PersonOut),
]
