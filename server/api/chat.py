"""Circle chat over the API."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.responses import Response
from starlette.routing import Route

from server.api.polls import draft_of
from server.endpoints import Call, api_route, json_response
from server.params import Limit, QueryId, QueryIn
from server.schemas import (
    ConversationIn,
    ConversationList,
    ConversationOut,
    MessageIn,
    MessageList,
    MessageOut,
    MessagePatch,
    PersonRef,
    ReadIn,
    ReadOut,
    UnreadOut,
)
from server.uploads import attachment_limits
from services import chat, direct
from services.chat import ChatLimits
from services.errors import N_, Invalid


def limits(call: Call) -> ChatLimits:
    settings = call.ctx.settings
    return ChatLimits(max_chars=settings.limit_message_chars, per_minute=settings.limit_messages_per_minute)


def _out(data: dict[str, Any]) -> MessageOut:
    return MessageOut.model_validate(data)


class HistoryQuery(QueryIn):
    before: QueryId | None = Field(default=None, description="a message id")
    limit: Limit = 50


async def history(call: Call) -> Response:
    query = call.query(HistoryQuery)
    before, limit = query.before, query.limit
    circle_id = int(call.request.path_params["circle_id"])
    found = await chat.history(call.db, call.user, circle_id, before=before, limit=limit)
    items = [_out(await chat.message_data(call.db, m)) for m in found]
    return json_response(MessageList(items=items, next=str(found[-1].id) if len(found) == limit else None))


def _within(call: Call, body: str) -> str:
    """The service measures the trimmed text; the API refuses by what was sent, as its document
    says (`maxLength`), so a message of spaces and words is not sometimes too long."""
    if len(body) > call.ctx.settings.limit_message_chars:
        raise Invalid(N_("The message is too long."), field="body")
    return body


async def send(call: Call) -> Response:
    body = await call.json_body(MessageIn)
    _within(call, body.body)
    message = await chat.post_message(
        call.db,
        call.user,
        int(call.request.path_params["circle_id"]),
        body=body.body,
        client_id=body.client_id,
        reply_to_id=body.reply_to_id,
        limits=limits(call),
        attachment_ids=body.attachments,
        attachment_limits=attachment_limits(call.ctx.settings),
        poll=draft_of(body.poll),
    )
    return json_response(_out(await chat.message_data(call.db, message)), status=201)


async def edit(call: Call) -> Response:
    body = await call.json_body(MessagePatch)
    _within(call, body.body)
    message = await chat.edit_message(
        call.db, call.user, int(call.request.path_params["message_id"]), body=body.body, limits=limits(call)
    )
    return json_response(_out(await chat.message_data(call.db, message)))


async def delete(call: Call) -> Response:
    message = await chat.delete_message(call.db, call.user, int(call.request.path_params["message_id"]))
    return json_response(_out(await chat.message_data(call.db, message)))


async def read(call: Call) -> Response:
    body = await call.json_body(ReadIn)
    circle_id = int(call.request.path_params["circle_id"])
    marker = await chat.mark_read(call.db, call.user, circle_id, body.message_id)
    return json_response(ReadOut(circle_id=circle_id, message_id=marker))


async def unread(call: Call) -> Response:
    counts = await chat.unread_counts(call.db, call.user)
    return json_response(UnreadOut(circles={str(k): v for k, v in counts.items()}))


_C = "/api/v1/circles/{circle_id:int}"
routes: list[Route] = [
    api_route(
        f"{_C}/messages",
        history,
        "GET",
        summary="The chat, newest first; `next` is a message id to pass as `before`.",
        returns=MessageList,
        query=HistoryQuery,
    ),
    api_route(
        f"{_C}/messages",
        send,
        "POST",
        summary="Send a message; a repeated client_id returns the first message.",
        body=MessageIn,
        returns=MessageOut,
        status=201,
    ),
    api_route(f"{_C}/read", read, "POST", summary="Move your read marker forward.", body=ReadIn, returns=ReadOut),
    api_route("/api/v1/unread", unread, "GET", summary="Your unread messages per circle.", returns=UnreadOut),
    api_route(
        "/api/v1/messages/{message_id:int}",
        edit,
        "PATCH",
        summary="Edit a message (the author or a circle admin).",
        body=MessagePatch,
        returns=MessageOut,
    ),
    api_route(
        "/api/v1/messages/{message_id:int}",
        delete,
        "DELETE",
        summary="Delete a message; it stays as deleted.",
        returns=MessageOut,
    ),
]


async def open_conversation(call: Call) -> Response:
    body = await call.json_body(ConversationIn)
    circle = await direct.open_conversation(call.db, call.user, body.user_ids)
    return json_response(await _conversation(call, circle.id or 0), status=201)


async def _conversation(call: Call, circle_id: int) -> ConversationOut:
    for circle, people in await direct.conversations(call.db, call.user):
        if circle.id == circle_id:
            return ConversationOut(id=circle_id, people=[PersonRef(id=p.id or 0, name=p.name) for p in people])
    raise Invalid(N_("No such conversation."))


async def list_conversations(call: Call) -> Response:
    items = [
        ConversationOut(id=c.id or 0, people=[PersonRef(id=p.id or 0, name=p.name) for p in people])
        for c, people in await direct.conversations(call.db, call.user)
    ]
    return json_response(ConversationList(items=items))


routes += [
    api_route(
        "/api/v1/direct",
        open_conversation,
        "POST",
        summary="Open a private conversation with 1 to 9 colleagues (the same people again: the same one).",
        body=ConversationIn,
        returns=ConversationOut,
        status=201,
    ),
    api_route(
        "/api/v1/direct",
        list_conversations,
        "GET",
        summary="Your private conversations; chat in them through /api/v1/circles/{id}/messages.",
        returns=ConversationList,
    ),
]
