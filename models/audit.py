"""The audit log: every admin and security action, append-only.

No service updates or deletes an entry, no route offers to, and the migration adds triggers that
make the database refuse UPDATE and DELETE on the table (on SQLite and PostgreSQL), so not even a
bug or a stray SQL statement through Kring's own connection rewrites history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # None: the system or an anonymous visitor (a reset request, a burst of failed sign-ins).
    actor_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True))
    actor_name: str = Field(default="", max_length=120)  # as they were called then
    action: str = Field(max_length=40, index=True)
    subject_type: str = Field(default="", max_length=20)  # "user", "invitation", "email", ...
    subject_id: int | None = Field(default=None)
    subject_label: str = Field(default="", max_length=254)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    address: str = Field(default="", max_length=64)
