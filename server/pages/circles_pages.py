"""The circle directory, a circle's page, and the forms that join, leave and run circles."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from models import CIRCLE_KINDS, CircleKind, CircleVisibility, MemberRole
from server.auth import client_address
from server.endpoints import Call, form_route, form_text, page_route, parse_enum
from server.fragments import EMOJI, item_viewer
from server.pages.polls_pages import draft_from_form, poll_mine
from server.pages.stream_pages import stream_context
from server.params import QueryId, QueryIn, read_query
from server.uploads import attachment_ids, attachment_limits
from services import accounts, chat, chat_retention, circle_admin, circles, direct, events, questions, reactions
from services.access import access_circle
from services.errors import N_, Invalid
from services.stream import Filter, cards, follows

CHAT_PAGE = 50  # chat messages a page shows, and the "Older messages" button adds


def _circle_id(call: Call) -> int:
    return int(call.request.path_params["circle_id"])


def _kind(value: str) -> CircleKind:
    return parse_enum(CircleKind, value, field="kind", message=N_("Choose a kind of circle."))


def _visibility(value: str) -> CircleVisibility:
    return parse_enum(CircleVisibility, value, field="visibility", message=N_("Choose who may see the circle."))


async def directory(call: Call) -> Response:
    kind_param = call.request.query_params.get("kind", "")
    kind = _kind(kind_param) if kind_param else None
    found = await circles.list_circles(call.db, call.user, kind=kind, limit=500)
    counts = await circles.member_counts(call.db, [c.id or 0 for c in found])
    mine = await circles.my_circle_ids(call.db, call.user)
    unread = await chat.unread_counts(call.db, call.user)
    return call.render(
        "circles.html",
        circles=found,
        counts=counts,
        mine=mine,
        unread=unread,
        kind=kind,
        kinds=list(CIRCLE_KINDS),
        visibilities=list(CircleVisibility),
    )


async def create(call: Call) -> Response:
    circle = await circles.create_circle(
        call.db,
        call.user,
        name=form_text(call, "name"),
        description=form_text(call, "description"),
        color=form_text(call, "color", "#0b6e4f"),
        kind=_kind(form_text(call, "kind")),
        visibility=_visibility(form_text(call, "visibility")),
    )
    return call.redirect(f"/circles/{circle.id}", message=N_("The circle has been created."))


ASKED_CHARS = 500  # a question Ids passes on (`?ask=`), as long as its "vraag het …" links carry


async def circle_page(call: Call) -> Response:
    access = await access_circle(call.db, call.user, _circle_id(call))
    if direct.is_conversation(access.circle):  # checked first: an outsider still gets "not found"
        return call.redirect(f"/messages/{access.circle_id}")
    members_visible = access.standing.can_read
    stream: dict[str, Any] = {}
    if members_visible:  # exactly who may follow the circle live (services.access)
        await call.watch(events.circle_topic(access.circle_id))
        stream = await stream_context(call, filter=Filter.CIRCLE, circle_id=access.circle_id)
        stream["open_questions"] = await questions.open_count(call.db, call.user, access.circle_id)
        if call.request.query_params.get("show") == "questions":  # the tab of open questions
            found = await questions.open_questions(call.db, call.user, access.circle_id)
            stream.update(cards=await cards(call.db, call.user, found), older=None, showing_questions=True)
    following = access.circle_id in await follows(call.db, call.user)
    chat_log: list[dict[str, Any]] = []
    message_reactions: dict[str, reactions.Summary] = {}
    if members_visible:
        recent = await chat.history(call.db, call.user, access.circle_id, limit=CHAT_PAGE)
        chat_log = [await chat.message_data(call.db, m) for m in reversed(recent)]
        message_reactions = await reactions.summaries(call.db, call.user, [f"message:{m['id']}" for m in chat_log])
    members = await circles.list_members(call.db, call.user, access.circle_id, limit=500) if members_visible else []
    is_admin = access.standing.can_administer
    requests = await circles.list_join_requests(call.db, call.user, access.circle_id) if is_admin else []
    count = (await circles.member_counts(call.db, [access.circle_id])).get(access.circle_id, 0)
    stream["poll_mine"] = await poll_mine(call, stream.get("cards", []), chat_log)
    return call.render(
        "circle.html",
        access=access,
        circle=access.circle,
        members=members,
        members_visible=members_visible,
        member_count=count,
        is_admin=is_admin,
        requests=requests,
        kinds=list(CIRCLE_KINDS),
        visibilities=list(CircleVisibility),
        following=following,
        chat_log=chat_log,
        message_reactions=message_reactions,
        presence=call.ctx.hub.presence_of(u.id or 0 for u, _ in members),
        viewer=item_viewer(call.user_id, member=access.is_member, moderator=is_admin, reader=True),
        member_viewer=item_viewer(call.user_id, moderator=is_admin),
        last_read=await chat.read_position(call.db, call.user, access.circle_id) if access.is_member else 0,
        chat_retention_days=chat_retention.kept_days(access.circle, call.ctx.settings.chat_retention_days),
        organisation_retention_days=call.ctx.settings.chat_retention_days,
        # A question passed on from Ids (`?ask=`): the composer opens with it, marked a question.
        asking=call.request.query_params.get("ask", "")[:ASKED_CHARS],
        **stream,
    )


class OlderMessagesIn(QueryIn):
    before: QueryId | None = None  # the oldest message shown


async def older_messages(call: Call) -> Response:
    """The 50 chat messages before `before`, oldest first, as the chat shows them."""
    before = read_query(OlderMessagesIn, call.request).before
    access = await access_circle(call.db, call.user, _circle_id(call))
    found = await chat.history(call.db, call.user, access.circle_id, before=before, limit=CHAT_PAGE)
    messages = [await chat.message_data(call.db, m) for m in reversed(found)]
    is_direct = access.circle.kind is CircleKind.DIRECT
    is_admin = access.standing.can_administer and not is_direct
    response = call.render(
        "_chat_items.html",
        messages=messages,
        message_reactions=await reactions.summaries(call.db, call.user, [f"message:{m['id']}" for m in messages]),
        poll_mine=await poll_mine(call, messages=messages),
        # A conversation's messages are not reported (services/moderation.py): no "Report" there.
        viewer=item_viewer(call.user_id, member=access.is_member, moderator=is_admin, reader=not is_direct),
        emoji=EMOJI,
    )
    if len(found) == CHAT_PAGE:
        response.headers["X-Kring-More"] = "yes"  # the button stays for the page before these
    return response


async def send_message(call: Call) -> Response:
    """The chat without script: post and come back to the chat."""
    settings = call.ctx.settings
    await chat.post_message(
        call.db,
        call.user,
        _circle_id(call),
        body=form_text(call, "body"),
        client_id=form_text(call, "client_id") or None,
        limits=chat.ChatLimits(settings.limit_message_chars, settings.limit_messages_per_minute),
        attachment_ids=attachment_ids(call),
        attachment_limits=attachment_limits(settings),
        poll=draft_from_form(call),
    )
    return call.redirect(f"/circles/{_circle_id(call)}#chat")


async def join(call: Call) -> Response:
    outcome = await circles.join_circle(call.db, call.user, _circle_id(call), message=form_text(call, "message"))
    message = (
        N_("Welcome to the circle.") if outcome.joined else N_("Your request has been sent to the circle's admins.")
    )
    return call.redirect(f"/circles/{_circle_id(call)}", message=message)


async def leave(call: Call) -> Response:
    was_member = (await access_circle(call.db, call.user, _circle_id(call))).is_member
    await circles.leave_circle(call.db, call.user, _circle_id(call))
    if was_member:
        return call.redirect("/circles", message=N_("You have left the circle."))
    return call.redirect(f"/circles/{_circle_id(call)}", message=N_("Your request has been withdrawn."))


async def decline_invitation(call: Call) -> Response:
    await circles.decline_invitation(call.db, call.user, _circle_id(call))
    return call.redirect("/", message=N_("Invitation declined."))


async def edit(call: Call) -> Response:
    await circles.update_circle(
        call.db,
        call.user,
        _circle_id(call),
        name=form_text(call, "name"),
        description=form_text(call, "description"),
        color=form_text(call, "color"),
        kind=_kind(form_text(call, "kind")),
        visibility=_visibility(form_text(call, "visibility")),
    )
    return call.redirect(f"/circles/{_circle_id(call)}", message=N_("The circle has been saved."))


async def decide(call: Call) -> Response:
    approve = form_text(call, "decision") == "approve"
    request_id = int(call.request.path_params["request_id"])
    await circles.decide_join_request(call.db, call.user, _circle_id(call), request_id, approve=approve)
    message = N_("The request has been approved.") if approve else N_("The request has been declined.")
    return call.redirect(f"/circles/{_circle_id(call)}", message=message)


async def invite(call: Call) -> Response:
    invitee = await accounts.find_by_email(call.db, form_text(call, "email"))
    if invitee is None or invitee.id is None or not invitee.is_active:
        raise Invalid(N_("No colleague has that e-mail address."), field="email")
    await circles.invite(call.db, call.user, _circle_id(call), invitee.id)
    return call.redirect(f"/circles/{_circle_id(call)}", message=N_("The invitation has been sent."))


async def remove_member(call: Call) -> Response:
    await circles.remove_member(call.db, call.user, _circle_id(call), int(call.request.path_params["user_id"]))
    return call.redirect(f"/circles/{_circle_id(call)}", message=N_("The member has been removed."))


async def set_role(call: Call) -> Response:
    role = parse_enum(MemberRole, form_text(call, "role"), field="role", message=N_("Choose a role."))
    user_id = int(call.request.path_params["user_id"])
    await circles.set_member_role(call.db, call.user, _circle_id(call), user_id, role)
    return call.redirect(f"/circles/{_circle_id(call)}", message=N_("The role has been changed."))


async def archive(call: Call) -> Response:
    await circle_admin.archive(call.db, call.user, _circle_id(call), address=client_address(call.request))
    return call.redirect(
        f"/circles/{_circle_id(call)}", message=N_("The circle is archived: it can be read, but not added to.")
    )


async def restore(call: Call) -> Response:
    await circle_admin.restore(call.db, call.user, _circle_id(call), address=client_address(call.request))
    return call.redirect(f"/circles/{_circle_id(call)}", message=N_("The circle is back."))


async def set_chat_retention(call: Call) -> Response:
    circle_id = _circle_id(call)
    text = form_text(call, "chat_retention_days").strip()
    if text and not text.isdigit():
        raise Invalid(N_("Give a number of days, or leave it empty."), field="chat_retention_days")
    await chat_retention.set_circle_retention(
        call.db,
        call.user,
        circle_id,
        int(text) if text else None,
        organisation_days=call.ctx.settings.chat_retention_days,
    )
    return call.redirect(f"/circles/{circle_id}", message=N_("Saved."))


_C = "/circles/{circle_id:int}"
routes: list[Route] = [
    page_route("/circles", directory, name="circles"),
    form_route("/circles", create, name="circle_create"),
    page_route(_C, circle_page, name="circle"),
    page_route(f"{_C}/chat", older_messages, name="chat_older", fragment=True),
    form_route(f"{_C}/join", join, name="circle_join"),
    form_route(f"{_C}/messages", send_message, name="message_send"),
    form_route(f"{_C}/leave", leave, name="circle_leave"),
    form_route(f"{_C}/invitation/decline", decline_invitation, name="invitation_decline"),
    form_route(f"{_C}/edit", edit, name="circle_edit"),
    form_route(f"{_C}/chat-retention", set_chat_retention, name="circle_chat_retention"),
    form_route(f"{_C}/requests/{{request_id:int}}", decide, name="request_decide"),
    form_route(f"{_C}/invite", invite, name="circle_invite"),
    form_route(f"{_C}/members/{{user_id:int}}/remove", remove_member, name="member_remove"),
    form_route(f"{_C}/members/{{user_id:int}}/role", set_role, name="member_role"),
    form_route(f"{_C}/archive", archive, name="circle_archive"),
    form_route(f"{_C}/restore", restore, name="circle_restore"),
]
