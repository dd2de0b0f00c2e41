"""News proposed by colleagues and news waiting for its time.

A proposal is not a post: nothing in `posts` (stream, /news, search, feeds, notifications,
realtime) knows of it until an editor publishes it, or until the scheduler publishes it at its
`publish_at`. Then the post is made and `post_id` names it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class ProposalState(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for an editor
    SENT_BACK = "sent_back"  # with an editor's note; its proposer may change it and propose it again
    SCHEDULED = "scheduled"  # accepted, appears at `publish_at`
    PUBLISHED = "published"  # `post_id` is the news


class NewsProposal(SQLModel, table=True):
    __tablename__ = "news_proposals"
    __table_args__ = (Index("ix_news_proposals_state_publish_at", "state", "publish_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # The colleague whose news it is: the published post is theirs.
    proposer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    state: ProposalState = Field(default=ProposalState.PROPOSED, sa_type=StrEnumType(ProposalState))
    title: str = Field(default="", max_length=200)
    lead: str = Field(default="", max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    cover: str | None = Field(default=None, max_length=80)
    must_read: bool = False
    featured_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    publish_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=1000)  # why an editor sent it back
    # The editor who last published, scheduled or sent it back.
    editor_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    post_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("posts.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
