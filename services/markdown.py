"""Markdown to safe HTML, and @mentions to colleagues.

A colleague is mentioned by their handle as the autocomplete writes it (`@anna.devries`), or by
their display name as people type it (`@Anna de Vries`), or by their first name alone (`@Anna`)
when exactly one active colleague has it. Names match case- and accent-insensitively, the
longest first ("Anna de Vries-Jansen" before "Anna de Vries"), and only where the name ends
(before a space or punctuation, not inside a longer word).

Two layers, so one mistake is not enough for script to run: markdown-it renders with raw HTML
switched off (any `<tag>` in the text comes out as text), then nh3 keeps only the tags,
attributes and URL schemes listed here. Links get `rel="noopener noreferrer nofollow"`.

Images are Kring's own only: `![alt](/media/inline/<hash>.png)`, a picture pasted into a text and
stored by `services.inline_images`, is shown; any other image (another site's, which would tell
it who reads what) is left out, by the renderer and again by the cleaner.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from services import images
from services.errors import N_, Invalid

MENTION = re.compile(r"(?<![\w@/])@([a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?)", re.IGNORECASE)
# Where a mention may begin: an @ that is not inside an e-mail address or a path, before a letter.
_MENTION_START = re.compile(r"(?<![\w@/])@(?=[^\W_])")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#+!<>|~])")
MAX_MENTIONS = 50  # different @handles (or first letters after @) in one post, comment, message or page

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(["linkify", "strikethrough", "table"])
KRING_IMAGE = re.compile(r"/media/inline/" + images.NAME.pattern)  # matched whole


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    if not KRING_IMAGE.fullmatch(str(token.attrGet("src") or "")):
        return ""
    token.attrSet("loading", "lazy")
    return self.image(tokens, idx, options, env)


_renderer.add_render_rule("image", _image)

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "img": {"src", "alt", "title", "loading"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: tuple[int, ...]  # ids of the colleagues mentioned, in order of first mention


def to_safe_html(markdown: str) -> str:
    return nh3.clean(
        _renderer.render(markdown),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_only_kring_images,
    )


def _only_kring_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not KRING_IMAGE.fullmatch(value):
        return None
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def handle_of(user: User) -> str:
    """What colleagues type after @ to mention someone: their e-mail address's local part."""
    return user.email.split("@", 1)[0].lower()


def fold(text: str) -> str:
    """`text` as names are compared: case and accents gone ("Özlem" and "ozlem" are one)."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _letters_by_fold() -> dict[str, frozenset[str]]:
    """Every Latin letter with its accented forms, in both cases: "o" -> {o, O, ö, Ö, ó, …}."""
    found: dict[str, set[str]] = defaultdict(set)
    for code in [*range(ord("a"), ord("z") + 1), *range(0x00C0, 0x0250)]:
        letter = chr(code)
        base = fold(letter)
        if len(base) == 1:
            found[base].update({letter, letter.lower(), letter.upper()})
    return {base: frozenset(letters) for base, letters in found.items()}


_LETTERS = _letters_by_fold()


def _first_letters(folded: str) -> frozenset[str]:
    return _LETTERS.get(folded, frozenset({folded, folded.upper()}))


def _name_ends(text: str, end: int) -> bool:
    """A name typed after @ ends at `end`: not in the middle of a word ("@Anna de Vriesland"),
    nor of a handle or a double name ("@Anna de Vries-Jansen"). Punctuation after it is fine."""
    if end >= len(text):
        return True
    after = text[end]
    if after.isalnum() or after == "_":
        return False
    return not (after in ".-" and end + 1 < len(text) and (text[end + 1].isalnum() or text[end + 1] == "_"))


# A word of a name as typed: letters, perhaps joined by a hyphen or apostrophe ("Jan-Willem").
_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_LETTERS_RUN = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Names:
    """The display names of the colleagues who might be meant, to match against the text.
    Each @ in the text is looked up by the lengths of the names that begin as the word after it
    does (a few lengths, however many colleagues share a first name): bounded work per @."""

    by_name: dict[str, list[User]]  # folded full name -> who has it
    by_first: dict[str, list[User]]  # folded first name -> who has it
    lengths: dict[str, list[int]]  # folded first letters -> the lengths of the names they begin, longest first

    @classmethod
    def of(cls, users: Iterable[User]) -> _Names:
        by_name: dict[str, list[User]] = defaultdict(list)
        by_first: dict[str, list[User]] = defaultdict(list)
        lengths: dict[str, set[int]] = defaultdict(set)
        for user in users:
            name = " ".join(unicodedata.normalize("NFC", user.name).split())
            letters = _LETTERS_RUN.match(name)
            if letters is None:
                continue
            by_name[fold(name)].append(user)
            by_first[fold(name.split()[0])].append(user)
            lengths[fold(letters.group(0))].add(len(name))
        return cls(by_name, by_first, {key: sorted(found, reverse=True) for key, found in lengths.items()})

    def at(self, text: str, start: int) -> tuple[User | None, int]:
        """Who the name typed from `start` names, and where it ends; (None, start) if no one, or
        if the name is more than one colleague's."""
        letters = _LETTERS_RUN.match(text, start)
        if letters is None:
            return None, start
        for length in self.lengths.get(fold(letters.group(0)), []):
            end = start + length
            users = self.by_name.get(fold(text[start:end]), [])
            if users and _name_ends(text, end):
                return (users[0], end) if len(users) == 1 else (None, start)
        return None, start

    def first_name_at(self, text: str, start: int) -> tuple[User | None, int]:
        word = _WORD.match(text, start)
        if word is None or not _name_ends(text, word.end()):
            return None, start
        users = self.by_first.get(fold(word.group(0)), [])
        return (users[0], word.end()) if len(users) == 1 else (None, start)


