"""Notifications: who hears about what, grouped per subject, and the badge count.

Rules:
- Nobody is notified of their own action, nor about anything they may not see: a line about a
  circle's item is created only for colleagues who may read that circle, and is shown only while
  they still may (a secret circle they left hides its lines at once, in the count too).
- Activity about one subject joins the unread line about it: "Anna and 4 others reacted".
- A colleague's choices decide: kinds they switched off, and per circle all, mentions only
  (mentions and replies), or muted.
- The badge is unread notifications, unread direct messages and unread chat in the circles the
  colleague has not muted; the tab title counts the parts they chose (`TITLE_PARTS`). Every change
  to it records a `badge.changed` event on the colleague's own topic, so every tab and device
  shows the same.
- Seeing the item reads its lines: opening a post reads what was about it and its comments,
  confirming must-read news reads its line, and a chat's read marker reads the mentions and
  replies it moved past (`see_post`, `see_news`, `see_chat`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from models import (
    Circle,
    CircleKind,
    CircleVisibility,
    Comment,
    MemberRole,
    Membership,
    Message,
    Notification,
    NotificationKind,
    NotificationSettings,
    NotifyLevel,
    Post,
    ReadMarker,
    User,
)
from models.base import utcnow
from services import events, transactions
from services.access import Standing, sql_can_read, sql_can_see
from services.errors import N_, NotFound
from services.event_types import BadgeChanged
from services.transactions import writes

BADGE_EVENT = BadgeChanged.KIND
# What "mentions only" lets through: what speaks to the member directly.
_ADDRESSED = {NotificationKind.MENTION, NotificationKind.REPLY, NotificationKind.JOIN_REQUEST}
_TITLE_CHARS = 120
_CHUNK = 500  # rows per INSERT: SQLite allows 32,766 parameters in one statement


# The parts of the badge a colleague may count in the tab title (all, unless they chose fewer).
TITLE_PARTS = ("notifications", "direct", "chat")


@dataclass(frozen=True)
class Badge:
    notifications: int
    direct: int  # unread direct messages
    chat: int = 0  # unread messages in circles (not conversations) the colleague has not muted
    counted: tuple[str, ...] = TITLE_PARTS  # the parts the tab title counts, by their choice

    @property
    def count(self) -> int:
        return sum(getattr(self, part) for part in self.counted)

    def data(self) -> dict[str, int | list[str]]:
        return {
            "count": self.count,
            "notifications": self.notifications,
            "direct": self.direct,
            "chat": self.chat,
            "counted": list(self.counted),
        }


# Lines about a circle itself, which its recipient may see without being a member.
CIRCLE_LINES = (NotificationKind.INVITATION, NotificationKind.JOIN_ANSWER)


def shorten(text: str, limit: int = _TITLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def visible() -> ColumnElement[bool]:
    """SQL condition: the notification's recipient may (still) see what it is about: a circle's
    item while they may read the circle, a line about the circle itself while it exists for them
    (`services.access`)."""
    recipient, circle = col(Notification.user_id), col(Notification.circle_id)
    about_the_circle = col(Notification.kind).in_(CIRCLE_LINES)
    return or_(
        circle.is_(None),
        and_(~about_the_circle, sql_can_read(recipient, circle)),
        and_(about_the_circle, sql_can_see(recipient, circle)),
    )


async def badges(db: AsyncSession, user_ids: Iterable[int]) -> dict[int, Badge]:
    """Each colleague's badge, in four grouped queries however many colleagues."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    unread = await db.exec(
        select(Notification.user_id, func.count())
        .where(col(Notification.user_id).in_(ids), col(Notification.read_at).is_(None), visible())
        .group_by(col(Notification.user_id))
    )
    notified = dict(unread.all())
    direct = await unread_direct(db, ids)
    chat = await unread_chat(db, ids)
    left_out = await db.exec(
        select(NotificationSettings.user_id, NotificationSettings.uncounted).where(
            col(NotificationSettings.user_id).in_(ids)
        )
    )
    uncounted = {user_id: set(parts or []) for user_id, parts in left_out.all()}
    return {
        i: Badge(
            notified.get(i, 0),
            direct.get(i, 0),
            chat.get(i, 0),
            tuple(part for part in TITLE_PARTS if part not in uncounted.get(i, set())),
        )
        for i in ids
    }


