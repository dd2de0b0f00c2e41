"""Running circles from above: the organisation's overview, archiving and restoring, appointing
a circle's admin.

Archiving is the access rule's (`services.access.Standing.archived`): this module only sets
and clears the mark, tells every open page (`circle.updated`) and writes the audit entry, all in
one unit of work. The overview is for organisation admins and shows open and closed circles
only; secret circles stay their members' own, so it counts them and names none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleKind, CircleVisibility, MemberRole, Membership, Message, Post, User
from models.base import utcnow
from services import access, audit, circles, events
from services.access import LISTED, CircleAccess
from services.errors import N_, Conflict, Invalid, NotFound
from services.event_types import CircleUpdated, MemberUpdated
from services.transactions import writes

RECENT_DAYS = 30  # the overview's window of activity


@dataclass(frozen=True)
class CircleRow:
    """One circle as the overview shows it."""

    circle: Circle
    members: int = 0  # active colleagues in it
    admins: list[str] = field(default_factory=list)  # their names, in name order
    last_activity: datetime | None = None  # the newest post or chat message, else its creation
    recent_posts: int = 0  # in the last RECENT_DAYS days
    recent_messages: int = 0

    @property
    def archived(self) -> bool:
        return self.circle.archived_at is not None


@dataclass(frozen=True)
class Overview:
    rows: list[CircleRow]
    secret_count: int  # secret circles exist; which, and who is in them, is not the console's


async def overview(db: AsyncSession, admin: User, *, now: datetime | None = None) -> Overview:
    """Every open and closed circle (archived ones too), in name order, with its figures; a
    conversation is never a circle here. Eight queries whatever the number of circles."""
    access.ensure_org_admin(admin)
    since = (now or utcnow()) - timedelta(days=RECENT_DAYS)
    listed = await db.exec(
        select(Circle)
        .where(col(Circle.visibility).in_(LISTED), col(Circle.kind) != CircleKind.DIRECT)
        .order_by(func.lower(Circle.name), col(Circle.id))
    )
    found = list(listed.all())
    ids = [c.id or 0 for c in found]
    members = await _grouped(
        db,
        select(Membership.circle_id, func.count())
        .join(User, col(User.id) == col(Membership.user_id))
        .where(col(Membership.circle_id).in_(ids), col(User.is_active).is_(True))
        .group_by(col(Membership.circle_id)),
    )
    admins: dict[int, list[str]] = {}
    admin_rows = await db.exec(
        select(Membership.circle_id, User.name)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(col(Membership.circle_id).in_(ids), Membership.role == MemberRole.ADMIN, col(User.is_active).is_(True))
        .order_by(col(User.name))
    )
    for circle_id, name in admin_rows.all():
        admins.setdefault(circle_id, []).append(name)
    last_post = await _latest(db, Post, ids)
    last_message = await _latest(db, Message, ids)
    recent_posts = await _grouped(
        db,
        select(Post.circle_id, func.count())
        .where(col(Post.circle_id).in_(ids), col(Post.created_at) >= since)
        .group_by(col(Post.circle_id)),
    )
    recent_messages = await _grouped(
        db,
        select(Message.circle_id, func.count())
        .where(col(Message.circle_id).in_(ids), col(Message.created_at) >= since, col(Message.deleted_at).is_(None))
        .group_by(col(Message.circle_id)),
    )
    secret = await db.exec(
        select(func.count()).where(Circle.visibility == CircleVisibility.SECRET, col(Circle.kind) != CircleKind.DIRECT)
    )
    rows = []
    for circle in found:
        key = circle.id or 0
        moments = [m for m in (last_post.get(key), last_message.get(key)) if m is not None]
        rows.append(
            CircleRow(
                circle,
                members=members.get(key, 0),
                admins=admins.get(key, []),
                last_activity=max(moments) if moments else circle.created_at,
                recent_posts=recent_posts.get(key, 0),
                recent_messages=recent_messages.get(key, 0),
            )
        )
    return Overview(rows, int(secret.one()))


async def _latest(db: AsyncSession, table: type[Post] | type[Message], ids: list[int]) -> dict[int, datetime]:
    rows = await db.exec(
        select(table.circle_id, func.max(table.created_at))
        .where(col(table.circle_id).in_(ids))
        .group_by(col(table.circle_id))
    )
    return {int(key): at for key, at in rows.all() if key is not None and at is not None}


async def _grouped(db: AsyncSession, statement: Any) -> dict[int, int]:
    rows = await db.exec(statement)
    return {int(key): int(number) for key, number in rows.all()}


async def circle_for_admin(
    db: AsyncSession, admin: User, circle_id: int
) -> tuple[Circle, list[tuple[User, Membership]]]:
    """An open or closed circle and its active members (longest-standing first), for the
    console. A secret circle or a conversation does not exist here."""
    found = await _listed(db, admin, circle_id)
    statement = (
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.circle_id == circle_id, col(User.is_active).is_(True))
        .order_by(col(Membership.joined_at), col(Membership.id))
    )
    return found.circle, [(u, m) for u, m in (await db.exec(statement)).all()]


async def _listed(db: AsyncSession, admin: User, circle_id: int) -> CircleAccess:
    access.ensure_org_admin(admin)
    found = await access.access_circle(db, admin, circle_id)
    if found.circle.visibility not in LISTED or found.circle.kind is CircleKind.DIRECT:
        raise NotFound(access.NO_SUCH_CIRCLE)  # a secret circle the admin is in is still not the console's
    return found


async def _administered(db: AsyncSession, user: User, circle_id: int) -> CircleAccess:
    """The circle, if `user` administers it (its admins; an organisation admin an open or
    closed one): `services.access` decides."""
    found = await access.access_circle(db, user, circle_id)
    found.standing.ensure_administer()
    if found.circle.kind is CircleKind.DIRECT:
        raise Invalid(N_("A conversation cannot be archived."))
    return found


@writes
async def archive(db: AsyncSession, user: User, circle_id: int, *, address: str = "") -> Circle:
    """Archive a circle: read-only for everyone and out of every list, until restored. Every
    open page of it hears `circle.updated` (archived) after the commit."""
    found = await _administered(db, user, circle_id)
    circle = found.circle
    if circle.archived_at is not None:
        raise Conflict(N_("This circle is already archived."))
    circle.archived_at = utcnow()
    await _changed(db, user, circle, audit.Action.CIRCLE_ARCHIVED, address=address)
    return circle


@writes
async def restore(db: AsyncSession, user: User, circle_id: int, *, address: str = "") -> Circle:
    """Bring an archived circle back as it was."""
    found = await _administered(db, user, circle_id)
    circle = found.circle
    if circle.archived_at is None:
        raise Conflict(N_("This circle is not archived."))
    circle.archived_at = None
    await _changed(db, user, circle, audit.Action.CIRCLE_RESTORED, address=address)
    return circle


async def _changed(db: AsyncSession, user: User, circle: Circle, action: audit.Action, *, address: str) -> None:
    db.add(circle)
    await events.record(
        db, events.circle_topic(circle.id or 0), CircleUpdated.model_validate(circles.circle_data(circle))
    )
    archived = action is audit.Action.CIRCLE_ARCHIVED
    # Who runs a secret circle is not the console's to know: the entry says a secret circle was
    # archived, not by whom nor from where (as the hand-over's entry names nobody either).
    secret = circle.visibility is CircleVisibility.SECRET
    await audit.record(
        db,
        action,
        actor=None if secret else user,
        subject=audit.Subject.circle(circle),
        before={"archived": not archived},
        after={"archived": archived},
        address="" if secret else address,
    )


@writes
async def appoint_admin(
    db: AsyncSession, admin: User, circle_id: int, member_id: int, *, address: str = ""
) -> Membership:
    """An organisation admin makes a member of an open or closed circle one of its admins (a
    circle whose admins left, or whose admins are away). Appointing an admin again is harmless."""
    found = await _listed(db, admin, circle_id)
    membership = (
        await db.exec(select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == member_id))
    ).first()
    member = await db.get(User, member_id)
    if membership is None or member is None or not member.is_active:
        raise NotFound(N_("This colleague is not a member."))
    if membership.role is MemberRole.ADMIN:
        return membership
    membership.role = MemberRole.ADMIN
    db.add(membership)
    updated = MemberUpdated(circle_id=circle_id, user_id=member_id, role=MemberRole.ADMIN.value)
    await events.record(db, events.circle_topic(circle_id), updated)
    await audit.record(
        db,
        audit.Action.CIRCLE_ADMIN_APPOINTED,
        actor=admin,
        subject=audit.Subject.circle(found.circle),
        before={"admin": "", "member": member.name},
        after={"admin": member.name},
        address=address,
    )
    return membership
