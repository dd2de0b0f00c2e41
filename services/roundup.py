"""Ids's weekly round-up, on Monday morning in the organisation's time zone.

In each circle that wants it (`Circle.weekly_roundup`, off unless its admins or the demo turn it
on) Ids posts a short summary of the week before: the most discussed posts, new documents, new
members and questions still open. In the organisation's feed Ids posts the director's and
management's new blog posts with their most discussed replies. What a round-up names comes from
its own circle only (the organisation's from the organisation's blog), so it tells no reader
anything the circle does not already show them.

Guarantees: each round-up appears once per circle and ISO week, however many workers run at once:
it is claimed in `care_marks` (kind `roundup`, subject `circle:<id>:<year>-W<week>` or
`org:<year>-W<week>`) in the unit of work that posts it. A week with nothing to tell posts
nothing (and is claimed all the same, so it is not looked at again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleKind, Comment, Document, Membership, Post, PostKind, User, UserKind
from models.base import utcnow
from services import care_marks, ids_voice, posts
from services.errors import N_
from services.transactions import end_read, unit_of_work

log = logging.getLogger(__name__)

_TOP = 3
# Whose blog posts the organisation's round-up gathers: the director and management, by title.
MANAGEMENT_WORDS = ("directeur", "director", "bestuurder", "manager", "management")


@dataclass(frozen=True)
class Week:
    since: datetime  # last week's Monday 00:00, organisation time, as UTC
    until: datetime  # this Monday 00:00
    key: str  # "2026-W49": the week the round-up is posted in


def due_week(now: datetime, zone: str, hour: int) -> Week | None:
    """The week to sum up, once it is Monday `hour` o'clock or later in `zone` (a run later in the
    week catches up; the claim keeps it single)."""
    local = now.astimezone(ZoneInfo(zone))
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    if local < monday.replace(hour=hour):
        return None
    year, week, _ = monday.isocalendar()
    since = (monday - timedelta(days=7)).astimezone(ZoneInfo("UTC"))
    return Week(since=since, until=monday.astimezone(ZoneInfo("UTC")), key=f"{year}-W{week:02d}")


async def post_round_ups(db: AsyncSession, week: Week) -> int:
    """Every circle's and the organisation's round-up for `week` not posted yet; returns how many
    were posted."""
    await end_read(db)
    circles = await db.exec(
        select(Circle.id).where(
            col(Circle.weekly_roundup).is_(True),
            col(Circle.archived_at).is_(None),
            col(Circle.kind) != CircleKind.DIRECT,
        )
    )
    posted = 0
    for circle_id in [*circles.all(), None]:
        try:
            async with unit_of_work(db):
                posted += await _round_up(db, circle_id, week)
        except Exception:
            log.exception("Ids's round-up of circle %s failed; trying again next run", circle_id)
    return posted


async def _round_up(db: AsyncSession, circle_id: int | None, week: Week) -> bool:
    ids = await ids_voice.ids(db)
    subject = f"circle:{circle_id}:{week.key}" if circle_id is not None else f"org:{week.key}"
    if not await care_marks.claim_once(db, care_marks.ROUNDUP, subject, ids.id or 0, utcnow()):
        return False
    _ = ids_voice.words(ids)  # a post is read by everyone: the organisation's language
    if circle_id is None:
        body = await organisation_summary(db, week, _)
        if body is None:
            return False
        await posts.create_blog_post(db, ids, title=_(N_("Last week from management")), body=body)
        return True
    body = await circle_summary(db, circle_id, week, _)
    if body is None:
        return False
    await posts.create_assistant_post(db, ids, circle_id, body=body)
    return True


def _snippet(post: Post) -> str:
    text = post.title or " ".join(post.body.split())
    text = text.replace("[", "(").replace("]", ")")
    return text if len(text) <= 80 else text[:79].rsplit(" ", 1)[0] + "…"


async def circle_summary(db: AsyncSession, circle_id: int, week: Week, say: Callable[[str], str]) -> str | None:
    in_week = (col(Post.created_at) >= week.since, col(Post.created_at) < week.until)
    talked = func.count(col(Comment.id))
    discussed = (
        await db.exec(
            select(Post, talked)
            .join(Comment, col(Comment.post_id) == col(Post.id))
            .where(
                col(Post.circle_id) == circle_id,
                col(Post.kind) == PostKind.POST,
                col(Post.hidden_at).is_(None),
                col(Comment.created_at) >= week.since,
                col(Comment.created_at) < week.until,
                col(Comment.hidden_at).is_(None),
            )
            .group_by(col(Post.id))
            .order_by(talked.desc(), col(Post.id))
            .limit(_TOP)
        )
    ).all()
    new_documents = (
        await db.exec(
            select(Document)
            .where(
                col(Document.circle_id) == circle_id,
                col(Document.created_at) >= week.since,
                col(Document.created_at) < week.until,
            )
            .order_by(col(Document.title))
            .limit(_TOP * 2)
        )
    ).all()
    newcomers = (
        await db.exec(
            select(User.name)
            .join(Membership, col(Membership.user_id) == col(User.id))
            .where(
                col(Membership.circle_id) == circle_id,
                col(Membership.joined_at) >= week.since,
                col(Membership.joined_at) < week.until,
                col(User.is_active).is_(True),
            )
            .order_by(col(User.name))
        )
    ).all()
    answer = aliased(Comment)
    open_questions = (
        await db.exec(
            select(Post)
            .where(
                col(Post.circle_id) == circle_id,
                col(Post.kind) == PostKind.POST,
                col(Post.hidden_at).is_(None),
                *in_week,
                # A question marked as one is open until an answer is accepted; an unmarked post
                # with a question mark, until a colleague (not Ids) answers it.
                or_(
                    and_(col(Post.question).is_(True), col(Post.accepted_comment_id).is_(None)),
                    and_(
                        col(Post.question).is_(False),
                        col(Post.body).contains("?"),
                        ~select(answer.id)
                        .where(
                            col(answer.post_id) == col(Post.id),
                            col(answer.author_id) != col(Post.author_id),
                            col(answer.author_id).not_in(select(User.id).where(col(User.kind) == UserKind.ASSISTANT)),
                        )
                        .exists(),
                    ),
                ),
            )
            .order_by(col(Post.created_at))
            .limit(_TOP)
        )
    ).all()
    parts = []
    if discussed:
        parts.append(say(N_("**Most discussed**")))
        parts += [f"- [{_snippet(post)}](/posts/{post.id}) ({count}×💬)" for post, count in discussed]
    if new_documents:
        parts.append(say(N_("**New documents**")))
        parts += [f"- [{doc.title}](/knowledge/documents/{doc.id})" for doc in new_documents]
    if newcomers:
        parts.append(say(N_("**New members:** %(names)s")) % {"names": ", ".join(newcomers)})
    if open_questions:
        parts.append(say(N_("**Still open questions**: can you help?")))
        parts += [f"- [{_snippet(post)}](/posts/{post.id})" for post in open_questions]
    if not parts:
        return None
    return say(N_("Last week in this circle:")) + "\n\n" + "\n".join(parts)


async def organisation_summary(db: AsyncSession, week: Week, say: Callable[[str], str]) -> str | None:
    title = func.lower(col(User.job_title))
    management = [title.contains(word) for word in MANAGEMENT_WORDS]
    blogs = (
        await db.exec(
            select(Post, User.name)
            .join(User, col(User.id) == col(Post.author_id))
            .where(
                col(Post.kind) == PostKind.BLOG,
                col(Post.hidden_at).is_(None),
                col(Post.created_at) >= week.since,
                col(Post.created_at) < week.until,
                or_(*management),
            )
            .order_by(col(Post.created_at))
        )
    ).all()
    if not blogs:
        return None
    reply = aliased(Comment)
    replies = func.count(col(reply.id))
    parts = [say(N_("New from the director and management last week:"))]
    for post, name in blogs:
        parts.append(f"- [{_snippet(post)}](/posts/{post.id}), {name}")
        top = (
            await db.exec(
                select(Comment, replies)
                .outerjoin(reply, col(reply.parent_id) == col(Comment.id))
                .where(
                    col(Comment.post_id) == post.id, col(Comment.parent_id).is_(None), col(Comment.hidden_at).is_(None)
                )
                .group_by(col(Comment.id))
                .order_by(replies.desc(), col(Comment.id))
                .limit(2)
            )
        ).all()
        for comment, _count in top:
            text = " ".join(comment.body.split())
            parts.append(f"    - “{text[:120]}”")
    return "\n".join(parts)
