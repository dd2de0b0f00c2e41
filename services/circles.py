"""Circles: creating, joining, leaving and running them.

Who may see, read, write in and administer a circle is `services.access`, the one rule; this
module asks it and never decides that itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from models import (
    Audience,
    Circle,
    CircleKind,
    CircleVisibility,
    Invitation,
    ItemKind,
    JoinRequest,
    MemberRole,
    Membership,
    NotificationKind,
    RequestStatus,
    User,
)
from models.base import utcnow
from services import audit, events, notifications, search
from services.access import (
    CircleAccess,
    access_circle,
    outsiders_read,
    readable_circle,
    sql_can_see,
    sql_listed,
    sql_member,
)
from services.errors import N_, Conflict, Invalid, NotFound, PermissionDenied
from services.event_types import CircleUpdated, MemberJoined, MemberLeft, MemberPerson, MemberUpdated
from services.transactions import writes

_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")  # matched whole
_Pending = TypeVar("_Pending", JoinRequest, Invitation)


def _visible_to(user: User) -> ColumnElement[bool]:
    return sql_can_see(user, col(Circle.id))


def _is_member(user: User) -> ColumnElement[bool]:
    return sql_member(user, col(Circle.id))


async def list_circles(
    db: AsyncSession,
    user: User,
    *,
    kind: CircleKind | None = None,
    mine: bool = False,
    after: tuple[str, int] | None = None,
    limit: int = 50,
) -> list[Circle]:
    """Circles `user` may see, in name order; `after` is the (name, id) of the last shown.
    Direct conversations are listed only when asked for by kind; archived circles never (their
    members reach them by search and by link)."""
    statement = select(Circle).where(_visible_to(user), sql_listed(col(Circle.id)))
    if kind is not CircleKind.DIRECT:
        statement = statement.where(col(Circle.kind) != CircleKind.DIRECT)
    if mine:
        statement = statement.where(_is_member(user))
    if kind is not None:
        statement = statement.where(Circle.kind == kind)
    if after is not None:
        name, circle_id = after
        statement = statement.where(
            or_(col(Circle.name) > name, (col(Circle.name) == name) & (col(Circle.id) > circle_id))
        )
    statement = statement.order_by(col(Circle.name), col(Circle.id)).limit(limit)
    return list((await db.exec(statement)).all())


async def my_circle_ids(db: AsyncSession, user: User) -> set[int]:
    result = await db.exec(select(Membership.circle_id).where(Membership.user_id == user.id))
    return set(result.all())


async def member_counts(db: AsyncSession, circle_ids: Sequence[int]) -> dict[int, int]:
    if not circle_ids:
        return {}
    statement = (
        select(Membership.circle_id, func.count())
        .where(col(Membership.circle_id).in_(circle_ids))
        .group_by(col(Membership.circle_id))
    )
    return dict((await db.exec(statement)).all())


def search_entry(circle: Circle) -> search.Entry:
    """What search keeps of a circle: found as the circle itself is seen (`_visible_to`)."""
    assert circle.id is not None
    return search.Entry(
        ItemKind.CIRCLE,
        circle.id,
        circle.name,
        circle.description,
        circle_id=circle.id,
        audience=Audience.LISTING,
        created_at=circle.created_at,
    )


@writes
async def create_circle(
    db: AsyncSession,
    user: User,
    *,
    name: str,
    kind: CircleKind,
    visibility: CircleVisibility,
    description: str = "",
    color: str = "#0b6e4f",
) -> Circle:
    """Create a circle; its creator becomes its first admin."""
    if kind is CircleKind.DIRECT:
        raise Invalid(N_("Start a conversation from a colleague's profile."), field="kind")
    name = await _valid_name(db, user, name)
    circle = Circle(
        name=name,
        description=description.strip()[:2000],
        color=_valid_color(color),
        kind=kind,
        visibility=visibility,
        created_by=user.id,
    )
    db.add(circle)
    await db.flush()
    db.add(Membership(circle_id=circle.id or 0, user_id=user.id or 0, role=MemberRole.ADMIN))
    await search.index(db, search_entry(circle))
    return circle


@writes
async def update_circle(
    db: AsyncSession,
    user: User,
    circle_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    color: str | None = None,
    kind: CircleKind | None = None,
    visibility: CircleVisibility | None = None,
) -> Circle:
    access = await _administer(db, user, circle_id)
    circle = access.circle
    if name is not None and name.strip() != circle.name:
        circle.name = await _valid_name(db, user, name, renaming=circle_id)
    elif visibility not in {None, CircleVisibility.SECRET} and circle.visibility is CircleVisibility.SECRET:
        # Out of hiding, it must not share its name with a circle this admin sees.
        await _valid_name(db, user, circle.name, renaming=circle_id)
    if description is not None:
        circle.description = description.strip()[:2000]
    if color is not None:
        circle.color = _valid_color(color)
    if CircleKind.DIRECT in {kind, circle.kind} and kind not in {None, circle.kind}:
        raise Invalid(N_("A conversation stays a conversation."), field="kind")
    if circle.kind is CircleKind.DIRECT and visibility not in {None, CircleVisibility.SECRET}:
        raise Invalid(N_("A conversation stays private."), field="visibility")
    if kind is not None:
        circle.kind = kind
    if visibility is not None:
        circle.visibility = visibility
    db.add(circle)
    if circle.kind is not CircleKind.DIRECT:  # conversations are found by their messages only
        await search.index(db, search_entry(circle))
    await events.record(db, events.circle_topic(circle_id), CircleUpdated.model_validate(circle_data(circle)))
    return circle


@writes
async def set_weekly_roundup(db: AsyncSession, user: User, circle_id: int, *, on: bool) -> Circle:
    """The circle's admins ask Ids for a summary of each week, posted on Monday morning
    (`services.roundup`); off unless they turn it on."""
    circle = (await _administer(db, user, circle_id)).circle
    circle.weekly_roundup = on
    db.add(circle)
    return circle


@dataclass(frozen=True)
class JoinOutcome:
    joined: bool  # False: a request now waits for a circle admin
    membership: Membership | None = None
    request: JoinRequest | None = None


@writes
async def join_circle(db: AsyncSession, user: User, circle_id: int, *, message: str = "") -> JoinOutcome:
    """Join an open circle, ask to join a closed one, or accept the invitation to any circle.

    Joining twice is harmless: a member gets their membership back, a pending request is
    returned rather than duplicated."""
    access = await access_circle(db, user, circle_id)
    if access.membership is not None:
        return JoinOutcome(joined=True, membership=access.membership)
    access.standing.ensure_not_archived()
    if access.pending_invitation is not None:
        membership = await _accept(db, access.pending_invitation)
        return JoinOutcome(joined=True, membership=membership)
    visibility = access.circle.visibility
    if visibility is CircleVisibility.OPEN:
        membership = Membership(circle_id=circle_id, user_id=user.id or 0)
        db.add(membership)
        await _joined(db, user, membership)
        return JoinOutcome(joined=True, membership=membership)
    if visibility is CircleVisibility.CLOSED:
        if access.pending_request is not None:
            return JoinOutcome(joined=False, request=access.pending_request)
        request = JoinRequest(circle_id=circle_id, user_id=user.id or 0, message=message.strip()[:500])
        db.add(request)
        about = notifications.about_circle(access.circle)
        admins = await _admins(db, circle_id)
        kind = NotificationKind.JOIN_REQUEST
        await notifications.notify(db, admins, actor=user, kind=kind, about=about, detail=request.message)
        return JoinOutcome(joined=False, request=request)
    raise NotFound(N_("No such circle."))  # secret, not invited: unreachable past access_circle


@writes
async def leave_circle(db: AsyncSession, user: User, circle_id: int) -> Membership | None:
    """Leave a circle, or withdraw a pending join request.

    A circle is never left without an admin while colleagues remain in it: when its last admin
    leaves, administration passes to the member who has been in it longest (an active
    colleague; the earliest `joined_at`), as a `member.updated` and an audit entry in the same
    unit of work. (Refusing the leave instead would hold a colleague in a circle they want out
    of, for a choice they may not be able to make.) Returns the new admin's membership, if one
    was appointed."""
    access = await access_circle(db, user, circle_id)
    if access.membership is None:
        if access.pending_request is None:
            raise Conflict(N_("You are not a member of this circle."))
        access.pending_request.status = RequestStatus.WITHDRAWN
        access.pending_request.decided_at = utcnow()
        db.add(access.pending_request)
        return None
    successor = await _successor_if_last_admin(db, access.circle, access.membership)
    await db.delete(access.membership)
    await _left(db, access.circle, user.id or 0, reason="left")
    if successor is not None:
        await _hand_over(db, user, access.circle, successor)
    return successor


async def list_members(
    db: AsyncSession,
    user: User,
    circle_id: int,
    *,
    after: tuple[str, int] | None = None,
    limit: int = 100,
) -> list[tuple[User, Membership]]:
    """Members in name order. Closed and secret circles show their members to members only."""
    await readable_circle(db, user, circle_id, N_("Only members can see who is in this circle."))
    statement = (
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.circle_id == circle_id, col(User.is_active).is_(True))
    )
    if after is not None:
        name, user_id = after
        statement = statement.where(or_(col(User.name) > name, (col(User.name) == name) & (col(User.id) > user_id)))
    statement = statement.order_by(col(User.name), col(User.id)).limit(limit)
    return [(member, membership) for member, membership in (await db.exec(statement)).all()]


async def list_join_requests(db: AsyncSession, user: User, circle_id: int) -> list[tuple[User, JoinRequest]]:
    await _administer(db, user, circle_id)
    statement = (
        select(User, JoinRequest)
        .join(JoinRequest, col(JoinRequest.user_id) == col(User.id))
        .where(JoinRequest.circle_id == circle_id, JoinRequest.status == RequestStatus.PENDING)
        .order_by(col(JoinRequest.created_at))
    )
    return [(u, r) for u, r in (await db.exec(statement)).all()]


@writes
async def decide_join_request(
    db: AsyncSession, user: User, circle_id: int, request_id: int, *, approve: bool
) -> JoinRequest:
    access = await _administer(db, user, circle_id)
    request = await db.get(JoinRequest, request_id)
    if request is None or request.circle_id != circle_id:
        raise NotFound(N_("No such join request."))
    if request.status is not RequestStatus.PENDING:
        raise Conflict(N_("This request has already been answered."))
    if approve:
        access.standing.ensure_not_archived()  # nobody joins an archived circle
    request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    request.decided_by = user.id
    request.decided_at = utcnow()
    db.add(request)
    if approve and await _membership(db, circle_id, request.user_id) is None:
        membership = Membership(circle_id=circle_id, user_id=request.user_id)
        db.add(membership)
        member = await db.get(User, request.user_id)
        assert member is not None
        await _joined(db, member, membership)
    if await _pending_requests(db, circle_id) == 0:
        await notifications.settle(
            db, await _admins(db, circle_id), NotificationKind.JOIN_REQUEST, f"circle:{circle_id}"
        )
    about = notifications.about_circle(access.circle, members_only=False)
    answer = "approved" if approve else "declined"
    kind = NotificationKind.JOIN_ANSWER
    await notifications.notify(db, [request.user_id], actor=user, kind=kind, about=about, detail=answer)
    return request


@writes
async def invite(db: AsyncSession, user: User, circle_id: int, invitee_id: int) -> Invitation:
    """Invite a colleague; inviting someone already invited returns the open invitation."""
    access = await _administer(db, user, circle_id)
    access.standing.ensure_not_archived()  # nobody joins an archived circle
    invitee = await db.get(User, invitee_id)
    if invitee is None or not invitee.is_active:
        raise NotFound(N_("No such colleague."))
    if await _membership(db, circle_id, invitee_id) is not None:
        raise Conflict(N_("This colleague is already a member."))
    pending = await _pending(db, Invitation, circle_id, invitee_id)
    if pending is not None:
        return pending
    invitation = Invitation(circle_id=circle_id, user_id=invitee_id, invited_by=user.id)
    db.add(invitation)
    about = notifications.about_circle(access.circle, members_only=False)
    await notifications.notify(db, [invitee_id], actor=user, kind=NotificationKind.INVITATION, about=about)
    return invitation


async def pending_invitations(db: AsyncSession, user: User) -> list[tuple[Circle, Invitation]]:
    statement = (
        select(Circle, Invitation)
        .join(Invitation, col(Invitation.circle_id) == col(Circle.id))
        .where(Invitation.user_id == user.id, Invitation.status == RequestStatus.PENDING)
        .order_by(col(Invitation.created_at).desc())
    )
    return [(c, i) for c, i in (await db.exec(statement)).all()]


@writes
async def decline_invitation(db: AsyncSession, user: User, circle_id: int) -> None:
    invitation = await _pending(db, Invitation, circle_id, user.id)
    if invitation is None:
        raise NotFound(N_("No such invitation."))
    invitation.status = RequestStatus.DECLINED
    invitation.decided_at = utcnow()
    db.add(invitation)
    await notifications.settle(db, [user.id or 0], NotificationKind.INVITATION, f"circle:{circle_id}")


@writes
async def remove_member(db: AsyncSession, user: User, circle_id: int, member_id: int) -> None:
    access = await _administer(db, user, circle_id)
    membership = await _membership(db, circle_id, member_id)
    if membership is None:
        raise NotFound(N_("This colleague is not a member."))
    await _ensure_not_last_admin(db, membership)
    await db.delete(membership)
    await _left(db, access.circle, member_id, reason="removed")


@writes
async def set_member_role(db: AsyncSession, user: User, circle_id: int, member_id: int, role: MemberRole) -> Membership:
    await _administer(db, user, circle_id)
    membership = await _membership(db, circle_id, member_id)
    if membership is None:
        raise NotFound(N_("This colleague is not a member."))
    if role is MemberRole.MEMBER and membership.role is MemberRole.ADMIN:
        await _ensure_not_last_admin(db, membership, demoting=True)
    membership.role = role
    db.add(membership)
    updated = MemberUpdated(circle_id=circle_id, user_id=member_id, role=role.value)
    await events.record(db, events.circle_topic(circle_id), updated)
    return membership


async def _administer(db: AsyncSession, user: User, circle_id: int) -> CircleAccess:
    access = await access_circle(db, user, circle_id)
    access.standing.ensure_administer()
    if access.circle.kind is CircleKind.DIRECT:
        # A conversation's members are exactly its participants: nobody invites, removes or
        # promotes anyone in it (services.direct).
        raise PermissionDenied(N_("A conversation's participants cannot be changed."))
    return access


async def _accept(db: AsyncSession, invitation: Invitation) -> Membership:
    invitation.status = RequestStatus.APPROVED
    invitation.decided_at = utcnow()
    db.add(invitation)
    membership = Membership(circle_id=invitation.circle_id, user_id=invitation.user_id)
    db.add(membership)
    member = await db.get(User, invitation.user_id)
    assert member is not None
    await _joined(db, member, membership)
    subject = f"circle:{invitation.circle_id}"
    await notifications.settle(db, [invitation.user_id], NotificationKind.INVITATION, subject)
    return membership


def circle_data(circle: Circle) -> dict[str, object]:
    """What a page needs to show a circle's new state."""
    return {
        "id": circle.id,
        "name": circle.name,
        "description": circle.description,
        "color": circle.color,
        "kind": circle.kind.value,
        "visibility": circle.visibility.value,
        "archived": circle.archived_at is not None,
    }


