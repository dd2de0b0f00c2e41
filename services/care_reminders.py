"""Ids's reminders: documents and knowledge pages past their review date to their owner, must-read news not
confirmed, and the editors' weekly list of questions asked again and again without an answer.

Guarantees (each claimed in `care_marks` in the unit of work that sends it, so several workers
running these at once send each reminder once):
- review: a document's owner (its responsible colleague, else whoever added it) and a knowledge
  page's (its author) hear of it once when it is past its review date, then at most weekly
  while it stays so, and only while they may still change it; confirming or archiving it
  (`documents.confirm_current`, `archive_document`, `knowledge_pages.confirm_current`,
  `archive_page`) ends the reminders;
- must-read: one reminder per colleague and item, `must_read_days` after publishing, only to
  colleagues who may read it, have not confirmed it and have not switched news off;
- questions: each editor gets the week's list at most once a week, and only when it is not empty.
Each reminder is its own unit of work, so one that fails does not hold back the others.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    CareMark,
    Document,
    KnowledgePage,
    NewsRead,
    NotificationKind,
    NotificationSettings,
    Post,
    PostKind,
    Role,
    User,
    UserKind,
)
from services import assistant_care, care_marks, documents, ids_voice, knowledge_pages
from services.errors import N_
from services.transactions import end_read, unit_of_work

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)
# Must-read news older than this is no longer chased.
MUST_READ_HORIZON = timedelta(days=92)


def _people() -> list[ColumnElement[bool]]:
    """Active colleagues: people, not Ids."""
    return [col(User.is_active).is_(True), col(User.kind) == UserKind.PERSON]


async def _each(db: AsyncSession, items: list[tuple[int, int]], send: Callable[[int, int], Awaitable[bool]]) -> int:
    sent = 0
    for item_id, user_id in items:
        try:
            async with unit_of_work(db):
                sent += await send(item_id, user_id)
        except Exception:
            log.exception("Ids's reminder about %s to %s failed; trying again next run", item_id, user_id)
    return sent


async def remind_reviews(db: AsyncSession, now: datetime, today: date) -> int:
    """Tell owners of documents and knowledge pages past their review date; returns how many
    were told."""
    await end_read(db)
    return await _remind_documents(db, now, today) + await _remind_pages(db, now, today)


async def _remind_documents(db: AsyncSession, now: datetime, today: date) -> int:
    owner = func.coalesce(col(Document.responsible_id), col(Document.created_by))
    rows = await db.exec(
        select(Document.id, owner)
        .join(User, col(User.id) == owner)
        .where(col(Document.review_by) < today, col(Document.archived_at).is_(None), *_people())
        .order_by(col(Document.id))
    )
    due = [(doc_id, user_id) for doc_id, user_id in rows.all() if doc_id is not None]

    async def send(document_id: int, user_id: int) -> bool:
        user = await db.get(User, user_id)
        document = await db.get(Document, document_id, populate_existing=True)
        if user is None or document is None or document.review_by is None or document.review_by >= today:
            return False
        if not await documents.may_change(db, user, document):
            return False  # no longer theirs to keep (left the circle, say)
        if not await care_marks.claim_every(db, care_marks.REVIEW, f"document:{document_id}", user_id, now, WEEK):
            return False
        await ids_voice.say(db, user_id, review_message(user, document))
        return True

    return await _each(db, due, send)


async def _remind_pages(db: AsyncSession, now: datetime, today: date) -> int:
    """A knowledge page's owner is its author: who wrote it keeps it."""
    rows = await db.exec(
        select(KnowledgePage.id, KnowledgePage.created_by)
        .join(User, col(User.id) == col(KnowledgePage.created_by))
        .where(col(KnowledgePage.review_by) < today, col(KnowledgePage.archived_at).is_(None), *_people())
        .order_by(col(KnowledgePage.id))
    )
    due = [(page_id, user_id) for page_id, user_id in rows.all() if page_id is not None]

    async def send(page_id: int, user_id: int) -> bool:
        user = await db.get(User, user_id)
        page = await db.get(KnowledgePage, page_id, populate_existing=True)
        if user is None or page is None or not knowledge_pages.is_overdue(page, today):
            return False
        if not await knowledge_pages.may_edit(db, user, page):
            return False  # no longer theirs to keep (left the circle, say)
        if not await care_marks.claim_every(db, care_marks.REVIEW, f"page:{page_id}", user_id, now, WEEK):
            return False
        await ids_voice.say(db, user_id, page_review_message(user, page))
        return True

    return await _each(db, due, send)


