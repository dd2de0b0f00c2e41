"""Markdown to safe HTML, and @mentions to colleagues.

Two layers, so one mistake is not enough for script to run: markdown-it renders with raw HTML
switched off (any `<tag>` in the text comes out as text), then nh3 keeps only the tags,
attributes and URL schemes listed here. Links get `rel="noopener noreferrer nofollow"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from services.errors import N_, Invalid

MENTION = re.compile(r"(?<![\w@/])@([a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?)", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#+!<>|~])")
MAX_MENTIONS = 50  # different @handles in one post, comment, message or page

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(["linkify", "strikethrough", "table"])

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
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
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def handle_of(user: User) -> str:
    """What colleagues type after @ to mention someone: their e-mail address's local part."""
    return user.email.split("@", 1)[0].lower()


async def render(db: AsyncSession, markdown: str) -> Rendered:
    """Safe HTML for `markdown`, with each `@handle` of an active colleague made a link to them.

    The handles are looked up in one query. More than `MAX_MENTIONS` different ones is `Invalid`
    (a clear refusal rather than silently linking some): nobody addresses fifty colleagues by
    name in one item, and each costs a notification."""
    handles = {match.lower() for match in MENTION.findall(markdown)}
    if len(handles) > MAX_MENTIONS:
        raise Invalid(N_("Mention at most 50 colleagues in one text."), field="body")
    found: dict[str, User] = {}
    if handles:
        # `_` and `%` are wildcards to LIKE: escaped, so a handle matches only itself.
        patterns = [_escape_like(handle) + "@%" for handle in handles]
        statement = select(User).where(
            or_(*(col(User.email).like(pattern, escape="\\") for pattern in patterns)), col(User.is_active).is_(True)
        )
        for user in (await db.exec(statement)).all():
            if handle_of(user) in handles:
                found[handle_of(user)] = user
    order: list[int] = []

    def link(match: re.Match[str]) -> str:
        user = found.get(match.group(1).lower())
        if user is None or user.id is None:
            return match.group(0)
        if user.id not in order:
            order.append(user.id)
        name = _MARKDOWN_SPECIAL.sub(r"\\\1", user.name)
        return f"[@{name}](/people/{user.id})"

    return Rendered(to_safe_html(MENTION.sub(link, markdown)), tuple(order))
