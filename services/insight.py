"""Insight for management and communications: aggregates over the organisation, never a view of
one colleague's activity.

The small-group rule lives here and only here (`shown`): a figure computed over fewer than
`MIN_COLLEAGUES` distinct colleagues is `None`, which the pages show as "too few colleagues".
Circles appear by name only when every colleague may know they exist (`access.LISTED`: open and
closed); secret circles and direct conversations count in the organisation's totals and nowhere
else.

What the figures are made of:

- **active colleagues**: a colleague is active on a day when they wrote a post, comment or chat
  message, reacted, or confirmed reading must-read news (the timestamped traces the data keeps;
  sign-ins keep only the last one and views no time);
- **interactions**, for cross-team sharing: a comment on someone's post, a reply to someone's
  comment, a reaction to someone's post, comment or chat message, a chat message quoting
  someone's message;
  between the one who acts and the other person. It is cross-team when both have a team and the
  teams differ; an interaction with a colleague without a team counts in neither part;
- **questions without an answer**: circle posts with a question mark in their text, at least
  `QUESTION_DAYS` days old, on which nobody but the asker commented.

Days and ISO weeks are counted in the organisation's time zone. Every query is read-only; the
counting over many rows runs in `services.blocking`'s pool, off the event loop.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import String, case, cast, exists, func, literal
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, Comment, Document, Message, NewsRead, Post, PostKind, PostView, Reaction, User, UserKind
from models.base import utcnow
from services import access
from services.blocking import run_blocking

MIN_COLLEAGUES = 5
QUESTION_DAYS = 2
PERIODS = (4, 12, 26)  # weeks a page may ask for
_T = TypeVar("_T")


def shown(value: _T, colleagues: int) -> _T | None:
    """The small-group rule: `value`, or None when 1 to `MIN_COLLEAGUES` - 1 colleagues took part
    (a figure nobody took part in tells nothing about anyone)."""
    return value if colleagues == 0 or colleagues >= MIN_COLLEAGUES else None


class Interaction(enum.StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    REACTION = "reaction"
    CHAT_REPLY = "chat_reply"


@dataclass(frozen=True)
class Period:
    """The last `weeks` whole ISO weeks up to and including the current one, in `zone`."""

    weeks: int
    zone: ZoneInfo
    today: date

    @classmethod
    def ending(cls, weeks: int, zone: ZoneInfo, now: datetime | None = None) -> Period:
        return cls(weeks if weeks in PERIODS else PERIODS[1], zone, (now or utcnow()).astimezone(zone).date())

    @property
    def first_day(self) -> date:
        monday = self.today - timedelta(days=self.today.weekday())
        return monday - timedelta(weeks=self.weeks - 1)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first_day, time(), self.zone)

    def day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.today - self.first_day).days + 1)]

    def week_keys(self) -> list[str]:
        return [week_of(self.first_day + timedelta(weeks=n)) for n in range(self.weeks)]


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Count:
    """One bucket: how many colleagues were active (None: too few to say)."""

    label: str
    colleagues: int | None


@dataclass(frozen=True)
class CircleActivity:
    circle_id: int
    name: str
    posts: int | None
    comments: int | None
    reactions: int | None
    messages: int | None


@dataclass(frozen=True)
class NewsReach:
    post_id: int
    title: str
    published: datetime
    must_read: bool
    seen: int | None
    seen_first_day: int | None  # of the views with a known time (kept since migration 0017)
    seen_first_week: int | None
    confirmed: int | None  # must-read only
    confirmed_first_day: int | None
    confirmed_first_week: int | None


@dataclass(frozen=True)
class Freshness:
    team: str
    with_review_date: int | None
    overdue: int | None


@dataclass(frozen=True)
class Questions:
    name: str  # a circle's name, or "" for the organisation's total
    asked: int | None
    unanswered: int | None


@dataclass(frozen=True)
class CrossTeamWeek:
    week: str
    interactions: int | None
    cross_team: int | None

    @property
    def share(self) -> float | None:
        if self.interactions is None or self.cross_team is None or self.interactions == 0:
            return None
        return self.cross_team / self.interactions


@dataclass(frozen=True)
class Bridge:
    circle_id: int
    name: str
    pairs: list[tuple[str, str]] | None  # the team pairs it connects, or None when too few took part


@dataclass(frozen=True)
class Sharing:
    weeks: list[CrossTeamWeek]
    bridges: list[Bridge]


@dataclass
class _Group:
    """Distinct colleagues behind a figure, and the figure's counts."""

    colleagues: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class Link:
    """One interaction: who acted towards whom, when, and in which circle (None: news or blog)."""

    kind: Interaction
    at: datetime
    actor_id: int
    other_id: int
    circle_id: int | None


