"""Ids's care (issue 18, second half): the welcome, the first-steps checklist, review and
must-read reminders, the editors' question list and the weekly round-up, each sent once however
many runs race, and naming nothing the reader may not see. Time is passed in, never waited for."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import (
    CircleKind,
    CircleVisibility,
    LastSignIn,
    Membership,
    Message,
    NotificationSettings,
    Post,
    PostKind,
    Role,
    User,
)
from models.base import utcnow
from server.context import AppContext
from services import (
    assistant_care,
    care_reminders,
    care_schedule,
    circles,
    comments,
    credentials,
    documents,
    ids_voice,
    knowledge_pages,
    posts,
    roundup,
    stream,
    welcome,
)
from services.documents import Upload
from services.errors import NotFound, PermissionDenied
from tests.support import Visitor, add_member, make_circle, make_user

ZONE = ZoneInfo("Europe/Amsterdam")
TIMES = care_schedule.CareTimes(zone="Europe/Amsterdam", must_read_days=3, roundup_hour=8)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"ids_welcome": True}  # the welcome is off in the other tests (tests/conftest.py)


async def from_ids(db: AsyncSession, user: User) -> list[str]:
    """The bodies of Ids's direct messages to `user`, oldest first."""
    ids = await ids_voice.ids(db)
    mine = select(Membership.circle_id).where(col(Membership.user_id) == user.id)
    rows = await db.exec(
        select(Message.body)
        .where(col(Message.author_id) == ids.id, col(Message.circle_id).in_(mine))
        .order_by(col(Message.id))
    )
    return list(rows.all())


def next_monday(hour: int, after: datetime | None = None) -> datetime:
    """The coming Monday at `hour` in Amsterdam: a working morning after everything the test made."""
    local = (after or utcnow()).astimezone(ZONE)
    monday = (local - timedelta(days=local.weekday()) + timedelta(days=7)).date()
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=ZONE)


