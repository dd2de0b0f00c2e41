"""Noticing questions for the assistant, and claiming them for an answer.

A chat message in a conversation with the assistant, or a message, post or comment that
mentions it, is a question: the operation that stores it calls `notice` in its own unit of
work, which keeps an `AssistantQuestion` row and wakes this worker's `Answerer`
(`services.answering`) once the unit commits, so the answer is written after the question is
visible to everyone and never in the request.

Guarantees: a question is kept once (one row per source item), whichever way it was noticed.
`claim` is a conditional UPDATE, so of several workers looking at once exactly one answers it;
a claim older than `STALE_CLAIM` (its worker stopped mid-answer) may be taken again.
This module imports no other service, so chat, posts and comments may import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AskState, AssistantQuestion, Membership, QuestionSource, User, UserKind
from models.base import utcnow
from services.transactions import Outbox, require, writes

STALE_CLAIM = timedelta(seconds=60)


async def _assistant_id(db: AsyncSession) -> int | None:
    return (await db.exec(select(User.id).where(User.kind == UserKind.ASSISTANT))).first()


async def notice(
    db: AsyncSession,
    asker: User,
    source: QuestionSource,
    source_id: int,
    *,
    circle_id: int | None,
    text: str,
    mentioned: Iterable[int],
    in_conversation: bool = False,
) -> bool:
    """Keep the item as a question if it is meant for the assistant (see the module docstring);
    whether it was. Call inside the unit of work that stores the item."""
    if asker.is_assistant:
        return False
    assistant = await _assistant_id(db)
    if assistant is None:
        return False
    meant = assistant in set(mentioned)
    if not meant and in_conversation:
        found = await db.exec(
            select(Membership.user_id).where(Membership.circle_id == circle_id, Membership.user_id == assistant)
        )
        meant = found.first() is not None
    if not meant:
        return False
    db.add(
        AssistantQuestion(
            source=source, source_id=source_id, asker_id=asker.id or 0, circle_id=circle_id, text=text[:4000]
        )
    )
    require(db).then(Outbox.wake_assistant)
    return True


async def waiting(db: AsyncSession, *, limit: int = 20) -> list[int]:
    """Questions to answer, oldest first: pending ones and those whose claim went stale."""
    stale = utcnow() - STALE_CLAIM
    found = await db.exec(
        select(AssistantQuestion.id).where(_claimable(stale)).order_by(col(AssistantQuestion.id)).limit(limit)
    )
    return [question_id for question_id in found.all() if question_id is not None]


def _claimable(stale: Any) -> Any:
    return or_(
        col(AssistantQuestion.state) == AskState.PENDING,
        and_(col(AssistantQuestion.state) == AskState.CLAIMED, col(AssistantQuestion.claimed_at) < stale),
    )


@writes
async def claim(db: AsyncSession, question_id: int) -> AssistantQuestion | None:
    """Take the question for this worker, or None when another one has it (or answered it)."""
    now = utcnow()
    result = await db.exec(
        cast(
            Any,
            update(AssistantQuestion)
            .where(col(AssistantQuestion.id) == question_id, _claimable(now - STALE_CLAIM))
            .values(state=AskState.CLAIMED, claimed_at=now),
        )
    )
    if result.rowcount != 1:
        return None
    question = await db.get(AssistantQuestion, question_id)
    if question is not None:
        await db.refresh(question)
    return question


@writes
async def answered(db: AsyncSession, question_id: int, *, known: bool) -> None:
    """Mark the question answered (in the unit of work that writes the answer)."""
    question = await db.get(AssistantQuestion, question_id)
    if question is not None:
        question.state = AskState.ANSWERED
        question.answered_at = utcnow()
        question.known = known
        db.add(question)
