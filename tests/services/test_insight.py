"""Insight's figures against hand-computed cases: the cross-team share per week, the circles that
bridge teams, and the small-group rule (no figure made up by fewer than five colleagues)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleKind, CircleVisibility, Comment, Message, Post, PostView, Reaction, Role, User
from models.base import utcnow
from services import chat, circles, comments, documents, insight, posts, reactions, stream
from services.documents import Upload
from services.errors import NotFound
from services.transactions import unit_of_work
from tests.support import add_member, make_circle, make_user

ZONE = ZoneInfo("Europe/Amsterdam")


def weeks_ago(weeks: int, hour: int = 12) -> datetime:
    """Tuesday of the ISO week `weeks` before this one, at `hour` in the organisation's zone."""
    today = utcnow().astimezone(ZONE).date()
    monday = today - timedelta(days=today.weekday(), weeks=weeks)
    return datetime.combine(monday + timedelta(days=1), time(hour), ZONE)


async def dated(db: AsyncSession, row: Post | Comment | Message, at: datetime) -> None:
    """Move an item back in time: services stamp "now", the case needs its own history."""
    async with unit_of_work(db):
        row.created_at = at
        db.add(row)


async def react(db: AsyncSession, user: User, kind: str, target_id: int, at: datetime) -> None:
    await reactions.set_reaction(db, user, kind, target_id, "thumbsup", on=True)
    found = await db.exec(select(Reaction).where(Reaction.target == f"{kind}:{target_id}", Reaction.user_id == user.id))
    async with unit_of_work(db):
        for reaction in found.all():
            reaction.created_at = at
            db.add(reaction)


async def comment(db: AsyncSession, user: User, post: Post, at: datetime, parent: Comment | None = None) -> Comment:
    made = await comments.add_comment(
        db, user, post.id or 0, body="Goed punt.", parent_id=parent.id if parent is not None else None
    )
    await dated(db, made, at)
    return made


async def post_in(
    db: AsyncSession, user: User, circle_id: int, at: datetime, body: str = "Nieuws uit het team."
) -> Post:
    made = await posts.create_post(db, user, circle_id, body=body)
    await dated(db, made, at)
    return made


