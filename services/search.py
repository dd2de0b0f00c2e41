"""One search over everything a colleague may read: documents, knowledge pages, posts, news, blog
posts, chat messages, people and circles.

The catalogue (`models.search.SearchItem`) is written by the services that own each thing, in
the same transaction as the change (`index`, `unindex`). Searching runs on the backend's own
full-text index behind one interface (`search`):
- PostgreSQL: `tsvector` in the `kring` configuration (Dutch stemming after `unaccent`), a GIN
  index, each word of the query as a stemmed prefix (`verlof:*`);
- SQLite: FTS5 with accents folded by its tokenizer; each word matches as a prefix of itself and
  of its Dutch stem (the same Snowball stemmer PostgreSQL's `dutch` uses).
So "verlof" finds "verlofregeling", "ziekmeldingen" finds "ziekmelding" and "client" finds
"cliënt" on both. Who may find what is part of the query itself (`visible_to`): a page of
results is never filtered afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import snowballstemmer
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    table,
    text,
)
from sqlalchemy import (
    select as sa_select,
)
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Audience,
    Circle,
    CircleVisibility,
    Invitation,
    ItemKind,
    Membership,
    PostKind,
    RequestStatus,
    SearchItem,
    Tag,
    Tagging,
    User,
)
from models.base import utcnow
from services import tags as tag_names

MAX_TERMS = 8
MAX_TITLE = 300
MARK_START = "\x02"
MARK_END = "\x03"
_WORD = re.compile(r"[^\W_]+")  # letters and digits: nothing a query syntax could read
_stemmer = snowballstemmer.stemmer("dutch_porter")
KIND_OF_POST = {PostKind.POST: ItemKind.POST, PostKind.NEWS: ItemKind.NEWS, PostKind.BLOG: ItemKind.BLOG}


@dataclass(frozen=True)
class Entry:
    """What the catalogue keeps of one thing."""

    kind: ItemKind
    ref_id: int
    title: str
    body: str = ""
    circle_id: int | None = None
    audience: Audience = Audience.ORG
    tags: Sequence[str] = ()
    created_at: datetime | None = None


@dataclass(frozen=True)
class Query:
    text: str = ""
    kinds: Sequence[ItemKind] = ()
    tags: Sequence[str] = ()
    circle_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class Hit:
    item: SearchItem
    # The snippet as (text, highlighted) pieces, so each caller escapes it its own way.
    snippet: tuple[tuple[str, bool], ...]
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    more: bool


def fold(value: str) -> str:
    """Lower case without accents: "Cliënt" → "client"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def terms_of(value: str) -> list[str]:
    return _WORD.findall(fold(value))[:MAX_TERMS]


# ---- keeping the catalogue ----


async def index(db: AsyncSession, entry: Entry) -> SearchItem:
    """Add or replace the catalogue entry of one thing, with its tags. Call it inside the write
    transaction of the change; the full-text index follows in the same transaction."""
    item = (
        await db.exec(select(SearchItem).where(SearchItem.kind == entry.kind, SearchItem.ref_id == entry.ref_id))
    ).first()
    names = tag_names.clean_all(entry.tags)
    now = utcnow()
    if item is None:
        item = SearchItem(kind=entry.kind, ref_id=entry.ref_id, created_at=entry.created_at or now)
    item.title = entry.title[:MAX_TITLE]
    item.body = entry.body
    item.tags = " ".join(names)
    item.circle_id = entry.circle_id
    item.audience = entry.audience
    item.updated_at = now
    db.add(item)
    await db.flush()
    assert item.id is not None
    await db.exec(delete(Tagging).where(col(Tagging.item_id) == item.id))
    for tag_id in await _tag_ids(db, names):
        db.add(Tagging(tag_id=tag_id, item_id=item.id))
    return item


async def unindex(db: AsyncSession, kind: ItemKind, ref_id: int) -> None:
    await db.exec(delete(SearchItem).where(col(SearchItem.kind) == kind, col(SearchItem.ref_id) == ref_id))


