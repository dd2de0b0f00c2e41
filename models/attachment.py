"""Photos and files attached to posts, comments and chat messages.

An attachment is uploaded first, as a draft owned by its uploader (`target` None), and joined to
an item when the item is written (`target` "post:12", "comment:7" or "message:5", as reactions
name them). Who may fetch it is who may read that item; a draft only its uploader. Drafts never
attached are swept after a day.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class AttachmentKind(enum.StrEnum):
    PHOTO = "photo"  # re-encoded, shown in a grid with thumbnails
    FILE = "file"  # kept as uploaded, listed with icon, name and size


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_target_position", "target", "position"),
        Index("ix_attachments_draft", "uploader_id", "target"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: AttachmentKind = Field(sa_type=StrEnumType(AttachmentKind))
    uploader_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=False)
    )
    target: str | None = Field(default=None, max_length=40)
    # The circle of the item it is attached to (None for news and blog posts), for the gallery.
    circle_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("circles.id", ondelete="CASCADE"), nullable=True, index=True)
    )
    position: int = 0
    file: str = Field(max_length=100)  # <sha256>.<ext> under the media directory's attachments/
    filename: str = Field(max_length=255)  # as the colleague named it, made safe
    content_type: str = Field(max_length=120)
    size: int = 0
    width: int = 0
    height: int = 0
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