async def test_the_cross_team_share_per_week_matches_a_hand_count(db: AsyncSession) -> None:
    a1, a2, a3 = [await make_user(db, f"Anna {n}", team="Noord") for n in (1, 2, 3)]
    b1, b2 = [await make_user(db, f"Bram {n}", team="Zuid") for n in (1, 2)]
    c1 = await make_user(db, "Cees", team="Oost")
    loner = await make_user(db, "Nina Zonderteam")  # no team: in neither part of the share
    open_circle = await make_circle(db, a1, CircleVisibility.OPEN, name="Wijkaanpak")
    for colleague in (a2, a3, b1, b2, c1, loner):
        await circles.join_circle(db, colleague, open_circle.id or 0)
    secret = await make_circle(db, a1, CircleVisibility.SECRET, name="Vertrouwelijk overleg")
    await add_member(db, a1, secret, b1)
    first, second = weeks_ago(2), weeks_ago(1)

    # Two weeks ago: seven interactions between six colleagues, six of them across teams.
    p1 = await post_in(db, a1, open_circle.id or 0, first)
    from_b1 = await comment(db, b1, p1, first)  # 1 Zuid -> Noord: across
    await comment(db, a2, p1, first)  # 2 Noord -> Noord
    await comment(db, a1, p1, first, parent=from_b1)  # 3 a reply, Noord -> Zuid: across
    await react(db, c1, "post", p1.id or 0, first)  # 4 Oost -> Noord: across
    await react(db, a3, "comment", from_b1.id or 0, first)  # 5 Noord -> Zuid: across
    await react(db, a1, "post", p1.id or 0, first)  # one's own post: no interaction
    await comment(db, loner, p1, first)  # no team: left out
    said = await chat.post_message(db, b2, open_circle.id or 0, body="Wie heeft de sleutel?")
    await dated(db, said, first)
    quoted = await chat.post_message(db, a2, open_circle.id or 0, body="Ik!", reply_to_id=said.id)
    await dated(db, quoted, first)  # 6 a chat reply, Noord -> Zuid: across
    hidden = await post_in(db, a1, secret.id or 0, first)
    await comment(db, b1, hidden, first)  # 7 Zuid -> Noord in a secret circle: counts, unnamed
    # Last week: four colleagues only, so nothing may be shown.
    p2 = await post_in(db, a1, open_circle.id or 0, second)
    await comment(db, a2, p2, second)
    await react(db, b1, "post", p2.id or 0, second)
    await react(db, b2, "message", quoted.id or 0, second)  # a reaction in the chat, Zuid -> Noord

    period = insight.Period.ending(4, ZONE)
    sharing = await insight.sharing(db, period)
    weeks = {week.week: week for week in sharing.weeks}
    assert len(weeks) == 4
    two_ago, last = weeks[insight.week_of(first.date())], weeks[insight.week_of(second.date())]
    assert (two_ago.interactions, two_ago.cross_team) == (7, 6)
    assert two_ago.share == pytest.approx(6 / 7)
    assert (last.interactions, last.cross_team, last.share) == (None, None, None)  # 4 colleagues < 5
    this_week = weeks[insight.week_of(utcnow().astimezone(ZONE).date())]
    assert (this_week.interactions, this_week.cross_team, this_week.share) == (0, 0, None)
    # The open circle bridges Noord with Zuid and with Oost; the secret one is never named.
    [bridge] = sharing.bridges
    assert (bridge.name, bridge.pairs) == ("Wijkaanpak", [("Noord", "Oost"), ("Noord", "Zuid")])

    # The same rule for a single week when one of its five falls away: a week of four is hidden.
    async with unit_of_work(db):
        c1_reaction = (await db.exec(select(Reaction).where(Reaction.user_id == c1.id))).one()
        await db.delete(c1_reaction)
    sharing = await insight.sharing(db, period)
    two_ago = next(week for week in sharing.weeks if week.week == insight.week_of(first.date()))
    assert (two_ago.interactions, two_ago.cross_team) == (6, 5)  # a1, a2, a3, b1, b2 remain
    await dated(db, quoted, second)  # b2 and the chat reply move to last week: four are left
    sharing = await insight.sharing(db, period)
    two_ago = next(week for week in sharing.weeks if week.week == insight.week_of(first.date()))
    assert (two_ago.interactions, two_ago.share) == (None, None)
    await react(db, c1, "post", p2.id or 0, second)  # a fifth colleague makes last week count
    sharing = await insight.sharing(db, period)
    last = next(week for week in sharing.weeks if week.week == insight.week_of(second.date()))
    assert (last.interactions, last.cross_team) == (5, 4)  # only a2's comment to a1 stays in Noord