async def _joined(db: AsyncSession, user: User, membership: Membership) -> None:
    joined = MemberJoined(
        circle_id=membership.circle_id,
        user_id=user.id or 0,
        user=MemberPerson(id=user.id or 0, name=user.name, job_title=user.job_title, avatar=user.avatar),
        role=membership.role.value,
    )
    await events.record(db, events.circle_topic(membership.circle_id), joined)
    circle = await db.get(Circle, membership.circle_id)
    if circle is not None and not outsiders_read(circle.visibility):
        # Unread lines about this circle from an earlier membership are in sight again (found
        # while building case 7 of docs/reliability.md: the badge went up without a `badge.changed`).
        await notifications.announce(db, [user.id or 0])


async def _left(db: AsyncSession, circle: Circle, user_id: int, *, reason: Literal["left", "removed"]) -> None:
    # The visibility tells every hub whether the leaver may go on following the topic.
    left = MemberLeft(circle_id=circle.id or 0, user_id=user_id, reason=reason, visibility=circle.visibility.value)
    await events.record(db, events.circle_topic(circle.id or 0), left)
    await notifications.announce(db, [user_id])  # what was about this circle may be out of sight now


def _active_admins(circle_id: int) -> SelectOfScalar[int]:
    """How many admins the circle has who can act: a deactivated admin keeps the role in the
    history but runs nothing."""
    return (
        select(func.count())
        .select_from(Membership)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.circle_id == circle_id, Membership.role == MemberRole.ADMIN, col(User.is_active).is_(True))
    )


