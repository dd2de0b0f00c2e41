"""Questions in circles and their accepted answers.

A circle post may be a question: marked when it is written, or afterwards by its asker or a
circle admin (`access.settles_question`, which also says who accepts). Its comments are its
answers; the asker or a circle admin accepts one comment (not a reply to one), and may change or
withdraw the acceptance. Each change records its event on the circle's topic in the same unit of
work (`question.marked`, `answer.accepted`), so open pages move the accepted answer first and
update the badge, and rewrites the question's search row, which says whether the question is
answered and holds the accepted answer's text (`posts.catalogue`). The answer's author hears of
the acceptance (`answer_accepted`). Deleting the accepted comment withdraws the acceptance
(`comment_deleted`, called by `services.comments`).

A question a colleague may not read does not exist for them: every function here asks
`posts.readable_by`, so a secret circle's questions stay with its members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, Comment, ItemKind, NotificationKind, Post, PostKind, QuestionState, User
from services import events, notifications, search
from services.access import readable_circle, settles_question, standing
from services.errors import N_, Conflict, NotFound, PermissionDenied
from services.event_types import AnswerAccepted, QuestionMarked
from services.posts import access_post, catalogue, ensure_not_hidden, readable_by
from services.transactions import writes

_TITLE_CHARS = 120


async def _settled_post(db: AsyncSession, user: User, post_id: int) -> Post:
    """The post `user` marks or whose answer they accept, or the refusal: `NotFound` where they
    may not read it, the archive's reason in an archived circle, else `PermissionDenied`."""
    post = await access_post(db, user, post_id)
    if post.kind is not PostKind.POST or post.circle_id is None:
        raise Conflict(N_("Only a post in a circle can be a question."))  # news or a blog: its kind, not the request
    found = await standing(db, user, post.circle_id)
    found.ensure_not_archived()
    if not settles_question(user, found, post.author_id):
        raise PermissionDenied(N_("Only the asker or an admin of the circle may do this."))
    ensure_not_hidden(post)
    return post


async def _record(db: AsyncSession, post: Post, event: QuestionMarked | AnswerAccepted) -> None:
    assert post.circle_id is not None
    db.add(post)
    await catalogue(db, post)
    await events.record(db, events.circle_topic(post.circle_id), event)


@writes
async def mark_question(db: AsyncSession, user: User, post_id: int, *, question: bool) -> Post:
    """Make a circle post a question, or no longer one (which withdraws an accepted answer)."""
    post = await _settled_post(db, user, post_id)
    if post.question == question:
        return post
    post.question = question
    if not question:
        post.accepted_comment_id = None
    marked = QuestionMarked(post_id=post_id, question=question, accepted_comment_id=post.accepted_comment_id)
    await _record(db, post, marked)
    return post


@writes
async def accept_answer(db: AsyncSession, user: User, post_id: int, comment_id: int | None) -> Post:
    """Accept `comment_id` as the question's answer, in place of any before it; None withdraws
    the acceptance. Accepting the answer already accepted changes nothing."""
    post = await _settled_post(db, user, post_id)
    if not post.question:
        raise Conflict(N_("This post is not a question."))
    comment = None
    if comment_id is not None:
        comment = await db.get(Comment, comment_id)
        if comment is None or comment.post_id != post_id or comment.hidden_at is not None:
            raise NotFound(N_("No such comment."))
        if comment.parent_id is not None:
            raise Conflict(N_("Accept an answer, not a reply to one."))
    previous = post.accepted_comment_id
    if previous == comment_id:
        return post
    post.accepted_comment_id = comment_id
    await _record(db, post, AnswerAccepted(post_id=post_id, comment_id=comment_id, previous_id=previous))
    if comment is not None:
        await notifications.notify(
            db,
            [comment.author_id],
            actor=user,
            kind=NotificationKind.ANSWER_ACCEPTED,
            about=notifications.about_comment(comment, post),
        )
    return post


async def comment_deleted(db: AsyncSession, post_id: int, comment_ids: Sequence[int]) -> None:
    """Comments of a post are being deleted in the caller's unit of work: if the accepted answer is
    among them, the question is open again."""
    post = await db.get(Post, post_id)
    if post is None or post.accepted_comment_id not in comment_ids:
        return
    previous, post.accepted_comment_id = post.accepted_comment_id, None
    await _record(db, post, AnswerAccepted(post_id=post_id, comment_id=None, previous_id=previous))


async def answer_changed(db: AsyncSession, comment: Comment) -> None:
    """A comment's text or visibility changed in the caller's unit of work: if it is an accepted
    answer, its question's search row follows."""
    post = await db.get(Post, comment.post_id)
    if post is not None and post.accepted_comment_id == comment.id:
        await catalogue(db, post)


