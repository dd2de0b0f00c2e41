"""Finding the answer to a colleague's question: the lexical path, on passages.

Retrieval reads only what the asker may read: its candidates are the asker's own search
(`services.search.search`, with `visible_to` in the query and the organisation's Dutch analysis
and synonyms), one search per word that carries meaning, over documents (their extracted
text), knowledge pages and news. Each candidate is cut into passages (a paragraph, a list
item, or a few sentences of a long paragraph, under the heading they stand below), and each
passage is scored by the same word-matching rule the search uses (`search.analyse`: as typed,
by stem, by compound part, by synonym), each word weighed by how rare it is in Dutch, with
title and heading matches counted too, plus small features: newer news, a document past its
review date, an accepted answer (see `ACCEPTED_BONUS`).

Guarantees: nothing the asker may not read is ever a candidate, so no answer quotes, names or
links it, however closely the question repeats its words. `find` only reads. A semantic model
would plug in behind `find` (the same `Answer` out), re-ranking or adding candidates drawn from
the same `visible_to`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, Comment, Document, ItemKind, KnowledgePage, Post, QuestionState, SearchItem, User, UserKind
from services import circles_to_ask, dutch_words, expertise, search, search_text, synonyms
from services.blocking import run_blocking

KINDS = (ItemKind.DOCUMENT, ItemKind.PAGE, ItemKind.NEWS)
CANDIDATES_PER_WORD = 15
# The share of the question's weight a passage must hold to be given as the answer, and to be
# listed among the other sources; calibrated on tests/services/ids_questions.yaml.
CONFIDENT = 0.6
WORTH_LISTING = 0.35
MAX_OTHERS = 3
MAX_PEOPLE = 3
QUOTE_CHARS = 320
TITLE_SHARE = 0.5  # a word found only in the title or heading counts half
ELSEWHERE_SHARE = 0.3  # a word found only elsewhere in the same item: the passage is in context
TITLE_BONUS = 0.1  # an item whose title names what is asked comes before one that mentions it
# What a question says around its subject: asking words, pronouns, auxiliaries, articles.
STOPWORDS = frozenset(
    (
        "aan",
        "al",
        "alle",
        "als",
        "ben",
        "bent",
        "bij",
        "dan",
        "dat",
        "de",
        "deze",
        "die",
        "dit",
        "doe",
        "doen",
        "doet",
        "een",
        "en",
        "er",
        "ga",
        "gaan",
        "gaat",
        "had",
        "heb",
        "hebben",
        "hebt",
        "heeft",
        "het",
        "hier",
        "hoe",
        "hoeveel",
        "hoelang",
        "ik",
        "in",
        "is",
        "je",
        "jij",
        "jou",
        "jouw",
        "kan",
        "kun",
        "kunnen",
        "laat",
        "lang",
        "maar",
        "me",
        "mag",
        "mee",
        "meer",
        "men",
        "met",
        "mij",
        "mijn",
        "moet",
        "moeten",
        "mogen",
        "na",
        "naar",
        "niet",
        "nog",
        "nu",
        "of",
        "om",
        "onze",
        "ons",
        "op",
        "over",
        "te",
        "tot",
        "u",
        "uw",
        "van",
        "veel",
        "voor",
        "waar",
        "waarom",
        "wanneer",
        "wat",
        "we",
        "welk",
        "welke",
        "wie",
        "wij",
        "wil",
        "willen",
        "word",
        "wordt",
        "worden",
        "zal",
        "ze",
        "zich",
        "zij",
        "zijn",
        "zo",
        "zou",
        "zouden",
        "graag",
        "eigenlijk",
        "even",
        "dien",
        "iemand",
        "iets",
        "weet",
        "weten",
        "vind",
        "vinden",
        "staat",
        "staan",
        "precies",
        "ergens",
        "kunt",
        "krijg",
        "krijgen",
        "daar",
    )
)
ACCEPTED_BONUS = 0.25  # a question a circle answered (its row holds the accepted answer): see docs/ids.md
REVIEW_OVERDUE_SHARE = 0.9  # a document past its review date may be out of date
NEWS_HALF_LIFE_DAYS = 90.0

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9À-Ý\"'(])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_PAGE_LINK = re.compile(r"\[\[[^\[\]\n]+\]\]")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+(.+)|\*\*([^*]+)\*\*:?)\s*$")


@dataclass(frozen=True)
class Passage:
    item: SearchItem
    heading: str
    text: str  # as it reads (plain), for quoting


@dataclass(frozen=True)
class Scored:
    passage: Passage
    score: float  # the share of the question's weight it holds, with the features applied


@dataclass(frozen=True)
class Answer:
    """What Ids found: `best` when confident, the next best sources, and colleagues who may know
    and circles of the asker's where it may be asked, when it is not."""

    question: str
    words: list[str]
    best: Scored | None
    others: list[Scored] = field(default_factory=list)
    people: list[User] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.best is not None