async def _candidates(db: AsyncSession, handles: set[str], first_letters: set[str]) -> list[User]:
    """The active colleagues with one of `handles`, or a name beginning with one of
    `first_letters` (folded), in one query."""
    # `_` and `%` are wildcards to LIKE: escaped, so a handle matches only itself.
    by_handle = [col(User.email).like(_escape_like(handle) + "@%", escape="\\") for handle in handles]
    letters = {letter for folded in first_letters for letter in _first_letters(folded)}
    by_name = [col(User.name).like(_escape_like(letter) + "%", escape="\\") for letter in sorted(letters)]
    statement = select(User).where(or_(*by_handle, *by_name), col(User.is_active).is_(True))
    return list((await db.exec(statement)).all())


async def render(db: AsyncSession, markdown: str) -> Rendered:
    """Safe HTML for `markdown`, with each mention of an active colleague made a link to them
    (see the module docstring for what counts as one).

    Those who might be meant are looked up in one query, and only when the text has an @ that
    may begin a mention. More than `MAX_MENTIONS` different handles (or first letters after @)
    is `Invalid` (a clear refusal rather than silently linking some): nobody addresses fifty
    colleagues by name in one item, and each costs a notification."""
    # One form for composed letters, so that "é" typed either way matches the name.
    markdown = unicodedata.normalize("NFC", markdown)
    handles = {match.lower() for match in MENTION.findall(markdown)}
    starts = [match.end() for match in _MENTION_START.finditer(markdown)]
    first_letters = {fold(markdown[start]) for start in starts}
    if len(handles) > MAX_MENTIONS or len(first_letters) > MAX_MENTIONS:
        raise Invalid(N_("Mention at most 50 colleagues in one text."), field="body")
    if not handles and not starts:
        return Rendered(to_safe_html(markdown), ())
    users = await _candidates(db, handles, first_letters)
    by_handle = {handle_of(user): user for user in users if handle_of(user) in handles}
    names = _Names.of(user for user in users if fold(user.name[:1]) in first_letters)

    order: list[int] = []
    pieces: list[str] = []
    done = 0
    for match in _MENTION_START.finditer(markdown):
        at, start = match.start(), match.end()
        if at < done:
            continue
        user, end = names.at(markdown, start)
        if user is None:
            handle = MENTION.match(markdown, at)
            if handle is not None and handle.group(1).lower() in by_handle:
                user, end = by_handle[handle.group(1).lower()], handle.end()
        if user is None:
            user, end = names.first_name_at(markdown, start)
        if user is None or user.id is None:
            continue
        if user.id not in order:
            order.append(user.id)
        name = _MARKDOWN_SPECIAL.sub(r"\\\1", user.name)
        pieces += [markdown[done:at], f"[@{name}](/people/{user.id})"]
        done = end
    pieces.append(markdown[done:])
    return Rendered(to_safe_html("".join(pieces)), tuple(order))
