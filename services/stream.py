"""The activity stream: what a colleague sees, newest first, and what each item shows.

The stream holds news and blog posts, and the posts of the circles the reader belongs to or
follows (open circles only). Permission is part of the query (`posts.readable_by`), never a
filter applied to a page of results afterwards.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Circle,
    CircleFollow,
    Comment,
    NewsRead,
    Post,
    PostKind,
    PostView,
    Role,
    User,
    UserKind,
)
from models.base import utcnow
from services import attachments, circles, event_types, events, excerpts, notifications, poll_state, reactions
from services.access import access_circle, readable_circle, sql_member
from services.errors import N_, Conflict, NotFound, PermissionDenied
from services.event_types import PollState
from services.posts import access_post, post_target, readable_by
from services.transactions import unit_of_work, writes


class Filter(enum.StrEnum):
    ALL = "all"
    NEWS = "news"
    CIRCLES = "circles"  # posts of my circles only
    CIRCLE = "circle"  # one circle


def _in_my_stream(user: User) -> ColumnElement[bool]:
    follows = exists().where(col(CircleFollow.circle_id) == col(Post.circle_id), col(CircleFollow.user_id) == user.id)
    return or_(col(Post.kind) != PostKind.POST, sql_member(user, col(Post.circle_id)), follows)


async def feed(
    db: AsyncSession,
    user: User,
    *,
    filter: Filter = Filter.ALL,
    circle_id: int | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """A page of the stream, newest first; `before`/`after` are post ids (cursors)."""
    statement = select(Post).where(readable_by(user))
    if filter is Filter.ALL:
        statement = statement.where(_in_my_stream(user))
    elif filter is Filter.NEWS:  # the director's blog is news to the reader as well
        statement = statement.where(col(Post.kind).in_([PostKind.NEWS, PostKind.BLOG]))
    elif filter is Filter.CIRCLES:
        statement = statement.where(Post.kind == PostKind.POST, sql_member(user, col(Post.circle_id)))
    else:
        if circle_id is None:
            raise NotFound(N_("No such circle."))
        await readable_circle(db, user, circle_id)
        statement = statement.where(Post.circle_id == circle_id)
    if before is not None:
        statement = statement.where(col(Post.id) < before)
    if after is not None:
        statement = statement.where(col(Post.id) > after)
    statement = statement.order_by(col(Post.id).desc()).limit(limit)
    return list((await db.exec(statement)).all())


async def of_kind(
    db: AsyncSession, user: User, kind: PostKind, *, before: int | None = None, limit: int = 20
) -> list[Post]:
    """A page of all news, or of all blog posts, newest first; `before` is a post id (cursor)."""
    statement = select(Post).where(Post.kind == kind, readable_by(user))
    if before is not None:
        statement = statement.where(col(Post.id) < before)
    return list((await db.exec(statement.order_by(col(Post.id).desc()).limit(limit))).all())


async def featured(db: AsyncSession, user: User) -> list[Post]:
    """News pinned to the top of everyone's stream until its date."""
    statement = (
        select(Post)
        .where(Post.kind == PostKind.NEWS, col(Post.featured_until) > utcnow(), readable_by(user))
        .order_by(col(Post.id).desc())
        .limit(5)
    )
    return list((await db.exec(statement)).all())


@dataclass
class Card:
    """One stream item with what its card shows."""

    post: Post
    author: User | None
    circle: Circle | None
    comment_count: int
    reactions: reactions.Summary
    views: int
    read_by_me: bool
    excerpt: str | None = None  # the opening of a long text, as HTML; None when the card shows it whole
    attachments: list[dict[str, Any]] = field(default_factory=list)
    poll: PollState | None = None  # its poll as every reader sees it (services/polls.py)


async def cards(db: AsyncSession, user: User, posts: Sequence[Post]) -> list[Card]:
    """Everything the cards of `posts` show, in a fixed number of queries."""
    if not posts:
        return []
    ids = [p.id for p in posts if p.id is not None]
    authors = {
        u.id: u for u in (await db.exec(select(User).where(col(User.id).in_({p.author_id for p in posts})))).all()
    }
    circle_ids = {p.circle_id for p in posts if p.circle_id is not None}
    circles_by_id = {c.id: c for c in (await db.exec(select(Circle).where(col(Circle.id).in_(circle_ids)))).all()}
    comment_counts = dict(
        (
            await db.exec(
                select(Comment.post_id, func.count())
                .where(col(Comment.post_id).in_(ids), col(Comment.hidden_at).is_(None))
                .group_by(col(Comment.post_id))
            )
        ).all()
    )
    view_counts = dict(
        (
            await db.exec(
                select(PostView.post_id, func.count())
                .where(col(PostView.post_id).in_(ids))
                .group_by(col(PostView.post_id))
            )
        ).all()
    )
    read = set(
        (
            await db.exec(select(NewsRead.post_id).where(col(NewsRead.post_id).in_(ids), NewsRead.user_id == user.id))
        ).all()
    )
    summaries = await reactions.summaries(db, user, [post_target(i) for i in ids])
    attached = await attachments.data_for(db, [post_target(i) for i in ids])
    polls = await poll_state.states(db, [post_target(i) for i in ids])
    return [
        Card(
            post=p,
            author=authors.get(p.author_id),
            circle=circles_by_id.get(p.circle_id) if p.circle_id is not None else None,
            comment_count=comment_counts.get(p.id or 0, 0),
            reactions=summaries[post_target(p.id or 0)],
            views=view_counts.get(p.id or 0, 0),
            read_by_me=(p.id in read),
            excerpt=excerpts.opening(p.html),
            attachments=attached[post_target(p.id or 0)],
            poll=polls.get(post_target(p.id or 0)),
        )
        for p in posts
    ]


