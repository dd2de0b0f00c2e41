"""Polls in posts and chat messages: one vote per colleague that they may change until the poll
closes, its limits, who closes it, what its events say, and that a secret circle's poll stays
with its members on every path."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleVisibility, ItemKind, PollBallot, PollVoter, User
from models.base import utcnow
from services import chat, events, polls, posts
from services.errors import Conflict, Invalid, NotFound, PermissionDenied
from services.poll_state import PollDraft, ballot_of
from services.search import Query, search
from tests.support import add_member, make_circle, make_user

KEY = b"k" * 32


async def _circle(
    db: AsyncSession, visibility: CircleVisibility = CircleVisibility.OPEN, members: int = 2
) -> tuple[User, list[User], Circle]:
    admin = await make_user(db)
    circle = await make_circle(db, admin, visibility)
    others = [await make_user(db) for _ in range(members)]
    for member in others:
        await add_member(db, admin, circle, member)
    return admin, others, circle


def _people(data: object) -> set[int]:
    """Every colleague's id a piece of event data names: as `user_id`, or as a person (id and name)."""
    if isinstance(data, list):
        return set().union(*(_people(d) for d in data)) if data else set()
    if not isinstance(data, dict):
        return set()
    found = {data["user_id"]} if "user_id" in data else set()
    if "name" in data and "id" in data:
        found.add(data["id"])
    return found.union(*(_people(v) for v in data.values()))


def _votes(state: object) -> list[int]:
    return [o.votes for o in state.options]  # type: ignore[attr-defined]


async def test_a_colleague_votes_once_changes_and_withdraws_while_every_reader_sees_who_chose_what(
    db: AsyncSession,
) -> None:
    admin, (author, voter), circle = await _circle(db)
    assert circle.id is not None
    topic = events.circle_topic(circle.id)
    start = await events.head(db, topic)
    draft = PollDraft("Waar gaan we lunchen?", ["  Kantine ", "Park", "Café"])
    post = await posts.create_post(db, author, circle.id, body="", poll=draft)
    created = (await events.list_since(db, topic, start)).events
    assert [e.kind for e in created] == ["post.created"]
    poll_data = created[0].data["poll"]
    assert poll_data["question"] == "Waar gaan we lunchen?"
    assert [o["label"] for o in poll_data["options"]] == ["Kantine", "Park", "Café"]
    assert poll_data["closed"] is False
    assert poll_data["voters"] == 0
    poll_id = poll_data["id"]
    kantine, park, cafe = (o["id"] for o in poll_data["options"])

    first = await polls.vote(db, voter, poll_id, [park], key=KEY)
    assert first.mine == [park]
    assert _votes(first.state) == [0, 1, 0]
    again = await polls.vote(db, voter, poll_id, [park], key=KEY)  # the same vote twice counts once
    assert _votes(again.state) == [0, 1, 0]
    assert again.state.voters == 1
    changed = await polls.vote(db, voter, poll_id, [cafe], key=KEY)
    assert changed.mine == [cafe]
    assert _votes(changed.state) == [0, 0, 1]
    other = await polls.vote(db, admin, poll_id, [cafe], key=KEY)
    assert other.state.voters == 2
    assert [p.name for p in other.state.options[2].voters or []] == [voter.name, admin.name]

    # One choice means one: two are refused, as is an option of another poll.
    with pytest.raises(Invalid):
        await polls.vote(db, voter, poll_id, [kantine, park], key=KEY)
    with pytest.raises(Invalid):
        await polls.vote(db, voter, poll_id, [kantine + 1000], key=KEY)

    withdrawn = await polls.vote(db, voter, poll_id, [], key=KEY)
    assert withdrawn.mine == []
    assert _votes(withdrawn.state) == [0, 0, 1]
    assert withdrawn.state.voters == 1

    # Each change was one event on the post's topic, with the whole result; the repeat none.
    updates = [e.data for e in (await events.list_since(db, topic, start)).events if e.kind == "poll.updated"]
    assert [[o["votes"] for o in u["poll"]["options"]] for u in updates] == [
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 2],
        [0, 0, 1],
    ]
    # Readers who did not vote see the result and no choice of their own; the poll's words are found.
    reader = await make_user(db)
    seen = await polls.results(db, reader, poll_id, key=KEY)
    assert seen.mine == []
    assert _votes(seen.state) == [0, 0, 1]
    hits = (await search(db, reader, Query(text="kantine", kinds=[ItemKind.POST]))).hits
    assert [hit.item.ref_id for hit in hits] == [post.id]

    # Deleting the post takes its poll along.
    await posts.delete_post(db, author, post.id or 0)
    with pytest.raises(NotFound):
        await polls.results(db, author, poll_id, key=KEY)


