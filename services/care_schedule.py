"""When Ids's care runs: the lifespan's periodic task, in every worker.

Each run sends what is due at `clock()`: review and must-read reminders in working hours
(weekdays 8:00 to 18:00 in the organisation's time zone: a nudge in the evening is a
notification, and perhaps a mail, nobody needs then), and from Monday `roundup_hour` the week's
round-ups and the editors' question list. Several workers run it at once; the claims in
`care_marks` let each nudge out once. The clock is a parameter, so tests move time on
(`tests/realtime/clocked_server` runs real workers with a clock a test sets).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.database import SessionMaker
from services import care_reminders, roundup

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
WORK_HOURS = range(8, 18)


@dataclass(frozen=True)
class CareTimes:
    zone: str = "Europe/Amsterdam"
    must_read_days: int = 3
    roundup_hour: int = 8


@dataclass(frozen=True)
class Ran:
    reviews: int = 0
    must_read: int = 0
    round_ups: int = 0
    question_lists: int = 0


def system_clock() -> datetime:
    return utcnow()


# What the lifespan hands `care_forever`; a test's worker wrapper sets another before serving.
clock: Clock = system_clock


async def run_due(db: AsyncSession, times: CareTimes, now: datetime) -> Ran:
    local = now.astimezone(ZoneInfo(times.zone))
    reviews = must_read = round_ups = question_lists = 0
    if local.weekday() < 5 and local.hour in WORK_HOURS:
        reviews = await care_reminders.remind_reviews(db, now, local.date())
        must_read = await care_reminders.remind_must_read(db, now, times.must_read_days)
    week = roundup.due_week(now, times.zone, times.roundup_hour)
    if week is not None:
        round_ups = await roundup.post_round_ups(db, week)
        question_lists = await care_reminders.send_question_lists(db, now)
    return Ran(reviews, must_read, round_ups, question_lists)


async def care_forever(sessions: SessionMaker, times: CareTimes, interval: float, clock: Clock = system_clock) -> None:
    """The lifespan's periodic task: every worker runs it; the claims keep each nudge single."""
    while True:
        await asyncio.sleep(interval)
        try:
            async with sessions() as db:
                await run_due(db, times, clock())
        except Exception:
            log.exception("Ids's care run failed; trying again later")
