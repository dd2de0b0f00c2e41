"""Circle chat: messages and each colleague's read marker per circle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),
        # History pages are "the newest messages of a circle before id X": this index answers
        # them without scanning, also at 100,000 messages (tests/services/test_chat_history.py).
        Index("ix_messages_circle_id_id", "circle_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(sa_column=Column(Integer, ForeignKey("circles.id", ondelete="CASCADE"), nullable=False))
    author_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    reply_to_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("messages.id", ondelete="SET NULL"), nullable=True)
    )
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    client_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Hidden by a moderator (services/moderation.py): gone for everyone but its author, who sees why.
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str | None = Field(default=None, max_length=500)


class ReadMarker(SQLModel, table=True):
    """The last message of a circle a colleague has read."""

    __tablename__ = "read_markers"
    __table_args__ = (UniqueConstraint("user_id", "circle_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    circle_id: int = Field(
        sa_column=Column(Integer, ForeignKey("circles.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    message_id: int = 0
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