def question_terms(question: str, *, drop: Sequence[str] = ()) -> list[str]:
    """The words of a question that carry its meaning (mentions and asking words left out)."""
    dropped = {dutch_words.fold(word) for name in drop for word in dutch_words.words(name)}
    text = re.sub(r"@[\w.\-]+", " ", question)
    found = [w for w in dutch_words.words(text) if w not in STOPWORDS and w not in dropped and len(w) > 1]
    return list(dict.fromkeys(found))[: search.MAX_TERMS]


def weight(term: str) -> float:
    """How much a word says: the rarer in Dutch, the more (wordfreq's Zipf scale, 0 to 8)."""
    return max(0.5, 7.0 - dutch_words._zipf().get(term, 0.0))


PRIVATE = object()  # `find`'s `place` when only the asker reads the answer


async def find(
    db: AsyncSession, asker: User, question: str, *, drop: Sequence[str] = (), place: int | object | None = PRIVATE
) -> Answer:
    """The answer to `question` from what `asker` may read (see the module docstring), and,
    when the answer is given where others read it (`place`: the circle, or None for the
    organisation's own pages), only from what every reader there may read too: Ids never tells
    an open circle what a secret one of the asker's holds.
    `drop` names words that are no part of the question (the assistant's own name). A question
    a circle answered (a question post with an accepted answer, whose row holds the answer) is
    a candidate too, ranked up: what colleagues settled is the best answer Kring has."""
    terms = question_terms(question, drop=drop)
    if not terms:
        return Answer(question, [], None)
    words = search.analyse(terms, await synonyms.groups(db))
    weights = [weight(term) for term in terms]
    shared = None if place is PRIVATE else search.read_by_all_readers_of(place if isinstance(place, int) else None)
    found = await search.candidates(
        db, asker, words, KINDS, per_word=CANDIDATES_PER_WORD, answered_questions=True, shared=shared
    )
    items = await _settled_as_answers(db, {item.id or 0: item for item in found})
    overdue = await _overdue(db, list(items.values()))
    context = Context([_word_matcher(word) for word in words], weights)
    # Scoring every passage of up to a hundred candidates is plain Python work: off the loop.
    ranked = await run_blocking(_rank, list(items.values()), context, overdue)
    best = ranked[0] if ranked and ranked[0].score >= CONFIDENT else None
    others = [s for s in ranked[1 if best else 0 :] if s.score >= WORTH_LISTING][:MAX_OTHERS]
    if best is not None:
        return Answer(question, terms, best, others)
    people = await who_knows(db, words, context.matchers, ranked)
    asked_in = place if isinstance(place, int) else None
    to_ask = await circles_to_ask.suggest(
        db, asker, context.matchers, weights, asked_in=asked_in, shared=place is not PRIVATE
    )
    return Answer(question, terms, None, others, people, to_ask)


def _rank(items: list[SearchItem], context: Context, overdue: set[tuple[ItemKind, int]]) -> list[Scored]:
    """Each item's best passage, best first."""
    best_per_item: list[Scored] = []
    for item in items:
        late = (item.kind, item.ref_id) in overdue
        whole = _Whole(_tokens(item.title), set(_tokens(_PAGE_LINK.sub(" ", item.body[: search.SNIPPET_CHARS]))))
        scored = [_score(passage, context, whole, overdue=late) for passage in passages(item)]
        if scored:
            top = max(scored, key=lambda s: s.score)
            if item.question is QuestionState.ANSWERED:
                top = Scored(top.passage, top.score + ACCEPTED_BONUS)
            best_per_item.append(top)
    return sorted(best_per_item, key=lambda s: (-s.score, -(s.passage.item.id or 0)))