async def test_an_invited_colleague_is_welcomed_once_with_what_fits_and_may_be_seen(
    db: AsyncSession, new_visitor: object, context: AppContext
) -> None:
    admin = await make_user(db, "Anja Admin", role=Role.ADMIN)
    editor = await make_user(db, "Eva Editor", role=Role.EDITOR)
    team = await circles.create_circle(
        db, admin, name="Wijkteam Noord", kind=CircleKind.TEAM, visibility=CircleVisibility.OPEN
    )
    place = await circles.create_circle(
        db, admin, name="Locatie Zuidpark", kind=CircleKind.INTEREST, visibility=CircleVisibility.CLOSED
    )
    hidden = await circles.create_circle(
        db, admin, name="Wijkteam Noord vertrouwelijk", kind=CircleKind.TEAM, visibility=CircleVisibility.SECRET
    )
    await make_circle(db, admin, name="Breien")
    news = await posts.create_news(db, editor, title="Nieuwe privacyregels", body="Lees dit.", must_read=True)
    old = await posts.create_news(db, editor, title="Oude regels", body="Van lang geleden.", must_read=True)
    old.created_at = utcnow() - timedelta(days=200)  # older than the months the welcome looks back
    db.add(old)
    await db.commit()
    page = await knowledge_pages.create_page(db, editor, title="Zo werkt de wijkaanpak", body="Uitleg.")
    other_team = await knowledge_pages.create_page(db, editor, title="Alleen voor Zuid", body="Zuid.")
    secret_page = await knowledge_pages.create_page(db, admin, title="Geheim plan", body="Stil.", circle_id=hidden.id)
    await knowledge_pages.mark_for_newcomers(db, editor, page.id or 0, on=True)
    await knowledge_pages.mark_for_newcomers(db, editor, other_team.id or 0, on=True, team="Wijkteam Zuid")
    await knowledge_pages.mark_for_newcomers(db, admin, secret_page.id or 0, on=True)
    member = await make_user(db)
    with_page = await knowledge_pages.access_page(db, editor, page.id or 0)
    assert with_page.for_newcomers
    with pytest.raises(PermissionDenied):
        await knowledge_pages.mark_for_newcomers(db, member, page.id or 0, on=False)

    _invitation, raw = await credentials.invite(
        db, admin, email="nina@kring.test", name="Nina Nieuw", team="Wijkteam Noord", location="Zuidpark"
    )
    visitor: Visitor = await new_visitor()  # type: ignore[operator]
    accepted = await visitor.submit(
        f"/invitation/{raw}",
        {"password": "een goed nieuw wachtwoord", "repeat_password": "een goed nieuw wachtwoord"},
        page=f"/invitation/{raw}",
    )
    assert accepted.status_code == 303
    nina = (await db.exec(select(User).where(User.email == "nina@kring.test"))).one()

    # More tabs and devices sign in at once, and later again: still one welcome.
    others = [await new_visitor() for _ in range(3)]  # type: ignore[operator]
    signed = await asyncio.gather(*(v.sign_in(nina, "een goed nieuw wachtwoord") for v in others))
    assert [r.status_code for r in signed] == [200, 200, 200]
    sent = await from_ids(db, nina)
    assert len(sent) == 1
    text = sent[0]
    assert f"(/circles/{team.id})" in text
    assert f"(/circles/{place.id})" in text
    assert "Breien" not in text
    assert "vertrouwelijk" not in text  # not her team; a secret circle
    assert f"(/posts/{news.id})" in text
    assert f"(/posts/{old.id})" not in text  # months old: not for her
    assert f"(/knowledge/pages/{page.id})" in text
    assert "Alleen voor Zuid" not in text
    assert "Geheim plan" not in text
    assert "Welkom" in text  # in Dutch, her language

    # The welcome is a direct message like a colleague's: it shows in her conversations.
    home = await others[0].get("/messages")
    assert home.status_code == 200

    # Each circle is one click away: "Doe mee" to an open one, asking a closed one's admins.
    assert f"[Doe mee](/ids/join/{team.id})" in text
    assert f"[Lidmaatschap aanvragen](/ids/join/{place.id})" in text
    tab = others[0]
    page = await tab.get(f"/ids/join/{team.id}")
    assert page.status_code == 200
    assert f'action="/circles/{team.id}/join"' in page.text
    for _ in range(2):  # a second click is harmless
        joined = await tab.submit(f"/circles/{team.id}/join", {}, page=f"/ids/join/{team.id}")
        assert joined.headers["location"] == f"/circles/{team.id}"
    asked = await tab.submit(f"/circles/{place.id}/join", {}, page=f"/ids/join/{place.id}")
    assert asked.status_code == 303
    await db.commit()  # end this session's read, to see the pages' writes
    memberships = (await db.exec(select(Membership.circle_id).where(Membership.user_id == nina.id))).all()
    assert team.id in memberships
    assert memberships.count(team.id) == 1
    assert place.id not in memberships  # a closed circle only hears her request
    assert "Lid worden" not in (await tab.get(f"/ids/join/{team.id}")).text  # she is in
    assert (await tab.get(f"/ids/join/{hidden.id}")).status_code == 404  # a secret circle is not there


