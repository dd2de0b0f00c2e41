"""Polls in a circle post or a chat message: a question with 2 to 10 options, one choice or
several, named or anonymous, open until it is closed by hand or by its closing time.

A poll is made with its item, in the unit of work that creates the post or message (`attach`,
called by `services.posts` and `services.chat`), so the item's first event already carries it.
It follows its item's access rule on every path: whoever may read the item sees the poll and
its results; whoever may react to it (`Standing.can_respond`: never in an archived circle) votes;
its author or an admin of the circle closes it early (`access.closes_poll`). A colleague may not
know of a poll in a circle they may not read: every refusal there is `NotFound`.

Each vote, changed or withdrawn vote, and each closing records `poll.updated` on the item's topic
with the whole result. Votes on one poll are serialised by a lock on its row, taken before the
topic's head, so the result an event carries counts every vote committed before it and the last
event a tab receives holds the current figures. A poll past its closing time needs no event:
pages know the time and stop offering the vote themselves, and the server refuses it.

Anonymous polls. Nothing any reader receives (an API answer, a page, an event) links a colleague
to an option: their state has counts only. The database keeps two facts apart:
- `poll_voters`: that a colleague voted in the poll, without what. It enforces one vote per
  colleague whatever happens to the key below.
- `poll_ballots`: the chosen options under the voter's ballot, an HMAC-SHA256 of the poll and
  the colleague keyed with the installation's secret key (`ballot_of`). The voter's own requests
  find their ballot again, so they see and change their vote; without the key a ballot names
  nobody, and no id or time in either table pairs a ballot with a voter row.
The trade-off: whoever holds both the database and the secret key (the server's operator) can
recompute every colleague's ballot and so recover their vote; a database dump or backup alone
(which never holds the key, docs/backup.md) cannot. A database restored under a different key
keeps the counts and the one-vote rule, but its voters can no longer change an anonymous vote
they gave before (`Conflict`). Votes are not encrypted further: they are counts in the end, and
hiding them from the operator who runs the server would need keys held by the voters themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Message, Poll, PollBallot, PollOption, PollVote, PollVoter, User
from models.base import utcnow
from services import events
from services.access import circle_of_item, closes_poll, standing
from services.errors import N_, Conflict, Invalid, NotFound, PermissionDenied
from services.event_types import PollState, PollUpdated
from services.poll_state import ballot_of, is_closed, state_of
from services.posts import access_post, respondable_post, topic_of
from services.transactions import writes

NO_SUCH_POLL = N_("No such poll.")


@dataclass(frozen=True)
class Result:
    """A poll as one colleague sees it: the shared state and their own choices."""

    state: PollState
    mine: list[int]


async def _poll(db: AsyncSession, poll_id: int, *, lock: bool = False) -> Poll:
    statement = select(Poll).where(col(Poll.id) == poll_id)
    if lock:
        statement = statement.with_for_update()
    poll = (await db.exec(statement)).first()
    if poll is None:
        raise NotFound(NO_SUCH_POLL)
    return poll


async def _topic(db: AsyncSession, user: User, poll: Poll, *, respond: bool) -> str:
    """The topic of the poll's item, if `user` may read it (and respond to it, when `respond`);
    otherwise the poll does not exist for them, or the archive's reason."""
    kind, _, raw = poll.target.partition(":")
    if kind == "post":
        try:
            post = await (respondable_post if respond else access_post)(db, user, int(raw))
        except NotFound:
            raise NotFound(NO_SUCH_POLL) from None
        return topic_of(post)
    message = await db.get(Message, int(raw)) if kind == "message" else None
    if message is None or message.deleted_at is not None:
        raise NotFound(NO_SUCH_POLL)
    if message.hidden_at is not None and message.author_id != user.id:
        raise NotFound(NO_SUCH_POLL)
    access = await circle_of_item(db, user, message.circle_id, NO_SUCH_POLL)
    if respond:
        access.standing.ensure_respond()
    return events.circle_topic(message.circle_id)


async def _mine(db: AsyncSession, user: User, poll: Poll, key: bytes) -> list[int]:
    if poll.anonymous:
        ballot = ballot_of(key, poll.id or 0, user.id or 0)
        statement = select(PollBallot.option_id).where(
            col(PollBallot.poll_id) == poll.id, col(PollBallot.ballot) == ballot
        )
    else:
        statement = select(PollVote.option_id).where(col(PollVote.poll_id) == poll.id, col(PollVote.user_id) == user.id)
    chosen = set((await db.exec(statement)).all())
    positions = (
        await db.exec(
            select(PollOption.id).where(col(PollOption.poll_id) == poll.id).order_by(col(PollOption.position))
        )
    ).all()
    return [option_id for option_id in positions if option_id in chosen]