async def _ensure_not_last_admin(db: AsyncSession, membership: Membership, *, demoting: bool = False) -> None:
    if membership.role is not MemberRole.ADMIN:
        return
    circle = await db.get(Circle, membership.circle_id)
    if circle is not None and circle.kind is CircleKind.DIRECT:
        return  # anyone may leave a conversation; it needs no admin
    admins = await db.exec(_active_admins(membership.circle_id))
    others = await db.exec(
        select(func.count()).where(
            Membership.circle_id == membership.circle_id, Membership.user_id != membership.user_id
        )
    )
    if admins.one() <= 1 and (demoting or others.one() > 0):
        raise Conflict(N_("A circle needs an admin: make someone else admin first."))


async def _successor_if_last_admin(db: AsyncSession, circle: Circle, leaving: Membership) -> Membership | None:
    """The membership that takes over when `leaving` is the circle's last admin: the active
    colleague who joined longest ago. None when `leaving` is no admin, another admin stays, the
    circle is a conversation (it needs none), or no active colleague remains."""
    if leaving.role is not MemberRole.ADMIN or circle.kind is CircleKind.DIRECT:
        return None
    admins = await db.exec(_active_admins(leaving.circle_id))
    if admins.one() > 1:
        return None
    statement = (
        select(Membership)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(
            Membership.circle_id == leaving.circle_id,
            Membership.user_id != leaving.user_id,
            col(User.is_active).is_(True),
        )
        .order_by(col(Membership.joined_at), col(Membership.id))
        .limit(1)
    )
    return (await db.exec(statement)).first()


