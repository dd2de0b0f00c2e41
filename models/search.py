"""The search catalogue: one row per findable thing, its tags, and the full-text index over it.

`search_items` holds what is searched (title, tags, body) and what decides who may find it
(`circle_id` and `audience`). The full-text index itself is native to each backend and lives
outside the SQLModel metadata, made by the migration:
- SQLite: the FTS5 table `search_fts` (external content over `search_items`), kept in step by
  triggers, so an item and its index entry change in the same transaction;
- PostgreSQL: the generated `tsvector` columns `search_items.document` (everything) and
  `search_items.heading` (title and tags) in the text search configuration `kring` (`dutch` with
  `unaccent`), each with a GIN index.
`include_name` and `include_object` keep those out of Alembic's model comparison.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import StrEnumType, UTCDateTime, utcnow


class ItemKind(enum.StrEnum):
    DOCUMENT = "document"
    PAGE = "page"
    POST = "post"
    NEWS = "news"
    BLOG = "blog"
    MESSAGE = "message"
    PERSON = "person"
    CIRCLE = "circle"
    ATTACHMENT = "attachment"  # a file on a post, comment or chat message, found by its text


class Audience(enum.StrEnum):
    ORG = "org"  # every colleague
    CIRCLE = "circle"  # the circle's readers: anyone for an open circle, members otherwise
    LISTING = "listing"  # the circle itself: visible unless secret, then to members and invitees


class QuestionState(enum.StrEnum):
    """A question post's row: "open" until an answer is accepted (`search.Query.open_questions`)."""

    OPEN = "open"
    ANSWERED = "answered"


class SearchItem(SQLModel, table=True):
    __tablename__ = "search_items"
    __table_args__ = (UniqueConstraint("kind", "ref_id"), Index("ix_search_items_kind_updated", "kind", "updated_at"))

    id: int | None = Field(default=None, primary_key=True)
    kind: ItemKind = Field(sa_type=StrEnumType(ItemKind))
    ref_id: int
    circle_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    )
    audience: Audience = Field(default=Audience.ORG, sa_type=StrEnumType(Audience))
    title: str = Field(default="", max_length=300)
    tags: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The Dutch analysis of title, tags and body (services/dutch_words.py), which both backends
    # index as plain words.
    terms: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Only on a question's row (None for everything else), so search can list the open ones.
    question: QuestionState | None = Field(default=None, sa_type=StrEnumType(QuestionState))


class SearchSynonym(SQLModel, table=True):
    """Words the organisation means as one ("verlof, vakantie, vrije dagen"): a query for any of
    them also finds the others. Read at query time, so an edit needs no reindexing."""

    __tablename__ = "search_synonyms"

    id: int | None = Field(default=None, primary_key=True)
    words: str = Field(max_length=500)


class Tag(SQLModel, table=True):
    """A tag instead of a folder; names are kept in lower case."""

    __tablename__ = "tags"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)


class Tagging(SQLModel, table=True):
    __tablename__ = "taggings"
    __table_args__ = (UniqueConstraint("tag_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tag_id: int = Field(sa_column=Column(Integer, ForeignKey("tags.id", ondelete="CASCADE"), nullable=False))
    item_id: int = Field(
        sa_column=Column(Integer, ForeignKey("search_items.id", ondelete="CASCADE"), nullable=False, index=True)
    )


FTS_TABLE = "search_fts"
TSVECTOR_COLUMNS = frozenset({"document", "heading"})
TSVECTOR_INDEXES = frozenset({"ix_search_items_document", "ix_search_items_heading"})


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic: leave the backend's own full-text objects out of the comparison."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if reflected and compare_to is None and type_ == "column" and name in TSVECTOR_COLUMNS:
        return getattr(getattr(obj, "table", None), "name", None) != SearchItem.__tablename__
    return not (type_ == "index" and name in TSVECTOR_INDEXES)
