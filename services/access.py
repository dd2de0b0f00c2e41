"""The one access rule: what a colleague may do in a circle.

- An **open** circle is there for every colleague: anyone reads it, follows it, reacts in it and
  may join; its members write in it.
- A **closed** circle is listed for every colleague (its name, description and that it exists)
  and anyone may ask to join; only its members read and write in it.
- A **secret** circle exists only for its members and for colleagues with a pending invitation;
  for anyone else it does not exist at all.
- A circle's admins administer it; so does an organisation admin, except a secret circle, which
  stays its members' own.
- An **archived** circle is read-only for everyone: it is seen and read as before (its members
  still find it in search), but nobody posts, comments, chats, reacts or joins in it until it is
  restored. Its admins, and organisation admins as above, still administer it (to restore it).
- A deactivated colleague may do nothing anywhere.

A refusal is `NotFound` where the colleague may not know the circle exists, and
`PermissionDenied` where they may: the same situation always gives the same answer.

The rule exists twice, in Python (`Standing`) for one colleague in one circle, and as SQL
predicates (`sql_can_see`, `sql_can_read`) over a circle-id column for lists, counts and search.
`tests/services/test_access_rule.py` checks on random organisations that the two agree with each
other, with the realtime hub's routing and with the trust suite's oracle. A new visibility
(archived circles, guests) is a change in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from sqlalchemy import and_, exists, false, or_
from sqlalchemy.orm import Mapped, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Circle,
    CircleVisibility,
    Invitation,
    JoinRequest,
    MemberRole,
    Membership,
    RequestStatus,
    Role,
    User,
)
from services.errors import N_, NotFound, PermissionDenied
from services.transactions import is_writing

NO_SUCH_CIRCLE = N_("No such circle.")
ARCHIVED = N_("This circle is archived: it can be read, but nothing can be added or changed.")
LISTED = (CircleVisibility.OPEN, CircleVisibility.CLOSED)  # exist for every colleague
READ_BY_ALL = (CircleVisibility.OPEN,)  # every colleague reads them
_Pending = TypeVar("_Pending", JoinRequest, Invitation)


@dataclass(frozen=True)
class Standing:
    """A colleague's standing in one circle: everything the rule needs, loaded at once."""

    visibility: CircleVisibility
    role: MemberRole | None = None  # None: not a member
    invited: bool = False  # a pending invitation
    org_admin: bool = False
    active: bool = True
    archived: bool = False  # the circle is archived: read-only for everyone

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def can_see(self) -> bool:
        """The circle exists for the colleague: its name, description and member count."""
        if not self.active:
            return False
        return self.visibility in LISTED or self.is_member or self.invited

    @property
    def can_read(self) -> bool:
        """Its posts, comments, chat, documents, pages and members; live updates on its topic."""
        return self.active and (self.is_member or self.visibility in READ_BY_ALL)

    @property
    def can_follow(self) -> bool:
        """Its posts in the colleague's stream without being a member: open circles only."""
        return self.active and self.visibility in READ_BY_ALL

    @property
    def can_respond(self) -> bool:
        """React to and comment on what is in it: whoever reads it, while it is not archived."""
        return self.can_read and not self.archived

    @property
    def can_join(self) -> bool:
        """Join it, ask to, or accept an invitation: whoever sees it, while it is not archived."""
        return self.can_see and not self.is_member and not self.archived

    @property
    def can_write(self) -> bool:
        """Post, chat, type, upload and edit pages in it: its members, while it is not archived."""
        return self.active and self.is_member and not self.archived

    @property
    def can_administer(self) -> bool:
        if not self.active:
            return False
        if self.role is MemberRole.ADMIN:
            return True
        return self.org_admin and self.visibility in LISTED

    def refuse(self, message: str) -> NoReturn:
        """Refuse with `message`, or as if the circle did not exist where it does not for them."""
        if not self.can_see:
            raise NotFound(NO_SUCH_CIRCLE)
        raise PermissionDenied(message)

    def ensure_read(self, message: str = N_("Only members can read this circle.")) -> None:
        if not self.can_read:
            self.refuse(message)

    def ensure_write(self, message: str = N_("Only members can do this in this circle.")) -> None:
        self.ensure_not_archived()
        if not self.can_write:
            self.refuse(message)

    def ensure_respond(self, message: str = N_("Only members can read this circle.")) -> None:
        self.ensure_not_archived()
        if not self.can_respond:
            self.refuse(message)

    def ensure_not_archived(self) -> None:
        """Refuse any change in an archived circle, with the reason, to whoever sees it."""
        if self.archived and self.can_see:
            raise PermissionDenied(ARCHIVED)

    def ensure_administer(self, message: str = N_("Only the circle's admins may do this.")) -> None:
        if not self.can_administer:
            self.refuse(message)


