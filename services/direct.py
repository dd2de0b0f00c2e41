"""Direct messages: a private conversation of two to ten colleagues.

A conversation is a secret circle of kind `direct` whose members are exactly its participants,
so every rule of visibility, chat and realtime applies to it unchanged. Opening a conversation
with the same people again returns the existing one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleKind, CircleVisibility, MemberRole, Membership, User
from services.errors import N_, Invalid, NotFound
from services.transactions import writes

MAX_PARTICIPANTS = 10


@writes
async def open_conversation(db: AsyncSession, user: User, others: Iterable[int]) -> Circle:
    participants = {user.id or 0, *others}
    if len(participants) < 2:
        raise Invalid(N_("Choose at least one colleague."), field="user_ids")
    if len(participants) > MAX_PARTICIPANTS:
        raise Invalid(N_("A conversation has at most 10 people."), field="user_ids")
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


async def conversations(db: AsyncSession, user: User) -> list[tuple[Circle, list[User]]]:
    """The user's conversations, newest first, each with its other participants."""
    mine = await db.exec(
        select(Circle)
        .join(Membership, col(Membership.circle_id) == col(Circle.id))
        .where(Circle.kind == CircleKind.DIRECT, Membership.user_id == user.id)
        .order_by(col(Circle.id).desc())
    )
    result = []
    for circle in mine.all():
        people = await db.exec(
            select(User)
            .join(Membership, col(Membership.user_id) == col(User.id))
            .where(Membership.circle_id == circle.id, User.id != user.id)
            .order_by(col(User.name))
        )
        result.append((circle, list(people.all())))
    return result


async def title(db: AsyncSession, user: User, circle: Circle) -> str:
    """How a conversation is named for `user`: the other participants."""
    people = await db.exec(
        select(User.name)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.circle_id == circle.id, User.id != user.id)
        .order_by(col(User.name))
    )
    return ", ".join(people.all())
