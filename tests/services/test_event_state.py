"""Every event kind keeps a client's state right (in the style of Zulip's `test_events`).

For each case: a colleague's client fetches its state through the services the pages and the API
use (the circle page, the stream, comments, reactions, chat, read markers, the badge, its
credentials), an action is performed, the events it recorded on the client's topics are applied
to that state by `reduce` below (what the browser client does with them), and the result must
equal the state fetched afresh. A kind with no case fails `test_every_kind_has_a_case`.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from config import load_settings
from models import CircleVisibility, MemberRole, Role, User
from services import (
    accounts,
    branding,
    chat,
    circles,
    comments,
    direct,
    event_types,
    events,
    notifications,
    polls,
    posts,
    questions,
    reactions,
    sessions,
    stream,
    topics,
)
from services.errors import NotFound, PermissionDenied
from services.poll_state import PollDraft
from services.throttle import LoginLimits
from tests.support import PASSWORD, add_member, make_circle, make_user

# The environment's defaults the branding falls back to (the database is the test's own).
BRAND_DEFAULTS = load_settings(secret_key="state-test-" + "x" * 32)
# Kinds that carry no state a page shows: the import's progress bar, whose end the page fetches
# as the stored summary.
TRANSIENT = {"import.progress"}

LIMITS = LoginLimits(per_account=100, per_address=100, window_seconds=600)
State = dict[str, Any]


@dataclass
class World:
    db: AsyncSession
    admin: User  # an organisation admin, who made the circle
    viewer: User  # whose client state is checked
    other: User  # a member of the circle besides the two
    circle_id: int
    member: bool  # whether the viewer is in the circle (else they follow it, open, from outside)
    post_id: int = 0  # the admin's post in the circle
    comment_id: int = 0  # the viewer's comment on it
    reply_id: int = 0  # the other's reply to that comment
    message_id: int = 0  # the other's chat message
    news_id: int = 0  # must-read news by the admin
    credentials: dict[str, str] = field(default_factory=dict)  # "session:3" or "token:4" -> raw secret

    @property
    def topics(self) -> list[str]:
        """What the viewer's client follows."""
        return [events.circle_topic(self.circle_id), events.ORG_TOPIC, events.user_topic(self.viewer.id or 0)]


async def _make_world(db: AsyncSession, *, member: bool, visibility: CircleVisibility | None = None) -> World:
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN)
    viewer = await make_user(db, "Vera Viewer", job_title="Planner")
    other = await make_user(db, "Bob Other", job_title="Driver")
    visibility = visibility or (CircleVisibility.CLOSED if member else CircleVisibility.OPEN)
    circle = await make_circle(db, admin, visibility, name="Planning")
    assert circle.id is not None
    world = World(db, admin, viewer, other, circle.id, member)
    await add_member(db, admin, circle, other)
    if member:
        await add_member(db, admin, circle, viewer)
    else:
        await stream.follow(db, viewer, circle.id, on=True)
    post = await posts.create_post(db, admin, circle.id, body="The **plan** for May")
    world.post_id = post.id or 0
    if member:
        comment = await comments.add_comment(db, viewer, world.post_id, body="Looks good")
        world.comment_id = comment.id or 0
        reply = await comments.add_comment(db, other, world.post_id, body="Agreed", parent_id=world.comment_id)
        world.reply_id = reply.id or 0
    message = await chat.post_message(db, other, circle.id, body="Morning all")
    world.message_id = message.id or 0
    await reactions.set_reaction(db, other, "post", world.post_id, "thumbsup", on=True)
    if member:
        await reactions.set_reaction(db, admin, "comment", world.reply_id, "bulb", on=True)
        await reactions.set_reaction(db, viewer, "message", world.message_id, "heart", on=True)
    news = await posts.create_news(db, admin, title="Closed on Friday", body="The office is closed.", must_read=True)
    world.news_id = news.id or 0
    for _ in range(2):
        signed_in = await sessions.sign_in(db, LIMITS, email=viewer.email, password=PASSWORD, address="10.0.0.1")
        world.credentials[f"session:{signed_in.session.id}"] = signed_in.token
    token, raw = await sessions.create_api_token(db, viewer, "script")
    world.credentials[f"token:{token.id}"] = raw
    return world


# -- the state a client holds, fetched --------------------------------------------------------