def is_org_admin(user: User | None) -> bool:
    """An organisation administrator: runs the admin console (people, invitations, audit log)."""
    return user is not None and user.is_active and user.role is Role.ADMIN


def may_see_insight(user: User | None) -> bool:
    """Insight's aggregates (`services.insight`): for management (administrators) and for
    communications (editors), who encourage knowledge sharing."""
    return user is not None and user.is_active and user.role in (Role.ADMIN, Role.EDITOR)


def ensure_insight_reader(user: User | None) -> None:
    """`NotFound` for anyone else, as the console is."""
    if not may_see_insight(user):
        raise NotFound(N_("No such page."))


def ensure_org_admin(user: User | None) -> None:
    """The one check of every admin route and admin operation. `NotFound`, not
    `PermissionDenied`: to a colleague who is not an administrator the console does not exist."""
    if not is_org_admin(user):
        raise NotFound(N_("No such page."))


def is_editor(user: User | None) -> bool:
    """Communications: an editor (or an organisation admin) publishes organisation news, runs the
    queue of news proposed by colleagues, schedules news and sets how long it is featured."""
    return user is not None and user.is_active and user.role in {Role.EDITOR, Role.ADMIN}


def ensure_editor(user: User | None, message: str = N_("Only editors may do this.")) -> None:
    """`PermissionDenied` for a colleague who is not an editor: the news pages exist for everyone."""
    if not is_editor(user):
        raise PermissionDenied(message)


def outsiders_read(visibility: object) -> bool:
    """Whether colleagues who are not members read a circle of `visibility` (a stored event's
    value; one that is not a visibility reads as closed, the safe side)."""
    try:
        return Standing(CircleVisibility(str(visibility))).can_read
    except ValueError:
        return False


def standing_of(user: User, circle: Circle, membership: Membership | None, *, invited: bool) -> Standing:
    return Standing(
        visibility=CircleVisibility(circle.visibility),
        role=membership.role if membership is not None else None,
        invited=invited,
        org_admin=user.role is Role.ADMIN,
        active=user.is_active,
        archived=circle.archived_at is not None,
    )


@dataclass(frozen=True)
class CircleAccess:
    """A circle as one colleague may see it, with their membership and pending asks."""

    circle: Circle
    membership: Membership | None
    standing: Standing
    pending_request: JoinRequest | None = None
    pending_invitation: Invitation | None = None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def circle_id(self) -> int:
        assert self.circle.id is not None
        return self.circle.id


async def access_circle(db: AsyncSession, user: User, circle_id: int) -> CircleAccess:
    """Load a circle for `user`, or raise `NotFound` if it does not exist for them.

    Inside a write transaction the circle's row is locked (PostgreSQL; SQLite's writer lock
    already serialises), so membership and visibility changes of one circle commit one after
    the other and each event carries the visibility that holds at its commit. The lock is
    `FOR NO KEY UPDATE`: a plain `FOR UPDATE` also blocks the key-share locks that inserting any
    row referring to the circle takes (a notification, a message), and a writer holding the
    circle's topic head while inserting such a row then deadlocked with one holding the circle
    while waiting for that head."""
    if is_writing(db):
        circle = await db.get(Circle, circle_id, with_for_update={"key_share": True}, populate_existing=True)
    else:
        circle = await db.get(Circle, circle_id)
    if circle is None:
        raise NotFound(NO_SUCH_CIRCLE)
    membership = await _membership(db, circle_id, user.id)
    # A member's invitation, if one is still pending, has nothing left to offer.
    invitation = await _pending(db, Invitation, circle_id, user.id) if membership is None else None
    standing = standing_of(user, circle, membership, invited=invitation is not None)
    if not standing.can_see:
        raise NotFound(NO_SUCH_CIRCLE)
    request = await _pending(db, JoinRequest, circle_id, user.id) if membership is None else None
    return CircleAccess(circle, membership, standing, request, invitation)


def acting_for(user: User, on_behalf_of: User | None) -> User:
    """Whose standing decides what `user` may do: their own; or, for the assistant answering a
    colleague (`services.answering`), that colleague's. The assistant is the asker's delegate:
    it writes its answer where they asked and may only show them what they may see themselves,
    so it has no standing of its own in any circle."""
    if on_behalf_of is None:
        return user
    if not user.is_assistant:
        raise PermissionDenied(N_("Only the assistant answers on a colleague's behalf."))
    return on_behalf_of


async def readable_circle(
    db: AsyncSession, user: User, circle_id: int, message: str = N_("Only members can read this circle.")
) -> CircleAccess:
    access = await access_circle(db, user, circle_id)
    access.standing.ensure_read(message)
    return access


async def writable_circle(
    db: AsyncSession, user: User, circle_id: int, message: str = N_("Only members can do this in this circle.")
) -> CircleAccess:
    access = await access_circle(db, user, circle_id)
    access.standing.ensure_write(message)
    return access