# --- the organisation's circles and teams -------------------------------------------------------


async def _listed_circles(db: AsyncSession) -> dict[int, str]:
    rows = await db.exec(select(Circle.id, Circle.name).where(col(Circle.visibility).in_(access.LISTED)))
    return {circle_id: name for circle_id, name in rows.all() if circle_id is not None}


async def _assistants(db: AsyncSession) -> set[int]:
    """The assistant's account: what it says is no colleague's activity (`services.assistant`)."""
    found = await db.exec(select(User.id).where(User.kind == UserKind.ASSISTANT))
    return {user_id for user_id in found.all() if user_id is not None}


async def _teams(db: AsyncSession) -> dict[int, str]:
    rows = await db.exec(select(User.id, User.team))
    return {user_id: team.strip() for user_id, team in rows.all() if user_id is not None}


# --- active colleagues ---------------------------------------------------------------------------


async def _traces(db: AsyncSession, since: datetime) -> list[tuple[int, datetime]]:
    """(colleague, when) of everything a colleague did that the data dates."""
    statements: list[Any] = [
        select(Post.author_id, Post.created_at).where(col(Post.created_at) >= since),
        select(Comment.author_id, Comment.created_at).where(col(Comment.created_at) >= since),
        select(Reaction.user_id, Reaction.created_at).where(col(Reaction.created_at) >= since),
        select(Message.author_id, Message.created_at).where(col(Message.created_at) >= since),
        select(NewsRead.user_id, NewsRead.at).where(col(NewsRead.at) >= since),
    ]
    found: list[tuple[int, datetime]] = []
    assistants = await _assistants(db)
    for statement in statements:
        found.extend(trace for trace in (await db.exec(statement)).all() if trace[0] not in assistants)
    return found


async def active_colleagues(db: AsyncSession, period: Period) -> tuple[list[Count], list[Count]]:
    """Distinct active colleagues per day and per ISO week of the period."""
    return await run_blocking(_active, await _traces(db, period.since), period)


def _active(traces: Sequence[tuple[int, datetime]], period: Period) -> tuple[list[Count], list[Count]]:
    per_day: dict[date, set[int]] = defaultdict(set)
    for user_id, at in traces:
        per_day[period.day(at)].add(user_id)
    per_week: dict[str, set[int]] = defaultdict(set)
    for day, users in per_day.items():
        per_week[week_of(day)] |= users
    days = [Count(day.isoformat(), shown(len(per_day[day]), len(per_day[day]))) for day in period.days()]
    weeks = [Count(week, shown(len(per_week[week]), len(per_week[week]))) for week in period.week_keys()]
    return days, weeks


# --- activity per circle -------------------------------------------------------------------------


