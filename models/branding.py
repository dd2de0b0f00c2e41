"""The organisation's branding as set in the admin console: one row, each field None while the
environment's default (`KRING_ORG_NAME`, `KRING_ORG_COLOR`, `KRING_ORG_LOGO`) applies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

BRANDING_ROW = 1  # the one row's id


class Branding(SQLModel, table=True):
    __tablename__ = "branding"

    id: int = Field(default=BRANDING_ROW, primary_key=True)
    # Counts every change (a reset too), so a worker keeps the newest of two copies it sees and
    # browsers fetch /theme.css and the pictures again.
    revision: int = Field(default=0)
    name: str | None = Field(default=None, max_length=80)
    color: str | None = Field(default=None, max_length=7)
    # Pictures by their stored name (`services.images`, folder "brand").
    logo: str | None = Field(default=None, max_length=80)
    favicon: str | None = Field(default=None, max_length=80)
    assistant_name: str | None = Field(default=None, max_length=40)
    assistant_picture: str | None = Field(default=None, max_length=80)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True))
