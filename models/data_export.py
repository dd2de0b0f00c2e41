"""A colleague's request for all their data as a zip (`services/data_export.py`)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class ExportState(enum.StrEnum):
    WAITING = "waiting"  # asked for; a runner will claim it
    WORKING = "working"  # claimed by one runner at `claimed_at`
    READY = "ready"  # its zip may be downloaded until `expires_at`
    EXPIRED = "expired"  # its zip is deleted
    FAILED = "failed"  # Kring could not make it; the colleague may ask again


class DataExport(SQLModel, table=True):
    __tablename__ = "data_exports"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    state: ExportState = Field(default=ExportState.WAITING, sa_type=StrEnumType(ExportState))
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    file: str = Field(default="", max_length=100)  # under the media directory's exports/, while ready
    size: int = 0