async def circle_activity(db: AsyncSession, period: Period) -> list[CircleActivity]:
    """Posts, comments, reactions and chat messages per open or closed circle, busiest first."""
    listed = await _listed_circles(db)
    since = period.since
    parent = aliased(Post)
    reacted_post = aliased(Post)
    reacted_comment = aliased(Comment)
    comment_post = aliased(Post)
    reacted_message = aliased(Message)
    statements: dict[str, Any] = {
        "posts": select(Post.circle_id, Post.author_id, func.count())
        .where(col(Post.created_at) >= since, col(Post.circle_id).is_not(None))
        .group_by(col(Post.circle_id), col(Post.author_id)),
        "comments": select(parent.circle_id, Comment.author_id, func.count())
        .join(parent, col(parent.id) == col(Comment.post_id))
        .where(col(Comment.created_at) >= since, col(parent.circle_id).is_not(None))
        .group_by(col(parent.circle_id), col(Comment.author_id)),
        "reactions": select(reacted_post.circle_id, Reaction.user_id, func.count())
        .join(reacted_post, col(Reaction.target) == _target("post", col(reacted_post.id)))
        .where(col(Reaction.created_at) >= since, col(reacted_post.circle_id).is_not(None))
        .group_by(col(reacted_post.circle_id), col(Reaction.user_id)),
        "comment_reactions": select(comment_post.circle_id, Reaction.user_id, func.count())
        .join(reacted_comment, col(Reaction.target) == _target("comment", col(reacted_comment.id)))
        .join(comment_post, col(comment_post.id) == col(reacted_comment.post_id))
        .where(col(Reaction.created_at) >= since, col(comment_post.circle_id).is_not(None))
        .group_by(col(comment_post.circle_id), col(Reaction.user_id)),
        "message_reactions": select(reacted_message.circle_id, Reaction.user_id, func.count())
        .join(reacted_message, col(Reaction.target) == _target("message", col(reacted_message.id)))
        .where(col(Reaction.created_at) >= since)
        .group_by(col(reacted_message.circle_id), col(Reaction.user_id)),
        "messages": select(Message.circle_id, Message.author_id, func.count())
        .where(col(Message.created_at) >= since, col(Message.deleted_at).is_(None))
        .group_by(col(Message.circle_id), col(Message.author_id)),
    }
    groups: dict[int, _Group] = defaultdict(_Group)
    assistants = await _assistants(db)
    for name, statement in statements.items():
        for circle_id, user_id, number in (await db.exec(statement)).all():
            if circle_id in listed and user_id not in assistants:
                group = groups[circle_id]
                group.colleagues.add(user_id)
                group.counts["reactions" if name.endswith("_reactions") else name] += number
    found = []
    for circle_id, group in groups.items():
        people = len(group.colleagues)
        c = group.counts
        found.append(
            CircleActivity(
                circle_id,
                listed[circle_id],
                *(shown(c[kind], people) for kind in ("posts", "comments", "reactions", "messages")),
            )
        )
    return sorted(found, key=lambda a: (-sum(groups[a.circle_id].counts.values()), a.name))


def _target(kind: str, id_column: Any) -> Any:
    """A reaction's `target` ("post:12") as SQL, so reactions join their post or comment."""
    return literal(f"{kind}:", String) + cast(id_column, String)


# --- news ----------------------------------------------------------------------------------------


async def news_reach(db: AsyncSession, period: Period) -> list[NewsReach]:
    """Each news item published in the period: how many colleagues saw it, and for must-read
    news how many confirmed, in all, within a day and within a week; newest first."""
    items = (
        await db.exec(
            select(Post)
            .where(Post.kind == PostKind.NEWS, col(Post.created_at) >= period.since)
            .order_by(col(Post.created_at).desc())
        )
    ).all()
    ids = [item.id for item in items]
    views: dict[int, list[datetime | None]] = defaultdict(list)
    for post_id, at in (
        await db.exec(select(PostView.post_id, PostView.at).where(col(PostView.post_id).in_(ids)))
    ).all():
        views[post_id].append(at)  # one row per colleague (unique), so a row is a colleague
    confirmations: dict[int, list[datetime]] = defaultdict(list)
    for post_id, at in (
        await db.exec(select(NewsRead.post_id, NewsRead.at).where(col(NewsRead.post_id).in_(ids)))
    ).all():
        confirmations[post_id].append(at)
    found = []
    for item in items:
        assert item.id is not None
        times = confirmations[item.id]
        seen = views[item.id]
        viewers = len(seen)

        def within(days: int, times: Sequence[datetime | None] = times, start: datetime = item.created_at) -> int:
            return sum(1 for at in times if at is not None and at - start <= timedelta(days=days))

        def seen_within(days: int, seen: list[datetime | None] = seen) -> int | None:
            return shown(within(days, seen), within(days, seen))

        found.append(
            NewsReach(
                item.id,
                item.title,
                item.created_at,
                item.must_read,
                shown(viewers, viewers),
                seen_within(1),
                seen_within(7),
                shown(len(times), len(times)) if item.must_read else None,
                shown(within(1), within(1)) if item.must_read else None,  # each count is its own colleagues
                shown(within(7), within(7)) if item.must_read else None,
            )
        )
    return found