async def _settled_as_answers(db: AsyncSession, items: dict[int, SearchItem]) -> dict[int, SearchItem]:
    """Each answered question's row as its accepted answer: quoted from the answer alone, titled
    by the question (whose words would otherwise win its passages, and Ids would quote the
    question back). One whose answer is hidden meanwhile is left out."""
    asked = [item.ref_id for item in items.values() if item.question is QuestionState.ANSWERED]
    if not asked:
        return items
    rows = await db.exec(
        select(Post.id, Post.body, Comment.body)
        .join(Comment, col(Comment.id) == col(Post.accepted_comment_id))
        .where(col(Post.id).in_(asked), col(Post.hidden_at).is_(None), col(Comment.hidden_at).is_(None))
    )
    settled = {post_id: (question, answer) for post_id, question, answer in rows.all()}
    shown: dict[int, SearchItem] = {}
    for key, item in items.items():
        if item.question is QuestionState.ANSWERED:
            if item.ref_id not in settled:
                continue
            question, answer = settled[item.ref_id]
            title = search_text.plain(question.strip().split("\n", 1)[0], markdown=True)[:120]
            item = SearchItem(**{**item.model_dump(), "title": title, "body": answer})
        shown[key] = item
    return shown


Matcher = Callable[[str], bool]


@dataclass(frozen=True)
class Context:
    """The question's words, as matchers of folded tokens, and their weights."""

    matchers: list[Matcher]
    weights: list[float]


def _word_matcher(word: search.Word) -> Matcher:
    keys = word.all_keys()

    def matches(token: str) -> bool:
        return token.startswith(word.prefixes) or not dutch_words.keys_with_parts(token).isdisjoint(keys)

    return matches


def _tokens(text: str) -> list[str]:
    return dutch_words.words(text)


@dataclass(frozen=True)
class _Whole:
    """An item's words as every one of its passages is scored against them."""

    title: list[str]
    elsewhere: set[str]


def _score(passage: Passage, context: Context, whole: _Whole, *, overdue: bool) -> Scored:
    # A link to another page names that page; it is not this passage's own word.
    body = _tokens(_PAGE_LINK.sub(" ", passage.text))
    heading = _tokens(passage.heading)
    title, elsewhere = whole.title, whole.elsewhere
    total = sum(context.weights)
    held = titled = 0.0
    for matches, word_weight in zip(context.matchers, context.weights, strict=True):
        in_title = any(matches(token) for token in title)
        if in_title:
            titled += word_weight
        if any(matches(token) for token in body):
            held += word_weight
        elif in_title or any(matches(token) for token in heading):
            held += word_weight * TITLE_SHARE
        elif any(matches(token) for token in elsewhere):
            held += word_weight * ELSEWHERE_SHARE
    score = held / total + TITLE_BONUS * titled / total if total else 0.0
    if overdue:
        score *= REVIEW_OVERDUE_SHARE
    if passage.item.kind is ItemKind.NEWS:
        age = (datetime.now(UTC) - passage.item.created_at).days
        score *= 0.9 + 0.1 * math.exp(-max(age, 0) / NEWS_HALF_LIFE_DAYS)
    return Scored(passage, score)


def passages(item: SearchItem) -> list[Passage]:
    """The item cut into passages (see the module docstring)."""
    markdown = item.kind in search.MARKDOWN_KINDS
    found: list[Passage] = []
    heading = ""
    for block in re.split(r"\n\s*\n", item.body[: search.SNIPPET_CHARS]):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if markdown and len(lines) == 1 and (m := _HEADING.match(lines[0])):
            heading = (m.group(1) or m.group(2) or "").strip()
            continue
        if not markdown and dutch_words.fold(lines[0].strip()) == dutch_words.fold(item.title.strip()):
            heading, lines = lines[0].strip(), lines[1:]  # a document's text opens with its title
            if not lines:
                continue
        if markdown and all(_LIST_ITEM.match(line) for line in lines):
            pieces = [_LIST_ITEM.sub("", line) for line in lines]
        else:  # a paragraph; extracted text breaks its lines anywhere (a PDF's at the margin)
            pieces = [" ".join(line.strip() for line in lines)]
        for piece in pieces:
            text = " ".join(search_text.plain(piece, markdown=markdown).split())
            for part in _sentences(text):
                found.append(Passage(item, heading, part))
    return found


