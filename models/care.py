"""What Ids, the organisation's virtual colleague, keeps to take care of colleagues and knowledge.

`CareMark` is the claim that makes each of Ids's nudges single: one row per kind, subject and
colleague, inserted (or moved on with a conditional UPDATE) in the transaction that sends the
nudge, so several workers, tabs or runs never send it twice. `UnansweredQuestion` holds the
questions Ids could not answer well, for the editors' weekly list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class CareMark(SQLModel, table=True):
    __tablename__ = "care_marks"
    __table_args__ = (UniqueConstraint("kind", "subject", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)  # welcome, checklist_done, review, must_read, roundup, questions
    subject: str = Field(default="", max_length=60)  # "document:5", "post:9", "circle:3:2026-W49"
    # Whom it was for; for a round-up posted in a circle, Ids itself (never empty: the
    # constraint would let NULLs repeat).
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # the last time it was sent
    times: int = 1


class UnansweredQuestion(SQLModel, table=True):
    __tablename__ = "unanswered_questions"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    # The question made plain (lower case, words only) so the same question asked twice counts twice.
    key: str = Field(max_length=200, index=True)
    asker_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