async def open_questions(db: AsyncSession, user: User, circle_id: int, *, limit: int = 50) -> list[Post]:
    """A circle's questions without an accepted answer, newest first (`NotFound` where `user` may
    not read the circle)."""
    await readable_circle(db, user, circle_id)
    statement = (
        select(Post)
        .where(
            col(Post.circle_id) == circle_id,
            col(Post.question).is_(True),
            col(Post.accepted_comment_id).is_(None),
            readable_by(user),
        )
        .order_by(col(Post.id).desc())
        .limit(limit)
    )
    return list((await db.exec(statement)).all())


@dataclass(frozen=True)
class AcceptedAnswer:
    """A question with its accepted answer, as the assistant quotes it."""

    post_id: int
    circle_id: int
    circle_name: str
    title: str  # the question's first line, shortened
    question: str  # the question's text (Markdown, as written)
    answer: str  # the accepted answer's text (Markdown, as written)
    answer_author: str
    url: str  # the question's page, at the accepted answer


async def accepted_answers(
    db: AsyncSession, reader: User, text: str = "", *, circle_id: int | None = None, limit: int = 5
) -> list[AcceptedAnswer]:
    """The answered questions `reader` may read, with their accepted answers: those matching
    `text` (words of the question or of its answer, by search's Dutch matching, best first), or
    without `text` the newest. `circle_id` keeps to one circle. Meant for Ids, which quotes
    these before anything else: what a circle settled is the best answer Kring has. Never
    anything from a circle the reader may not read, nor a hidden question or answer."""
    if text.strip():
        query = search.Query(
            text=text, kinds=(ItemKind.POST,), circle_id=circle_id, question=QuestionState.ANSWERED, limit=limit
        )
        ids = [hit.item.ref_id for hit in (await search.search(db, reader, query)).hits]
        if not ids:
            return []
        condition: ColumnElement[bool] = col(Post.id).in_(ids)
    else:
        ids = []
        condition = col(Post.question).is_(True)
        if circle_id is not None:
            condition = and_(condition, col(Post.circle_id) == circle_id)
    statement = (
        select(Post, Comment, User, Circle)
        .join(Comment, col(Comment.id) == col(Post.accepted_comment_id))
        .join(User, col(User.id) == col(Comment.author_id))
        .join(Circle, col(Circle.id) == col(Post.circle_id))
        .where(
            condition,
            col(Post.question).is_(True),
            col(Post.hidden_at).is_(None),
            col(Comment.hidden_at).is_(None),
            readable_by(reader),
        )
        .order_by(col(Post.id).desc())
        .limit(limit)
    )
    rows = list((await db.exec(statement)).all())
    if ids:  # in search's order, best first
        rank = {post_id: i for i, post_id in enumerate(ids)}
        rows.sort(key=lambda row: rank[row[0].id or 0])
    return [
        AcceptedAnswer(
            post_id=post.id or 0,
            circle_id=circle.id or 0,
            circle_name=circle.name,
            title=notifications.shorten(post.body.strip().splitlines()[0], _TITLE_CHARS),
            question=post.body,
            answer=comment.body,
            answer_author=author.name,
            url=f"/posts/{post.id}#comment-{comment.id}",
        )
        for post, comment, author, circle in rows
    ]


def accepted_first(post: Post, comments: Sequence[tuple[Comment, User]]) -> list[tuple[Comment, User]]:
    """A post's comments in their order, with a question's accepted answer and its replies moved
    first: how the page and the API list them."""
    accepted = post.accepted_comment_id if post.question else None
    if accepted is None:
        return list(comments)

    def in_answer(row: tuple[Comment, User]) -> bool:
        return accepted in (row[0].id, row[0].parent_id)

    return [row for row in comments if in_answer(row)] + [row for row in comments if not in_answer(row)]


async def may_settle(db: AsyncSession, user: User, post: Post) -> bool:
    """Whether `user` may mark `post` (one they read) as a question and accept its answer: what
    its page offers them."""
    if post.kind is not PostKind.POST or post.circle_id is None or post.hidden_at is not None:
        return False
    return settles_question(user, await standing(db, user, post.circle_id), post.author_id)


async def open_count(db: AsyncSession, user: User, circle_id: int) -> int:
    """How many of a circle's questions are open, for its tab (the circle is read by `user`)."""
    statement = select(func.count()).where(
        col(Post.circle_id) == circle_id,
        col(Post.question).is_(True),
        col(Post.accepted_comment_id).is_(None),
        readable_by(user),
    )
    return int((await db.exec(statement)).one())
