"""Provisioning over SCIM 2.0: the organisation's tokens, and what SCIM knows of accounts and teams.

A colleague is a SCIM User whether or not SCIM made them; `provisioned_users` holds only what
Kring has no column for (the provider's `userName` and `externalId`), and marks an account SCIM
removed. A SCIM Group is a team: `provisioned_groups` gives a team name an id, and its members
are the colleagues whose `users.team` it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class ScimToken(SQLModel, table=True):
    """A bearer token an organisation admin made for the provisioning client; digest only."""

    __tablename__ = "scim_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str = Field(max_length=100)
    created_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProvisionedUser(SQLModel, table=True):
    """The provider's names for a colleague. `user_name_key` is the `userName` folded (NFC, lower
    case), unique, as RFC 7643 has `userName` unique and case-insensitive."""

    __tablename__ = "provisioned_users"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    user_name: str = Field(max_length=254)
    user_name_key: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    external_id: str | None = Field(default=None, max_length=254, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProvisionedGroup(SQLModel, table=True):
    """A team as a SCIM Group. `name_key` is the display name folded, unique."""

    __tablename__ = "provisioned_groups"

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=120)
    name_key: str = Field(sa_column=Column(String(120), unique=True, nullable=False))
    external_id: str | None = Field(default=None, max_length=254, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