async def test_the_first_steps_show_a_newcomer_until_done_or_dismissed(
    db: AsyncSession, visitor: Visitor, new_visitor: object
) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    nina = await make_user(db, "Nina Nieuw")
    circle = await make_circle(db, admin)
    # A colleague who signed in before Ids's care existed is no newcomer: no welcome, no steps.
    old_hand = await make_user(db, "Oscar Oud")
    db.add(LastSignIn(user_id=old_hand.id or 0, at=utcnow() - timedelta(days=300)))
    await db.commit()
    oscar: Visitor = await new_visitor()  # type: ignore[operator]
    assert (await oscar.sign_in(old_hand)).status_code == 200
    assert "data-first-steps" not in (await oscar.get("/")).text
    assert await from_ids(db, old_hand) == []
    await visitor.sign_in(nina)
    page = (await visitor.get("/")).text
    assert "data-first-steps" in page
    assert "Je eerste stappen" in page
    await db.commit()  # end this session's read, to see the sign-in's welcome
    steps = await welcome.checklist(db, nina)
    assert steps == welcome.Checklist(picture=False, circle=False, post=False)
    await add_member(db, admin, circle, nina)
    await posts.create_post(db, nina, circle.id or 0, body="Hallo allemaal!")
    assert await welcome.checklist(db, nina) == welcome.Checklist(picture=False, circle=True, post=True)
    dismissed = await visitor.submit("/ids/checklist/dismiss", {})
    assert dismissed.status_code == 303, dismissed.text
    assert dismissed.headers["location"] == "/", dismissed.headers
    await db.commit()  # end this session's read, to see the other's write
    assert await welcome.checklist(db, nina) is None
    assert "data-first-steps" not in (await visitor.get("/")).text


async def test_review_reminders_come_once_then_weekly_and_their_answers_work(
    db: AsyncSession, settings: Settings, context: AppContext, new_visitor: object
) -> None:
    editor = await make_user(db, "Eva Editor", role=Role.EDITOR)
    owner = await make_user(db, "Otto Eigenaar")
    outsider = await make_user(db, "Olga Buiten")
    kwargs = {"media_dir": settings.media_dir, "max_bytes": settings.limit_document_bytes}
    yesterday = date.today() - timedelta(days=1)
    due = await documents.create_document(
        db,
        editor,
        Upload(b"Verlof.", "verlof.txt"),
        title="Verlofregeling",
        responsible_id=owner.id,
        review_by=yesterday,
        **kwargs,
    )
    stale = await documents.create_document(
        db,
        editor,
        Upload(b"Fax.", "fax.txt"),
        title="Faxprotocol",
        responsible_id=owner.id,
        review_by=yesterday,
        **kwargs,
    )
    fresh = await documents.create_document(
        db,
        editor,
        Upload(b"Nieuw.", "nieuw.txt"),
        title="Nieuw beleid",
        responsible_id=owner.id,
        review_by=date.today() + timedelta(days=30),
        **kwargs,
    )
    secret = await make_circle(db, editor, CircleVisibility.SECRET)
    hidden = await documents.create_document(
        db, editor, Upload(b"Stil.", "stil.txt"), title="Stil", circle_id=secret.id, review_by=yesterday, **kwargs
    )
    now = utcnow()
    today = date.today()

    async def run(at: datetime) -> int:
        async with context.db() as session:
            return await care_reminders.remind_reviews(session, at, today)

    # Two workers at once: each owner hears of each overdue document once.
    assert sum(await asyncio.gather(run(now), run(now))) == 3  # Otto twice, Eva (her secret one) once
    sent = await from_ids(db, owner)
    assert len(sent) == 2
    assert all("Nieuw beleid" not in text for text in sent)
    first = next(text for text in sent if "Verlofregeling" in text)
    assert f"/ids/review/{due.id}?do=ok" in first
    assert f"/ids/review/{due.id}?do=archive" in first
    assert f"/knowledge/documents/{due.id}#edit" in first
    assert await run(now + timedelta(days=1)) == 0  # not daily
    assert await run(now + timedelta(days=7, minutes=1)) == 3  # weekly while it stays overdue

    otto = await new_visitor()  # type: ignore[operator]
    await otto.sign_in(owner)
    page = await otto.get(f"/ids/review/{due.id}?do=ok")
    assert page.status_code == 200
    assert "Verlofregeling" in page.text
    for document, action in ((due, "ok"), (stale, "archive")):
        answered = await otto.submit(f"/ids/review/{document.id}/{action}", {}, page=f"/ids/review/{document.id}")
        assert answered.headers["location"] == f"/knowledge/documents/{document.id}"
    await db.commit()  # end this session's read, to see the pages' writes
    checked = await documents.access_document(db, owner, due.id or 0)
    await db.refresh(checked)
    assert checked.review_by == today + documents.REVIEW_AGAIN
    archived = await documents.access_document(db, owner, stale.id or 0)
    await db.refresh(archived)
    assert archived.archived_at is not None
    assert archived.review_by is None
    assert "Gearchiveerd" in (await otto.get(f"/knowledge/documents/{stale.id}")).text
    assert await run(now + timedelta(days=30)) == 1  # only Eva's secret one is still overdue

    # Someone else's document: no answer; a secret circle's document does not exist for outsiders.
    olga = await new_visitor()  # type: ignore[operator]
    await olga.sign_in(outsider)
    assert (await olga.get(f"/ids/review/{hidden.id}")).status_code == 404
    refused = await olga.submit(f"/ids/review/{fresh.id}/archive", {}, page=f"/ids/review/{fresh.id}")
    assert refused.status_code == 303
    assert refused.headers["location"] != f"/knowledge/documents/{fresh.id}"
    await db.commit()
    still = await documents.access_document(db, owner, fresh.id or 0)
    await db.refresh(still)
    assert still.archived_at is None
    with pytest.raises(NotFound):
        await documents.archive_document(db, outsider, hidden.id or 0)