async def bulk_index(db: AsyncSession, entries: Iterable[Entry], *, batch: int = 2000) -> int:
    """Insert many new entries fast (one statement per batch), for benchmarks and imports into an
    empty catalogue. Entries must not exist yet; the caller commits. Returns how many."""
    count = 0
    rows: list[dict[str, Any]] = []
    tagged: list[tuple[int, list[str]]] = []
    now = utcnow()
    for entry in entries:
        rows.append(
            {
                "kind": entry.kind,
                "ref_id": entry.ref_id,
                "circle_id": entry.circle_id,
                "audience": entry.audience,
                "title": entry.title[:MAX_TITLE],
                "tags": " ".join(tag_names.clean_all(entry.tags)),
                "body": entry.body,
                "created_at": entry.created_at or now,
                "updated_at": entry.created_at or now,
            }
        )
        if entry.tags:
            tagged.append((len(rows) - 1, tag_names.clean_all(entry.tags)))
        if len(rows) >= batch:
            count += await _insert_batch(db, rows, tagged)
            rows, tagged = [], []
    if rows:
        count += await _insert_batch(db, rows, tagged)
    return count


async def _insert_batch(db: AsyncSession, rows: list[dict[str, Any]], tagged: list[tuple[int, list[str]]]) -> int:
    await db.exec(insert(SearchItem), params=rows)
    if tagged:
        keys = [(rows[i]["kind"], rows[i]["ref_id"]) for i, _ in tagged]
        found = await db.exec(
            select(SearchItem.kind, SearchItem.ref_id, SearchItem.id).where(
                col(SearchItem.ref_id).in_({ref for _, ref in keys})
            )
        )
        ids = {(kind, ref): item_id for kind, ref, item_id in found.all()}
        names = list(dict.fromkeys(name for _, batch_names in tagged for name in batch_names))
        tag_ids = dict(zip(names, await _tag_ids(db, names), strict=True))
        links: list[dict[str, Any]] = [
            {"tag_id": tag_ids[name], "item_id": ids[key]}
            for (_, batch_names), key in zip(tagged, keys, strict=True)
            for name in batch_names
        ]
        if links:
            await db.exec(insert(Tagging), params=links)
    return len(rows)


async def _tag_ids(db: AsyncSession, names: Sequence[str]) -> list[int]:
    if not names:
        return []
    found = await db.exec(select(Tag.name, Tag.id).where(col(Tag.name).in_(names)))
    existing: dict[str, int] = {name: tag_id for name, tag_id in found.all() if tag_id is not None}
    for name in names:
        if name not in existing:
            tag = Tag(name=name)
            db.add(tag)
            await db.flush()
            assert tag.id is not None
            existing[name] = tag.id
    return [existing[name] for name in names]


