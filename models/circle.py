"""Circles (knowledge circles, teams, interests) and who belongs to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class CircleKind(enum.StrEnum):
    KNOWLEDGE = "knowledge"
    TEAM = "team"
    INTEREST = "interest"
    DIRECT = "direct"  # a private conversation of 2 to 10 colleagues: a secret circle underneath


CIRCLE_KINDS = (CircleKind.KNOWLEDGE, CircleKind.TEAM, CircleKind.INTEREST)  # the ones people create


class CircleVisibility(enum.StrEnum):
    OPEN = "open"  # any colleague sees it and may join
    CLOSED = "closed"  # visible; joining takes a request a circle admin approves
    SECRET = "secret"  # invisible to non-members; joining takes an invitation


class MemberRole(enum.StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class NotifyLevel(enum.StrEnum):
    """How much of a circle's activity reaches a member as notifications."""

    ALL = "all"  # everything about the member's own items, mentions, replies, join requests
    MENTIONS = "mentions"  # only @mentions and replies to the member
    MUTED = "muted"  # nothing


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


def _fk(target: str, *, index: bool = True) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index)


class Circle(SQLModel, table=True):
    __tablename__ = "circles"

    id: int | None = Field(default=None, primary_key=True)
    # Unique only among the circles one colleague can see (services.circles): a name unique
    # across secret circles would tell outsiders they exist.
    name: str = Field(sa_column=Column(String(80), nullable=False, index=True))
    description: str = Field(default="", max_length=2000)
    color: str = Field(default="#0b6e4f", max_length=7)
    kind: CircleKind = Field(sa_type=StrEnumType(CircleKind))
    visibility: CircleVisibility = Field(sa_type=StrEnumType(CircleVisibility), index=True)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set while the circle is archived: read-only for everyone, out of every list (who archived
    # it, and when it came back, is in the audit log).
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    weekly_roundup: bool = False  # Ids posts a summary of last week here on Monday morning
    # The circle shows a "galerij" tab: its photos together, newest first.
    gallery: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # Its admins' chat retention in days (services/chat_retention.py): only ever shorter than the
    # organisation's; None follows the organisation.
    chat_retention_days: int | None = None


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("circle_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(sa_column=_fk("circles.id", index=False))
    user_id: int = Field(sa_column=_fk("users.id"))
    role: MemberRole = Field(default=MemberRole.MEMBER, sa_type=StrEnumType(MemberRole))
    notify: NotifyLevel = Field(
        default=NotifyLevel.ALL, sa_type=StrEnumType(NotifyLevel), sa_column_kwargs={"server_default": "all"}
    )
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class JoinRequest(SQLModel, table=True):
    """A colleague asks to join a closed circle; a circle admin decides."""

    __tablename__ = "join_requests"

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(sa_column=_fk("circles.id"))
    user_id: int = Field(sa_column=_fk("users.id"))
    message: str = Field(default="", max_length=500)
    status: RequestStatus = Field(default=RequestStatus.PENDING, sa_type=StrEnumType(RequestStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """A circle admin invites a colleague; the only way into a secret circle."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(sa_column=_fk("circles.id"))
    user_id: int = Field(sa_column=_fk("users.id"))
    invited_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    status: RequestStatus = Field(default=RequestStatus.PENDING, sa_type=StrEnumType(RequestStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