async def mine(db: AsyncSession, user: User, poll_ids: Sequence[int], *, key: bytes) -> dict[int, list[int]]:
    """`user`'s own choices in polls they already see, by poll id (for the pages they open)."""
    if not poll_ids:
        return {}
    found = (await db.exec(select(Poll).where(col(Poll.id).in_(poll_ids)))).all()
    return {poll.id or 0: await _mine(db, user, poll, key) for poll in found}


async def results(db: AsyncSession, user: User, poll_id: int, *, key: bytes) -> Result:
    """The poll with its results and `user`'s own choices, if they may read its item."""
    poll = await _poll(db, poll_id)
    await _topic(db, user, poll, respond=False)
    return Result(await state_of(db, poll), await _mine(db, user, poll, key))


@writes
async def vote(
    db: AsyncSession, user: User, poll_id: int, option_ids: Sequence[int], *, key: bytes, now: datetime | None = None
) -> Result:
    """Give, change or (with no options) withdraw `user`'s vote while the poll is open: their
    choices become exactly `option_ids`. Sending the same choices again changes nothing and
    records nothing."""
    found = await _poll(db, poll_id)
    topic = await _topic(db, user, found, respond=True)
    poll = await _poll(db, poll_id, lock=True)
    if is_closed(poll, now):
        raise Conflict(N_("This poll is closed."))
    chosen = list(dict.fromkeys(option_ids))
    options = set((await db.exec(select(PollOption.id).where(col(PollOption.poll_id) == poll_id))).all())
    if not set(chosen) <= options:
        raise Invalid(N_("That option is not in this poll."), field="options")
    if len(chosen) > poll.max_choices:
        raise Invalid(
            N_("Too many choices: this poll allows %(count)s."), field="options", params={"count": poll.max_choices}
        )
    previous = set(await _mine(db, user, poll, key))
    if set(chosen) == previous:
        return Result(await state_of(db, poll, now=now), await _mine(db, user, poll, key))
    if poll.anonymous:
        await _cast_anonymously(db, user, poll, chosen, key, had_ballot=bool(previous))
    else:
        await db.exec(delete(PollVote).where(col(PollVote.poll_id) == poll_id, col(PollVote.user_id) == user.id))
        for option_id in chosen:
            db.add(PollVote(poll_id=poll_id, option_id=option_id, user_id=user.id or 0))
    await db.flush()
    state = await state_of(db, poll, now=now)
    await events.record(db, topic, PollUpdated(poll=state))
    return Result(state, await _mine(db, user, poll, key))


async def _cast_anonymously(
    db: AsyncSession, user: User, poll: Poll, chosen: list[int], key: bytes, *, had_ballot: bool
) -> None:
    voted = (
        await db.exec(select(PollVoter).where(col(PollVoter.poll_id) == poll.id, col(PollVoter.user_id) == user.id))
    ).first()
    if voted is not None and not had_ballot:
        # They voted under another key (a restore under a new secret): their ballot is lost to
        # everyone, them included, so it can neither change nor be cast twice.
        raise Conflict(N_("Your vote in this anonymous poll can no longer be changed."))
    ballot = ballot_of(key, poll.id or 0, user.id or 0)
    await db.exec(delete(PollBallot).where(col(PollBallot.poll_id) == poll.id, col(PollBallot.ballot) == ballot))
    for option_id in chosen:
        db.add(PollBallot(poll_id=poll.id or 0, ballot=ballot, option_id=option_id))
    if chosen and voted is None:
        db.add(PollVoter(poll_id=poll.id or 0, user_id=user.id or 0))
    elif not chosen and voted is not None:
        await db.delete(voted)


@writes
async def close(db: AsyncSession, user: User, poll_id: int) -> PollState:
    """Close the poll now (its author or an admin of its circle); its result stays as it is.
    Closing a closed poll changes nothing."""
    found = await _poll(db, poll_id)
    topic = await _topic(db, user, found, respond=False)
    poll = await _poll(db, poll_id, lock=True)
    if poll.circle_id is not None:
        in_circle = await standing(db, user, poll.circle_id)
        in_circle.ensure_not_archived()
        if not closes_poll(user, in_circle, poll.author_id):
            raise PermissionDenied(N_("Only the poll's author or an admin of the circle may close it."))
    elif poll.author_id != user.id:
        raise PermissionDenied(N_("Only the poll's author or an admin of the circle may close it."))
    if is_closed(poll):
        return await state_of(db, poll)
    poll.closed_at = utcnow()
    db.add(poll)
    await db.flush()
    state = await state_of(db, poll)
    await events.record(db, topic, PollUpdated(poll=state))
    return state
