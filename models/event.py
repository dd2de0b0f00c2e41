"""The event log: the transactional outbox that realtime delivery reads from.

Every change that others should see live appends an `Event` in the same transaction as the
change itself. `TopicHead` holds each topic's last `seq`; incrementing it takes the row's lock,
so concurrent writers to one topic commit in `seq` order and `seq` has no gaps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_topic_seq", "topic", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=64)
    seq: int
    kind: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class TopicHead(SQLModel, table=True):
    __tablename__ = "topic_heads"

    topic: str = Field(sa_column=Column(String(64), primary_key=True))
    seq: int = 0


class RealtimeMeta(SQLModel, table=True):
    """One row: the epoch, naming this incarnation of the event log."""

    __tablename__ = "realtime_meta"

    id: int = Field(default=1, primary_key=True)
    epoch: str = Field(max_length=32)