async def member_circle(db: AsyncSession, user: User, circle_id: int, message: str) -> CircleAccess:
    """A circle `user` is a member of and reads, archived or not: for what stays their own in
    an archived circle (their read marker, how it notifies them)."""
    access = await access_circle(db, user, circle_id)
    if not (access.standing.can_read and access.standing.is_member):
        access.standing.refuse(message)
    return access


async def ensure_not_archived(db: AsyncSession, user: User, circle_id: int | None) -> None:
    """Refuse a change to a thing in an archived circle (`ARCHIVED`), whoever would otherwise
    be allowed it (its author, an organisation admin); a thing outside any circle passes."""
    if circle_id is not None:
        (await standing(db, user, circle_id)).ensure_not_archived()


async def respondable_circle(db: AsyncSession, user: User, circle_id: int) -> Standing:
    """`user`'s standing in a circle they want to react or comment in, or the refusal
    (`ARCHIVED` in an archived circle)."""
    found = await standing(db, user, circle_id)
    found.ensure_respond()
    return found


async def circle_of_item(db: AsyncSession, user: User, circle_id: int, no_such_item: str) -> CircleAccess:
    """The circle of an item (a message, comment, document) `user` asks for by id. Where they
    may not read the circle, the item does not exist for them: `NotFound(no_such_item)`, the
    same answer as for an id that was never used."""
    try:
        access = await access_circle(db, user, circle_id)
    except NotFound:
        raise NotFound(no_such_item) from None
    if not access.standing.can_read:
        raise NotFound(no_such_item)
    return access


async def standing(db: AsyncSession, user: User, circle_id: int) -> Standing:
    """`user`'s standing in the circle in one query (every live subscription asks); `NotFound`
    exactly where `access_circle` raises it."""
    invited = (
        exists()
        .where(
            col(Invitation.circle_id) == col(Circle.id),
            col(Invitation.user_id) == user.id,
            col(Invitation.status) == RequestStatus.PENDING,
        )
        .correlate(Circle)
    )
    statement = (
        select(Circle.visibility, Membership.role, invited, col(Circle.archived_at).is_not(None))
        .outerjoin(Membership, (col(Membership.circle_id) == col(Circle.id)) & (col(Membership.user_id) == user.id))
        .where(col(Circle.id) == circle_id)
    )
    row = (await db.exec(statement)).first()
    if row is None:
        raise NotFound(NO_SUCH_CIRCLE)
    visibility, role, is_invited, archived = row
    found = Standing(
        visibility=CircleVisibility(visibility),
        role=MemberRole(role) if role is not None else None,
        invited=bool(is_invited) and role is None,
        org_admin=user.role is Role.ADMIN,
        active=user.is_active,
        archived=bool(archived),
    )
    if not found.can_see:
        raise NotFound(NO_SUCH_CIRCLE)
    return found


# ---- the rule in SQL ----

Column = ColumnElement[Any] | Mapped[Any]
Reader = User | Column
"""Whose access a predicate asks about: one loaded colleague, or a column of user ids (for
example the recipient of each notification)."""


def sql_member(reader: Reader, circle_id: Column) -> ColumnElement[bool]:
    """SQL condition: `reader` is a member of the circle in `circle_id`."""
    if isinstance(reader, User):
        return circle_id.in_(select(Membership.circle_id).where(col(Membership.user_id) == reader.id))
    membership = aliased(Membership)
    return exists().where(col(membership.circle_id) == circle_id, col(membership.user_id) == reader)


def sql_can_see(reader: Reader, circle_id: Column) -> ColumnElement[bool]:
    """SQL condition: the circle in `circle_id` exists for `reader` (`Standing.can_see`)."""
    return _if_active(
        reader, or_(_visibility_in(circle_id, LISTED), sql_member(reader, circle_id), _invited(reader, circle_id))
    )


def sql_can_read(reader: Reader, circle_id: Column) -> ColumnElement[bool]:
    """SQL condition: `reader` may read the circle in `circle_id` (`Standing.can_read`)."""
    return _if_active(reader, or_(_visibility_in(circle_id, READ_BY_ALL), sql_member(reader, circle_id)))


def sql_read_by_all(circle_id: Column) -> ColumnElement[bool]:
    """SQL condition: every colleague reads the circle in `circle_id` (an open circle)."""
    return _visibility_in(circle_id, READ_BY_ALL)


def sql_seen_by_all(circle_id: Column) -> ColumnElement[bool]:
    """SQL condition: the circle in `circle_id` exists for every colleague (`Standing.can_see`
    without membership or invitation), so naming it where others read tells them nothing new."""
    return _visibility_in(circle_id, LISTED)