def review_message(user: User, document: Document) -> str:
    _ = ids_voice.words(user)
    asked = _(
        N_("The document [%(title)s](/knowledge/documents/%(id)s) was due for review on %(day)s. Is it still right?")
    )
    day = document.review_by.isoformat() if document.review_by else ""
    text = asked % {"title": document.title, "id": document.id, "day": day}
    return text + "\n\n" + _actions(_, f"/ids/review/{document.id}", f"/knowledge/documents/{document.id}#edit")


def page_review_message(user: User, page: KnowledgePage) -> str:
    _ = ids_voice.words(user)
    asked = _(N_("The page [%(title)s](/knowledge/pages/%(id)s) was due for review on %(day)s. Is it still right?"))
    day = page.review_by.isoformat() if page.review_by else ""
    text = asked % {"title": page.title, "id": page.id, "day": day}
    return text + "\n\n" + _actions(_, f"/ids/review/pages/{page.id}", f"/knowledge/pages/{page.id}/edit")


def _actions(_: Callable[[str], str], review: str, update: str) -> str:
    """The three answers: "still right" and "archive" lead to `review`'s page, which asks for
    the POST; "update" to the item's editor."""
    return " · ".join(
        (
            f"[{_(N_('Still right'))}]({review}?do=ok)",
            f"[{_(N_('Update'))}]({update})",
            f"[{_(N_('Archive'))}]({review}?do=archive)",
        )
    )


async def remind_must_read(db: AsyncSession, now: datetime, days: int) -> int:
    """One reminder per colleague and must-read item not confirmed `days` after it appeared."""
    await end_read(db)
    news = await db.exec(
        select(Post.id).where(
            col(Post.kind) == PostKind.NEWS,
            col(Post.must_read).is_(True),
            col(Post.hidden_at).is_(None),
            col(Post.created_at) <= now - timedelta(days=days),
            col(Post.created_at) >= now - MUST_READ_HORIZON,
        )
    )
    due: list[tuple[int, int]] = []
    for post_id in news.all():
        subject = f"post:{post_id}"
        read = select(NewsRead.user_id).where(col(NewsRead.post_id) == post_id)
        told = select(CareMark.user_id).where(
            col(CareMark.kind) == care_marks.MUST_READ, col(CareMark.subject) == subject
        )
        people = await db.exec(select(User.id).where(*_people(), col(User.id).not_in(read), col(User.id).not_in(told)))
        due += [(post_id, user_id) for user_id in people.all() if post_id is not None and user_id is not None]
    news_off = await _news_switched_off(db)
    due = [(post_id, user_id) for post_id, user_id in due if user_id not in news_off]

    async def send(post_id: int, user_id: int) -> bool:
        user = await db.get(User, user_id)
        post = await db.get(Post, post_id)
        if user is None or post is None:
            return False
        if not await care_marks.claim_once(db, care_marks.MUST_READ, f"post:{post_id}", user_id, now):
            return False
        _ = ids_voice.words(user)
        text = _(N_("A reminder: please read and confirm the must-read news [%(title)s](/posts/%(id)s)."))
        await ids_voice.say(db, user_id, text % {"title": post.title, "id": post_id})
        return True

    return await _each(db, due, send)


async def _news_switched_off(db: AsyncSession) -> set[int]:
    """Colleagues who switched must-read news notifications off: Ids does not remind them either."""
    rows = await db.exec(select(NotificationSettings.user_id, NotificationSettings.muted_kinds))
    return {user_id for user_id, muted in rows.all() if NotificationKind.NEWS.value in muted}


async def send_question_lists(db: AsyncSession, now: datetime) -> int:
    """The week's repeated unanswered questions to every editor, at most once a week."""
    await end_read(db)
    found = await assistant_care.repeated(db, since=now - WEEK)
    if not found:
        return 0
    editors = await db.exec(
        select(User.id).where(*_people(), col(User.role).in_((Role.EDITOR, Role.ADMIN))).order_by(col(User.id))
    )

    async def send(_: int, user_id: int) -> bool:
        user = await db.get(User, user_id)
        if user is None or not await care_marks.claim_every(
            db, care_marks.QUESTIONS, "", user_id, now, WEEK - timedelta(hours=1)
        ):
            return False
        say = ids_voice.words(user)
        lines = [say(N_("These questions were asked to me more than once this week, and I found no good answer:"))]
        lines += [f"- {item.question} ({item.times}×)" for item in found]
        lines.append(say(N_("A knowledge page that answers them helps your colleagues.")))
        await ids_voice.say(db, user_id, "\n".join(lines))
        return True

    return await _each(db, [(0, user_id) for user_id in editors.all() if user_id is not None], send)
