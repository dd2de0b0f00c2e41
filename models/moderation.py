"""Moderation: colleagues' reports of posts, comments and chat messages, and their outcome.

Hiding itself is kept on the items (`hidden_at`, `hidden_reason` on posts, comments and
messages), so every query that lists them can leave a hidden item out in the same statement.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class ReportedKind(enum.StrEnum):
    POST = "post"  # a circle post, news or a blog post
    COMMENT = "comment"
    MESSAGE = "message"  # a chat message, in a circle or a conversation


class ReportState(enum.StrEnum):
    OPEN = "open"  # waiting in the queue
    HIDDEN = "hidden"  # a moderator hid the item
    KEPT = "kept"  # a moderator looked and left the item as it is


class Report(SQLModel, table=True):
    """One colleague's report of one item. `is_open` is True while the report waits and NULL once
    decided: NULLs are distinct in a unique constraint on both backends, so the constraint allows
    one open report per reporter and item and any number of decided ones."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("item_kind", "item_id", "reporter_id", "is_open"),
        Index("ix_reports_state_id", "state", "id"),
        Index("ix_reports_item", "item_kind", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_kind: ReportedKind = Field(sa_type=StrEnumType(ReportedKind))
    item_id: int
    # Where the item lives (None: news, blogs and their comments): decides who moderates it.
    circle_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("circles.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    reporter_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    reason: str = Field(max_length=500)
    state: ReportState = Field(default=ReportState.OPEN, sa_type=StrEnumType(ReportState))
    is_open: bool | None = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