async def _hand_over(db: AsyncSession, leaver: User, circle: Circle, successor: Membership) -> None:
    successor.role = MemberRole.ADMIN
    db.add(successor)
    updated = MemberUpdated(circle_id=successor.circle_id, user_id=successor.user_id, role=MemberRole.ADMIN.value)
    await events.record(db, events.circle_topic(successor.circle_id), updated)
    heir = await db.get(User, successor.user_id)
    await audit.record(
        db,
        audit.Action.CIRCLE_ADMIN_HANDED_OVER,
        actor=None,  # Kring did it, by its rule; the leaver is in `before`
        subject=audit.Subject.circle(circle),
        before=audit.circle_people(circle, admin=leaver),
        after=audit.circle_people(circle, admin=heir, reason="last admin left"),
    )


async def _pending_requests(db: AsyncSession, circle_id: int) -> int:
    statement = select(func.count()).where(
        JoinRequest.circle_id == circle_id, JoinRequest.status == RequestStatus.PENDING
    )
    return int((await db.exec(statement)).one())


async def _admins(db: AsyncSession, circle_id: int) -> list[int]:
    statement = select(Membership.user_id).where(Membership.circle_id == circle_id, Membership.role == MemberRole.ADMIN)
    return list((await db.exec(statement)).all())


