"""What colleagues asked the assistant (`services.assistant`): one row per question, claimed by
the worker that answers it, so several workers answer each question once."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class QuestionSource(enum.StrEnum):
    MESSAGE = "message"  # a chat message: in a conversation with the assistant, or mentioning it
    POST = "post"  # a post mentioning the assistant: answered with a comment
    COMMENT = "comment"  # a comment mentioning it: answered with a reply


class AskState(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # a worker is answering it (since `claimed_at`)
    ANSWERED = "answered"


class AssistantQuestion(SQLModel, table=True):
    __tablename__ = "assistant_questions"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: QuestionSource = Field(sa_type=StrEnumType(QuestionSource))
    source_id: int
    asker_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    circle_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("circles.id"), nullable=True))
    text: str = Field(max_length=4000)
    state: AskState = Field(default=AskState.PENDING, sa_type=StrEnumType(AskState), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    known: bool | None = Field(default=None)  # whether the answer found a source (for insight later)