async def fetch(world: World) -> State:
    db, viewer, circle_id = world.db, world.viewer, world.circle_id
    state: State = {"badge": (await notifications.badge(db, viewer)).data(), "credentials": {}}
    state["branding"] = (await branding.current(db, BRAND_DEFAULTS)).event().data()
    for name, raw in world.credentials.items():
        if name.startswith("session:"):
            state["credentials"][name] = await sessions.resolve_session(db, raw) is not None
        else:
            state["credentials"][name] = await sessions.resolve_api_token(db, raw) is not None
    try:
        access = await topics.access(db, viewer, events.circle_topic(circle_id))
    except (NotFound, PermissionDenied):
        access = None
    state["follows"] = access is not None
    state["circle"] = state["members"] = state["messages"] = state["read_markers"] = None
    shown = [p for p in await stream.feed(db, viewer, filter=stream.Filter.ALL, limit=100) if p.circle_id is None]
    if access is not None:
        circle = (await circles.access_circle(db, viewer, circle_id)).circle
        state["circle"] = circles.circle_data(circle)
        state["members"] = {
            u.id: {"name": u.name, "job_title": u.job_title, "role": m.role.value}
            for u, m in await circles.list_members(db, viewer, circle_id)
        }
        found = await chat.history(db, viewer, circle_id, limit=100)
        state["messages"] = {m.id: await chat.message_data(db, m) for m in found}
        if access.member:
            state["read_markers"] = await chat.read_markers(db, circle_id)
        shown += await stream.feed(db, viewer, filter=stream.Filter.CIRCLE, circle_id=circle_id, limit=100)
    state["posts"], state["comments"] = {}, {}
    for card in await stream.cards(db, viewer, shown):
        state["posts"][card.post.id] = {
            "data": await posts.post_data(db, card.post),
            "comment_count": card.comment_count,
            "read_by_me": card.read_by_me,
        }
        for comment, author in await comments.list_comments(db, viewer, card.post.id or 0):
            state["comments"][comment.id] = comments.comment_data(comment, author)
    targets = [
        *(posts.post_target(i) for i in state["posts"]),
        *(posts.comment_target(i) for i in state["comments"]),
        *(chat.message_target(i) for i in state["messages"] or {}),
    ]
    state["reactions"] = {
        target: {"counts": summary.counts, "mine": sorted(summary.mine)}
        for target, summary in (await reactions.summaries(db, viewer, targets)).items()
        if summary.counts or summary.mine
    }
    return state


# -- what the client does with an event --------------------------------------------------------


def _lose_circle(state: State, circle_id: int) -> None:
    """`unsubscribed`: the page reloads, and shows nothing of the circle's topic any more."""
    state["follows"] = False
    state["circle"] = state["members"] = state["messages"] = state["read_markers"] = None
    gone = [i for i, p in state["posts"].items() if (p["data"]["circle"] or {}).get("id") == circle_id]
    for post_id in gone:
        _forget_post(state, post_id)
    for target in [t for t in state["reactions"] if t.startswith("message:")]:
        del state["reactions"][target]


def _forget_post(state: State, post_id: int) -> None:
    state["posts"].pop(post_id, None)
    state["reactions"].pop(posts.post_target(post_id), None)
    for comment_id in [i for i, c in state["comments"].items() if c["post_id"] == post_id]:
        del state["comments"][comment_id]
        state["reactions"].pop(posts.comment_target(comment_id), None)


def _mark_former(state: State, user_id: int) -> None:
    authors = [shown["data"]["author"] for shown in state["posts"].values() if "data" in shown]
    authors += [item["author"] for kind in ("comments", "messages") for item in state[kind].values()]
    for author in authors:
        if author and author["id"] == user_id:
            author["former"] = True


