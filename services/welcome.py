"""Ids welcomes a new colleague, and the home page's checklist for their first steps.

Guarantees: `welcome_once` sends the welcome exactly once per colleague, however the account was
made (invitation, admin, SSO) and however many workers, tabs or sign-ins race: it is called where
every session is made (`sessions.sign_in`, on a colleague's first sign-in), in that unit of
work, and claims `care_marks`' (welcome, colleague) row first. Everything the welcome names is
what the colleague may see: circles by `access.sql_can_see`, news and knowledge by each noun's
`readable_by`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleKind, Document, KnowledgePage, Membership, NewsRead, Post, PostKind, User
from models.base import utcnow
from services import care_marks, documents, ids_voice, knowledge_pages, posts
from services.access import outsiders_read, sql_can_see, sql_listed, sql_member
from services.errors import N_
from services.transactions import writes

# How far back the welcome looks for must-read news the newcomer should still confirm.
NEWS_MONTHS_DAYS = 92
_MAX_CIRCLES = 5
_MAX_ITEMS = 8
_Marked = TypeVar("_Marked", Document, KnowledgePage)


@dataclass(frozen=True)
class Welcome:
    circles: list[Circle]
    news: list[Post]
    documents: list[Document]
    pages: list[KnowledgePage]


async def welcome_once(db: AsyncSession, user: User, now: datetime | None = None) -> bool:
    """Send `user` Ids's welcome unless they ever had it; inside the caller's unit of work."""
    now = now or utcnow()
    if user.id is None:
        return False
    if not await care_marks.claim_once(db, care_marks.WELCOME, "", user.id, now):
        return False
    assistant = await ids_voice.ids(db)
    await ids_voice.say(db, user.id, message(user, await gather(db, user, now), assistant.name))
    return True


async def gather(db: AsyncSession, user: User, now: datetime) -> Welcome:
    return Welcome(
        circles=await fitting_circles(db, user),
        news=await unconfirmed_news(db, user, since=now - timedelta(days=NEWS_MONTHS_DAYS)),
        documents=await _newcomer_items(db, user, Document, documents.readable_by(user)),
        pages=await _newcomer_items(db, user, KnowledgePage, knowledge_pages.readable_by(user)),
    )


async def fitting_circles(db: AsyncSession, user: User) -> list[Circle]:
    """Circles anyone may find, not joined yet, whose name or description names the colleague's
    team or location."""
    wanted = [word.lower() for word in (user.team.strip(), user.location.strip()) if word]
    if not wanted:
        return []
    text = func.lower(col(Circle.name) + " " + col(Circle.description))
    rows = await db.exec(
        select(Circle)
        .where(
            sql_can_see(user, col(Circle.id)),  # the access policy: what they may find
            sql_listed(col(Circle.id)),  # not archived
            col(Circle.kind) != CircleKind.DIRECT,
            ~sql_member(user, col(Circle.id)),
            or_(*(text.contains(word, autoescape=True) for word in wanted)),
        )
        .order_by(col(Circle.name))
        .limit(_MAX_CIRCLES)
    )
    return list(rows.all())


async def unconfirmed_news(db: AsyncSession, user: User, *, since: datetime) -> list[Post]:
    confirmed = select(NewsRead.post_id).where(col(NewsRead.user_id) == user.id)
    rows = await db.exec(
        select(Post)
        .where(
            col(Post.kind) == PostKind.NEWS,
            col(Post.must_read).is_(True),
            col(Post.created_at) >= since,
            col(Post.id).not_in(confirmed),
            posts.readable_by(user),
        )
        .order_by(col(Post.created_at).desc())
        .limit(_MAX_ITEMS)
    )
    return list(rows.all())


async def _newcomer_items(
    db: AsyncSession, user: User, table: type[_Marked], readable: ColumnElement[bool]
) -> list[_Marked]:
    team = user.team.strip().lower()
    rows = await db.exec(
        select(table)
        .where(
            col(table.for_newcomers).is_(True),
            or_(col(table.newcomer_team) == "", func.lower(col(table.newcomer_team)) == team),
            readable,
        )
        .order_by(col(table.title))
        .limit(_MAX_ITEMS)
    )
    return list(rows.all())


def message(user: User, welcome: Welcome, assistant_name: str) -> str:
    _ = ids_voice.words(user)
    first_name = user.name.split()[0] if user.name.split() else user.name
    hello = _(N_("Welcome, %(name)s! I am %(assistant)s, your virtual colleague. A few things to get you started."))
    parts = [hello % {"name": first_name, "assistant": assistant_name}]
    if welcome.circles:
        parts.append(_(N_("**Circles for your team and location**:")))
        parts.append(
            "\n".join(f"- [{circle.name}](/circles/{circle.id}): {_join_link(circle, _)}" for circle in welcome.circles)
        )
    if welcome.news:
        parts.append(_(N_("**Must-read news** you have not confirmed yet:")))
        parts.append("\n".join(f"- [{post.title}](/posts/{post.id})" for post in welcome.news))
    if welcome.documents or welcome.pages:
        parts.append(_(N_("**For new colleagues**, the organisation recommends:")))
        links = [f"- [{doc.title}](/knowledge/documents/{doc.id})" for doc in welcome.documents]
        links += [f"- [{page.title}](/knowledge/pages/{page.id})" for page in welcome.pages]
        parts.append("\n".join(links))
    parts.append(
        _(
            N_(
                "**How Kring works:** post and chat in your circles; the bell shows what concerns you, and "
                "you choose under Settings what reaches you and how often by mail. On your phone, add Kring "
                "to your home screen. Ask me anything by sending me a message."
            )
        )
    )
    return "\n\n".join(parts)


def _join_link(circle: Circle, _: Callable[[str], str]) -> str:
    """The one click to join: `/ids/join/{id}` asks for the POST that `circles.join_circle`
    answers, which joins an open circle and only asks a closed one's admins."""
    label = N_("Join") if outsiders_read(circle.visibility) else N_("Ask to join")
    return f"[{_(label)}](/ids/join/{circle.id})"


@dataclass(frozen=True)
class Checklist:
    picture: bool
    circle: bool
    post: bool


async def checklist(db: AsyncSession, user: User) -> Checklist | None:
    """The home page's first steps for a welcomed newcomer, until all are done or dismissed."""
    if user.id is None or not await care_marks.has(db, care_marks.WELCOME, "", user.id):
        return None  # the steps are a newcomer's: for whoever Ids welcomed
    if await care_marks.has(db, care_marks.CHECKLIST_DONE, "", user.id):
        return None
    in_circle = await db.exec(
        select(Membership.id)
        .join(Circle, col(Circle.id) == col(Membership.circle_id))
        .where(col(Membership.user_id) == user.id, col(Circle.kind) != CircleKind.DIRECT)
        .limit(1)
    )
    posted = await db.exec(select(Post.id).where(col(Post.author_id) == user.id).limit(1))
    steps = Checklist(
        picture=user.avatar is not None, circle=in_circle.first() is not None, post=posted.first() is not None
    )
    return None if steps.picture and steps.circle and steps.post else steps


@writes
async def dismiss_checklist(db: AsyncSession, user: User) -> None:
    await care_marks.claim_once(db, care_marks.CHECKLIST_DONE, "", user.id or 0, utcnow())
