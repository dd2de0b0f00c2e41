"""Polls on the pages: a vote and closing early as form posts (web/static/js/polls.js sends them
over the API instead), and a poll read from a post form's fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from models import Message
from server.api.polls import ballot_key
from server.endpoints import Call, form_route, form_text
from server.pagination import is_number
from services import polls
from services.errors import N_, Invalid
from services.event_types import PollState
from services.poll_state import MAX_OPTIONS, PollDraft
from services.stream import Card


def _poll_id(call: Call) -> int:
    return int(call.request.path_params["poll_id"])


async def _item_url(call: Call, state: PollState) -> str:
    """Back to the poll's item: its post's page, or its circle's chat (a conversation's page)."""
    kind, _, item_id = state.target.partition(":")
    if kind == "post":
        return f"/posts/{item_id}#post-{item_id}"
    message = await call.db.get(Message, int(item_id))
    return f"/circles/{message.circle_id if message else 0}#chat"


def draft_from_form(call: Call) -> PollDraft | None:
    """The poll a post form asks, if its poll fields are filled in; a closing time is read in
    the organisation's time zone (`KRING_TIMEZONE`)."""
    assert call.form is not None
    question = form_text(call, "poll_question").strip()
    options = [o for o in call.form.getlist("poll_option") if isinstance(o, str)]
    if not question and not any(o.strip() for o in options):
        return None
    closes_at = None
    if raw := form_text(call, "poll_closes_at").strip():
        try:
            closes_at = datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(call.ctx.settings.timezone))
        except ValueError:
            raise Invalid(N_("That is not a date and time."), field="poll.closes_at") from None
    multiple = form_text(call, "poll_multiple") == "on"
    filled = [o for o in options[: MAX_OPTIONS + 1] if o.strip()]
    return PollDraft(
        question=question,
        options=filled,
        max_choices=max(1, len(filled)) if multiple else 1,
        anonymous=form_text(call, "poll_anonymous") == "on",
        closes_at=closes_at,
    )


async def poll_mine(
    call: Call, cards: Sequence[Card] = (), messages: Sequence[Mapping[str, Any]] = ()
) -> dict[int, list[int]]:
    """The reader's own choices in the polls of the cards and chat messages a page shows
    (`poll_mine` in the templates, which check them)."""
    ids = [c.poll.id for c in cards if c.poll] + [m["poll"]["id"] for m in messages if m.get("poll")]
    return await polls.mine(call.db, call.user, ids, key=ballot_key(call.ctx.settings))


async def vote(call: Call) -> Response:
    assert call.form is not None
    chosen = [int(v) for v in call.form.getlist("option") if isinstance(v, str) and is_number(v)]
    result = await polls.vote(call.db, call.user, _poll_id(call), chosen, key=ballot_key(call.ctx.settings))
    message = N_("Your vote is counted.") if chosen else N_("Your vote is withdrawn.")
    return call.redirect(await _item_url(call, result.state), message=message)


async def close(call: Call) -> Response:
    state = await polls.close(call.db, call.user, _poll_id(call))
    return call.redirect(await _item_url(call, state), message=N_("The poll is closed."))


routes: list[Route] = [
    form_route("/polls/{poll_id:int}/vote", vote, name="poll_vote"),
    form_route("/polls/{poll_id:int}/close", close, name="poll_close"),
]