# --- knowledge freshness -------------------------------------------------------------------------


async def freshness(db: AsyncSession, period: Period) -> list[Freshness]:
    """Documents with a review date, and those past it, by the team of the colleague responsible
    (or, without one, of who added the document)."""
    owner = func.coalesce(col(Document.responsible_id), col(Document.created_by))
    rows = (
        await db.exec(
            select(User.team, owner, func.count(), func.sum(_overdue(period.today)))
            .join(User, col(User.id) == owner)
            .where(col(Document.review_by).is_not(None))
            .group_by(col(User.team), owner)
        )
    ).all()
    teams: dict[str, _Group] = defaultdict(_Group)
    for team, owner_id, number, overdue in rows:
        group = teams[team.strip()]
        group.colleagues.add(owner_id)
        group.counts["all"] += number
        group.counts["overdue"] += int(overdue or 0)
    return sorted(
        (
            Freshness(team, shown(g.counts["all"], len(g.colleagues)), shown(g.counts["overdue"], len(g.colleagues)))
            for team, g in teams.items()
        ),
        key=lambda f: f.team,
    )


def _overdue(today: date) -> Any:
    return case((col(Document.review_by) < today, 1), else_=0)


# --- questions without an answer ----------------------------------------------------------------


async def questions(db: AsyncSession, period: Period, now: datetime | None = None) -> list[Questions]:
    """Circle posts asking something, old enough to have had an answer, per open or closed
    circle, with the organisation's total (all circles) first."""
    listed = await _listed_circles(db)
    answer = aliased(Comment)
    answered = exists().where(col(answer.post_id) == col(Post.id), col(answer.author_id) != col(Post.author_id))
    cutoff = (now or utcnow()) - timedelta(days=QUESTION_DAYS)
    rows = (
        await db.exec(
            select(Post.circle_id, Post.author_id, answered).where(
                Post.kind == PostKind.POST,
                col(Post.created_at) >= period.since,
                col(Post.created_at) <= cutoff,
                col(Post.body).contains("?"),
            )
        )
    ).all()
    total = _Group()
    circles: dict[int, _Group] = defaultdict(_Group)
    for circle_id, author_id, was_answered in rows:
        for group in (total, circles[circle_id]) if circle_id in listed else (total,):
            group.colleagues.add(author_id)
            group.counts["asked"] += 1
            group.counts["unanswered"] += 0 if was_answered else 1

    def figure(name: str, g: _Group) -> Questions:
        people = len(g.colleagues)
        return Questions(name, shown(g.counts["asked"], people), shown(g.counts["unanswered"], people))

    return [figure("", total), *sorted((figure(listed[c], g) for c, g in circles.items()), key=lambda q: q.name)]


# --- cross-team knowledge sharing ---------------------------------------------------------------