def _sentences(text: str) -> list[str]:
    """A long paragraph as runs of whole sentences of at most `QUOTE_CHARS` (one longer sentence alone)."""
    if len(text) <= QUOTE_CHARS:
        return [text] if text else []
    runs: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        if current and len(current) + 1 + len(sentence) > QUOTE_CHARS:
            runs.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        runs.append(current)
    return runs


async def _overdue(db: AsyncSession, items: Sequence[SearchItem]) -> set[tuple[ItemKind, int]]:
    """The documents and knowledge pages among `items` past their review date."""
    today = datetime.now(UTC).date()
    found: set[tuple[ItemKind, int]] = set()
    for kind, table in ((ItemKind.DOCUMENT, Document), (ItemKind.PAGE, KnowledgePage)):
        ids = [item.ref_id for item in items if item.kind is kind]
        if ids:
            rows = await db.exec(select(table.id).where(col(table.id).in_(ids), col(table.review_by) < today))
            found |= {(kind, ref_id) for ref_id in rows.all() if ref_id is not None}
    return found


AUTHOR_SHARE = 0.3  # how close an item must come for its author to be named as someone who may know


async def who_knows(
    db: AsyncSession, words: Sequence[search.Word], matchers: Sequence[Matcher], ranked: Sequence[Scored]
) -> list[User]:
    """Colleagues who may know: those whose "ask me about" skills match a word of the question
    first, then those whose team does; then who wrote or looks after what came closest (`ranked`,
    all of it readable by the asker)."""
    chosen = await _by_skills_and_team(db, words, matchers)
    for close in ranked:
        if len(chosen) >= MAX_PEOPLE or close.score < AUTHOR_SHARE:
            break
        author = await _colleague(db, await _author_of(db, close.passage.item))
        if author is not None and author not in chosen:
            chosen.append(author)
    return chosen


async def _colleague(db: AsyncSession, user_id: int | None) -> User | None:
    """An active colleague (a person, not Ids) by id."""
    user = await db.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.is_active and user.kind is UserKind.PERSON else None


async def _by_skills_and_team(
    db: AsyncSession, words: Sequence[search.Word], matchers: Sequence[Matcher]
) -> list[User]:
    """The colleagues whose skills or team match the question's words (`_rank_people`), read
    from the few whose search row could match (`expertise.might_match`), not from everyone."""
    people = (
        await db.exec(
            select(User)
            .where(col(User.is_active).is_(True), User.kind == UserKind.PERSON, expertise.might_match(words))
            .order_by(col(User.name))
        )
    ).all()
    return await run_blocking(_rank_people, people, matchers)  # their words, scored: off the loop


def _rank_people(people: Sequence[User], matchers: Sequence[Matcher]) -> list[User]:
    """The colleagues whose skills (twice the weight) or team match the question's words."""
    scored: list[tuple[int, str, User]] = []
    for person in people:
        skills = [token for skill in person.skills for token in _tokens(skill)]
        team = _tokens(person.team)
        hits = sum(2 for m in matchers if any(m(t) for t in skills)) + sum(
            1 for m in matchers if any(m(t) for t in team)
        )
        if hits:
            scored.append((hits, person.name, person))
    return [person for _, _, person in sorted(scored, key=lambda s: (-s[0], s[1]))][:MAX_PEOPLE]


async def _author_of(db: AsyncSession, item: SearchItem) -> int | None:
    if item.kind is ItemKind.DOCUMENT:
        document = await db.get(Document, item.ref_id)
        return (document.responsible_id or document.created_by) if document is not None else None
    if item.kind is ItemKind.PAGE:
        page = await db.get(KnowledgePage, item.ref_id)
        return page.updated_by if page is not None else None
    post = await db.get(Post, item.ref_id)
    return post.author_id if post is not None else None
