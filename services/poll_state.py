"""A poll's rows and the state every reader sees: made with its item, carried in its item's
data and events, and gone with it. `services.posts` and `services.chat` call this module in the
units of work that create and delete their items; voting and closing are `services.polls`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Poll, PollBallot, PollOption, PollVote, PollVoter, User
from models.base import utcnow
from services.errors import N_, Invalid
from services.event_types import Person, PollOptionState, PollState

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_QUESTION = 300
MAX_LABEL = 200


@dataclass(frozen=True)
class PollDraft:
    """A poll as its author writes it with a post or a message."""

    question: str
    options: Sequence[str]
    max_choices: int = 1
    anonymous: bool = False
    closes_at: datetime | None = None  # time zone aware


def ballot_of(key: bytes, poll_id: int, user_id: int) -> str:
    """The keyed hash under which an anonymous poll keeps `user_id`'s choices (services/polls.py explains why)."""
    return hmac.new(key, f"poll:{poll_id}:user:{user_id}".encode(), hashlib.sha256).hexdigest()


def is_closed(poll: Poll, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return poll.closed_at is not None or (poll.closes_at is not None and poll.closes_at <= now)


def clean_draft(draft: PollDraft, *, now: datetime | None = None) -> PollDraft:
    """The draft with its texts trimmed, or `Invalid` naming the field that is wrong."""
    question = " ".join(draft.question.split())
    if not question:
        raise Invalid(N_("A poll needs a question."), field="poll.question")
    if len(question) > MAX_QUESTION:
        raise Invalid(N_("The poll's question is too long."), field="poll.question")
    options = [" ".join(o.split()) for o in draft.options]
    options = [o for o in options if o]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise Invalid(
            N_("A poll has %(min)s to %(max)s options."),
            field="poll.options",
            params={"min": MIN_OPTIONS, "max": MAX_OPTIONS},
        )
    if any(len(o) > MAX_LABEL for o in options):
        raise Invalid(N_("An option of the poll is too long."), field="poll.options")
    if len({o.casefold() for o in options}) != len(options):
        raise Invalid(N_("Each option of the poll must differ from the others."), field="poll.options")
    if not 1 <= draft.max_choices <= len(options):
        raise Invalid(N_("A poll allows one choice up to as many as it has options."), field="poll.max_choices")
    if draft.closes_at is not None:
        if draft.closes_at.tzinfo is None:
            raise Invalid(N_("The closing time needs its time zone."), field="poll.closes_at")
        if draft.closes_at <= (now or utcnow()):
            raise Invalid(N_("The closing time must be in the future."), field="poll.closes_at")
    return PollDraft(question, options, draft.max_choices, draft.anonymous, draft.closes_at)


async def attach(db: AsyncSession, author: User, target: str, circle_id: int, draft: PollDraft) -> Poll:
    """Make the poll of a new item in the caller's unit of work, before the item's event is
    recorded (the caller has checked that `author` writes there)."""
    draft = clean_draft(draft)
    poll = Poll(
        target=target,
        circle_id=circle_id,
        author_id=author.id or 0,
        question=draft.question,
        max_choices=draft.max_choices,
        anonymous=draft.anonymous,
        closes_at=draft.closes_at,
    )
    db.add(poll)
    await db.flush()
    for position, label in enumerate(draft.options):
        db.add(PollOption(poll_id=poll.id or 0, position=position, label=label))
    await db.flush()
    return poll


async def forget(db: AsyncSession, targets: Sequence[str]) -> None:
    """The items `targets` are being deleted in the caller's unit of work: their polls go with
    them (options and votes by their foreign keys)."""
    if targets:
        await db.exec(delete(Poll).where(col(Poll.target).in_(targets)))


async def state_of(db: AsyncSession, poll: Poll, *, now: datetime | None = None) -> PollState:
    """What every reader of the poll's item sees of it; in an anonymous poll, counts only."""
    options = (
        await db.exec(select(PollOption).where(col(PollOption.poll_id) == poll.id).order_by(col(PollOption.position)))
    ).all()
    counts: dict[int, int] = defaultdict(int)
    names: dict[int, list[Person]] = defaultdict(list)
    if poll.anonymous:
        rows = await db.exec(
            select(PollBallot.option_id, func.count())
            .where(col(PollBallot.poll_id) == poll.id)
            .group_by(col(PollBallot.option_id))
        )
        counts.update(dict(rows.all()))
        voters = (await db.exec(select(func.count()).where(col(PollVoter.poll_id) == poll.id))).one()
    else:
        votes = await db.exec(
            select(PollVote.option_id, User.id, User.name)
            .join(User, col(User.id) == col(PollVote.user_id))
            .where(col(PollVote.poll_id) == poll.id)
            .order_by(col(PollVote.id))
        )
        who: set[int] = set()
        for option_id, user_id, name in votes.all():
            counts[option_id] += 1
            names[option_id].append(Person(id=user_id or 0, name=name))
            who.add(user_id or 0)
        voters = len(who)
    return PollState(
        id=poll.id or 0,
        target=poll.target,
        author_id=poll.author_id,
        question=poll.question,
        max_choices=poll.max_choices,
        anonymous=poll.anonymous,
        closes_at=poll.closes_at.isoformat() if poll.closes_at else None,
        closed=is_closed(poll, now),
        voters=int(voters),
        options=[
            PollOptionState(
                id=o.id or 0,
                label=o.label,
                votes=counts[o.id or 0],
                voters=None if poll.anonymous else names[o.id or 0],
            )
            for o in options
        ],
    )


async def states(db: AsyncSession, targets: Sequence[str]) -> dict[str, PollState]:
    """The polls of items the caller may already read, by their item's target."""
    if not targets:
        return {}
    found = (await db.exec(select(Poll).where(col(Poll.target).in_(targets)))).all()
    return {poll.target: await state_of(db, poll) for poll in found}


async def search_text(db: AsyncSession, target: str) -> str:
    """The words of an item's poll (its question and options) for the item's search row, which
    follows the item's access rule: a secret circle's poll is found by its members only."""
    poll = (await db.exec(select(Poll).where(col(Poll.target) == target))).first()
    if poll is None:
        return ""
    labels = (await db.exec(select(PollOption.label).where(col(PollOption.poll_id) == poll.id))).all()
    return "\n".join([poll.question, *labels])


async def data_of(db: AsyncSession, target: str) -> dict[str, object] | None:
    """The poll of one item as its events carry it (`poll` of post and message data), or None."""
    found = await states(db, [target])
    return found[target].model_dump(mode="json") if target in found else None