async def badge(db: AsyncSession, user: User) -> Badge:
    return (await badges(db, [user.id or 0]))[user.id or 0]


async def unread_direct(db: AsyncSession, user_ids: Sequence[int], *, since: datetime | None = None) -> dict[int, int]:
    """Unread direct messages per colleague (those that arrived after `since`, if given)."""
    statement = _unread_messages(user_ids).where(col(Circle.kind) == CircleKind.DIRECT)
    if since is not None:
        statement = statement.where(col(Message.created_at) > since)
    return dict((await db.exec(statement)).all())


async def unread_chat(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, int]:
    """Unread chat messages per colleague in their circles, conversations and muted circles aside.

    Like a chat app, what was said before a colleague joined is history, never unread: so joining
    changes no count, and the counts move only when a message comes, goes or is read, or a
    circle is muted or left (each of which announces the badge)."""
    statement = _unread_messages(user_ids).where(
        col(Circle.kind) != CircleKind.DIRECT,
        col(Membership.notify) != NotifyLevel.MUTED,
        col(Message.created_at) > col(Membership.joined_at),
    )
    return dict((await db.exec(statement)).all())


def _unread_messages(user_ids: Sequence[int]) -> Select[int, int]:
    """(colleague, count) of the messages by others, not deleted or hidden, past each colleague's read
    marker, in the circles they are members of; the callers narrow it to their circles."""
    marker = (
        select(ReadMarker.message_id)
        .where(col(ReadMarker.user_id) == col(Membership.user_id), col(ReadMarker.circle_id) == col(Message.circle_id))
        .scalar_subquery()
    )
    return (
        select(Membership.user_id, func.count())
        .select_from(Message)
        .join(Membership, col(Membership.circle_id) == col(Message.circle_id))
        .join(Circle, col(Circle.id) == col(Message.circle_id))
        .where(
            col(Membership.user_id).in_(user_ids),
            col(Message.author_id) != col(Membership.user_id),
            col(Message.deleted_at).is_(None),
            col(Message.hidden_at).is_(None),  # by a moderator (services/moderation.py)
            col(Message.id) > func.coalesce(marker, 0),
        )
        .group_by(col(Membership.user_id))
    )


async def announce(db: AsyncSession, user_ids: Iterable[int]) -> None:
    """Have each colleague's new badge recorded on their own topic as the last step of the
    caller's unit of work, just before it commits. Recording them all at once, last, keeps the
    order in which a transaction locks topic heads the same everywhere (the item's topic first,
    then users' topics by name), so two writers never wait on each other in a circle; and the
    counts then include everything the transaction did."""
    unit = transactions.require(db)
    recount = next((step for step in unit.before_commit if isinstance(step, _BadgeRecount)), None)
    if recount is None:
        recount = _BadgeRecount(db)
        unit.before_commit.append(recount)
    recount.user_ids.update(user_ids)


@dataclass(eq=False)
class _BadgeRecount:
    """One unit's badge recount: a `before_commit` step. (A nested unit that rolled back may
    have added colleagues to it; their recount then records the badge they still have.)"""

    db: AsyncSession
    user_ids: set[int] = field(default_factory=set)

    async def __call__(self) -> None:
        topics = {events.user_topic(i): i for i in self.user_ids}
        if not topics:
            return

        async def data_of(ordered: list[str]) -> dict[str, BadgeChanged]:
            found = await badges(self.db, [topics[t] for t in ordered])
            return {t: BadgeChanged.model_validate(found[topics[t]].data()) for t in ordered}

        await events.record_each(self.db, topics, BadgeChanged, data_of)


