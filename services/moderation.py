"""Moderation: any colleague reports a post, comment or chat message; whoever moderates it hides
it (with a reason its author sees), keeps it, or later restores it; reporters hear the outcome.

Rules:
- A colleague reports only what they may read (`services.access`), never their own item, nor a
  message in a direct conversation (a conversation has no moderator but its participants; it
  stays theirs). One open report per reporter and item; at most `REPORTS_PER_HOUR` an hour.
- Who handles a report is `access.moderates`: editors and organisation admins for news, blogs
  and their comments; a circle's admins for its items (organisation admins for every circle that
  is not secret, editors too in open circles). A secret circle's reports therefore reach only
  that circle's own admins: an organisation admin outside it sees neither them nor the item.
- A hidden item is gone for everyone but its author, at once and in one transaction: from the
  stream, the post page, comments, chat history and search (`posts.readable_by`,
  `comments.list_comments`, `chat.history`, the search catalogue), and live, by the same
  `post.deleted`, `comment.deleted` or `message.deleted` event a deletion sends, so open tabs
  drop it. Its author still sees it, marked hidden, with the reason. A restore puts it back and
  sends `post.updated`, `comment.updated` or `message.updated`.
- Hiding, keeping and restoring each write an audit entry and notify in the same unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Circle,
    CircleKind,
    Comment,
    ItemKind,
    MemberRole,
    Membership,
    Message,
    NotificationKind,
    Post,
    Report,
    ReportedKind,
    ReportState,
    Role,
    User,
)
from models.base import utcnow
from services import access, attachments, audit, chat, comments, events, notifications, posts, questions, search
from services.errors import N_, Conflict, Invalid, NotFound, PermissionDenied, RateLimited
from services.event_types import (
    CommentDeleted,
    CommentUpdated,
    MessageDeleted,
    MessageUpdated,
    PostDeleted,
    PostUpdated,
)
from services.transactions import writes

MAX_REASON = 500
REPORTS_PER_HOUR = 10
NO_SUCH_ITEM = N_("No such item.")
MY_REPORTS_URL = "/moderatie/mine"


@dataclass(frozen=True)
class Reported:
    """A reportable item with what moderation needs of it."""

    kind: ReportedKind
    item: Post | Comment | Message
    circle_id: int | None
    post: Post | None = None  # the post a comment is under

    @property
    def id(self) -> int:
        return self.item.id or 0

    @property
    def subject(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @property
    def author_id(self) -> int:
        return self.item.author_id

    @property
    def hidden(self) -> bool:
        return self.item.hidden_at is not None

    @property
    def text(self) -> str:
        if isinstance(self.item, Post) and self.item.title:
            return self.item.title
        return self.item.body

    @property
    def url(self) -> str:
        if isinstance(self.item, Post):
            return f"/posts/{self.id}"
        if isinstance(self.item, Comment):
            return f"/posts/{self.item.post_id}#comment-{self.id}"
        return f"/circles/{self.item.circle_id}#chat"


@dataclass
class QueueEntry:
    """One reported item in the queue, with its open reports and their reporters."""

    reported: Reported
    author: User | None
    reports: list[tuple[Report, User]] = field(default_factory=list)


def _clean_reason(reason: str) -> str:
    if len(reason) > MAX_REASON:
        raise Invalid(
            N_("The reason is too long: at most %(limit)s characters."), field="reason", params={"limit": MAX_REASON}
        )
    reason = reason.strip()
    if not reason:
        raise Invalid(N_("Give a reason."), field="reason")
    return reason


def parse_kind(value: str) -> ReportedKind:
    try:
        return ReportedKind(value)
    except ValueError:
        raise NotFound(NO_SUCH_ITEM) from None


async def load(db: AsyncSession, kind: ReportedKind, item_id: int, *, lock: bool = False) -> Reported | None:
    """The item, hidden or not, without asking anyone's access (callers do). With `lock`, its row
    is locked for the caller's write (two moderators deciding at once take turns), before any
    topic head, in the order a deletion takes them."""
    if kind is ReportedKind.POST:
        post = await db.get(Post, item_id, with_for_update=lock, populate_existing=lock)
        return Reported(kind, post, post.circle_id) if post is not None else None
    if kind is ReportedKind.COMMENT:
        comment = await db.get(Comment, item_id, with_for_update=lock, populate_existing=lock)
        if comment is None:
            return None
        parent = await db.get(Post, comment.post_id)
        return Reported(kind, comment, parent.circle_id, parent) if parent is not None else None
    message = await db.get(Message, item_id, with_for_update=lock, populate_existing=lock)
    if message is None or message.deleted_at is not None:
        return None
    return Reported(kind, message, message.circle_id)


async def readable(db: AsyncSession, user: User, kind: ReportedKind, item_id: int) -> Reported:
    """The item as `user` may read it (a hidden one only by its author), else `NotFound`."""
    if kind is ReportedKind.POST:
        post = await posts.access_post(db, user, item_id)  # the hidden rule is part of readable_by
        return Reported(kind, post, post.circle_id)
    found = await load(db, kind, item_id)
    if found is None or (found.hidden and found.author_id != user.id):
        raise NotFound(NO_SUCH_ITEM)
    if found.post is not None:
        await posts.access_post(db, user, found.post.id or 0)
    elif found.circle_id is not None:
        await access.circle_of_item(db, user, found.circle_id, NO_SUCH_ITEM)
    return found


async def _in_conversation(db: AsyncSession, circle_id: int | None) -> bool:
    if circle_id is None:
        return False
    circle = await db.get(Circle, circle_id)
    return circle is not None and circle.kind is CircleKind.DIRECT


async def reportable(db: AsyncSession, user: User, kind: ReportedKind, item_id: int) -> Reported:
    """The item `user` may report (the report form shows it), or the refusal."""
    found = await readable(db, user, kind, item_id)
    if found.author_id == user.id:
        raise Invalid(N_("You cannot report what you wrote yourself."))
    if await _in_conversation(db, found.circle_id):
        raise Invalid(N_("Messages in a conversation cannot be reported."))
    return found


@writes
async def report(db: AsyncSession, user: User, kind: ReportedKind, item_id: int, *, reason: str) -> Report:
    """`user` reports an item they may read, with a reason (see the module's rules)."""
    reason = _clean_reason(reason)
    found = await reportable(db, user, kind, item_id)
    recent = (
        await db.exec(
            select(func.count())
            .select_from(Report)
            .where(Report.reporter_id == user.id, col(Report.created_at) >= utcnow() - timedelta(hours=1))
        )
    ).one()
    if recent >= REPORTS_PER_HOUR:
        raise RateLimited(N_("You have reported a lot in the last hour; try again later."), retry_after=3600)
    existing = (
        await db.exec(
            select(Report.id).where(
                Report.item_kind == kind,
                Report.item_id == item_id,
                Report.reporter_id == user.id,
                col(Report.is_open).is_(True),
            )
        )
    ).first()
    if existing is not None:
        raise Conflict(N_("You have already reported this; a moderator will look at it."))
    entry = Report(item_kind=kind, item_id=item_id, circle_id=found.circle_id, reporter_id=user.id or 0, reason=reason)
    db.add(entry)
    await db.flush()
    return entry


async def moderates_somewhere(db: AsyncSession, user: User) -> bool:
    """Whether the queue is there for `user`: editors, organisation admins and circle admins
    (a direct conversation's starter is its admin only in name)."""
    if not user.is_active:
        return False
    if user.role in (Role.EDITOR, Role.ADMIN):
        return True
    found = await db.exec(
        select(Membership.id)
        .join(Circle, col(Circle.id) == col(Membership.circle_id))
        .where(
            Membership.user_id == user.id,
            Membership.role == MemberRole.ADMIN,
            col(Circle.kind) != CircleKind.DIRECT,
        )
        .limit(1)
    )
    return found.first() is not None


async def ensure_moderates(db: AsyncSession, user: User, found: Reported) -> None:
    """`NotFound` where `user` may not know the item, `PermissionDenied` where they may but do
    not moderate it."""
    standing = None
    if found.circle_id is not None:
        try:
            standing = await access.standing(db, user, found.circle_id)
        except NotFound:
            raise NotFound(NO_SUCH_ITEM) from None
    if access.moderates(user, standing):
        return
    if standing is not None and not standing.can_read:
        raise NotFound(NO_SUCH_ITEM)
    raise PermissionDenied(N_("Only the moderators of this item handle its reports."))


async def _moderated(db: AsyncSession, user: User, kind: ReportedKind, item_id: int) -> Reported:
    found = await load(db, kind, item_id, lock=True)
    if found is None:
        raise NotFound(NO_SUCH_ITEM)
    await ensure_moderates(db, user, found)
    return found


async def queue(db: AsyncSession, user: User, *, limit: int = 200) -> list[QueueEntry]:
    """The items with open reports that `user` moderates, oldest report first."""
    rows = await db.exec(
        select(Report, User)
        .join(User, col(User.id) == col(Report.reporter_id))
        .where(col(Report.is_open).is_(True), access.sql_moderates(user, col(Report.circle_id)))
        .order_by(col(Report.id))
        .limit(limit)
    )
    entries: dict[tuple[ReportedKind, int], QueueEntry] = {}
    for entry, reporter in rows.all():
        key = (entry.item_kind, entry.item_id)
        if key not in entries:
            found = await load(db, entry.item_kind, entry.item_id)
            if found is None:  # deleted meanwhile: nothing left to decide
                continue
            entries[key] = QueueEntry(found, await db.get(User, found.author_id))
        entries[key].reports.append((entry, reporter))
    return list(entries.values())


async def hidden_items(db: AsyncSession, user: User, *, limit: int = 100) -> list[Reported]:
    """Hidden items `user` moderates (to restore), most recently hidden first."""
    found: list[Reported] = []
    for post in (
        await db.exec(
            select(Post)
            .where(col(Post.hidden_at).is_not(None), access.sql_moderates(user, col(Post.circle_id)))
            .limit(limit)
        )
    ).all():
        found.append(Reported(ReportedKind.POST, post, post.circle_id))
    for comment, parent in (
        await db.exec(
            select(Comment, Post)
            .join(Post, col(Post.id) == col(Comment.post_id))
            .where(col(Comment.hidden_at).is_not(None), access.sql_moderates(user, col(Post.circle_id)))
            .limit(limit)
        )
    ).all():
        found.append(Reported(ReportedKind.COMMENT, comment, parent.circle_id, parent))
    for message in (
        await db.exec(
            select(Message)
            .where(col(Message.hidden_at).is_not(None), access.sql_moderates(user, col(Message.circle_id)))
            .limit(limit)
        )
    ).all():
        found.append(Reported(ReportedKind.MESSAGE, message, message.circle_id))
    found.sort(key=lambda r: r.item.hidden_at or utcnow(), reverse=True)
    return found[:limit]


async def my_reports(db: AsyncSession, user: User, *, limit: int = 50) -> list[Report]:
    rows = await db.exec(
        select(Report).where(Report.reporter_id == user.id).order_by(col(Report.id).desc()).limit(limit)
    )
    return list(rows.all())


async def _close_reports(db: AsyncSession, moderator: User, found: Reported, state: ReportState) -> int:
    """Decide the item's open reports as `state` and tell each reporter; returns how many."""
    rows = await db.exec(
        select(Report)
        .where(Report.item_kind == found.kind, Report.item_id == found.id, col(Report.is_open).is_(True))
        .with_for_update()
    )
    decided = list(rows.all())
    now = utcnow()
    for entry in decided:
        entry.state, entry.is_open, entry.decided_at, entry.decided_by = state, None, now, moderator.id
        db.add(entry)
    await db.flush()
    for entry in decided:
        about = notifications.About(
            f"report:{entry.id}", MY_REPORTS_URL, found.text, found.circle_id, members_only=False
        )
        await notifications.notify(
            db,
            [entry.reporter_id],
            actor=moderator,
            kind=NotificationKind.REPORT_ANSWER,
            about=about,
            detail=state.value,
        )
    return len(decided)


def _audit_subject(found: Reported) -> audit.Subject:
    return audit.Subject(found.kind.value, found.id, notifications.shorten(found.text, 200))


def _about(found: Reported) -> notifications.About:
    # Not members-only: a notice about one's own item reaches its author whatever their circle
    # notification level (it is still shown only while they may read the circle).
    return notifications.About(found.subject, found.url, found.text, found.circle_id, members_only=False)


@writes
async def hide(
    db: AsyncSession, moderator: User, kind: ReportedKind, item_id: int, *, reason: str, address: str = ""
) -> Reported:
    """Hide an item for everyone but its author, who is told why; its open reports are decided."""
    reason = _clean_reason(reason)
    found = await _moderated(db, moderator, kind, item_id)
    if found.hidden:
        raise Conflict(N_("This is hidden already."))
    item = found.item
    if isinstance(item, Message):
        # The event's payload as a deletion's: open chats show the line as gone.
        data = await chat.message_data(db, item)
        data.update(body="", html="", deleted=True)
        await events.record(db, events.circle_topic(item.circle_id), MessageDeleted.model_validate(data))
        await search.unindex(db, ItemKind.MESSAGE, found.id)
        await chat.announce_readers(db, item.circle_id)  # it no longer counts as unread
    elif isinstance(item, Comment):
        assert found.post is not None
        await events.record(
            db, posts.topic_of(found.post), CommentDeleted(id=found.id, post_id=item.post_id, replies=[])
        )
    else:
        await events.record(
            db, posts.topic_of(item), PostDeleted(id=found.id, kind=item.kind.value, circle_id=item.circle_id)
        )
        await search.unindex(db, search.KIND_OF_POST[item.kind], found.id)
    item.hidden_at, item.hidden_reason = utcnow(), reason
    db.add(item)
    await db.flush()
    await attachments.set_findable(db, found.subject, findable=False)
    if isinstance(item, Comment):  # a hidden accepted answer's words no longer find its question
        await questions.answer_changed(db, item)
    # Lines others had about it (mentions, replies) lead nowhere now.
    await notifications.forget(db, [found.subject])
    await notifications.notify(
        db, [found.author_id], actor=moderator, kind=NotificationKind.ITEM_HIDDEN, about=_about(found), detail=reason
    )
    decided = await _close_reports(db, moderator, found, ReportState.HIDDEN)
    await audit.record(
        db,
        audit.Action.ITEM_HIDDEN,
        actor=moderator,
        subject=_audit_subject(found),
        before={"hidden": False},
        after={"hidden": True, "reason": reason, "reports": decided},
        address=address,
    )
    return found


@writes
async def restore(
    db: AsyncSession, moderator: User, kind: ReportedKind, item_id: int, *, address: str = ""
) -> Reported:
    """Show a hidden item again, everywhere it was, and tell its author."""
    found = await _moderated(db, moderator, kind, item_id)
    if not found.hidden:
        raise Conflict(N_("This is not hidden."))
    item = found.item
    reason = item.hidden_reason
    item.hidden_at, item.hidden_reason = None, None
    db.add(item)
    await db.flush()
    await attachments.set_findable(db, found.subject, findable=True)
    if isinstance(item, Message):
        await chat.catalogue(db, item)
        await chat.announce_readers(db, item.circle_id)
        await events.record(
            db, events.circle_topic(item.circle_id), MessageUpdated.model_validate(await chat.message_data(db, item))
        )
    elif isinstance(item, Comment):
        assert found.post is not None
        author = await db.get(User, item.author_id)
        assert author is not None
        await events.record(
            db,
            posts.topic_of(found.post),
            CommentUpdated.model_validate(
                comments.comment_data(item, author, await attachments.data_of(db, posts.comment_target(item.id or 0)))
            ),
        )
        await questions.answer_changed(db, item)
    else:
        await posts.catalogue(db, item)
        await events.record(db, posts.topic_of(item), PostUpdated.model_validate(await posts.post_data(db, item)))
    await notifications.notify(
        db, [found.author_id], actor=moderator, kind=NotificationKind.ITEM_RESTORED, about=_about(found)
    )
    await audit.record(
        db,
        audit.Action.ITEM_RESTORED,
        actor=moderator,
        subject=_audit_subject(found),
        before={"hidden": True, "reason": reason},
        after={"hidden": False},
        address=address,
    )
    return found


@writes
async def keep(db: AsyncSession, moderator: User, kind: ReportedKind, item_id: int, *, address: str = "") -> int:
    """Decide an item's open reports without hiding it; the reporters hear so."""
    found = await _moderated(db, moderator, kind, item_id)
    decided = await _close_reports(db, moderator, found, ReportState.KEPT)
    if not decided:
        raise Conflict(N_("There is no open report about this."))
    await audit.record(
        db,
        audit.Action.REPORT_KEPT,
        actor=moderator,
        subject=_audit_subject(found),
        after={"reports": decided},
        address=address,
    )
    return decided
