"""Comments on posts, news and blog posts, with one level of replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Comment, Mention, NotificationKind, Post, QuestionSource, Reaction, User
from models.base import utcnow
from services import accounts, assistant_questions, attachments, events, markdown, notifications, questions
from services.access import acting_for
from services.errors import N_, Conflict, Invalid, NotFound, PermissionDenied
from services.event_types import CommentCreated, CommentDeleted, CommentUpdated
from services.posts import (
    MAX_BODY,
    access_post,
    comment_target,
    ensure_not_hidden,
    may_moderate,
    respondable_post,
    topic_of,
)
from services.transactions import writes


def comment_data(comment: Comment, author: User, attached: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """What a page needs to show a comment, as carried by its events (a hidden comment's reason
    only for its author's page: no event carries a hidden comment)."""
    data = {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "author": accounts.author_data(author),
        "body": comment.body,
        "html": comment.html,
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "attachments": list(attached),
    }
    if comment.hidden_at is not None:
        data["hidden_reason"] = comment.hidden_reason
    return data


def _clean(body: str, *, optional: bool = False) -> str:
    body = body.strip()
    if not body and not optional:
        raise Invalid(N_("Write something first."), field="body")
    if len(body) > MAX_BODY:
        raise Invalid(N_("The text is too long."), field="body")
    return body


@writes
async def add_comment(
    db: AsyncSession,
    user: User,
    post_id: int,
    *,
    body: str,
    parent_id: int | None = None,
    client_id: str | None = None,
    on_behalf_of: User | None = None,
    attachment_ids: Sequence[int] = (),
    attachment_limits: attachments.Limits = attachments.DEFAULT_LIMITS,
) -> Comment:
    """Comment on a post the user may read. A reply to a reply joins its thread: one level.
    With photos or files attached (`attachments.upload`) the text may be empty.
    `on_behalf_of` is the colleague the assistant answers (`access.acting_for`)."""
    post = await respondable_post(db, acting_for(user, on_behalf_of), post_id)
    if client_id:
        existing = (
            await db.exec(select(Comment).where(Comment.author_id == user.id, Comment.client_id == client_id))
        ).first()
        if existing is not None:
            if existing.post_id != post_id:
                raise Conflict(N_("That client_id was used for another comment."), field="client_id")
            return existing
    if parent_id is not None:
        parent = await db.get(Comment, parent_id)
        if parent is None or parent.post_id != post_id:
            raise NotFound(N_("No such comment."))
        parent_id = parent.parent_id or parent.id
    rendered = await markdown.render(db, _clean(body, optional=bool(attachment_ids)))
    comment = Comment(
        post_id=post_id,
        parent_id=parent_id,
        author_id=user.id or 0,
        body=body.strip(),
        html=rendered.html,
        client_id=client_id or None,
    )
    db.add(comment)
    await db.flush()
    assert comment.id is not None
    for mentioned in rendered.mentions:
        db.add(Mention(target=comment_target(comment.id), user_id=mentioned))
    attached = await attachments.attach(
        db, user, attachment_ids, comment_target(comment.id), circle_id=post.circle_id, limits=attachment_limits
    )
    shown = [attachments.attachment_data(a) for a in attached]
    await events.record(db, topic_of(post), CommentCreated.model_validate(comment_data(comment, user, shown)))
    await _notify(db, user, post, comment, set(rendered.mentions))
    await assistant_questions.notice(
        db,
        user,
        QuestionSource.COMMENT,
        comment.id,
        circle_id=post.circle_id,
        text=comment.body,
        mentioned=rendered.mentions,
    )
    return comment


async def _notify(db: AsyncSession, user: User, post: Post, comment: Comment, mentioned: set[int]) -> None:
    """Mentioned colleagues hear of the mention, the replied-to of the reply, and the post's
    author and earlier commenters of the comment: each once, by the most specific kind."""
    about = notifications.about_comment(comment, post)
    await notifications.notify(db, mentioned, actor=user, kind=NotificationKind.MENTION, about=about)
    addressed = set(mentioned)
    if comment.parent_id is not None:
        parent = await db.get(Comment, comment.parent_id)
        if parent is not None and parent.author_id not in addressed:
            replied = notifications.about_comment(parent, post)
            reply = notifications.About(replied.subject, about.url, parent.body, post.circle_id)
            await notifications.notify(
                db, [parent.author_id], actor=user, kind=NotificationKind.REPLY, about=reply, detail=comment.body
            )
            addressed.add(parent.author_id)
    earlier = await db.exec(select(Comment.author_id).where(Comment.post_id == post.id).distinct())
    followers = ({post.author_id} | set(earlier.all())) - addressed
    await notifications.notify(
        db,
        followers,
        actor=user,
        kind=NotificationKind.COMMENT,
        about=notifications.about_post(post),
        detail=comment.body,
    )


async def _own_comment(db: AsyncSession, user: User, comment_id: int) -> tuple[Comment, str]:
    comment = await db.get(Comment, comment_id)
    if comment is None:
        raise NotFound(N_("No such comment."))
    post = await access_post(db, user, comment.post_id)
    if not await may_moderate(db, user, comment, post.circle_id):
        raise PermissionDenied(N_("Only the author or an admin may change this."))
    return comment, topic_of(post)


@writes
async def edit_comment(db: AsyncSession, user: User, comment_id: int, *, body: str) -> Comment:
    comment, topic = await _own_comment(db, user, comment_id)
    await respondable_post(db, user, comment.post_id)
    ensure_not_hidden(comment)
    comment.body = _clean(body)
    rendered = await markdown.render(db, comment.body)
    comment.html = rendered.html
    comment.edited_at = utcnow()
    db.add(comment)
    before = set(
        (await db.exec(select(Mention.user_id).where(col(Mention.target) == comment_target(comment_id)))).all()
    )
    await db.exec(delete(Mention).where(col(Mention.target) == comment_target(comment_id)))
    for mentioned in rendered.mentions:
        db.add(Mention(target=comment_target(comment_id), user_id=mentioned))
    post = await db.get(Post, comment.post_id)
    assert post is not None
    new = set(rendered.mentions) - before
    about = notifications.about_comment(comment, post)
    await notifications.notify(db, new, actor=user, kind=NotificationKind.MENTION, about=about)
    author = await db.get(User, comment.author_id)
    assert author is not None
    shown = await attachments.data_of(db, comment_target(comment_id))
    await events.record(db, topic, CommentUpdated.model_validate(comment_data(comment, author, shown)))
    await questions.answer_changed(db, comment)
    return comment


@writes
async def delete_comment(db: AsyncSession, user: User, comment_id: int) -> None:
    comment, topic = await _own_comment(db, user, comment_id)
    replies = list((await db.exec(select(Comment.id).where(Comment.parent_id == comment_id))).all())
    targets = [comment_target(i) for i in [comment_id, *replies] if i is not None]
    await db.exec(delete(Reaction).where(col(Reaction.target).in_(targets)))
    await db.exec(delete(Mention).where(col(Mention.target).in_(targets)))
    await attachments.forget(db, targets)
    deleted = CommentDeleted(id=comment_id, post_id=comment.post_id, replies=[i for i in replies if i is not None])
    await events.record(db, topic, deleted)
    await questions.comment_deleted(db, comment.post_id, [comment_id, *deleted.replies])
    await notifications.forget(db, targets)
    await db.delete(comment)


async def list_comments(db: AsyncSession, user: User, post_id: int) -> list[tuple[Comment, User]]:
    """A post's comments in order, each reply after its parent's earlier replies; hidden ones
    only for their author."""
    await access_post(db, user, post_id)
    rows = await db.exec(
        select(Comment, User)
        .join(User, col(User.id) == col(Comment.author_id))
        .where(Comment.post_id == post_id, or_(col(Comment.hidden_at).is_(None), col(Comment.author_id) == user.id))
        .order_by(col(Comment.id))
    )
    return [(c, u) for c, u in rows.all()]