@dataclass(frozen=True)
class About:
    """What a notification is about: its subject, where it lives and how to show it."""

    subject: str  # "post:12", "comment:5", "message:9", "circle:3"
    url: str
    title: str
    circle_id: int | None = None  # the circle whose readers may see the subject
    # False: the line is about the circle itself (an invitation, the answer to a join request):
    # its recipient need not be a member, and sees it while the circle exists for them.
    members_only: bool = True


async def notify(
    db: AsyncSession,
    recipients: Iterable[int],
    *,
    actor: User,
    kind: NotificationKind,
    about: About,
    detail: str = "",
) -> set[int]:
    """Tell `recipients` that `actor` did `kind` to `about`, in the caller's write transaction.
    Returns who was notified, after every rule in the module docstring."""
    circle_id = about.circle_id if about.members_only else None
    chosen = await _eligible(db, set(recipients) - {actor.id}, kind, circle_id)
    if not chosen:
        return set()
    now = utcnow()
    insert = events.upsert_insert(db)
    ordered = sorted(chosen)
    for start in range(0, len(ordered), _CHUNK):
        await db.exec(
            insert(Notification)
            .values(
                [
                    {
                        "user_id": user_id,
                        "kind": kind,
                        "subject": about.subject,
                        "circle_id": about.circle_id,
                        "url": about.url,
                        "title": "",
                        "detail": "",
                        "actor_ids": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                    for user_id in ordered[start : start + _CHUNK]
                ]
            )
            .on_conflict_do_nothing(index_elements=["user_id", "kind", "subject"])
        )
    rows = await db.exec(
        select(Notification)
        .where(col(Notification.user_id).in_(chosen), Notification.kind == kind, Notification.subject == about.subject)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    for row in rows.all():
        earlier = [] if row.read_at is not None else [a for a in row.actor_ids if a != actor.id]
        row.actor_ids = [actor.id or 0, *earlier]
        row.read_at = None
        row.updated_at = now
        row.url = about.url
        row.title = shorten(about.title)
        row.detail = shorten(detail)
        db.add(row)
    await announce(db, chosen)
    return chosen


async def _eligible(db: AsyncSession, user_ids: set[int], kind: NotificationKind, circle_id: int | None) -> set[int]:
    """Those of `user_ids` who are active, may see the circle, and want to hear of `kind` there."""
    if not user_ids:
        return set()
    statement = (
        select(User.id, Membership.role, Membership.notify, NotificationSettings.muted_kinds)
        .outerjoin(
            Membership,
            and_(col(Membership.user_id) == col(User.id), col(Membership.circle_id) == circle_id),
        )
        .outerjoin(NotificationSettings, col(NotificationSettings.user_id) == col(User.id))
        .where(col(User.id).in_(user_ids), col(User.is_active).is_(True))
    )
    visibility = CircleVisibility.OPEN
    if circle_id is not None:
        circle = await db.get(Circle, circle_id)
        if circle is None:
            return set()
        visibility = CircleVisibility(circle.visibility)
    chosen: set[int] = set()
    for user_id, role, level, muted in (await db.exec(statement)).all():
        if kind.value in (muted or []):
            continue
        if circle_id is not None:
            if not Standing(visibility, role=MemberRole(role) if role is not None else None).can_read:
                continue
            if level is NotifyLevel.MUTED or (level is NotifyLevel.MENTIONS and kind not in _ADDRESSED):
                continue
        chosen.add(user_id or 0)
    return chosen


async def forget(db: AsyncSession, subjects: Sequence[str]) -> None:
    """Drop the notifications about items that are gone, and tell their recipients."""
    if not subjects:
        return
    affected = await db.exec(
        select(Notification.user_id)
        .where(col(Notification.subject).in_(subjects), col(Notification.read_at).is_(None))
        .distinct()
    )
    user_ids = set(affected.all())
    await db.exec(delete(Notification).where(col(Notification.subject).in_(subjects)))
    await announce(db, user_ids)


@dataclass(frozen=True)
class Line:
    """A notification as its recipient sees it."""

    notification: Notification
    actors: list[User]  # the newest few, newest first
    actor_count: int
    # The subject is the reader's own post: "commented on your post" rather than "also
    # commented in a conversation you are part of" (comment lines reach earlier commenters too).
    own_post: bool = False

    @property
    def others(self) -> int:
        return max(self.actor_count - 1, 0)

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


async def inbox(
    db: AsyncSession, user: User, *, unread_only: bool = False, before: int | None = None, limit: int = 30
) -> list[Line]:
    """The newest notifications first (by last activity), `before` the id of the last shown."""
    statement = select(Notification).where(Notification.user_id == user.id, visible())
    if unread_only:
        statement = statement.where(col(Notification.read_at).is_(None))
    if before is not None:
        last = await db.get(Notification, before)
        if last is not None and last.user_id == user.id:
            statement = statement.where(
                or_(
                    col(Notification.updated_at) < last.updated_at,
                    and_(col(Notification.updated_at) == last.updated_at, col(Notification.id) < before),
                )
            )
    statement = statement.order_by(col(Notification.updated_at).desc(), col(Notification.id).desc()).limit(limit)
    found = list((await db.exec(statement)).all())
    shown = {a for n in found for a in n.actor_ids[:3]}
    people = {u.id: u for u in (await db.exec(select(User).where(col(User.id).in_(shown)))).all()} if shown else {}
    commented = {int(n.subject.partition(":")[2]) for n in found if n.kind is NotificationKind.COMMENT}
    own = (
        set((await db.exec(select(Post.id).where(col(Post.id).in_(commented), Post.author_id == user.id))).all())
        if commented
        else set()
    )
    return [
        Line(
            n,
            [people[a] for a in n.actor_ids[:3] if a in people],
            len(n.actor_ids),
            own_post=n.kind is NotificationKind.COMMENT and int(n.subject.partition(":")[2]) in own,
        )
        for n in found
    ]


@writes
async def mark_read(db: AsyncSession, user: User, ids: Sequence[int] | None = None) -> Badge:
    """Mark some (or, with `ids=None`, all) of the user's notifications read."""
    statement = update(Notification).where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
    if ids is not None:
        statement = statement.where(col(Notification.id).in_(ids))
    result = await db.exec(statement.values(read_at=utcnow()))
    if result.rowcount:
        await announce(db, [user.id or 0])
    return await badge(db, user)


@writes
async def open_notification(db: AsyncSession, user: User, notification_id: int) -> str:
    """Mark one notification read and say where its item is."""
    found = (
        await db.exec(
            select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id, visible())
        )
    ).first()
    if found is None:
        raise NotFound(N_("No such notification."))
    url = found.url
    if found.read_at is None:
        found.read_at = utcnow()
        db.add(found)
        await announce(db, [user.id or 0])
    return url


def about_post(post: Post) -> About:
    return About(f"post:{post.id}", f"/posts/{post.id}", post.title or post.body, post.circle_id)


def about_comment(comment: Comment, post: Post) -> About:
    return About(f"comment:{comment.id}", f"/posts/{post.id}#comment-{comment.id}", comment.body, post.circle_id)


def about_message(message: Message) -> About:
    return About(f"message:{message.id}", f"/circles/{message.circle_id}#chat", message.body, message.circle_id)


def about_circle(circle: Circle, *, members_only: bool = True) -> About:
    """A circle as the subject; `members_only=False` for lines its recipient may read without
    being a member (an invitation, the answer to a join request)."""
    return About(f"circle:{circle.id}", f"/circles/{circle.id}", circle.name, circle.id, members_only=members_only)


async def settle(db: AsyncSession, user_ids: Iterable[int], kind: NotificationKind, subject: str) -> None:
    """Mark lines read whose matter was dealt with elsewhere (an invitation accepted, the last
    join request answered), in the caller's transaction."""
    ids = set(user_ids)
    if not ids:
        return
    result = await db.exec(
        update(Notification)
        .where(
            col(Notification.user_id).in_(ids),
            col(Notification.kind) == kind,
            col(Notification.subject) == subject,
            col(Notification.read_at).is_(None),
        )
        .values(read_at=utcnow())
        .returning(col(Notification.user_id))
    )
    await announce(db, set(result.scalars().all()))


async def _read_lines(db: AsyncSession, user_id: int, ids: Sequence[int]) -> None:
    """Mark lines read and move the badge in every tab, in the caller's unit of work."""
    if not ids:
        return
    await db.exec(
        update(Notification)
        .where(col(Notification.id).in_(ids), col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    await announce(db, [user_id])


async def _unread_about(
    db: AsyncSession, user_id: int, subjects: Sequence[str], kinds: Iterable[NotificationKind]
) -> list[int]:
    if not subjects:
        return []
    found = await db.exec(
        select(Notification.id).where(
            col(Notification.user_id) == user_id,
            col(Notification.read_at).is_(None),
            col(Notification.subject).in_(subjects),
            col(Notification.kind).in_(list(kinds)),
        )
    )
    return [i for i in found.all() if i is not None]


# What opening a post reads. Must-read news stays unread until it is confirmed (`see_news`):
# opening it is not yet saying "I have read it", and the line is what reminds.
_SEEN_ON_THE_PAGE = set(NotificationKind) - {NotificationKind.NEWS}


async def see_post(db: AsyncSession, user: User, post_id: int) -> bool:
    """The colleague opened a post: read their lines about it and its comments (reactions,
    comments, replies, mentions), and say whether any were unread. Only a page with unread lines
    writes; the others stay reads, so opening a post takes no write lock."""
    comment_ids = (await db.exec(select(Comment.id).where(Comment.post_id == post_id))).all()
    subjects = [f"post:{post_id}", *(f"comment:{i}" for i in comment_ids)]
    if not await _unread_about(db, user.id or 0, subjects, _SEEN_ON_THE_PAGE):
        return False
    async with transactions.unit_of_work(db):
        # Again inside the write: another tab may have read them meanwhile.
        await _read_lines(db, user.id or 0, await _unread_about(db, user.id or 0, subjects, _SEEN_ON_THE_PAGE))
    return True


async def see_news(db: AsyncSession, user: User, post_id: int) -> None:
    """The colleague confirmed reading must-read news: every line about it is read now, in
    the caller's unit of work."""
    await _read_lines(db, user.id or 0, await _unread_about(db, user.id or 0, [f"post:{post_id}"], NotificationKind))


async def see_chat(db: AsyncSession, user: User, circle_id: int, read_up_to: int) -> None:
    """The colleague's read marker in a circle's chat moved to message `read_up_to`: read the
    mentions of them in messages up to it, and the replies to their messages when every reply
    by others up to now is at or before it (a newer reply keeps the line unread). In the
    caller's unit of work."""
    lines = await db.exec(
        select(Notification.id, Notification.kind, Notification.subject).where(
            col(Notification.user_id) == user.id,
            col(Notification.read_at).is_(None),
            col(Notification.circle_id) == circle_id,
            col(Notification.kind).in_([NotificationKind.MENTION, NotificationKind.REPLY]),
            col(Notification.subject).like("message:%"),
        )
    )
    seen: list[int] = []
    replied: dict[int, int] = {}  # the quoted message: its line
    for line_id, kind, subject in lines.all():
        message_id = int(subject.partition(":")[2])
        if message_id > read_up_to or line_id is None:
            continue
        if kind is NotificationKind.MENTION:
            seen.append(line_id)
        else:
            replied[message_id] = line_id
    if replied:
        newest = await db.exec(
            select(Message.reply_to_id, func.max(Message.id))
            .where(col(Message.reply_to_id).in_(replied), col(Message.author_id) != user.id)
            .group_by(col(Message.reply_to_id))
        )
        unseen = {quoted for quoted, reply in newest.all() if (reply or 0) > read_up_to}
        seen.extend(line for quoted, line in replied.items() if quoted not in unseen)
    await _read_lines(db, user.id or 0, seen)