async def test_activity_news_reach_freshness_and_questions_hide_small_groups(db: AsyncSession, tmp_path: Path) -> None:
    editor = await make_user(db, "Eva Redactie", role=Role.EDITOR, team="Staf")
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN, team="Staf")
    many = [await make_user(db, f"Collega {n}", team="Noord") for n in range(6)]
    busy = await make_circle(db, many[0], CircleVisibility.OPEN, name="Druk", kind=CircleKind.KNOWLEDGE)
    quiet = await make_circle(db, many[0], CircleVisibility.CLOSED, name="Stil")
    secret = await make_circle(db, many[0], CircleVisibility.SECRET, name="Geheim")
    for colleague in many[1:]:
        await circles.join_circle(db, colleague, busy.id or 0)
    now = utcnow()
    old = now - timedelta(days=3)
    # Six colleagues ask in the busy circle; one question gets an answer from someone else, one
    # only a comment of its asker.
    asked = [await post_in(db, colleague, busy.id or 0, old, body="Weet iemand hoe dit werkt?") for colleague in many]
    await comment(db, many[1], asked[0], old)
    await comment(db, many[2], asked[2], old)
    await post_in(db, many[0], quiet.id or 0, old, body="Wie komt er vrijdag?")  # one asker: hidden
    await chat.post_message(db, many[0], secret.id or 0, body="Overleg")
    news = await posts.create_news(db, editor, title="Nieuwe regeling", lead="Lees dit.", body="Tekst", must_read=True)
    small = await posts.create_news(db, editor, title="Klein bericht", lead="Kort.", body="Tekst")
    for colleague in many[:5]:
        await stream.record_view(db, colleague, news.id or 0)
        await stream.confirm_read(db, colleague, news.id or 0)
    await stream.record_view(db, many[0], small.id or 0)
    await stream.record_view(db, many[5], news.id or 0)
    # Reach over time: the five saw it within hours of publishing, the sixth three days later.
    async with unit_of_work(db):
        for view in (await db.exec(select(PostView).where(PostView.post_id == news.id))).all():
            late = view.user_id == many[5].id
            view.at = news.created_at + (timedelta(days=3) if late else timedelta(hours=2))
            db.add(view)
    kwargs: dict[str, Any] = {"media_dir": tmp_path, "max_bytes": 10_000}
    overdue, upcoming = now.date() - timedelta(days=1), now.date() + timedelta(days=30)
    for n, colleague in enumerate(many[:5]):
        await documents.create_document(
            db, editor, Upload(b"tekst", f"werkwijze-{n}.txt"), responsible_id=colleague.id,
            review_by=overdue if n < 2 else upcoming, **kwargs,
        )  # fmt: skip
    await documents.create_document(
        db, editor, Upload(b"tekst", "eigen.txt"), review_by=overdue, **kwargs
    )  # Eva alone stands for Staf

    period = insight.Period.ending(4, ZONE)
    report = await insight.report(db, admin, period)
    assert (await insight.report(db, editor, period, parts=["circles"])).circles == report.circles  # communications
    with pytest.raises(NotFound):
        await insight.report(db, many[0], period)  # other colleagues see no figures

    # 7 questions from 6 colleagues, 6 without an answer; in "Stil" one colleague asked: hidden.
    expected = [("", 7, 6), ("Druk", 6, 5), ("Stil", None, None)]
    assert [(q.name, q.asked, q.unanswered) for q in report.questions] == expected
    # Circles by name: the busy one with its counts, the quiet one hidden, the secret one absent.
    by_name = {activity.name: activity for activity in report.circles}
    assert set(by_name) == {"Druk", "Stil"}
    druk = by_name["Druk"]
    assert (druk.posts, druk.comments, druk.reactions, druk.messages) == (6, 2, 0, 0)
    assert by_name["Stil"].posts is None
    # News: six saw the must-read item (five within a day, all six within a week) and five
    # confirmed it, all within a day; one saw the other.
    reach = {item.title: item for item in report.news}
    regeling = reach["Nieuwe regeling"]
    assert (regeling.seen, regeling.seen_first_day, regeling.seen_first_week) == (6, 5, 6)
    assert (regeling.confirmed, regeling.confirmed_first_day) == (5, 5)
    assert (reach["Klein bericht"].seen, reach["Klein bericht"].confirmed) == (None, None)
    # Freshness: two of Noord's five documents (five colleagues responsible) are overdue; Staf's
    # one document has one colleague behind it and is not told.
    assert [(f.team, f.with_review_date, f.overdue) for f in report.freshness] == [
        ("Noord", 5, 2),
        ("Staf", None, None),
    ]
    # Active colleagues: today five confirmed the news (one of them also chatted) and the editor
    # wrote it; three days ago six asked and two of them commented.
    today = report.active_days[-1]
    assert today.label == now.astimezone(ZONE).date().isoformat()
    assert today.colleagues == 6  # five colleagues and the editor who wrote the news
    three_days_ago = next(day for day in report.active_days if day.label == old.astimezone(ZONE).date().isoformat())
    assert three_days_ago.colleagues == 6


async def test_a_day_of_fewer_than_five_active_colleagues_shows_no_figure(db: AsyncSession) -> None:
    people = [await make_user(db, f"Collega {n}", team="Noord") for n in range(4)]
    circle = await make_circle(db, people[0], CircleVisibility.OPEN, name="Klein")
    for colleague in people:
        if colleague is not people[0]:
            await circles.join_circle(db, colleague, circle.id or 0)
        await chat.post_message(db, colleague, circle.id or 0, body="Hallo")
    days, weeks = await insight.active_colleagues(db, insight.Period.ending(4, ZONE))
    assert days[-1].colleagues is None
    assert weeks[-1].colleagues is None
    assert days[0].colleagues == 0  # a day nobody was active tells nothing about anyone
    assert date.fromisoformat(days[0].label).weekday() == 0  # the period starts on a Monday
