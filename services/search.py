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
"cliënt" on both. Besides, every entry keeps its `terms`: the Dutch analysis of its words made
here in Python (`services.dutch_words`: stems, compound parts, a verb's root shared with its
noun), which both backends index as plain words. Each query word also matches by those keys, by
its compound parts, and by the organisation's synonyms (`services.synonyms`, read at query time
so an edit applies at once). So "declareren" finds "declaratieformulier" and "vakantiedagen"
finds "vakantieverlof" on both. Who may find what is part of the query itself (`visible_to`): a
page of results is never filtered afterwards.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    column,
    delete,
    exists,
    false,
    func,
    insert,
    literal_column,
    or_,
    table,
    text,
    union,
    union_all,
)
from sqlalchemy import (
    select as sa_select,
)
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Audience,
    Circle,
    CircleKind,
    ItemKind,
    Message,
    PostKind,
    QuestionState,
    SearchItem,
    Tag,
    Tagging,
    User,
)
from models.base import utcnow
from services import direct, dutch_words, search_text, synonyms
from services import tags as tag_names
from services.access import sql_can_read, sql_can_see, sql_listed, sql_member, sql_read_by_all
from services.transactions import unit_of_work

MAX_TERMS = 8
MAX_TITLE = 300
# The body kept for search, in UTF-8 bytes. PostgreSQL refuses a tsvector whose words and their
# positions take over 1 MiB. Its parser makes at most about three bytes of those from a byte of
# text (2.9 for web addresses with short parts, each indexed whole, as host and as path; plain
# words less than one), so this keeps almost twice that margin.
MAX_BODY_BYTES = 192 * 1024
# Snippets are cut from this many characters at the start of a body: ts_headline and our own
# snippet read all the text they are given (170 ms for 880 KB).
SNIPPET_CHARS = 10_000
MARK_START = "\x02"
MARK_END = "\x03"
_WORD = re.compile(r"[^\W_]+")  # letters and digits: nothing a query syntax could read
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
    question: QuestionState | None = None  # a question post's state; None for everything else


@dataclass(frozen=True)
class Query:
    text: str = ""
    kinds: Sequence[ItemKind] = ()
    tags: Sequence[str] = ()
    circle_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    question: QuestionState | None = None  # only questions in this state: open, or answered
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class Hit:
    item: SearchItem
    # The snippet as (text, highlighted) pieces, so each caller escapes it its own way.
    snippet: tuple[tuple[str, bool], ...]
    tags: list[str] = field(default_factory=list)
    # Who wrote a chat message and where (the conversation's name for a direct one): a message
    # has no title of its own.
    author: str = ""
    place: str = ""


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    more: bool


fold = dutch_words.fold


def terms_of(value: str) -> list[str]:
    return _WORD.findall(fold(value))[:MAX_TERMS]


# The shortest compound part a query may match alone: shorter ones are mostly small common words
# ("leg" in "overleg").
MIN_TOPIC = 5
# A key alternative: all of its groups must match, each group by any of its keys.
Alternative = tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Word:
    """One word of a query and the ways it may match: as typed (each of `prefixes` as the start
    of a word), or by one of `alternatives` over the analysed `terms`."""

    prefixes: tuple[str, ...]
    alternatives: tuple[Alternative, ...]

    def all_keys(self) -> frozenset[str]:
        return frozenset(key for alternative in self.alternatives for group in alternative for key in group)


def _alternatives(word: str) -> list[Alternative]:
    """The word's own keys; all of its compound parts; or its rarest part alone, which says what
    the compound is about ("vakantiedagen" → what is about "vakantie")."""
    found: list[Alternative] = [(dutch_words.keys(word),)]
    parts = dutch_words.parts(word)
    if parts:
        found.append(tuple(dutch_words.keys(part) for part in parts))
        rarest = dutch_words.rarest(parts)
        if len(rarest) >= MIN_TOPIC:
            found.append((dutch_words.keys(rarest),))
    return found