async def test_several_choices_closing_early_and_at_its_time(db: AsyncSession) -> None:
    admin, (author, member), circle = await _circle(db)
    assert circle.id is not None
    closes = utcnow() + timedelta(hours=2)
    draft = PollDraft("Welke dagen kun je?", ["ma", "di", "wo", "do"], max_choices=2, closes_at=closes)
    message = await chat.post_message(db, author, circle.id, body="Even peilen", poll=draft)
    data = await chat.message_data(db, message)
    poll_id = data["poll"]["id"]
    ma, di, wo, _ = (o["id"] for o in data["poll"]["options"])
    assert data["poll"]["closes_at"] == closes.isoformat()

    both = await polls.vote(db, member, poll_id, [wo, ma], key=KEY)
    assert both.mine == [ma, wo]  # in the options' order
    with pytest.raises(Invalid):
        await polls.vote(db, member, poll_id, [ma, di, wo], key=KEY)
    # Past its closing time nobody votes, and the result stays.
    with pytest.raises(Conflict):
        await polls.vote(db, admin, poll_id, [di], key=KEY, now=closes + timedelta(seconds=1))
    assert _votes((await polls.results(db, admin, poll_id, key=KEY)).state) == [1, 0, 1, 0]

    # Closing early: not by another member; by the circle's admin (or the author), once.
    with pytest.raises(PermissionDenied):
        await polls.close(db, member, poll_id)
    closed = await polls.close(db, admin, poll_id)
    assert closed.closed
    assert _votes(closed) == [1, 0, 1, 0]
    assert (await polls.close(db, author, poll_id)).closed
    with pytest.raises(Conflict):
        await polls.vote(db, member, poll_id, [di], key=KEY)
    assert (await polls.results(db, member, poll_id, key=KEY)).mine == [ma, wo]

    # A poll is refused whole when it is not one: too few or too many options, doubles, a past
    # or zone-less closing time, more choices than options.
    for wrong in (
        PollDraft("Ja?", ["ja"]),
        PollDraft("Getal?", [str(n) for n in range(11)]),
        PollDraft("Kleur?", ["rood", "Rood"]),
        PollDraft("Wanneer?", ["nu", "straks"], closes_at=utcnow() - timedelta(minutes=1)),
        PollDraft("Wanneer?", ["nu", "straks"], closes_at=(utcnow() + timedelta(days=1)).replace(tzinfo=None)),
        PollDraft("Wat?", ["a", "b"], max_choices=3),
        PollDraft(" ", ["a", "b"]),
    ):
        with pytest.raises(Invalid):
            await posts.create_post(db, author, circle.id, body="Peiling", poll=wrong)


async def test_an_anonymous_poll_never_names_who_voted_what(db: AsyncSession) -> None:
    admin, (author, voter), circle = await _circle(db)
    assert circle.id is not None
    topic = events.circle_topic(circle.id)
    start = await events.head(db, topic)
    draft = PollDraft("Hoe druk is het?", ["rustig", "druk", "te druk"], anonymous=True)
    post = await posts.create_post(db, author, circle.id, body="Eerlijk zeggen", poll=draft)
    poll_id = (await posts.post_data(db, post))["poll"]["id"]
    state = (await polls.results(db, voter, poll_id, key=KEY)).state
    rustig, druk, te_druk = (o.id for o in state.options)

    await polls.vote(db, voter, poll_id, [te_druk], key=KEY)
    await polls.vote(db, admin, poll_id, [rustig], key=KEY)
    changed = await polls.vote(db, voter, poll_id, [druk], key=KEY)
    assert changed.mine == [druk]
    assert _votes(changed.state) == [1, 1, 0]
    assert changed.state.voters == 2
    assert all(o.voters is None for o in changed.state.options)
    assert (await polls.results(db, admin, poll_id, key=KEY)).mine == [rustig]

    # No event, no item data names a voter: neither their name nor their id as a person.
    recorded = (await events.list_since(db, topic, start)).events
    assert len([e for e in recorded if e.kind == "poll.updated"]) == 3
    for data in [e.data for e in recorded] + [await posts.post_data(db, post)]:
        assert voter.name not in json.dumps(data)
        assert admin.name not in json.dumps(data)
        assert not {voter.id, admin.id} & _people(data)
    # What is stored keeps the voter apart from the choice: the ballot is a keyed hash.
    ballots = (await db.exec(select(PollBallot).where(PollBallot.poll_id == poll_id))).all()
    assert {b.option_id for b in ballots} == {rustig, druk}
    assert {(b.ballot, b.option_id) for b in ballots} == {
        (ballot_of(KEY, poll_id, voter.id or 0), druk),
        (ballot_of(KEY, poll_id, admin.id or 0), rustig),
    }
    voters = (await db.exec(select(PollVoter.user_id).where(PollVoter.poll_id == poll_id))).all()
    assert set(voters) == {voter.id, admin.id}

    # Under another key (a restore under a new secret) the old vote can neither change nor double.
    with pytest.raises(Conflict):
        await polls.vote(db, voter, poll_id, [rustig], key=b"x" * 32)
    assert _votes((await polls.results(db, admin, poll_id, key=KEY)).state) == [1, 1, 0]


async def test_a_secret_circles_poll_does_not_exist_for_outsiders(db: AsyncSession) -> None:
    admin, (member,), circle = await _circle(db, CircleVisibility.SECRET, members=1)
    outsider = await make_user(db)
    assert circle.id is not None
    draft = PollDraft("Geheime stemming over het uitje", ["bowlen", "klimmen"])
    post = await posts.create_post(db, member, circle.id, body="", poll=draft)
    message = await chat.post_message(db, member, circle.id, body="", poll=draft)
    for item in (await posts.post_data(db, post), await chat.message_data(db, message)):
        poll_id = item["poll"]["id"]
        option = item["poll"]["options"][0]["id"]
        with pytest.raises(NotFound):
            await polls.results(db, outsider, poll_id, key=KEY)
        with pytest.raises(NotFound):
            await polls.vote(db, outsider, poll_id, [option], key=KEY)
        with pytest.raises(NotFound):
            await polls.close(db, outsider, poll_id)
        assert (await polls.vote(db, admin, poll_id, [option], key=KEY)).mine == [option]
    assert (await search(db, outsider, Query(text="bowlen"))).hits == []
    assert len((await search(db, admin, Query(text="bowlen"))).hits) == 2
    # Only members write in a circle: an outsider makes no poll there either.
    with pytest.raises(NotFound):
        await chat.post_message(db, outsider, circle.id, body="", poll=draft)