def reduce(state: State, topic: str, event: event_types.Event, me: int) -> None:
    """Apply one event, as the hub routes it and the browser client handles it."""
    member = me in (state["members"] or {})
    if topic.startswith("circle:"):
        if not state["follows"]:
            return  # dropped earlier: nothing after it
        if event.MEMBERS_ONLY and not member:
            return
        if event.CHANGES_VISIBILITY and not member and not event.open_after():
            _lose_circle(state, int(topic.split(":")[1]))
            return
    match event:
        case event_types.MemberJoined():
            state["members"][event.user_id] = {
                "name": event.user.name,
                "job_title": event.user.job_title,
                "role": event.role,
            }
        case event_types.MemberLeft():
            state["members"].pop(event.user_id, None)
            if event.reason == "deactivated":  # what they wrote stays, marked (circle.js markFormer)
                _mark_former(state, event.user_id)
            if event.user_id == me and not event.open_after():
                _lose_circle(state, event.circle_id)
            elif event.user_id == me:
                state["read_markers"] = None  # "seen by" is for members
        case event_types.MemberUpdated():
            state["members"][event.user_id]["role"] = event.role
        case event_types.CircleUpdated():
            state["circle"] = event.data()
            for shown in state["posts"].values():
                if (shown["data"]["circle"] or {}).get("id") == event.id:
                    shown["data"]["circle"] = {"id": event.id, "name": event.name, "color": event.color}
        case event_types.BrandingChanged():
            state["branding"] = event.data()
        case event_types.SessionEnded():
            for name in state["credentials"]:
                kind, _, number = name.partition(":")
                session_id = int(number) if kind == "session" else None
                token_id = int(number) if kind == "token" else None
                if event.ends_session(session_id, token_id):
                    state["credentials"][name] = False
        case event_types.PostCreated() | event_types.PostUpdated():
            shown = state["posts"].setdefault(event.id, {"comment_count": 0, "read_by_me": False})
            shown["data"] = event.data()
        case event_types.PostDeleted():
            _forget_post(state, event.id)
        case event_types.QuestionMarked():
            question = {"question": event.question, "accepted_comment_id": event.accepted_comment_id}
            state["posts"][event.post_id]["data"].update(question)
        case event_types.AnswerAccepted():
            state["posts"][event.post_id]["data"].update(question=True, accepted_comment_id=event.comment_id)
        case event_types.CommentCreated() | event_types.CommentUpdated():
            if isinstance(event, event_types.CommentCreated) and event.id not in state["comments"]:
                state["posts"][event.post_id]["comment_count"] += 1
            state["comments"][event.id] = event.data()
        case event_types.CommentDeleted():
            for comment_id in [event.id, *event.replies]:
                state["comments"].pop(comment_id, None)
                state["reactions"].pop(posts.comment_target(comment_id), None)
            shown = state["posts"][event.post_id]
            shown["comment_count"] = max(0, shown["comment_count"] - 1 - len(event.replies))
        case event_types.ReactionUpdated():
            entry = state["reactions"].setdefault(event.target, {"counts": {}, "mine": []})
            entry["counts"] = dict(event.counts)
            if event.user_id == me:
                mine = set(entry["mine"]) | {event.emoji} if event.on else set(entry["mine"]) - {event.emoji}
                entry["mine"] = sorted(mine)
            if not entry["counts"] and not entry["mine"]:
                del state["reactions"][event.target]
        case event_types.PollUpdated():
            kind, _, item_id = event.poll.target.partition(":")
            shown = state["posts"][int(item_id)]["data"] if kind == "post" else state["messages"][int(item_id)]
            shown["poll"] = event.poll.model_dump(mode="json")
        case event_types.NewsRead():
            state["posts"][event.post_id]["read_by_me"] = True
        case event_types.MessageCreated() | event_types.MessageUpdated() | event_types.MessageDeleted():
            state["messages"][event.id] = event.data()
            if event.deleted:
                state["reactions"].pop(chat.message_target(event.id), None)
        case event_types.BadgeChanged():
            state["badge"] = event.data()
        case event_types.ChatRead():
            # Also on the user's topic, for every circle: only the shown circle's line changes.
            if state["read_markers"] is not None and event.circle_id == state["circle"]["id"]:
                current = state["read_markers"].get(event.user.id, 0)
                state["read_markers"][event.user.id] = max(current, event.message_id)
        case _:
            raise AssertionError(f"the client does not know {type(event).__name__}")


# -- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    action: Callable[[World], Awaitable[object]]
    member: bool = True  # the viewer's standing in the circle before the action
    visibility: CircleVisibility | None = None  # the circle's: closed for members, open for outsiders


async def _accept_the_viewers_answer(w: World) -> None:
    await questions.mark_question(w.db, w.admin, w.post_id, question=True)
    await questions.accept_answer(w.db, w.admin, w.post_id, w.comment_id)


async def _delete_the_accepted_answer(w: World) -> None:
    await _accept_the_viewers_answer(w)
    await comments.delete_comment(w.db, w.viewer, w.comment_id)


async def _vote_in_a_chat_poll(w: World) -> None:
    poll = PollDraft("Pizza on Friday?", ["Yes", "No"])
    message = await chat.post_message(w.db, w.other, w.circle_id, body="", poll=poll)
    state = (await chat.message_data(w.db, message))["poll"]
    await polls.vote(w.db, w.admin, state["id"], [state["options"][0]["id"]], key=b"k" * 32)
    await polls.vote(w.db, w.other, state["id"], [state["options"][1]["id"]], key=b"k" * 32)


