"""Direct messages: the list of conversations, starting one, and a conversation's own page.

A conversation is a circle underneath (services/direct.py), but its page shows only the people
and the chat: none of a circle's words or controls. /circles/{id} sends a conversation here.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from server.endpoints import Call, form_route, form_text, page_route
from server.fragments import EMOJI, item_viewer
from services import accounts, assistant, chat, chat_retention, direct, events, reactions
from services.access import access_circle
from services.errors import Invalid, NotFound

CHAT_PAGE = 50  # as on a circle's page (circles_pages.CHAT_PAGE)
_COLLEAGUES = 500  # offered in the "new conversation" form; the filter box narrows them


def conversation_url(circle_id: int) -> str:
    return f"/messages/{circle_id}"


async def conversations(call: Call) -> Response:
    return await _list_page(call)


async def _list_page(call: Call, *, error: str | None = None, chosen: frozenset[int] = frozenset()) -> Response:
    found = await direct.conversation_list(call.db, call.user)
    colleagues = [p for p in await accounts.list_people(call.db, limit=_COLLEAGUES) if p.id != call.user_id]
    return call.render(
        "conversations.html",
        status=400 if error else 200,
        conversations=found,
        colleagues=colleagues,
        chosen=chosen,
        error=error,
        max_others=direct.MAX_PARTICIPANTS - 1,
        assistant=await assistant.assistant_user(call.db),
    )


async def start_conversation(call: Call) -> Response:
    """Open a conversation with the colleagues ticked in the form; a refusal is shown above the
    form with the choice kept, so nobody has to tick them all again."""
    assert call.form is not None
    chosen = frozenset(int(v) for v in call.form.getlist("user_ids") if isinstance(v, str) and v.isdigit())
    try:
        circle = await direct.open_conversation(call.db, call.user, chosen)
    except (Invalid, NotFound) as refused:
        return await _list_page(call, error=refused.message, chosen=chosen)
    return call.redirect(conversation_url(circle.id or 0))


async def message_colleague(call: Call) -> Response:
    circle = await direct.open_conversation(call.db, call.user, [int(call.request.path_params["user_id"])])
    return call.redirect(conversation_url(circle.id or 0))


async def ask_colleague(call: Call) -> Response:
    """The question Ids could not answer, ready to send to a colleague who may know (its link
    in Ids' answer): one click sends it as a direct message."""
    person = await accounts.get_user(call.db, int(call.request.path_params["user_id"]))
    question = call.request.query_params.get("q", "")[: chat.ChatLimits.max_chars]
    return call.render("ask_colleague.html", person=person, question=question)


async def send_question(call: Call) -> Response:
    circle = await direct.open_conversation(call.db, call.user, [int(call.request.path_params["user_id"])])
    await chat.post_message(call.db, call.user, circle.id or 0, body=form_text(call, "question"))
    return call.redirect(conversation_url(circle.id or 0))


async def conversation(call: Call) -> Response:
    circle_id = int(call.request.path_params["circle_id"])
    access = await access_circle(call.db, call.user, circle_id)
    if not direct.is_conversation(access.circle):
        return call.redirect(f"/circles/{circle_id}")
    await call.watch(events.circle_topic(circle_id))
    recent = await chat.history(call.db, call.user, circle_id, limit=CHAT_PAGE)
    chat_log: list[dict[str, Any]] = [await chat.message_data(call.db, m) for m in reversed(recent)]
    people = (await direct.conversation_people(call.db, call.user, [circle_id])).get(circle_id, [])
    markers = await chat.read_markers(call.db, circle_id)
    return call.render(
        "conversation.html",
        access=access,
        circle=access.circle,
        people=people,
        conversation_title=direct.name_of([p.name for p in people], call.locale),
        presence=call.ctx.hub.presence_of(p.id or 0 for p in people),
        chat_log=chat_log,
        message_reactions=await reactions.summaries(call.db, call.user, [f"message:{m['id']}" for m in chat_log]),
        viewer=item_viewer(call.user_id, member=access.is_member, moderator=False),
        last_read=markers.get(call.user_id, 0),
        emoji=EMOJI,
        chat_retention_days=chat_retention.kept_days(access.circle, call.ctx.settings.chat_retention_days),
    )


routes: list[Route] = [
    page_route("/messages", conversations, name="conversations"),
    form_route("/messages", start_conversation, name="conversation_start"),
    page_route("/messages/{circle_id:int}", conversation, name="conversation"),
    form_route("/people/{user_id:int}/message", message_colleague, name="message_colleague"),
    page_route("/people/{user_id:int}/ask", ask_colleague, name="ask_colleague"),
    form_route("/people/{user_id:int}/ask", send_question, name="ask_colleague_send"),
]
