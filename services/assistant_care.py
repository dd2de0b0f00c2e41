"""Questions Ids could not answer well, kept for the editors' weekly list.

`note_unanswered(db, question, asker_id)` is for the assistant (branch `ids`): call it, inside
the unit of work that answers, when no good source was found. `repeated` reads them back: the
questions asked at least twice (by their plain form) since a moment, most asked first. The asker
is kept for counting distinct colleagues only; the editors' list never names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import UnansweredQuestion
from models.base import utcnow

MAX_QUESTION = 500
_WORDS = re.compile(r"\w+")


def plain(question: str) -> str:
    """The question's words in lower case: "Hoe declareer ik?" and "hoe declareer ik" are one."""
    return " ".join(_WORDS.findall(question.lower()))[:200]


async def note_unanswered(db: AsyncSession, question: str, asker_id: int, *, now: datetime | None = None) -> None:
    text = " ".join(question.split())[:MAX_QUESTION]
    key = plain(text)
    if not key:
        return
    db.add(UnansweredQuestion(question=text, key=key, asker_id=asker_id, asked_at=now or utcnow()))
    await db.flush()


@dataclass(frozen=True)
class Repeated:
    question: str  # as it was last asked
    times: int


async def repeated(db: AsyncSession, *, since: datetime, least: int = 2, limit: int = 10) -> list[Repeated]:
    times = func.count(col(UnansweredQuestion.id))
    rows = await db.exec(
        select(UnansweredQuestion.key, times, func.max(col(UnansweredQuestion.id)))
        .where(col(UnansweredQuestion.asked_at) >= since)
        .group_by(col(UnansweredQuestion.key))
        .having(times >= least)
        .order_by(times.desc(), col(UnansweredQuestion.key))
        .limit(limit)
    )
    found = rows.all()
    texts = {
        row.id: row.question
        for row in (
            await db.exec(
                select(UnansweredQuestion).where(col(UnansweredQuestion.id).in_([last for _, _, last in found]))
            )
        ).all()
    }
    return [Repeated(question=texts[last], times=count) for _, count, last in found]