async def _close_an_anonymous_poll(w: World) -> None:
    poll = PollDraft("Move the meeting?", ["Yes", "No"], anonymous=True)
    post = await posts.create_post(w.db, w.other, w.circle_id, body="Please vote", poll=poll)
    state = (await posts.post_data(w.db, post))["poll"]
    await polls.vote(w.db, w.admin, state["id"], [state["options"][1]["id"]], key=b"k" * 32)
    await polls.close(w.db, w.other, state["id"])


async def _new_member_joins(w: World) -> None:
    newcomer = await make_user(w.db, "Nina New", job_title="Cook")
    await circles.invite(w.db, w.admin, w.circle_id, newcomer.id or 0)
    await circles.join_circle(w.db, newcomer, w.circle_id)


async def _edit_circle(w: World) -> None:
    await circles.update_circle(
        w.db, w.admin, w.circle_id, name="Planning 2027", description="Next year", color="#aa3300"
    )


async def _close_circle(w: World) -> None:
    await circles.update_circle(w.db, w.admin, w.circle_id, visibility=CircleVisibility.CLOSED)


async def _change_password(w: World) -> None:
    await accounts.change_password(w.db, w.viewer, current=PASSWORD, new="another long enough passphrase")


def _credential(w: World, kind: str) -> int:
    return int(next(name for name in w.credentials if name.startswith(kind)).split(":")[1])


async def _direct_message(w: World) -> None:
    conversation = await direct.open_conversation(w.db, w.other, [w.viewer.id or 0])
    await chat.post_message(w.db, w.other, conversation.id or 0, body="A word in private?")


async def _read_direct_message(w: World) -> None:
    conversation = await direct.open_conversation(w.db, w.other, [w.viewer.id or 0])
    message = await chat.post_message(w.db, w.other, conversation.id or 0, body="A word in private?")
    await chat.mark_read(w.db, w.viewer, conversation.id or 0, message.id or 0)


async def _sign_out(w: World) -> None:
    session = await sessions.resolve_session(w.db, w.credentials[f"session:{_credential(w, 'session')}"])
    assert session is not None
    await sessions.sign_out(w.db, session[1])


