"""Ids's care on real workers with a clock the test sets (`tests.realtime.clocked_server`): the
welcome on the first sign-in, review and must-read reminders and the weekly round-up, each sent
once although two workers run the care every 0.2 s and the newcomer signs in on both at once."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harness import Worker
from models import Membership, Message, Post, Role
from models.base import utcnow
from services import assistant, circles, credentials, documents, knowledge_pages, posts
from services.documents import Upload
from tests.realtime.support import WAIT_SECONDS, Colleague, database
from tests.support import PASSWORD, add_member, make_circle, make_user

StartWorkers = Callable[..., list[Worker]]
T = TypeVar("T")
ZONE = ZoneInfo("Europe/Amsterdam")


async def ids_messages(db: AsyncSession, user_id: int) -> list[str]:
    await db.rollback()  # a fresh read: the workers wrote since
    ids = await assistant.assistant_id(db)
    mine = select(Membership.circle_id).where(col(Membership.user_id) == user_id)
    rows = await db.exec(
        select(Message.body)
        .where(col(Message.author_id) == ids, col(Message.circle_id).in_(mine))
        .order_by(col(Message.id))
    )
    return list(rows.all())


async def until(check: Callable[[], Awaitable[T]], what: str) -> T:
    """Wait for a condition the workers bring about; only a hang is bounded."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not (found := await check()):
        assert asyncio.get_running_loop().time() < deadline, f"waited in vain for {what}"
        await asyncio.sleep(0.1)
    return found


async def total(db: AsyncSession, people: set[int]) -> int:
    return sum([len(await ids_messages(db, person)) for person in people])


def reads(clock: Path) -> Counter[str]:
    path = clock.with_name(clock.name + ".reads")
    return Counter(path.read_text().split()) if path.exists() else Counter()


async def full_runs_after(clock: Path, workers: int) -> None:
    """Return once every worker has begun two runs since now, so one whole run saw the clock."""
    before = reads(clock)

    async def done() -> bool:
        now = reads(clock)
        return len(now) >= workers and all(now[pid] >= before[pid] + 2 for pid in now)

    await until(done, "two care runs in every worker")


def set_clock(clock: Path, moment: datetime) -> None:
    clock.with_name("next").write_text(moment.isoformat())
    clock.with_name("next").replace(clock)  # whole, never half written


async def test_ids_cares_once_on_real_workers_with_a_controlled_clock(
    fresh_database: str, start_workers: StartWorkers, tmp_path: Path
) -> None:
    url = fresh_database
    local = utcnow().astimezone(ZONE)
    monday = datetime.combine(
        local.date() - timedelta(days=local.weekday()) + timedelta(days=7), datetime.min.time(), ZONE
    )
    async with database(url) as db:
        admin = await make_user(db, "Anja Admin", role=Role.ADMIN)
        editor = await make_user(db, "Eva Editor", role=Role.EDITOR)
        owner = await make_user(db, "Otto Eigenaar")
        team = await make_circle(db, admin, name="Wijkteam Noord")
        await add_member(db, admin, team, owner)
        await circles.set_weekly_roundup(db, admin, team.id or 0, on=True)
        talked = await posts.create_post(db, owner, team.id or 0, body="Wie komt er naar het wijkfeest?")
        news = await posts.create_news(db, editor, title="Nieuwe cao", body="Lees en bevestig.", must_read=True)
        overdue = await documents.create_document(
            db,
            editor,
            Upload(b"Verlof.", "verlof.txt"),
            title="Verlofregeling",
            responsible_id=owner.id,
            review_by=date.today() - timedelta(days=1),
            media_dir=tmp_path / "media",
            max_bytes=1_000_000,
        )
        page = await knowledge_pages.create_page(
            db,
            owner,
            title="Huisbezoek",
            body="Ga met zijn tweeën.",
            circle_id=team.id,
            review_by=date.today() - timedelta(days=1),
        )
        _invitation, raw = await credentials.invite(
            db, admin, email="nina@kring.test", name="Nina Nieuw", team="Wijkteam Noord"
        )
        nina = await credentials.accept(db, raw, PASSWORD)
        people = {user.id or 0 for user in (admin, editor, owner, nina)}

    clock = tmp_path / "clock"
    set_clock(clock, monday - timedelta(hours=2))  # Sunday night: nothing is due
    a, b = start_workers(
        url,
        2,
        command=[sys.executable, "-m", "tests.realtime.clocked_server"],
        TEST_CLOCK_FILE=str(clock),
        KRING_IDS_CARE_CHECK_SECONDS="0.2",
        KRING_IDS_WELCOME="true",
    )

    # The newcomer signs in on both workers at once: one welcome, naming her team's circle.
    tabs = await asyncio.gather(Colleague(a, nina).sign_in(), Colleague(b, nina).sign_in())
    async with database(url) as db:
        welcome = await until(lambda: ids_messages(db, nina.id or 0), "the welcome")
        await full_runs_after(clock, 2)
        assert await total(db, people) == 1
        assert len(welcome) == 1
        assert f"(/circles/{team.id})" in welcome[0]
        assert f"(/posts/{news.id})" in welcome[0]

        # Monday 9:00: the review reminders, the must-read reminders and the round-up, once each.
        set_clock(clock, monday + timedelta(hours=9))

        async def round_up() -> list[Post]:
            await db.rollback()
            ids = await assistant.assistant_id(db)
            return list((await db.exec(select(Post).where(Post.author_id == ids))).all())

        await until(round_up, "the round-up")
        await until(lambda: ids_messages(db, owner.id or 0), "the reminders")
        await full_runs_after(clock, 2)
        made = await round_up()
        assert [(p.circle_id, f"/posts/{talked.id}" in p.body) for p in made] == [(team.id, True)]
        told = {person: await ids_messages(db, person) for person in people}
        assert [text for text in told[owner.id or 0] if "Verlofregeling" in text] != []
        assert [text for text in told[owner.id or 0] if f"/ids/review/pages/{page.id}?do=ok" in text] != []
        for person in people:  # nobody confirmed the news: one reminder each (Nina after her welcome)
            reminders = [text for text in told[person] if text.startswith("Even een herinnering")]
            assert len(reminders) == 1
            assert f"(/posts/{news.id})" in reminders[0]
        assert sum(len(texts) for texts in told.values()) == len(people) + 3  # + welcome + two reviews

        # A week later: the review reminders come again; the news reminder and the round-up do not.
        set_clock(clock, monday + timedelta(days=7, hours=9))
        await full_runs_after(clock, 2)
        again = await ids_messages(db, owner.id or 0)
        assert sum(f"/ids/review/{overdue.id}?do=ok" in text for text in again) == 2
        assert sum(f"/ids/review/pages/{page.id}?do=ok" in text for text in again) == 2
        assert len(await round_up()) == 1
        assert await total(db, people) == len(people) + 5
    for tab in tabs:
        await tab.close()