# ---- who may find what ----


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL condition on `search_items`: `user` may read the thing. Organisation items are for
    every colleague; circle items follow posts (`services.posts.readable_by`): anyone for an open
    circle, members for closed and secret ones; a circle itself follows `services.circles`: visible
    unless secret, then to members and colleagues with a pending invitation."""
    # Uncorrelated sets, each read once per query rather than once per matching row.
    item_circle = col(SearchItem.circle_id)
    member_of = select(Membership.circle_id).where(col(Membership.user_id) == user.id)
    open_circles = select(Circle.id).where(col(Circle.visibility) == CircleVisibility.OPEN)
    listed_circles = select(Circle.id).where(col(Circle.visibility) != CircleVisibility.SECRET)
    invited_to = select(Invitation.circle_id).where(
        col(Invitation.user_id) == user.id, col(Invitation.status) == RequestStatus.PENDING
    )
    audience = col(SearchItem.audience)
    return or_(
        audience == Audience.ORG,
        item_circle.in_(member_of),
        and_(audience == Audience.CIRCLE, item_circle.in_(open_circles)),
        and_(audience == Audience.LISTING, or_(item_circle.in_(listed_circles), item_circle.in_(invited_to))),
    )


def _has_tag(name: str) -> ColumnElement[bool]:
    return exists().where(
        col(Tagging.item_id) == col(SearchItem.id), col(Tagging.tag_id) == col(Tag.id), col(Tag.name) == name
    )


# ---- searching ----


async def search(db: AsyncSession, user: User, query: Query) -> Results:
    """The items matching `query` that `user` may read, best first (newest first without words)."""
    terms = terms_of(query.text)
    # SQLAlchemy's own select: each row is (item, snippet or None).
    statement: Select[Any] = sa_select(SearchItem).where(visible_to(user))
    if query.kinds:
        statement = statement.where(col(SearchItem.kind).in_(list(query.kinds)))
    for name in tag_names.clean_all(query.tags):
        statement = statement.where(_has_tag(name))
    if query.circle_id is not None:
        statement = statement.where(col(SearchItem.circle_id) == query.circle_id)
    if query.since is not None:
        statement = statement.where(col(SearchItem.created_at) >= query.since)
    if query.until is not None:
        statement = statement.where(col(SearchItem.created_at) < query.until)
    backend = _POSTGRES if db.get_bind().dialect.name == "postgresql" else _SQLITE
    if terms:
        statement = backend.match(statement, terms)
    else:
        statement = statement.add_columns(literal_column("NULL")).order_by(
            col(SearchItem.updated_at).desc(), col(SearchItem.id).desc()
        )
    rows = (await db.exec(cast(Any, statement.limit(query.limit + 1).offset(query.offset)))).all()
    more = len(rows) > query.limit
    items: list[SearchItem] = [item for item, _ in rows[: query.limit]]
    ids = [item.id or 0 for item in items]
    snippets: dict[int, str] = {item.id or 0: snippet for item, snippet in rows if snippet}
    if terms and ids and not snippets:
        snippets = await backend.snippets(db, ids, terms)
    item_tags = await tags_of(db, ids)
    hits = [
        Hit(
            item,
            _pieces(snippets[item.id or 0]) if snippets.get(item.id or 0) else _opening(item.body),
            item_tags.get(item.id or 0, []),
        )
        for item in items
    ]
    return Results(hits, more)


class _Backend:
    def match(self, statement: Select[Any], terms: list[str]) -> Select[Any]:
        """Only the matches, best first, with a snippet column (None when `snippets` makes them)."""
        raise NotImplementedError

    async def snippets(self, db: AsyncSession, ids: list[int], terms: list[str]) -> dict[int, str]:
        """Snippets for the page of results shown, never for every match."""
        raise NotImplementedError


class _Sqlite(_Backend):
    """FTS5 over the unstemmed words: each query word as a prefix, and its stem as a prefix."""

    def _expression(self, terms: list[str]) -> str:
        parts = []
        for term in terms:
            stem = _stemmer.stemWord(term)
            parts.append(f'"{stem}"*' if term.startswith(stem) else f'("{term}"* OR "{stem}"*)')
        return " AND ".join(parts)

    def match(self, statement: Select[Any], terms: list[str]) -> Select[Any]:
        # SQLite computes the snippet only for the rows the LIMIT keeps, in the same pass.
        snippet = func.snippet(literal_column("search_fts"), -1, MARK_START, MARK_END, "…", 24)
        return (
            statement.add_columns(snippet)
            .join(_FTS, _FTS.c.rowid == col(SearchItem.id))
            .where(text("search_fts MATCH :match").bindparams(match=self._expression(terms)))
            .order_by(text("bm25(search_fts, 10.0, 5.0, 1.0)"), col(SearchItem.id).desc())
        )

    async def snippets(self, db: AsyncSession, ids: list[int], terms: list[str]) -> dict[int, str]:
        return {}  # made by `match`


class _Postgres(_Backend):
    """The generated `document` column; each query word as a stemmed prefix (`word:*`)."""

    _config: ColumnElement[Any] = literal_column("'kring'::regconfig")

    def _tsquery(self, terms: list[str]) -> ColumnElement[Any]:
        # A scalar subquery, so PostgreSQL builds the query once (an InitPlan) rather than for
        # every matching row when the words arrive as a parameter.
        words = " & ".join(f"{term}:*" for term in terms)
        return sa_select(func.to_tsquery(self._config, words)).scalar_subquery()

    def match(self, statement: Select[Any], terms: list[str]) -> Select[Any]:
        tsquery = self._tsquery(terms)
        document: ColumnElement[Any] = literal_column("search_items.document")
        return (
            statement.add_columns(literal_column("NULL"))
            .where(document.op("@@")(tsquery))
            .order_by(func.ts_rank(document, tsquery).desc(), col(SearchItem.id).desc())
        )

    async def snippets(self, db: AsyncSession, ids: list[int], terms: list[str]) -> dict[int, str]:
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2"
        headline = func.ts_headline(self._config, SearchItem.body, self._tsquery(terms), options)
        statement = sa_select(col(SearchItem.id), headline).where(col(SearchItem.id).in_(ids))
        rows = (await db.exec(cast(Any, statement))).all()
        return {int(row_id): str(value) for row_id, value in rows}


_FTS = table("search_fts", column("rowid"))
_SQLITE = _Sqlite()
_POSTGRES = _Postgres()


def _pieces(snippet: str) -> tuple[tuple[str, bool], ...]:
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet)):
        if part:
            pieces.append((part, i % 2 == 1))
    return tuple(pieces)


def _opening(body: str, length: int = 200) -> tuple[tuple[str, bool], ...]:
    body = " ".join(body.split())
    return ((body[:length] + ("…" if len(body) > length else ""), False),) if body else ()


# ---- tags ----


async def tags_of(db: AsyncSession, item_ids: Sequence[int]) -> dict[int, list[str]]:
    if not item_ids:
        return {}
    found = await db.exec(
        select(Tagging.item_id, Tag.name)
        .join(Tag, col(Tag.id) == col(Tagging.tag_id))
        .where(col(Tagging.item_id).in_(item_ids))
        .order_by(col(Tag.name))
    )
    result: dict[int, list[str]] = {}
    for item_id, name in found.all():
        result.setdefault(item_id, []).append(name)
    return result


async def tag_counts(db: AsyncSession, user: User, *, within: Sequence[str] = ()) -> list[tuple[str, int]]:
    """Every tag with how many items `user` may read carry it, by name; with `within`, only
    counting items that also carry all of those tags (to narrow a selection tag by tag)."""
    statement = (
        select(Tag.name, func.count())
        .join(Tagging, col(Tagging.tag_id) == col(Tag.id))
        .join(SearchItem, col(SearchItem.id) == col(Tagging.item_id))
        .where(visible_to(user))
    )
    for name in tag_names.clean_all(within):
        statement = statement.where(_has_tag_outer(name))
    statement = statement.group_by(col(Tag.name)).order_by(col(Tag.name))
    return [(name, count) for name, count in (await db.exec(statement)).all()]


def _has_tag_outer(name: str) -> ColumnElement[bool]:
    other = Tagging.__table__.alias("other_tagging")  # type: ignore[attr-defined]
    other_tag = Tag.__table__.alias("other_tag")  # type: ignore[attr-defined]
    return exists().where(
        other.c.item_id == col(SearchItem.id), other.c.tag_id == other_tag.c.id, other_tag.c.name == name
    )


async def related(db: AsyncSession, user: User, kind: ItemKind, ref_id: int, *, limit: int = 5) -> list[SearchItem]:
    """Other readable items sharing the most tags with this one."""
    item = (await db.exec(select(SearchItem).where(SearchItem.kind == kind, SearchItem.ref_id == ref_id))).first()
    if item is None or item.id is None:
        return []
    mine = select(Tagging.tag_id).where(Tagging.item_id == item.id)
    shared = func.count().label("shared")
    statement = (
        select(SearchItem, shared)
        .join(Tagging, col(Tagging.item_id) == col(SearchItem.id))
        .where(col(Tagging.tag_id).in_(mine), col(SearchItem.id) != item.id, visible_to(user))
        .group_by(col(SearchItem.id))
        .order_by(shared.desc(), col(SearchItem.updated_at).desc())
        .limit(limit)
    )
    return [found for found, _ in (await db.exec(statement)).all()]
