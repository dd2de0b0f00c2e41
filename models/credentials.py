"""Invitations to join the organisation and password-reset links.

Both are single-use links carrying a random token; only its SHA-256 digest is stored, so a copy
of the database (or a backup) does not let anyone set a password.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow
from models.user import Role


class AccountInvitation(SQLModel, table=True):
    """An invitation to become a colleague in Kring: accepted once, before it expires, unless
    revoked. Resending replaces the token (the old link stops working)."""

    __tablename__ = "account_invitations"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), nullable=False, index=True))
    name: str = Field(max_length=120)
    team: str = Field(default="", max_length=120)
    location: str = Field(default="", max_length=120)
    job_title: str = Field(default="", max_length=120)
    role: Role = Field(default=Role.MEMBER, sa_type=StrEnumType(Role))
    locale: str | None = Field(default=None, max_length=8)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    invited_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True))


class PasswordReset(SQLModel, table=True):
    """A "forgot my password" link: used once, within the hour."""

    __tablename__ = "password_resets"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    address: str = Field(default="", max_length=64)


class LastSignIn(SQLModel, table=True):
    """When each colleague last signed in (for the admin console). A table of its own rather than
    a column of `users`: written on every sign-in, it keeps those writes off the busy users row."""

    __tablename__ = "last_sign_ins"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
