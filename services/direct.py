"""Direct messages: a private conversation of two to ten colleagues.

A conversation is a secret circle of kind `direct` whose members are exactly its participants,
so every rule of visibility, chat and realtime applies to it unchanged. Opening a conversation
with the same people again returns the existing one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import unescape

import nh3
from babel.lists import format_list
from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleKind, CircleVisibility, MemberRole, Membership, Message, ReadMarker, User
from services.errors import N_, Invalid, NotFound
from services.transactions import writes

MAX_PARTICIPANTS = 10
PREVIEW_CHARS = 80  # of the last message, in the conversation list


def is_conversation(circle: Circle) -> bool:
    return circle.kind is CircleKind.DIRECT


@writes
async def open_conversation(db: AsyncSession, user: User, others: Iterable[int]) -> Circle:
    participants = {user.id or 0, *others}
    if len(participants) < 2:
        raise Invalid(N_("Choose at least one colleague."), field="user_ids")
    if len(participants) > MAX_PARTICIPANTS:
        raise Invalid(N_("A conversation has at most 10 people: you and 9 colleagues."), field="user_ids")
    # Locking the participants' rows in id order makes two opens of the same group wait for each
    # other on PostgreSQL (SQLite's writer lock already does), so there is never a second one.
    found = await db.exec(
        select(User.id)
        .where(col(User.id).in_(participants), col(User.is_active))
        .order_by(col(User.id))
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: see services.access.access_circle
    )
    if set(found.all()) != participants:
        raise NotFound(N_("No such colleague."))
    existing = await _with_exactly(db, participants)
    if existing is not None:
        return existing
    circle = Circle(
        name=f"direct-{secrets.token_hex(8)}",  # never shown: pages name a conversation by its people
        kind=CircleKind.DIRECT,
        visibility=CircleVisibility.SECRET,
        created_by=user.id,
    )
    db.add(circle)
    await db.flush()
    for participant in sorted(participants):
        role = MemberRole.ADMIN if participant == user.id else MemberRole.MEMBER
        db.add(Membership(circle_id=circle.id or 0, user_id=participant, role=role))
    return circle


async def _with_exactly(db: AsyncSession, participants: set[int]) -> Circle | None:
    """The direct circle whose members are exactly `participants`, if there is one."""
    candidates = (
        select(Membership.circle_id)
        .join(Circle, col(Circle.id) == col(Membership.circle_id))
        .where(Circle.kind == CircleKind.DIRECT)
        .group_by(col(Membership.circle_id))
        .having(func.count() == len(participants))
        .having(func.sum(case((col(Membership.user_id).in_(participants), 1), else_=0)) == len(participants))
        .order_by(col(Membership.circle_id))
    )
    circle_id = (await db.exec(candidates)).first()
    return await db.get(Circle, circle_id) if circle_id is not None else None


@dataclass(frozen=True)
class Conversation:
    """One line of the conversation list: who, what was said last, and what is still unread."""

    circle: Circle
    people: list[User]  # the other participants, by name
    last_body: str  # the newest message as short plain text; "" before the first one
    last_mine: bool
    last_at: datetime  # the newest message's time, or when the conversation was opened
    unread: int


async def conversation_list(db: AsyncSession, user: User) -> list[Conversation]:
    """The user's conversations, the most recently active first, in two queries for the whole
    list (one for the conversations with their last message and unread count, one for the
    people), however many conversations there are."""
    last_id = (
        select(func.max(Message.id))
        .where(col(Message.circle_id) == col(Circle.id), col(Message.deleted_at).is_(None))
        .correlate(Circle)
        .scalar_subquery()
    )
    marker = (
        select(ReadMarker.message_id)
        .where(col(ReadMarker.circle_id) == col(Circle.id), col(ReadMarker.user_id) == user.id)
        .correlate(Circle)
        .scalar_subquery()
    )
    unread = (
        select(func.count())
        .select_from(Message)
        .where(
            col(Message.circle_id) == col(Circle.id),
            col(Message.author_id) != user.id,
            col(Message.deleted_at).is_(None),
            col(Message.id) > func.coalesce(marker, 0),
        )
        .correlate(Circle)
        .scalar_subquery()
    )
    active = func.coalesce(col(Message.created_at), col(Circle.created_at))
    rows = (
        await db.exec(
            select(Circle, Message, unread)
            .join(Membership, col(Membership.circle_id) == col(Circle.id))
            .outerjoin(Message, col(Message.id) == last_id)
            .where(Circle.kind == CircleKind.DIRECT, Membership.user_id == user.id)
            .order_by(active.desc(), col(Circle.id).desc())
        )
    ).all()
    people = await conversation_people(db, user, [circle.id or 0 for circle, _, _ in rows])
    return [
        Conversation(
            circle=circle,
            people=people.get(circle.id or 0, []),
            last_body=plain_preview(last.html) if last is not None else "",
            last_mine=last is not None and last.author_id == user.id,
            last_at=last.created_at if last is not None else circle.created_at,
            unread=count,
        )
        for circle, last, count in rows
    ]


async def conversations(db: AsyncSession, user: User) -> list[tuple[Circle, list[User]]]:
    """The user's conversations, the most recently active first, each with its other participants."""
    return [(c.circle, c.people) for c in await conversation_list(db, user)]


async def conversation_people(db: AsyncSession, user: User, circle_ids: Sequence[int]) -> dict[int, list[User]]:
    """Each conversation's participants other than `user`, by name."""
    if not circle_ids:
        return {}
    rows = await db.exec(
        select(Membership.circle_id, User)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(col(Membership.circle_id).in_(circle_ids), col(Membership.user_id) != user.id)
        .order_by(col(User.name), col(User.id))
    )
    found: dict[int, list[User]] = {}
    for circle_id, person in rows.all():
        found.setdefault(circle_id, []).append(person)
    return found


def plain_preview(html: str, length: int = PREVIEW_CHARS) -> str:
    """A message's rendered HTML as one short line of plain text (no Markdown signs, no tags)."""
    text = " ".join(unescape(nh3.clean(html, tags=set())).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def name_of(names: Sequence[str], locale: str = "nl") -> str:
    """ "Anna, Bram en Carla": a conversation named by its people, in the reader's language."""
    return format_list(list(names), locale=locale) if names else ""


async def titles(db: AsyncSession, user: User, circle_ids: Iterable[int], *, locale: str = "nl") -> dict[int, str]:
    """How each of these conversations is named for `user`, in one query: for lists that show
    several (search hits, notifications), so none of them shows a conversation's hidden name."""
    people = await conversation_people(db, user, sorted(set(circle_ids)))
    return {circle_id: name_of([p.name for p in found], locale) for circle_id, found in people.items()}


async def title(db: AsyncSession, user: User, circle: Circle, *, locale: str = "nl") -> str:
    """How a conversation is named for `user`: its other participants."""
    return (await titles(db, user, [circle.id or 0], locale=locale)).get(circle.id or 0, "")