async def _membership(db: AsyncSession, circle_id: int, user_id: int | None) -> Membership | None:
    statement = select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == user_id)
    return (await db.exec(statement)).first()


async def _pending(db: AsyncSession, table: type[_Pending], circle_id: int, user_id: int | None) -> _Pending | None:
    statement = select(table).where(
        table.circle_id == circle_id, table.user_id == user_id, table.status == RequestStatus.PENDING
    )
    return (await db.exec(statement)).first()


async def _valid_name(db: AsyncSession, user: User, name: str, *, renaming: int | None = None) -> str:
    """The cleaned name, unique (regardless of case) among the circles `user` can see.

    Only those: the answer must not differ with the existence of a secret circle `user` is not
    in. So a secret circle and a visible one may share a name; its members tell them apart by
    the visibility every list shows beside the name."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 80:
        raise Invalid(N_("A circle's name has 2 to 80 characters."), field="name")
    statement = select(Circle.id).where(func.lower(Circle.name) == name.lower(), _visible_to(user))
    if renaming is not None:
        statement = statement.where(col(Circle.id) != renaming)
    taken = await db.exec(statement)
    if taken.first() is not None:
        raise Conflict(N_("A circle with that name already exists."), field="name")
    return name


def _valid_color(color: str) -> str:
    if not _HEX_COLOR.fullmatch(color):
        raise Invalid(N_("A colour looks like #0b6e4f."), field="color")
    return color.lower()