def analyse(terms: Sequence[str], synonym_groups: Sequence[Sequence[str]] = ()) -> list[Word]:
    """How each query word may match, synonyms included: those of the word itself and those of
    what a compound is about ("vakantiedagen" with "verlof = vakantie" also finds "verlof")."""
    analysed = []
    for term in terms:
        stem = dutch_words.stem(term)
        prefixes = (stem,) if term.startswith(stem) else (term, stem)
        alternatives = _alternatives(term)
        topics = [dutch_words.keys(term)]
        parts = dutch_words.parts(term)
        if parts and len(rarest := dutch_words.rarest(parts)) >= MIN_TOPIC:
            topics.append(dutch_words.keys(rarest))
        for group in synonym_groups:
            entries = [dutch_words.words(entry) for entry in group]
            if not any(len(words) == 1 and dutch_words.keys(words[0]) & topic for words in entries for topic in topics):
                continue
            for words in entries:
                if len(words) == 1:
                    alternatives.extend(_alternatives(words[0]))
                elif words:  # a phrase: all of its words
                    alternatives.append(tuple(dutch_words.keys(word) for word in words))
        analysed.append(Word(prefixes, tuple(dict.fromkeys(alternatives))))
    return analysed


def searchable_body(body: str) -> str:
    """`body` cut to what the full-text index holds (`MAX_BODY_BYTES`), between characters."""
    if len(body) <= MAX_BODY_BYTES // 4:  # four bytes a character at most: short enough
        return body
    return body.encode()[:MAX_BODY_BYTES].decode(errors="ignore")


# ---- keeping the catalogue ----


# Above this many characters the Dutch analysis runs in a thread: a long document's words take
# tens of milliseconds to analyse, which the event loop must not wait out (a hostile upload's text
# stalled it for 170 ms).
_ANALYSE_IN_THREAD_CHARS = 20_000


async def _index_terms(title: str, tags: str, body: str) -> str:
    if len(body) < _ANALYSE_IN_THREAD_CHARS:
        return dutch_words.index_terms(title, tags, body)
    return await asyncio.to_thread(dutch_words.index_terms, title, tags, body)


async def index(db: AsyncSession, entry: Entry, *, new: bool = False) -> SearchItem:
    """Add or replace the catalogue entry of one thing, with its tags. Call it inside the write
    transaction of the change; the full-text index follows in the same transaction. `new` says
    the thing was created in this transaction, so there is nothing to replace (two round trips
    fewer on every chat message and post)."""
    item = (
        None
        if new
        else (
            await db.exec(select(SearchItem).where(SearchItem.kind == entry.kind, SearchItem.ref_id == entry.ref_id))
        ).first()
    )
    names = tag_names.clean_all(entry.tags)
    now = utcnow()
    if item is None:
        item = SearchItem(kind=entry.kind, ref_id=entry.ref_id, created_at=entry.created_at or now)
    item.title = entry.title[:MAX_TITLE]
    item.body = searchable_body(entry.body)
    item.tags = " ".join(names)
    item.terms = await _index_terms(item.title, item.tags, item.body)
    item.circle_id = entry.circle_id
    item.audience = entry.audience
    item.question = entry.question
    item.updated_at = now
    db.add(item)
    await db.flush()
    assert item.id is not None
    if not new:
        await db.exec(delete(Tagging).where(col(Tagging.item_id) == item.id))
    for tag_id in await _tag_ids(db, names):
        db.add(Tagging(tag_id=tag_id, item_id=item.id))
    return item


