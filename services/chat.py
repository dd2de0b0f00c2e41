"""Circle chat: sending, editing and deleting messages, history, and read markers.

Reading a circle's chat follows the circle (anyone for an open circle, members for closed and
secret ones); writing takes membership. A message with a `client_id` its author used before is
not stored again: the first one is returned, so a retried send never doubles. Events go to the
circle's topic (`message.created`, `message.updated`, `message.deleted`, `chat.read`) and the
reader's own topic (`chat.read`, so every tab and device clears its unread count).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Audience,
    Circle,
    CircleKind,
    ItemKind,
    Membership,
    Message,
    NotificationKind,
    NotifyLevel,
    QuestionSource,
    Reaction,
    ReadMarker,
    User,
)
from models.base import utcnow
from services import (
    accounts,
    assistant_questions,
    attachments,
    events,
    markdown,
    notifications,
    poll_state,
    search,
)
from services.access import acting_for, circle_of_item, member_circle, readable_circle, writable_circle
from services.errors import N_, Conflict, Invalid, NotFound, PermissionDenied, RateLimited
from services.event_types import ChatRead, MessageCreated, MessageDeleted, MessageUpdated, Person
from services.transactions import writes

EXCERPT = 140


@dataclass(frozen=True)
class ChatLimits:
    max_chars: int = 4_000
    per_minute: int = 30


def message_target(message_id: int) -> str:
    return f"message:{message_id}"


def search_entry(message: Message, *, poll: str = "") -> search.Entry:
    """What search keeps of a message: its words and its poll's, readable as the circle's chat is."""
    assert message.id is not None
    return search.Entry(
        ItemKind.MESSAGE,
        message.id,
        "",
        f"{message.body}\n\n{poll}" if poll else message.body,
        circle_id=message.circle_id,
        audience=Audience.CIRCLE,
        created_at=message.created_at,
    )


async def catalogue(db: AsyncSession, message: Message, *, new: bool = False) -> None:
    """Write the message's search row with its poll's words, wherever the message is (re)written:
    sent, edited, or shown again by a moderator."""
    poll = await poll_state.search_text(db, message_target(message.id or 0))
    await search.index(db, search_entry(message, poll=poll), new=new)


async def message_data(db: AsyncSession, message: Message, author: User | None = None) -> dict[str, Any]:
    """What a chat needs to show a message, as carried by its events (a hidden message's reason
    only for its author's page: no event carries a hidden message)."""
    author = author or await db.get(User, message.author_id)
    reply: dict[str, Any] | None = None
    if message.reply_to_id is not None:
        quoted = await db.get(Message, message.reply_to_id)
        if quoted is not None:
            quoted_author = await db.get(User, quoted.author_id)
            reply = {
                "id": quoted.id,
                "author": quoted_author.name if quoted_author else "",
                "excerpt": "" if quoted.deleted_at or quoted.hidden_at else quoted.body[:EXCERPT],
            }
    data = {
        "attachments": [] if message.deleted_at else await attachments.data_of(db, message_target(message.id or 0)),
        "poll": None if message.deleted_at else await poll_state.data_of(db, message_target(message.id or 0)),
        "id": message.id,
        "circle_id": message.circle_id,
        "author": accounts.author_data(author) if author else None,
        "body": "" if message.deleted_at else message.body,
        "html": "" if message.deleted_at else message.html,
        "reply_to": reply,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.deleted_at is not None,
    }
    if message.hidden_at is not None and message.deleted_at is None:
        data["hidden_reason"] = message.hidden_reason
    return data


@writes
async def post_message(
    db: AsyncSession,
    user: User,
    circle_id: int,
    *,
    body: str,
    client_id: str | None = None,
    reply_to_id: int | None = None,
    limits: ChatLimits = ChatLimits(),
    on_behalf_of: User | None = None,
    attachment_ids: Sequence[int] = (),
    attachment_limits: attachments.Limits = attachments.DEFAULT_LIMITS,
    poll: poll_state.PollDraft | None = None,
) -> Message:
    """A message in a circle the author is a member of; with photos or files attached
    (`attachments.upload`), or a poll (services/polls.py, made in the same unit of work), the
    text may be empty. `on_behalf_of` is the colleague the assistant answers
    (`access.acting_for`)."""
    if client_id is not None and not 1 <= len(client_id) <= 64:
        raise Invalid(N_("client_id has 1 to 64 characters."), field="client_id")
    access = await writable_circle(db, acting_for(user, on_behalf_of), circle_id, N_("Join the circle to chat in it."))
    if client_id:
        existing = (
            await db.exec(select(Message).where(Message.author_id == user.id, Message.client_id == client_id))
        ).first()
        if existing is not None:
            if existing.circle_id != circle_id:
                raise Conflict(N_("That client_id was used for another message."), field="client_id")
            return existing
    body = body.strip()
    if not body and not attachment_ids and poll is None:
        raise Invalid(N_("Write something first."), field="body")
    if poll is not None:
        poll = poll_state.clean_draft(poll)
    if len(body) > limits.max_chars:
        raise Invalid(N_("The message is too long."), field="body")
    since = utcnow() - timedelta(minutes=1)
    recent = (
        await db.exec(
            select(func.count())
            .select_from(Message)
            .where(Message.author_id == user.id, col(Message.created_at) >= since)
        )
    ).one()
    if recent >= limits.per_minute:
        raise RateLimited(N_("You are sending messages too quickly; wait a moment."), retry_after=60)
    if reply_to_id is not None:
        quoted = await db.get(Message, reply_to_id)
        if quoted is None or quoted.circle_id != circle_id:
            raise NotFound(N_("No such message."))
    rendered = await markdown.render(db, body)
    message = Message(
        circle_id=circle_id,
        author_id=user.id or 0,
        reply_to_id=reply_to_id,
        body=body,
        html=rendered.html,
        client_id=client_id or None,
    )
    db.add(message)
    await db.flush()
    assert message.id is not None
    await attachments.attach(
        db, user, attachment_ids, message_target(message.id), circle_id=circle_id, limits=attachment_limits
    )
    if poll is not None:
        await poll_state.attach(db, user, message_target(message.id), circle_id, poll)
    await catalogue(db, message, new=True)
    await events.record(
        db, events.circle_topic(circle_id), MessageCreated.model_validate(await message_data(db, message, user))
    )
    await _notify(db, user, access.circle, message, set(rendered.mentions))
    await assistant_questions.notice(
        db,
        user,
        QuestionSource.MESSAGE,
        message.id or 0,
        circle_id=circle_id,
        text=body,
        mentioned=rendered.mentions,
        in_conversation=access.circle.kind is CircleKind.DIRECT,
    )
    return message


async def _notify(db: AsyncSession, user: User, circle: Circle, message: Message, mentioned: set[int]) -> None:
    """Mentions and replies notify; a direct message moves its other participants' badges."""
    about = notifications.about_message(message)
    await notifications.notify(db, mentioned, actor=user, kind=NotificationKind.MENTION, about=about)
    if message.reply_to_id is not None:
        quoted = await db.get(Message, message.reply_to_id)
        if quoted is not None and quoted.author_id not in mentioned:
            reply = notifications.About(f"message:{quoted.id}", about.url, quoted.body, circle.id)
            kind = NotificationKind.REPLY
            await notifications.notify(db, [quoted.author_id], actor=user, kind=kind, about=reply, detail=message.body)
    await _announce_readers(db, circle, but=user.id)


async def announce_readers(db: AsyncSession, circle_id: int) -> None:
    """Move the badges of everyone a message in the circle counts for (a message hidden or shown
    again by a moderator)."""
    circle = await db.get(Circle, circle_id)
    if circle is not None:
        await _announce_readers(db, circle)


async def _announce_readers(db: AsyncSession, circle: Circle, *, but: int | None = None) -> None:
    """Move the badges a message in `circle` counts in: every participant's in a conversation,
    in a circle every member's who has not muted it (a muted circle's chat is not counted)."""
    statement = select(Membership.user_id).where(Membership.circle_id == circle.id)
    if circle.kind is not CircleKind.DIRECT:
        statement = statement.where(col(Membership.notify) != NotifyLevel.MUTED)
    await notifications.announce(db, [p for p in (await db.exec(statement)).all() if p != but])


async def _own(db: AsyncSession, user: User, message_id: int, *, admins_too: bool) -> Message:
    """A message the user may change: their own, or (to delete) one in a circle they run."""
    message = await db.get(Message, message_id)
    if message is None or message.deleted_at is not None:
        raise NotFound(N_("No such message."))
    access = await circle_of_item(db, user, message.circle_id, N_("No such message."))
    if not admins_too:  # an archived circle's words stay as they were; removing one stays possible
        access.standing.ensure_not_archived()
    if message.author_id != user.id and not (admins_too and access.standing.can_administer):
        raise PermissionDenied(N_("Only the author may change this."))
    return message


@writes
async def edit_message(
    db: AsyncSession,
    user: User,
    message_id: int,
    *,
    body: str,
    limits: ChatLimits = ChatLimits(),
) -> Message:
    message = await _own(db, user, message_id, admins_too=False)  # words stay their author's
    if message.hidden_at is not None:  # its event would show the new words to the whole circle
        raise Conflict(N_("A moderator has hidden this; it can be changed once it is restored."))
    body = body.strip()
    if not body or len(body) > limits.max_chars:
        raise Invalid(N_("The message is empty or too long."), field="body")
    message.body = body
    message.html = (await markdown.render(db, body)).html
    message.edited_at = utcnow()
    db.add(message)
    await catalogue(db, message)
    await events.record(
        db, events.circle_topic(message.circle_id), MessageUpdated.model_validate(await message_data(db, message))
    )
    return message


@writes
async def delete_message(db: AsyncSession, user: User, message_id: int) -> Message:
    """Delete a message; it stays in the history as "deleted", so replies keep their place."""
    message = await _own(db, user, message_id, admins_too=True)
    message.deleted_at = utcnow()
    message.body = ""
    message.html = ""
    db.add(message)
    await forget_message(db, message)
    circle = await db.get(Circle, message.circle_id)
    if circle is not None:
        await _announce_readers(db, circle)
    return message


async def forget_message(db: AsyncSession, message: Message) -> list[str]:
    """What goes with a deleted message (`message.deleted_at` set by the caller): its search row,
    reactions, attachments and poll, and the notifications about it; the circle's open tabs are
    told. Returns the attachments' stored files, which the caller may remove once nothing else
    uses them (`attachments.remove_unused`)."""
    target = message_target(message.id or 0)
    await search.unindex(db, ItemKind.MESSAGE, message.id or 0)
    # As with posts and comments: a deleted message's reactions go with it (they can no longer be
    # changed, and the page showed them under "deleted" until they were).
    await db.exec(delete(Reaction).where(col(Reaction.target) == target))
    files = await attachments.forget(db, [target])
    await poll_state.forget(db, [target])
    await events.record(
        db, events.circle_topic(message.circle_id), MessageDeleted.model_validate(await message_data(db, message))
    )
    await notifications.forget(db, [target])
    return files


async def history(
    db: AsyncSession, user: User, circle_id: int, *, before: int | None = None, limit: int = 50
) -> list[Message]:
    """The newest messages before message `before`, newest first (one index range scan); a
    message a moderator hid only for its author."""
    await readable_circle(db, user, circle_id)
    return list((await db.exec(history_query(circle_id, before, limit, reader=user))).all())


def history_query(circle_id: int, before: int | None, limit: int, *, reader: User | None = None) -> Any:
    statement = select(Message).where(Message.circle_id == circle_id)
    if reader is not None:
        statement = statement.where(or_(col(Message.hidden_at).is_(None), col(Message.author_id) == reader.id))
    if before is not None:
        statement = statement.where(col(Message.id) < before)
    return statement.order_by(col(Message.id).desc()).limit(limit)


@writes
async def mark_read(db: AsyncSession, user: User, circle_id: int, message_id: int) -> int:
    """Move the user's read marker forward to `message_id` (never back); returns the marker."""
    await member_circle(db, user, circle_id, N_("Only members keep a read marker."))
    newest = (await db.exec(select(func.max(Message.id)).where(Message.circle_id == circle_id))).one() or 0
    target = min(message_id, newest)
    marker = (
        await db.exec(select(ReadMarker).where(ReadMarker.user_id == user.id, ReadMarker.circle_id == circle_id))
    ).first()
    if marker is None:
        marker = ReadMarker(user_id=user.id or 0, circle_id=circle_id, message_id=0)
    if target <= marker.message_id:
        return marker.message_id
    marker.message_id = target
    marker.at = utcnow()
    db.add(marker)
    read = ChatRead(circle_id=circle_id, message_id=target, user=Person(id=user.id or 0, name=user.name))
    # The circle's topic first, as every writer does (see notifications.announce).
    await events.record(db, events.circle_topic(circle_id), read)
    await events.record(db, events.user_topic(user.id or 0), read)
    await notifications.see_chat(db, user, circle_id, target)
    await notifications.announce(db, [user.id or 0])
    return target


async def unread_counts(db: AsyncSession, user: User) -> dict[int, int]:
    """Unread messages (by others, not deleted or hidden, since the user joined) per circle they belong to,
    counted as the badge counts them (`notifications.unread_chat`)."""
    marker = (
        select(ReadMarker.message_id)
        .where(ReadMarker.user_id == user.id, col(ReadMarker.circle_id) == col(Message.circle_id))
        .scalar_subquery()
    )
    statement = (
        select(Message.circle_id, func.count())
        .join(Membership, and_(col(Membership.circle_id) == col(Message.circle_id), col(Membership.user_id) == user.id))
        .where(
            Message.author_id != user.id,
            col(Message.deleted_at).is_(None),
            col(Message.hidden_at).is_(None),
            col(Message.created_at) > col(Membership.joined_at),
            or_(marker.is_(None), col(Message.id) > func.coalesce(marker, 0)),
        )
        .group_by(col(Message.circle_id))
    )
    return {circle_id: count for circle_id, count in (await db.exec(statement)).all() if count}


async def read_position(db: AsyncSession, user: User, circle_id: int) -> int:
    """The last message the user has read in a circle, as the unread counts see it: their marker,
    or what was said before they joined (history, never unread), whichever is later."""
    marker = (
        await db.exec(
            select(ReadMarker.message_id).where(ReadMarker.user_id == user.id, ReadMarker.circle_id == circle_id)
        )
    ).first() or 0
    joined = select(Membership.joined_at).where(Membership.user_id == user.id, Membership.circle_id == circle_id)
    before_joining = (
        await db.exec(
            select(func.max(Message.id)).where(
                Message.circle_id == circle_id, col(Message.created_at) <= joined.scalar_subquery()
            )
        )
    ).one()
    return max(marker, before_joining or 0)


async def read_markers(db: AsyncSession, circle_id: int) -> dict[int, int]:
    """Each member's last read message in a circle (for "seen by")."""
    rows = await db.exec(select(ReadMarker.user_id, ReadMarker.message_id).where(ReadMarker.circle_id == circle_id))
    return dict(rows.all())
