"""Single sign-on: which provider account is which colleague, and the sign-ins under way.

A colleague is matched by the provider's subject (`sub`, stable for life), never again by e-mail
after the first link: an address can be renamed or handed to someone else, a subject cannot.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class SignOnLink(SQLModel, table=True):
    """A provider account (issuer and subject) signs in as this colleague."""

    __tablename__ = "sign_on_links"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_sign_on_links_issuer_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(sa_column=Column(String(255), nullable=False))
    subject: str = Field(sa_column=Column(String(255), nullable=False))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignOnRequest(SQLModel, table=True):
    """A sign-in sent to the provider and not yet back: its state (digest only), the nonce the ID
    token must carry and the PKCE verifier. Taken once by the callback, so a replayed or forged
    callback finds nothing."""

    __tablename__ = "sign_on_requests"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    next_url: str = Field(default="/", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
