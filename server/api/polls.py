"""Polls over the JSON API: results, a vote (given, changed or withdrawn) and closing early.
A poll is asked with its post or message (`poll` in their bodies)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from server.endpoints import Call, api_route, json_response
from server.schemas import PollIn, PollOut, PollStateOut, VoteIn
from services import polls
from services.poll_state import PollDraft


def ballot_key(settings: Settings) -> bytes:
    """The key anonymous polls keep their ballots under: the installation's secret (services/polls.py)."""
    return settings.secret


def draft_of(poll: PollIn | None) -> PollDraft | None:
    if poll is None:
        return None
    return PollDraft(poll.question, poll.options, poll.max_choices, poll.anonymous, poll.closes_at)


def _out(result: polls.Result) -> PollOut:
    return PollOut.model_validate({**result.state.model_dump(mode="json"), "mine": result.mine})


def _id(call: Call) -> int:
    return int(call.request.path_params["poll_id"])


async def get_poll(call: Call) -> Response:
    result = await polls.results(call.db, call.user, _id(call), key=ballot_key(call.ctx.settings))
    return json_response(_out(result))


async def vote(call: Call) -> Response:
    body = await call.json_body(VoteIn)
    key = ballot_key(call.ctx.settings)
    return json_response(_out(await polls.vote(call.db, call.user, _id(call), body.options, key=key)))


async def close(call: Call) -> Response:
    state = await polls.close(call.db, call.user, _id(call))
    return json_response(PollStateOut.model_validate(state.model_dump(mode="json")))


_P = "/api/v1/polls/{poll_id:int}"
routes: list[Route] = [
    api_route(
        _P,
        get_poll,
        "GET",
        summary="A poll with its results and your own choices (an anonymous poll's results are counts only).",
        returns=PollOut,
    ),
    api_route(
        f"{_P}/vote",
        vote,
        "PUT",
        summary="Vote, change your vote, or withdraw it (no options) while the poll is open.",
        body=VoteIn,
        returns=PollOut,
    ),
    api_route(
        f"{_P}/close",
        close,
        "POST",
        summary="Close the poll now (its author or an admin of the circle); the result stays.",
        returns=PollStateOut,
    ),
]
