"""Notifications: what happened to a colleague's items, grouped per subject, and their choices."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class NotificationKind(enum.StrEnum):
    REACTION = "reaction"  # to your post, comment or message
    COMMENT = "comment"  # on your post, or on a post you commented on
    REPLY = "reply"  # to your comment or chat message
    MENTION = "mention"
    JOIN_REQUEST = "join_request"  # to a circle you administer
    JOIN_ANSWER = "join_answer"  # your request was approved or declined
    INVITATION = "invitation"
    NEWS = "news"  # must-read organisation news
    NEWS_PROPOSAL = "news_proposal"  # your proposed news was published or sent back
    ITEM_HIDDEN = "item_hidden"  # a moderator hid your post, comment or message (with the reason)
    ITEM_RESTORED = "item_restored"  # ... and showed it again
    REPORT_ANSWER = "report_answer"  # what became of your report
    ANSWER_ACCEPTED = "answer_accepted"  # the asker accepted your comment as the answer to their question
    EXPORT_READY = "export_ready"  # the data export you asked for may be downloaded


class DigestFrequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class Notification(SQLModel, table=True):
    """One line in a colleague's inbox. Activity about the same subject while the line is unread
    joins it ("Anna and 4 others reacted"); after it was read, new activity opens it again."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "subject"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    kind: NotificationKind = Field(sa_type=StrEnumType(NotificationKind))
    subject: str = Field(max_length=40)  # what it is about: "post:12", "comment:5", "message:9", "circle:3"
    # The circle the subject lives in: the recipient sees the line only while they may see that.
    circle_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("circles.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    url: str = Field(max_length=300)
    title: str = Field(default="", max_length=200)  # the subject, shortened
    detail: str = Field(default="", max_length=200)  # the newest activity: an emoji, an excerpt, an answer
    actor_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # newest first
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationSettings(SQLModel, table=True):
    """A colleague's choices; a colleague without a row has the defaults."""

    __tablename__ = "notification_settings"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    muted_kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    digest: DigestFrequency = Field(default=DigestFrequency.DAILY, sa_type=StrEnumType(DigestFrequency))
    digest_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Parts of the badge ("notifications", "direct", "chat") the tab title leaves out.
    uncounted: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