def sql_listed(circle_id: Column) -> ColumnElement[bool]:
    """SQL condition: the circle in `circle_id` is not archived, so it belongs in lists and
    suggestions (an archived one is still seen and read, by `sql_can_see`/`sql_can_read`)."""
    return circle_id.in_(select(Circle.id).where(col(Circle.archived_at).is_(None)))


def sql_can_read_item(reader: Reader, circle_id: Column) -> ColumnElement[bool]:
    """SQL condition for things that may belong to a circle: one outside any circle is the
    organisation's and every colleague reads it; one in a circle follows `sql_can_read`."""
    return or_(circle_id.is_(None), sql_can_read(reader, circle_id))


def sql_can_administer(reader: User, circle_id: Column) -> ColumnElement[bool]:
    """SQL condition: `reader` administers the circle in `circle_id` (`Standing.can_administer`)."""
    admin_of = circle_id.in_(
        select(Membership.circle_id).where(
            col(Membership.user_id) == reader.id, col(Membership.role) == MemberRole.ADMIN
        )
    )
    if reader.role is Role.ADMIN:
        return _if_active(reader, or_(admin_of, _visibility_in(circle_id, LISTED)))
    return _if_active(reader, admin_of)


# ---- questions: who marks a post as a question and accepts its answer ----


def settles_question(user: User, standing: Standing, asker_id: int) -> bool:
    """Whether `user` may mark a circle post as a question (or not), and accept, change or
    withdraw its accepted answer: the colleague who asked it, or whoever administers the circle;
    never in an archived circle, and only where they read it."""
    if not standing.can_respond:
        return False
    return user.id == asker_id or standing.can_administer


# ---- polls: who closes one early ----


def closes_poll(user: User, standing: Standing, author_id: int) -> bool:
    """Whether `user` may close a poll in a circle where they have `standing` before its time:
    the colleague who made it, or whoever administers the circle; only where they read it."""
    if not standing.can_read or not user.is_active:
        return False
    return user.id == author_id or standing.can_administer


# ---- moderation: who handles reports of an item ----


def moderates(user: User, standing: Standing | None) -> bool:
    """Whether `user` handles reports of an item in a circle where they have `standing` (None:
    an item outside any circle: news, a blog post, their comments). Outside circles: editors and
    organisation admins. In a circle: whoever administers it, so a secret circle's reports reach
    its own admins and never an organisation admin outside it; and editors in an open circle,
    whose items every colleague reads anyway."""
    if not user.is_active:
        return False
    if standing is None:
        return user.role in (Role.EDITOR, Role.ADMIN)
    return standing.can_administer or (user.role is Role.EDITOR and standing.can_follow)


def sql_moderates(user: User, circle_id: Column) -> ColumnElement[bool]:
    """`moderates` as an SQL condition over a nullable circle-id column."""
    if not user.is_active:
        return false()
    in_circle = sql_can_administer(user, circle_id)
    if user.role is Role.EDITOR:
        in_circle = or_(in_circle, _visibility_in(circle_id, READ_BY_ALL))
    if user.role in (Role.EDITOR, Role.ADMIN):
        return or_(circle_id.is_(None), in_circle)
    return in_circle


# For one loaded colleague the conditions are uncorrelated `IN` sets, which the database reads
# once per query (PostgreSQL hashes them) where a correlated `EXISTS` under an `OR` runs once per
# row; for a column of colleagues they must be correlated.


def _visibility_in(circle_id: Column, visibilities: tuple[CircleVisibility, ...]) -> ColumnElement[bool]:
    return circle_id.in_(select(Circle.id).where(col(Circle.visibility).in_(visibilities)))


def _invited(reader: Reader, circle_id: Column) -> ColumnElement[bool]:
    if isinstance(reader, User):
        return circle_id.in_(
            select(Invitation.circle_id).where(
                col(Invitation.user_id) == reader.id, col(Invitation.status) == RequestStatus.PENDING
            )
        )
    invitation = aliased(Invitation)
    return exists().where(
        col(invitation.circle_id) == circle_id,
        col(invitation.user_id) == reader,
        col(invitation.status) == RequestStatus.PENDING,
    )


def _if_active(reader: Reader, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    if isinstance(reader, User):
        return condition if reader.is_active else false()
    user = aliased(User)
    return and_(exists().where(col(user.id) == reader, col(user.is_active).is_(True)), condition)


async def _membership(db: AsyncSession, circle_id: int, user_id: int | None) -> Membership | None:
    statement = select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == user_id)
    return (await db.exec(statement)).first()


async def _pending(db: AsyncSession, table: type[_Pending], circle_id: int, user_id: int | None) -> _Pending | None:
    statement = select(table).where(
        col(table.circle_id) == circle_id,
        col(table.user_id) == user_id,
        col(table.status) == RequestStatus.PENDING,
    )
    return (await db.exec(statement)).first()