CASES = [
    Case("member.joined", "a colleague joins", _new_member_joins),
    Case("member.left", "a colleague leaves", lambda w: circles.leave_circle(w.db, w.other, w.circle_id)),
    Case(
        "member.left",
        "the viewer is removed from a closed circle",
        lambda w: circles.remove_member(w.db, w.admin, w.circle_id, w.viewer.id or 0),
    ),
    Case(
        "member.left",
        "the viewer is removed from a secret circle",
        lambda w: circles.remove_member(w.db, w.admin, w.circle_id, w.viewer.id or 0),
        visibility=CircleVisibility.SECRET,
    ),
    Case(
        "member.left",
        "the viewer leaves an open circle",
        lambda w: circles.leave_circle(w.db, w.viewer, w.circle_id),
        visibility=CircleVisibility.OPEN,
    ),
    Case(
        "member.left",
        "a colleague's account is deactivated",
        lambda w: accounts.deactivate(w.db, w.admin, w.other),
    ),
    Case(
        "member.updated",
        "a colleague becomes an admin",
        lambda w: circles.set_member_role(w.db, w.admin, w.circle_id, w.other.id or 0, MemberRole.ADMIN),
    ),
    Case("circle.updated", "the circle is renamed", _edit_circle),
    Case("circle.updated", "an open circle the viewer follows closes", _close_circle, member=False),
    Case("circle.updated", "an open circle the viewer follows is renamed", _edit_circle, member=False),
    Case("session.ended", "one session signs out", _sign_out),
    Case(
        "session.ended",
        "a token is revoked",
        lambda w: sessions.revoke_api_token(w.db, w.viewer, _credential(w, "token")),
    ),
    Case("session.ended", "the password changes", _change_password),
    Case(
        "branding.changed",
        "an administrator changes the colour and name",
        lambda w: branding.update(
            w.db, w.admin, BRAND_DEFAULTS, name="Welzijn Rivierenland", color="#0a7d5a", assistant_name="Ids"
        ),
    ),
    Case("post.created", "a post in the circle", lambda w: posts.create_post(w.db, w.other, w.circle_id, body="Hi")),
    Case(
        "post.created",
        "organisation news",
        lambda w: posts.create_news(w.db, w.admin, title="Summer party", body="On the roof."),
    ),
    Case("post.updated", "a post is edited", lambda w: posts.edit_post(w.db, w.admin, w.post_id, body="New plan")),
    Case("post.deleted", "a post with comments is deleted", lambda w: posts.delete_post(w.db, w.admin, w.post_id)),
    Case(
        "question.marked",
        "a post is marked as a question, seen from outside",
        lambda w: questions.mark_question(w.db, w.admin, w.post_id, question=True),
        member=False,
    ),
    Case("answer.accepted", "the viewer's comment is accepted as the answer", _accept_the_viewers_answer),
    Case("answer.accepted", "the accepted answer is deleted", _delete_the_accepted_answer),
    Case(
        "comment.created",
        "a reply to the viewer's comment",
        lambda w: comments.add_comment(w.db, w.admin, w.post_id, body="Thanks", parent_id=w.comment_id),
    ),
    Case(
        "comment.created",
        "a comment seen from outside",
        lambda w: comments.add_comment(w.db, w.other, w.post_id, body="First"),
        member=False,
    ),
    Case(
        "comment.updated",
        "the viewer edits a comment",
        lambda w: comments.edit_comment(w.db, w.viewer, w.comment_id, body="Looks very good"),
    ),
    Case(
        "comment.deleted",
        "the viewer deletes a comment with a reply",
        lambda w: comments.delete_comment(w.db, w.viewer, w.comment_id),
    ),
    Case(
        "reaction.updated",
        "a colleague reacts to the viewer's comment",
        lambda w: reactions.set_reaction(w.db, w.other, "comment", w.comment_id, "heart", on=True),
    ),
    Case(
        "reaction.updated",
        "the viewer reacts to a message",
        lambda w: reactions.set_reaction(w.db, w.viewer, "message", w.message_id, "tada", on=True),
    ),
    Case("poll.updated", "colleagues vote in a poll in the chat", _vote_in_a_chat_poll),
    Case("poll.updated", "an anonymous poll in a post gets a vote and is closed", _close_an_anonymous_poll),
    Case("poll.updated", "a poll's votes reach a colleague following the circle", _vote_in_a_chat_poll, member=False),
    Case("news.read", "the viewer confirms must-read news", lambda w: stream.confirm_read(w.db, w.viewer, w.news_id)),
    Case(
        "message.created",
        "a colleague writes in the chat",
        lambda w: chat.post_message(w.db, w.other, w.circle_id, body="@Vera lunch?", reply_to_id=w.message_id),
    ),
    Case(
        "message.updated",
        "a message is edited",
        lambda w: chat.edit_message(w.db, w.other, w.message_id, body="Good morning all"),
    ),
    Case("message.deleted", "a message is deleted", lambda w: chat.delete_message(w.db, w.other, w.message_id)),
    Case("badge.changed", "the viewer reads every notification", lambda w: notifications.mark_read(w.db, w.viewer)),
    Case("badge.changed", "a colleague writes to the viewer directly", _direct_message),
    Case("badge.changed", "the viewer reads a direct message", _read_direct_message),
    Case(
        "chat.read",
        "the viewer reads the chat",
        lambda w: chat.mark_read(w.db, w.viewer, w.circle_id, w.message_id),
    ),
    Case(
        "chat.read",
        "a colleague reads the chat, seen from outside",
        lambda w: chat.mark_read(w.db, w.other, w.circle_id, w.message_id),
        member=False,
    ),
]


def test_every_kind_has_a_case() -> None:
    assert {case.kind for case in CASES} == set(event_types.EVENT_TYPES) - TRANSIENT


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.kind}: {case.name}")
async def test_state_before_plus_events_equals_state_after(db: AsyncSession, case: Case) -> None:
    world = await _make_world(db, member=case.member, visibility=case.visibility)
    before = await fetch(world)
    heads = {topic: await events.head(db, topic) for topic in world.topics}

    await case.action(world)

    recorded = [
        event
        for topic in world.topics
        for event in await events.events_between(db, topic, heads[topic], await events.head(db, topic))
    ]
    assert case.kind in {event.kind for event in recorded}, f"the action recorded no {case.kind}"
    reduced = copy.deepcopy(before)
    for event in recorded:
        reduce(reduced, event.topic, event.typed(), world.viewer.id or 0)
    assert reduced == await fetch(world)