async def test_a_knowledge_pages_author_is_reminded_of_its_review_and_its_answers_work(
    db: AsyncSession, context: AppContext, new_visitor: object
) -> None:
    admin = await make_user(db, "Anja Admin", role=Role.ADMIN)
    writer = await make_user(db, "Otto Schrijver")
    outsider = await make_user(db, "Olga Buiten")
    circle = await make_circle(db, admin, name="Wijkteam Noord")
    await add_member(db, admin, circle, writer)
    yesterday = date.today() - timedelta(days=1)
    due = await knowledge_pages.create_page(
        db, writer, title="Huisbezoek", body="Ga met zijn tweeën.", circle_id=circle.id, review_by=yesterday
    )
    old = await knowledge_pages.create_page(
        db, writer, title="Faxen", body="Gebruik de fax.", circle_id=circle.id, review_by=yesterday
    )
    fresh = await knowledge_pages.create_page(
        db, writer, title="Nieuw", body="Nieuw.", circle_id=circle.id, review_by=date.today() + timedelta(days=9)
    )
    now, today = utcnow(), date.today()

    async def run(at: datetime) -> int:
        async with context.db() as session:
            return await care_reminders.remind_reviews(session, at, today)

    assert sum(await asyncio.gather(run(now), run(now))) == 2  # Otto, once for each overdue page
    sent = await from_ids(db, writer)
    first = next(text for text in sent if "Huisbezoek" in text)
    assert first.startswith(f"De pagina [Huisbezoek](/knowledge/pages/{due.id})")
    for link in (f"/ids/review/pages/{due.id}?do=ok", f"/knowledge/pages/{due.id}/edit"):
        assert link in first
    assert f"/ids/review/pages/{due.id}?do=archive" in first
    assert all("Nieuw" not in text for text in sent)
    assert await run(now + timedelta(days=1)) == 0  # not daily
    assert await run(now + timedelta(days=7, minutes=1)) == 2  # weekly while it stays overdue

    otto: Visitor = await new_visitor()  # type: ignore[operator]
    await otto.sign_in(writer)
    shown = await otto.get(f"/knowledge/pages/{due.id}")
    assert "moest op" in shown.text  # readers see it is overdue
    review = await otto.get(f"/ids/review/pages/{due.id}?do=ok")
    assert review.status_code == 200
    assert f'action="/ids/review/pages/{due.id}/ok"' in review.text
    for page, action in ((due, "ok"), (old, "archive")):
        answered = await otto.submit(f"/ids/review/pages/{page.id}/{action}", {}, page=f"/ids/review/pages/{page.id}")
        assert answered.headers["location"] == f"/knowledge/pages/{page.id}"
    await db.commit()  # end this session's read, to see the pages' writes
    checked = await knowledge_pages.access_page(db, writer, due.id or 0)
    await db.refresh(checked)
    assert checked.review_by == today + knowledge_pages.REVIEW_AGAIN
    archived = await knowledge_pages.access_page(db, writer, old.id or 0)
    await db.refresh(archived)
    assert (archived.archived_at is not None, archived.review_by) == (True, None)
    assert "Gearchiveerd" in (await otto.get(f"/knowledge/pages/{old.id}")).text
    assert await run(now + timedelta(days=30)) == 0  # answered: no more reminders

    # The editor's form sets the date without making a new revision of the text.
    form = await otto.get(f"/knowledge/pages/{fresh.id}/edit")
    assert 'name="review_by"' in form.text
    later = today + timedelta(days=60)
    saved = await otto.submit(
        f"/knowledge/pages/{fresh.id}",
        {"title": "Nieuw", "body": "Nieuw.", "tags": "", "base_revision": "1", "review_by": later.isoformat()},
        page=f"/knowledge/pages/{fresh.id}/edit",
    )
    assert saved.status_code == 303
    await db.commit()
    kept = await knowledge_pages.access_page(db, writer, fresh.id or 0)
    await db.refresh(kept)
    assert (kept.review_by, kept.revision) == (later, 1)

    # Someone who may not change the page cannot answer for it.
    olga: Visitor = await new_visitor()  # type: ignore[operator]
    await olga.sign_in(outsider)
    refused = await olga.submit(f"/ids/review/pages/{fresh.id}/archive", {}, page=f"/ids/review/pages/{fresh.id}")
    assert refused.headers["location"] != f"/knowledge/pages/{fresh.id}"
    with pytest.raises(PermissionDenied):
        await knowledge_pages.archive_page(db, outsider, fresh.id or 0)