async def blog_of(db: AsyncSession, user: User, author_id: int, *, limit: int = 50) -> list[Post]:
    """A colleague's blog, newest first."""
    statement = (
        select(Post)
        .where(Post.kind == PostKind.BLOG, Post.author_id == author_id, readable_by(user))
        .order_by(col(Post.id).desc())
        .limit(limit)
    )
    return list((await db.exec(statement)).all())


async def record_view(db: AsyncSession, user: User, post_id: int) -> None:
    """The colleague has the post in front of them (its page sends this, a POST: a GET changes
    nothing): count one view per colleague of a news item or blog post, and read their
    notifications about the post and its comments in every tab. Only what changes takes a write."""
    post = await access_post(db, user, post_id)
    if post.kind is not PostKind.POST:
        async with unit_of_work(db):
            seen = await db.exec(select(PostView.id).where(PostView.post_id == post_id, PostView.user_id == user.id))
            if seen.first() is None:
                db.add(PostView(post_id=post_id, user_id=user.id or 0))
    await notifications.see_post(db, user, post_id)


@writes
async def confirm_read(db: AsyncSession, user: User, post_id: int) -> None:
    """A colleague confirms reading must-read news; confirming twice changes nothing."""
    post = await access_post(db, user, post_id)
    if post.kind is not PostKind.NEWS or not post.must_read:
        raise Conflict(N_("This is not must-read news."))
    done = (await db.exec(select(NewsRead.id).where(NewsRead.post_id == post_id, NewsRead.user_id == user.id))).first()
    if done is None:
        db.add(NewsRead(post_id=post_id, user_id=user.id or 0))
        await events.record(db, events.user_topic(user.id or 0), event_types.NewsRead(post_id=post_id))
    await notifications.see_news(db, user, post_id)


async def readers(db: AsyncSession, user: User, post_id: int) -> tuple[list[User], list[User]]:
    """Who has and who has not confirmed reading must-read news, its author left out: for editors
    and admins."""
    if user.role not in {Role.EDITOR, Role.ADMIN}:
        raise PermissionDenied(N_("Only editors see who has read this."))
    post = await access_post(db, user, post_id)
    if not post.must_read:
        raise Conflict(N_("This is not must-read news."))
    read_ids = set((await db.exec(select(NewsRead.user_id).where(NewsRead.post_id == post_id))).all())
    # The author wrote it: they are neither a reader nor someone who has yet to read it.
    everyone = list(
        (
            await db.exec(
                select(User)
                .where(col(User.is_active).is_(True), col(User.id) != post.author_id, col(User.kind) == UserKind.PERSON)
                .order_by(col(User.name))
            )
        ).all()
    )
    return [u for u in everyone if u.id in read_ids], [u for u in everyone if u.id not in read_ids]


async def stream_topics(db: AsyncSession, user: User) -> list[str]:
    """The topics a home page follows live: org, and every circle in the user's stream."""
    mine = await circles.my_circle_ids(db, user)
    followed = set((await db.exec(select(CircleFollow.circle_id).where(CircleFollow.user_id == user.id))).all())
    return [events.ORG_TOPIC, *(events.circle_topic(i) for i in sorted(mine | followed))]


@writes
async def follow(db: AsyncSession, user: User, circle_id: int, *, on: bool) -> None:
    """Follow (or stop following) an open circle's posts without joining it."""
    access = await access_circle(db, user, circle_id)
    if on and not access.standing.can_follow:
        access.standing.refuse(N_("Only open circles can be followed."))
    existing = (
        await db.exec(select(CircleFollow).where(CircleFollow.circle_id == circle_id, CircleFollow.user_id == user.id))
    ).first()
    if on and existing is None:
        db.add(CircleFollow(circle_id=circle_id, user_id=user.id or 0))
    elif not on and existing is not None:
        await db.delete(existing)


async def follows(db: AsyncSession, user: User) -> set[int]:
    return set((await db.exec(select(CircleFollow.circle_id).where(CircleFollow.user_id == user.id))).all())
