"""The activity stream: circle posts, organisation news and blog posts; comments, reactions,
views, read confirmations, mentions and circle follows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class PostKind(enum.StrEnum):
    POST = "post"  # in a circle; the circle's visibility applies
    NEWS = "news"  # organisation news by editors; every colleague
    BLOG = "blog"  # a colleague's blog post; every colleague


REACTIONS = ("thumbsup", "heart", "tada", "laugh", "bulb", "pray")


def _fk(target: str, *, nullable: bool = False, index: bool = True) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable, index=index)


class Post(SQLModel, table=True):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),
        Index("ix_posts_circle_id_id", "circle_id", "id"),
        Index("ix_posts_kind_id", "kind", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: PostKind = Field(sa_type=StrEnumType(PostKind))
    author_id: int = Field(sa_column=_fk("users.id"))
    circle_id: int | None = Field(default=None, sa_column=_fk("circles.id", nullable=True, index=False))
    title: str = Field(default="", max_length=200)
    lead: str = Field(default="", max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    cover: str | None = Field(default=None, max_length=80)
    featured_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    must_read: bool = False
    client_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Hidden by a moderator (services/moderation.py): gone for everyone but its author, who sees why.
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str | None = Field(default=None, max_length=500)
    # A question (services/questions.py): its comments are its answers, of which its asker (or a
    # circle admin) accepts one. No foreign key: comments already refer to posts, and a cycle
    # would need deferred constraints; deleting the accepted comment clears it in its service.
    question: bool = False
    accepted_comment_id: int | None = None


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("author_id", "client_id"), Index("ix_comments_post_id_id", "post_id", "id"))

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(sa_column=_fk("posts.id", index=False))
    parent_id: int | None = Field(default=None, sa_column=_fk("comments.id", nullable=True))
    author_id: int = Field(sa_column=_fk("users.id"))
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    client_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Hidden by a moderator (services/moderation.py): gone for everyone but its author, who sees why.
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str | None = Field(default=None, max_length=500)


class Reaction(SQLModel, table=True):
    """One emoji of one colleague on a post or comment: `target` is "post:12" or "comment:7"."""

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("target", "user_id", "emoji"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=40, index=True)
    user_id: int = Field(sa_column=_fk("users.id"))
    emoji: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PostView(SQLModel, table=True):
    __tablename__ = "post_views"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(sa_column=_fk("posts.id"))
    user_id: int = Field(sa_column=_fk("users.id", index=False))
    # When the colleague first saw it (insight's reach over time); None for views recorded
    # before it was kept.
    at: datetime | None = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NewsRead(SQLModel, table=True):
    """A colleague confirmed reading must-read news."""

    __tablename__ = "news_reads"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(sa_column=_fk("posts.id"))
    user_id: int = Field(sa_column=_fk("users.id", index=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Mention(SQLModel, table=True):
    """A colleague @mentioned in a post or comment (`target` as in Reaction), for notifications."""

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("target", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=40, index=True)
    user_id: int = Field(sa_column=_fk("users.id"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CircleFollow(SQLModel, table=True):
    """A colleague follows an open circle without joining it: its posts are in their stream."""

    __tablename__ = "circle_follows"
    __table_args__ = (UniqueConstraint("circle_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(sa_column=_fk("circles.id", index=False))
    user_id: int = Field(sa_column=_fk("users.id"))