async def test_unconfirmed_must_read_news_gets_one_reminder_per_colleague(
    db: AsyncSession, context: AppContext
) -> None:
    editor = await make_user(db, "Eva Editor", role=Role.EDITOR)
    reader = await make_user(db, "Rob Lezer")
    forgetful = await make_user(db, "Vera Vergeet")
    no_news = await make_user(db, "Nico Nooit")
    db.add(NotificationSettings(user_id=no_news.id or 0, muted_kinds=["news"]))
    await db.commit()
    news = await posts.create_news(db, editor, title="Nieuwe cao", body="Lees en bevestig.", must_read=True)
    await posts.create_news(db, editor, title="Gewoon nieuws", body="Niet verplicht.")
    await stream.confirm_read(db, reader, news.id or 0)
    now = utcnow()

    async def run(at: datetime) -> int:
        async with context.db() as session:
            return await care_reminders.remind_must_read(session, at, 3)

    assert await run(now + timedelta(days=2)) == 0  # not yet: a few days first
    assert (
        sum(await asyncio.gather(run(now + timedelta(days=3, minutes=1)), run(now + timedelta(days=3, minutes=1)))) == 2
    )
    assert await run(now + timedelta(days=10)) == 0  # one reminder, never another
    assert len(await from_ids(db, forgetful)) == 1
    assert f"/posts/{news.id}" in (await from_ids(db, forgetful))[0]
    assert len(await from_ids(db, editor)) == 1  # the editor has not confirmed either
    assert await from_ids(db, reader) == []
    assert await from_ids(db, no_news) == []


async def test_editors_get_the_weekly_list_of_questions_asked_again(db: AsyncSession, context: AppContext) -> None:
    editor = await make_user(db, "Eva Editor", role=Role.EDITOR)
    member = await make_user(db)
    now = utcnow()
    async with context.db() as session:
        await assistant_care.note_unanswered(session, "Hoe declareer ik reiskosten?", member.id or 0)
        await assistant_care.note_unanswered(session, "hoe declareer ik  reiskosten", editor.id or 0)
        await assistant_care.note_unanswered(session, "Waar staat de koffie?", member.id or 0)
        await session.commit()
    assert [(r.question, r.times) for r in await assistant_care.repeated(db, since=now - timedelta(days=7))] == [
        ("hoe declareer ik reiskosten", 2)
    ]
    assert await care_reminders.send_question_lists(db, now) == 1
    assert await care_reminders.send_question_lists(db, now + timedelta(days=1)) == 0
    sent = await from_ids(db, editor)
    assert len(sent) == 1
    assert "reiskosten" in sent[0]
    assert "koffie" not in sent[0]
    assert "2×" in sent[0]
    assert await from_ids(db, member) == []