async def reanalyse(db: AsyncSession, *, batch: int = 500) -> int:
    """Make every entry's `terms` again, a batch per transaction, after the Dutch analysis
    changed (`python -m server reindex-search`); the full-text index follows by itself.
    Returns how many entries changed."""
    changed, last = 0, 0
    while True:
        statement = (
            sa_select(
                col(SearchItem.id),
                col(SearchItem.title),
                col(SearchItem.tags),
                col(SearchItem.body),
                col(SearchItem.terms),
            )
            .where(col(SearchItem.id) > last)
            .order_by(col(SearchItem.id))
            .limit(batch)
        )
        rows = (await db.exec(cast(Any, statement))).all()
        if not rows:
            return changed
        updates = [
            {"item_id": item_id, "terms": terms}
            for item_id, title, tags, body, old in rows
            if (terms := dutch_words.index_terms(title, tags, body)) != old
        ]
        if updates:
            async with unit_of_work(db):
                table_ = SearchItem.__table__  # type: ignore[attr-defined]
                await db.exec(
                    cast(
                        Any, table_.update().where(table_.c.id == bindparam("item_id")).values(terms=bindparam("terms"))
                    ),
                    params=updates,
                )
        changed += len(updates)
        last = rows[-1][0] or 0


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
        title, tags, body = (
            entry.title[:MAX_TITLE],
            " ".join(tag_names.clean_all(entry.tags)),
            searchable_body(entry.body),
        )
        rows.append(
            {
                "kind": entry.kind,
                "ref_id": entry.ref_id,
                "circle_id": entry.circle_id,
                "audience": entry.audience,
                "title": title,
                "tags": tags,
                "body": body,
                "terms": dutch_words.index_terms(title, tags, body),
                "created_at": entry.created_at or now,
                "updated_at": entry.created_at or now,
                "question": entry.question,
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
    every colleague; a circle's items for those who may read the circle, and a circle itself
    for those it exists for (`services.access`); an archived circle itself for its members only
    (it is out of every list, yet they find it)."""
    audience, circle = col(SearchItem.audience), col(SearchItem.circle_id)
    return or_(
        audience == Audience.ORG,
        and_(audience == Audience.CIRCLE, sql_can_read(user, circle)),
        and_(
            audience == Audience.LISTING,
            sql_can_see(user, circle),
            or_(sql_listed(circle), sql_member(user, circle)),
        ),
    )


def _has_tag(name: str) -> ColumnElement[bool]:
    return exists().where(
        col(Tagging.item_id) == col(SearchItem.id), col(Tagging.tag_id) == col(Tag.id), col(Tag.name) == name
    )


# ---- searching ----


async def search(db: AsyncSession, user: User, query: Query) -> Results:
    """The items matching `query` that `user` may read, best first (newest first without words)."""
    terms = terms_of(query.text)
    words = analyse(terms, await synonyms.groups(db)) if terms else []
    # SQLAlchemy's own select: each row is (item, snippet or None).
    statement: Select[Any] = sa_select(SearchItem).where(visible_to(user))
    if query.kinds:
        statement = statement.where(col(SearchItem.kind).in_(list(query.kinds)))
    for name in tag_names.clean_all(query.tags):
        statement = statement.where(_has_tag(name))
    if query.circle_id is not None:
        statement = statement.where(col(SearchItem.circle_id) == query.circle_id)
    if query.question is not None:
        statement = statement.where(col(SearchItem.question) == query.question)
    if query.since is not None:
        statement = statement.where(col(SearchItem.created_at) >= query.since)
    if query.until is not None:
        statement = statement.where(col(SearchItem.created_at) < query.until)
    backend = _POSTGRES if db.get_bind().dialect.name == "postgresql" else _SQLITE
    if words:
        statement = backend.match(statement, words, depth=query.offset + query.limit + 1)
        rows = await backend.matches(db, statement.limit(query.limit + 1).offset(query.offset))
    else:
        statement = statement.add_columns(literal_column("NULL")).order_by(
            col(SearchItem.updated_at).desc(), col(SearchItem.id).desc()
        )
        rows = (await db.exec(cast(Any, statement.limit(query.limit + 1).offset(query.offset)))).all()
    more = len(rows) > query.limit
    items: list[SearchItem] = [item for item, _ in rows[: query.limit]]
    ids = [item.id or 0 for item in items]
    item_tags = await tags_of(db, ids)
    places = await _message_places(db, user, items)
    hits = []
    matches = _matcher(words)
    for item in items:
        text = search_text.plain(item.body[:SNIPPET_CHARS], markdown=item.kind in MARKDOWN_KINDS)
        made = _snippet(text, matches) if words else ""
        author, place = places.get(item.id or 0, ("", ""))
        hits.append(
            Hit(item, _pieces(made) if made else _opening(text), item_tags.get(item.id or 0, []), author, place)
        )
    return Results(hits, more)


def read_by_all_readers_of(place: int | None) -> ColumnElement[bool]:
    """SQL condition on `search_items`: everyone who reads the circle `place` (every colleague
    when None: the organisation's own pages) may read the thing, whoever they are: the
    organisation's items, open circles' items and the place's own. For what is said where
    others read along (Ids answering in a circle's chat or under a post)."""
    audience, circle = col(SearchItem.audience), col(SearchItem.circle_id)
    own = circle == place if place is not None else false()
    return or_(audience == Audience.ORG, and_(audience == Audience.CIRCLE, or_(sql_read_by_all(circle), own)))


async def candidates(
    db: AsyncSession,
    user: User,
    words: Sequence[Word],
    kinds: Sequence[ItemKind],
    *,
    per_word: int,
    answered_questions: bool = False,
    shared: ColumnElement[bool] | None = None,
) -> list[SearchItem]:
    """The items `user` may read that match any one of `words` (each word's best `per_word`, as
    `search` ranks them), without snippets: for a caller that ranks passages itself (Ids,
    `services.answers`), where `search` would ask for every word at once. `answered_questions`
    adds the circle posts that are questions with an accepted answer (their rows hold it);
    `shared` narrows them further (`read_by_all_readers_of`)."""
    backend = _POSTGRES if db.get_bind().dialect.name == "postgresql" else _SQLITE
    found: dict[int, SearchItem] = {}
    kind_wanted: ColumnElement[bool] = col(SearchItem.kind).in_(list(kinds))
    if answered_questions:
        kind_wanted = or_(kind_wanted, col(SearchItem.question) == QuestionState.ANSWERED)
    for word in words:
        statement: Select[Any] = sa_select(SearchItem).where(visible_to(user), kind_wanted)
        if shared is not None:
            statement = statement.where(shared)
        rows = await backend.matches(db, backend.match(statement, [word], depth=per_word).limit(per_word))
        for item, _ in rows:
            found.setdefault(item.id or 0, item)
    return list(found.values())


# What people write in Markdown; its snippets are shown as the text it reads as.
MARKDOWN_KINDS = frozenset({ItemKind.POST, ItemKind.NEWS, ItemKind.BLOG, ItemKind.PAGE, ItemKind.MESSAGE})


async def _message_places(db: AsyncSession, user: User, items: Sequence[SearchItem]) -> dict[int, tuple[str, str]]:
    """For each chat message among `items`: its author's name and where it was said, the circle's
    name or, for a direct conversation, its name for `user` (never the hidden circle's)."""
    messages = {item.ref_id: item.id or 0 for item in items if item.kind is ItemKind.MESSAGE}
    if not messages:
        return {}
    found = await db.exec(
        select(Message.id, User.name, Circle)
        .join(User, col(User.id) == col(Message.author_id))
        .join(Circle, col(Circle.id) == col(Message.circle_id))
        .where(col(Message.id).in_(list(messages)))
    )
    places: dict[int, tuple[str, str]] = {}
    conversations: dict[int, str] = {}
    for message_id, author, circle in found.all():
        if circle.kind is CircleKind.DIRECT:
            circle_id = circle.id or 0
            if circle_id not in conversations:
                conversations[circle_id] = await direct.title(db, user, circle)
            place = conversations[circle_id]
        else:
            place = circle.name
        places[messages[message_id or 0]] = (author, place)
    return places


class _Backend:
    # How many of the newest matches, and of the newest title or tag matches, are ranked: ranking
    # every match of a common word costs more than the rest of the search together.
    RANKED = 500

    def window(self, depth: int) -> int:
        """Reading past the window widens it by whole windows, so pages within one agree."""
        return self.RANKED * -(-depth // self.RANKED)

    def match(self, statement: Select[Any], words: list[Word], *, depth: int) -> Select[Any]:
        """Only the matches, best first, with a NULL snippet column; `depth` is how far down the
        caller will read (offset + limit)."""
        raise NotImplementedError

    async def matches(self, db: AsyncSession, statement: Select[Any]) -> Sequence[Any]:
        """The rows of a `match` statement."""
        found: Sequence[Any] = (await db.exec(cast(Any, statement))).all()
        return found


class _Sqlite(_Backend):
    """FTS5 over the unstemmed words and the `terms`: each query word as a prefix, its stem as a
    prefix, or one of its key alternatives as whole words.

    Ranked: title or tag matches first, then the rest, newest first within each, over a window
    of the newest matches and the newest title or tag matches (bm25 over every match of a common
    word took longer than the 100 ms a search may take at 50,000 items).
    """

    def _expression(self, words: list[Word]) -> str:
        # Each quoted string is one word of the tokenizer's (letters and digits, as `_WORD`):
        # the index keeps no positions (`detail=column`), so FTS5 refuses a phrase of two.
        parts = []
        for word in words:
            options = [f'"{prefix}"*' for prefix in word.prefixes]
            for alternative in word.alternatives:
                groups = ["(" + " OR ".join(f'"{key}"' for key in sorted(group)) + ")" for group in alternative]
                options.append("(" + " AND ".join(groups) + ")")
            parts.append("(" + " OR ".join(options) + ")")
        return " AND ".join(parts)

    def _newest(self, statement: Select[Any], expression: str, name: str, window: int, titled: int) -> Select[Any]:
        return (
            statement.with_only_columns(_FTS.c.rowid.label("id"), literal_column(str(titled)).label("titled"))
            .join_from(SearchItem, _FTS, _FTS.c.rowid == col(SearchItem.id))
            .where(text(f"search_fts MATCH :{name}").bindparams(**{name: expression}))
            .order_by(_FTS.c.rowid.desc())
            .limit(window)
        )

    def match(self, statement: Select[Any], words: list[Word], *, depth: int) -> Select[Any]:
        expression = self._expression(words)
        window = self.window(depth)
        newest = self._newest(statement, expression, "match_any", window, 0)
        titled = self._newest(statement, f"{{title tags}} : ({expression})", "match_heading", window, 1)
        # SQLite takes ORDER BY and LIMIT in a compound's parts only inside subqueries.
        parts = [branch.subquery() for branch in (newest, titled)]
        found = union_all(*(sa_select(part.c.id, part.c.titled) for part in parts)).subquery()
        candidates = sa_select(found.c.id, func.max(found.c.titled).label("titled")).group_by(found.c.id).subquery()
        matches: Select[Any] = sa_select(SearchItem).add_columns(literal_column("NULL"))
        return matches.join(candidates, candidates.c.id == col(SearchItem.id)).order_by(
            candidates.c.titled.desc(), col(SearchItem.id).desc()
        )


class _Postgres(_Backend):
    """The generated `document` column (the text in the `kring` configuration, the `terms` as
    they are); each query word as a stemmed prefix (`word:*`) or one of its key alternatives.

    A common word matches a third of everything, and ranking every match reads every match's
    whole `document`. So only a window is ranked: the newest matches, and the newest whose title
    or tags match (the small `heading` vector has its own index), `RANKED` of each, by
    `ts_rank`. A title or tag match of any age is therefore ranked, a body match if it is among
    the newest `RANKED`.
    """

    def _tsquery(self, words: list[Word], *, as_typed: bool = False) -> ColumnElement[Any]:
        # Every lexeme is made here (folded, stemmed as `kring` stems), so the query is read in
        # the `simple` configuration, which only lowers case. A scalar subquery, so PostgreSQL
        # builds the query once (an InitPlan) rather than for every matching row. `as_typed`:
        # only the words as typed, for ranking.
        parts = []
        for word in words:
            options = [f"'{prefix}':*" for prefix in word.prefixes]
            for alternative in () if as_typed else word.alternatives:
                groups = ["(" + " | ".join(f"'{key}'" for key in sorted(group)) + ")" for group in alternative]
                options.append("(" + " & ".join(groups) + ")")
            parts.append("(" + " | ".join(options) + ")")
        simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
        return sa_select(func.to_tsquery(simple, " & ".join(parts))).scalar_subquery()

    def match(self, statement: Select[Any], words: list[Word], *, depth: int) -> Select[Any]:
        tsquery = self._tsquery(words)
        document: ColumnElement[Any] = literal_column("search_items.document")
        heading: ColumnElement[Any] = literal_column("search_items.heading")
        window = self.window(depth)
        ids = statement.with_only_columns(col(SearchItem.id))
        # `id + 0`: walking the primary key backwards and testing every row for the words looks
        # cheap to the planner, which cannot see how rare the words are, and reads the whole
        # table when they match nothing; the GIN index and a sort of the matches is always fast.
        newest_first = (col(SearchItem.id) + 0).desc()
        newest = ids.where(document.op("@@")(tsquery)).order_by(newest_first).limit(window)
        titled = ids.where(heading.op("@@")(tsquery)).order_by(newest_first).limit(window)
        candidates = union(newest, titled).subquery()
        matches: Select[Any] = sa_select(SearchItem).add_columns(literal_column("NULL"))
        # Ranked by the words as typed: the alternatives widen what is found, but each word has
        # several (stem, root, parts), and ts_rank would favour whatever matched most of them.
        return matches.where(col(SearchItem.id).in_(sa_select(candidates.c.id))).order_by(
            func.ts_rank(document, self._tsquery(words, as_typed=True)).desc(), col(SearchItem.id).desc()
        )

    async def matches(self, db: AsyncSession, statement: Select[Any]) -> Sequence[Any]:
        """The rows of a `match` statement, read through the full-text indexes. The planner
        charges testing a row for the words as one operator, but a vector that large is kept out
        of line, compressed: a scan reads and unpacks every row's (100 ms at 10,000 items, where
        the indexes take 5). It cannot see that, with statistics or without (as after an
        import), so a sequential scan is ruled out for this one statement. Should the statement
        fail, the rollback of its transaction restores the setting."""
        previous = (await db.exec(cast(Any, text(_SEQSCAN_OFF)))).one()[0]
        found = await super().matches(db, statement)
        await db.exec(cast(Any, text(_SEQSCAN_BACK).bindparams(previous=previous)))
        return found


_SEQSCAN_OFF = "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
_SEQSCAN_BACK = "SELECT set_config('enable_seqscan', :previous, true)"

_FTS = table("search_fts", column("rowid"))
_SQLITE = _Sqlite()
_POSTGRES = _Postgres()


def _matcher(words: Sequence[Word]) -> Callable[[str], bool]:
    """Whether a word of a text is one the query asked for, by the rules the search matched on;
    remembering each word's answer, as a page of snippets reads the same words many times."""
    prefixes = tuple(prefix for word in words for prefix in word.prefixes)
    keys = frozenset(key for word in words for key in word.all_keys())
    known: dict[str, bool] = {}

    def matches(token: str) -> bool:
        found = known.get(token)
        if found is None:
            folded = fold(token)
            found = folded.startswith(prefixes) or not dutch_words.keys_with_parts(folded).isdisjoint(keys)
            known[token] = found
        return found

    return matches


def _snippet(body: str, matches: Callable[[str], bool], length: int = 24) -> str:
    """The stretch of `length` words of `body` with the most words the query asked for, those
    marked; empty when none is there."""
    tokens = list(_WORD.finditer(body))
    hits = [matches(token.group()) for token in tokens]
    if not any(hits):
        return ""
    words = length
    best, count = 0, sum(hits[:words])
    running = count
    for start in range(1, max(1, len(tokens) - words + 1)):
        running += hits[start + words - 1] - hits[start - 1]
        if running > count:
            best, count = start, running
    shown = range(best, min(len(tokens), best + words))
    pieces = ["…" if best > 0 else ""]
    position = tokens[best].start()
    for index in shown:
        token = tokens[index]
        pieces.append(body[position : token.start()])
        pieces.append(f"{MARK_START}{token.group()}{MARK_END}" if hits[index] else token.group())
        position = token.end()
    last = tokens[shown[-1]].end()
    pieces.append(body[position:last] + ("…" if shown[-1] < len(tokens) - 1 else ""))
    return " ".join("".join(pieces).split())


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
