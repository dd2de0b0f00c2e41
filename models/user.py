"""Colleagues and their accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class Role(enum.StrEnum):
    MEMBER = "member"
    EDITOR = "editor"  # communications: may publish organisation news
    ADMIN = "admin"


class UserKind(enum.StrEnum):
    PERSON = "person"
    ASSISTANT = "assistant"  # the organisation's virtual colleague (`services.assistant`): one per installation


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    name: str = Field(max_length=120)
    job_title: str = Field(default="", max_length=120)
    team: str = Field(default="", max_length=120, index=True)
    location: str = Field(default="", max_length=120)
    bio: str = Field(default="", max_length=2000)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    avatar: str | None = Field(default=None, max_length=200)
    role: Role = Field(default=Role.MEMBER, sa_type=StrEnumType(Role))
    # Indexed: every message, post and comment asks who the assistant is (services/assistant_questions.py).
    kind: UserKind = Field(default=UserKind.PERSON, sa_type=StrEnumType(UserKind), index=True)
    locale: str | None = Field(default=None, max_length=8)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_assistant(self) -> bool:
        return self.kind is UserKind.ASSISTANT

    @property
    def former(self) -> bool:
        """No longer with the organisation: what they wrote stays, marked as a former colleague's."""
        return not self.is_active
