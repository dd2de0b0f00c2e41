"""The knowledge base: documents with their versions, knowledge pages with their revisions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class Extraction(enum.StrEnum):
    PENDING = "pending"  # waiting for the background extractor
    DONE = "done"
    FAILED = "failed"  # the file is kept; `extraction_error` says why
    NONE = "none"  # nothing to extract (pictures)


def _fk(target: str, *, nullable: bool = False, index: bool = True, ondelete: str = "CASCADE") -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


class Document(SQLModel, table=True):
    """An uploaded file with its metadata. Owned by the organisation (`circle_id` empty) or by a
    circle, whose visibility then applies."""

    __tablename__ = "documents"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    circle_id: int | None = Field(default=None, sa_column=_fk("circles.id", nullable=True))
    responsible_id: int | None = Field(
        default=None, sa_column=_fk("users.id", nullable=True, index=False, ondelete="SET NULL")
    )
    review_by: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # Marked by editors "for new colleagues": Ids's welcome names it, to everyone or to one team.
    for_newcomers: bool = False
    newcomer_team: str = Field(default="", max_length=120)
    # Archived by its owner ("no longer current"): still found and read, marked so, and no
    # longer due for review.
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int = Field(sa_column=_fk("users.id", index=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DocumentVersion(SQLModel, table=True):
    """One uploaded file of a document; the highest `number` is the current one. The file lives
    under the media directory as `documents/<sha256>.<ext>`; `filename` is only shown."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=_fk("documents.id", index=False))
    number: int
    file: str = Field(max_length=80)
    sha256: str = Field(max_length=64, index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    uploaded_by: int = Field(sa_column=_fk("users.id", index=False))
    source_path: str | None = Field(default=None, max_length=1000)
    extraction: Extraction = Field(default=Extraction.PENDING, sa_type=StrEnumType(Extraction))
    extraction_error: str = Field(default="", max_length=300)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The preview on the document's page (`services.previews`), made by the same runner: its files
    # are under the media directory's `previews/<sha256>/`; `preview_pages` pictures for a PDF.
    preview: Extraction = Field(default=Extraction.NONE, sa_type=StrEnumType(Extraction))
    preview_error: str = Field(default="", max_length=300)
    preview_pages: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KnowledgePage(SQLModel, table=True):
    """A page written in Markdown; `[[Title]]` links to another page."""

    __tablename__ = "knowledge_pages"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200, index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    circle_id: int | None = Field(default=None, sa_column=_fk("circles.id", nullable=True))
    revision: int = 1
    # As on a document: when its author should look at it again (Ids reminds them once it has
    # passed), and whether they archived it (kept, read and found, no longer current or due).
    review_by: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    for_newcomers: bool = False  # as on a document
    newcomer_team: str = Field(default="", max_length=120)
    created_by: int = Field(sa_column=_fk("users.id", index=False))
    updated_by: int = Field(sa_column=_fk("users.id", index=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PageRevision(SQLModel, table=True):
    """Every saved state of a page, the first included: the page's history."""

    __tablename__ = "page_revisions"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(sa_column=_fk("knowledge_pages.id", index=False))
    number: int
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    editor_id: int = Field(sa_column=_fk("users.id", index=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