async def test_the_weekly_round_up_is_posted_once_where_wanted_and_read_only_there(
    db: AsyncSession, context: AppContext, visitor: Visitor
) -> None:
    admin = await make_user(db, "Anja Admin", role=Role.ADMIN)
    director = await make_user(db, "Henk Directeur", job_title="Directeur-bestuurder")
    member = await make_user(db, "Mia Lid")
    outsider = await make_user(db, "Olga Buiten")
    wanted = await make_circle(db, admin, name="Wijkteam Noord")
    quiet = await make_circle(db, admin, name="Stille kring")
    secret = await make_circle(db, admin, CircleVisibility.SECRET, name="Geheime kring")
    for circle in (wanted, quiet, secret):
        await add_member(db, admin, circle, member)
        await circles.set_weekly_roundup(db, admin, circle.id or 0, on=circle is not quiet)
    with pytest.raises(PermissionDenied):
        await circles.set_weekly_roundup(db, member, wanted.id or 0, on=False)
    asked = await posts.create_post(db, member, wanted.id or 0, body="Wie weet waar de sleutel ligt?")
    talked = await posts.create_post(db, admin, wanted.id or 0, body="Wijkfeest zaterdag")
    for text in ("Leuk!", "Ik kom", "Ik bak een taart"):
        await comments.add_comment(db, member, talked.id or 0, body=text)
    await posts.create_post(db, member, quiet.id or 0, body="Hier gebeurt weinig")
    await posts.create_post(db, member, secret.id or 0, body="Geheim overleg vrijdag")
    blog = await posts.create_blog_post(db, director, title="Koers 2027", body="Waar we heen gaan.")
    await comments.add_comment(db, member, blog.id or 0, body="Mooi verhaal, en de wijkteams?")

    monday = next_monday(9)
    assert roundup.due_week(monday - timedelta(hours=2), "Europe/Amsterdam", 8) is None  # Monday 7:00 is too early
    async with context.db() as one, context.db() as two:
        ran = await asyncio.gather(care_schedule.run_due(one, TIMES, monday), care_schedule.run_due(two, TIMES, monday))
    assert sum(r.round_ups for r in ran) == 3  # two circles and the organisation's, once each
    async with context.db() as again:
        assert (await care_schedule.run_due(again, TIMES, monday + timedelta(hours=1))).round_ups == 0

    ids = await ids_voice.ids(db)
    made = list((await db.exec(select(Post).where(Post.author_id == ids.id).order_by(col(Post.id)))).all())
    by_circle = {post.circle_id: post for post in made}
    assert set(by_circle) == {wanted.id, secret.id, None}
    summary = by_circle[wanted.id].body
    assert f"/posts/{talked.id}" in summary
    assert "(3×💬)" in summary
    assert f"/posts/{asked.id}" in summary  # still open
    assert "Mia Lid" in summary  # a new member
    assert "Geheim" not in summary
    assert "weinig" not in summary
    org = by_circle[None]
    assert org.kind is PostKind.BLOG
    assert f"/posts/{blog.id}" in org.body
    assert "de wijkteams?" in org.body

    # The secret circle's round-up is its members' only.
    await visitor.sign_in(outsider)
    assert (await visitor.get(f"/posts/{by_circle[secret.id].id}")).status_code == 404
    assert (await visitor.get(f"/posts/{by_circle[wanted.id].id}")).status_code == 200
    assert (await visitor.get(f"/posts/{org.id}")).status_code == 200