async def interactions(db: AsyncSession, since: datetime) -> list[Link]:
    """Every interaction since `since` between two different colleagues."""
    post = aliased(Post)
    parent = aliased(Comment)
    comment = aliased(Comment)
    quoted = aliased(Message)
    statements: list[tuple[Interaction, Any]] = [
        (
            Interaction.COMMENT,
            select(Comment.created_at, Comment.author_id, post.author_id, post.circle_id)
            .join(post, col(post.id) == col(Comment.post_id))
            .where(col(Comment.parent_id).is_(None), col(Comment.created_at) >= since),
        ),
        (
            Interaction.REPLY,
            select(Comment.created_at, Comment.author_id, parent.author_id, post.circle_id)
            .join(parent, col(parent.id) == col(Comment.parent_id))
            .join(post, col(post.id) == col(Comment.post_id))
            .where(col(Comment.created_at) >= since),
        ),
        (
            Interaction.REACTION,
            select(Reaction.created_at, Reaction.user_id, post.author_id, post.circle_id)
            .join(post, col(Reaction.target) == _target("post", col(post.id)))
            .where(col(Reaction.created_at) >= since),
        ),
        (
            Interaction.REACTION,
            select(Reaction.created_at, Reaction.user_id, comment.author_id, post.circle_id)
            .join(comment, col(Reaction.target) == _target("comment", col(comment.id)))
            .join(post, col(post.id) == col(comment.post_id))
            .where(col(Reaction.created_at) >= since),
        ),
        (
            Interaction.REACTION,
            select(Reaction.created_at, Reaction.user_id, quoted.author_id, quoted.circle_id)
            .join(quoted, col(Reaction.target) == _target("message", col(quoted.id)))
            .where(col(Reaction.created_at) >= since),
        ),
        (
            Interaction.CHAT_REPLY,
            select(Message.created_at, Message.author_id, quoted.author_id, Message.circle_id)
            .join(quoted, col(quoted.id) == col(Message.reply_to_id))
            .where(col(Message.created_at) >= since, col(Message.deleted_at).is_(None)),
        ),
    ]
    assistants = await _assistants(db)
    found = []
    for kind, statement in statements:
        for at, actor_id, other_id, circle_id in (await db.exec(statement)).all():
            if actor_id != other_id and not {actor_id, other_id} & assistants:
                found.append(Link(kind, at, actor_id, other_id, circle_id))
    return found


def sharing_of(links: Sequence[Link], teams: dict[int, str], listed: dict[int, str], period: Period) -> Sharing:
    """The cross-team share per ISO week and the circles that connect the most team pairs."""
    weeks: dict[str, _Group] = defaultdict(_Group)
    circles: dict[int, _Group] = defaultdict(_Group)
    pairs: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for link in links:
        mine, theirs = teams.get(link.actor_id, ""), teams.get(link.other_id, "")
        if not mine or not theirs:
            continue
        week = weeks[week_of(period.day(link.at))]
        week.colleagues |= {link.actor_id, link.other_id}
        week.counts["all"] += 1
        if mine != theirs:
            week.counts["cross"] += 1
        if link.circle_id in listed:
            circles[link.circle_id].colleagues |= {link.actor_id, link.other_id}
            if mine != theirs:
                pairs[link.circle_id].add((min(mine, theirs), max(mine, theirs)))
    found_weeks = []
    for key in period.week_keys():
        group = weeks[key]
        people = len(group.colleagues)
        found_weeks.append(CrossTeamWeek(key, shown(group.counts["all"], people), shown(group.counts["cross"], people)))
    bridges = [
        Bridge(circle_id, listed[circle_id], shown(sorted(pairs[circle_id]), len(group.colleagues)))
        for circle_id, group in circles.items()
    ]
    bridges.sort(key=lambda b: (-len(b.pairs) if b.pairs is not None else 1, b.name))
    return Sharing(found_weeks, bridges)


async def sharing(db: AsyncSession, period: Period) -> Sharing:
    links = await interactions(db, period.since)
    # A busy organisation has many thousands of interactions a quarter: counted off the event loop.
    return await run_blocking(sharing_of, links, await _teams(db), await _listed_circles(db), period)


# --- everything at once --------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    period: Period
    active_days: list[Count]
    active_weeks: list[Count]
    circles: list[CircleActivity]
    news: list[NewsReach]
    freshness: list[Freshness]
    questions: list[Questions]
    sharing: Sharing


PARTS = frozenset({"active", "circles", "news", "freshness", "questions", "sharing"})


async def report(db: AsyncSession, viewer: User | None, period: Period, parts: Iterable[str] = PARTS) -> Report:
    """The figures of the insight page, for administrators and editors only; `parts` names those
    to compute (one chart's download needs one), the others are left empty."""
    access.ensure_insight_reader(viewer)
    wanted = set(parts)
    days, weeks = await active_colleagues(db, period) if "active" in wanted else ([], [])
    return Report(
        period,
        days,
        weeks,
        await circle_activity(db, period) if "circles" in wanted else [],
        await news_reach(db, period) if "news" in wanted else [],
        await freshness(db, period) if "freshness" in wanted else [],
        await questions(db, period) if "questions" in wanted else [],
        await sharing(db, period) if "sharing" in wanted else Sharing([], []),
    )
