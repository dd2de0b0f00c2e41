"""The oracle: from the event log alone, exactly the events each client should hold.

A client is a colleague following a topic from a cursor (the `seq` its first `subscribed` said,
or the one its page was rendered with). Walking the topic's log from there, the oracle applies
the hub's rules of who receives what (docs/protocol.md), with membership as it was at each event,
rebuilt from the `member.joined` and `member.left` events in the same log:

- `user:{id}`: that user alone;
- a circle's members get every event, up to and including the `member.left` about themselves,
  and from the `member.joined` about themselves on;
- a colleague who only follows an open circle gets every event but the members-only ones
  (`chat.read`), and nothing from a `circle.updated` that made it closed or secret on (not that
  event either: its new name and description are the members' now);
- a follower whose subscription began while the circle was closed or secret and they were not
  in it (which the hub should never allow) is owed nothing until they join or it opens.

`compare` then says what was lost (in the oracle, not received) and leaked (received, not in it),
and what arrived twice or out of order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services import events
from tests.realtime.support import Socket, seqs

MEMBERS_ONLY = frozenset({"chat.read"})


@dataclass(frozen=True)
class Follower:
    user_id: int
    topic: str
    since: int  # the client's cursor when it started following
    member: bool  # a member of the topic's circle at `since` (ignored for org and user topics)
    # For an outsider: whether the circle was open at `since`. A closed or secret circle gives an
    # outsider nothing until it opens again or they join.
    open_at_since: bool = True


@dataclass
class Verdict:
    expected: int = 0
    received: int = 0
    lost: list[int] = field(default_factory=list)
    leaked: list[int] = field(default_factory=list)
    doubled: list[int] = field(default_factory=list)
    out_of_order: bool = False

    @property
    def clean(self) -> bool:
        return not (self.lost or self.leaked or self.doubled or self.out_of_order)


def _about(event: events.CommittedEvent, user_id: int) -> bool:
    data: dict[str, Any] = event.data
    user = data.get("user")
    about = user.get("id") if isinstance(user, dict) else data.get("user_id")
    return about == user_id


def eligible(follower: Follower, log: list[events.CommittedEvent]) -> list[int]:
    """The seqs `follower` should hold out of `log` (the topic's events after its cursor)."""
    if follower.topic.startswith("user:"):
        return [e.seq for e in log] if follower.topic == f"user:{follower.user_id}" else []
    if not follower.topic.startswith("circle:"):
        return [e.seq for e in log]
    member, is_open = follower.member, follower.open_at_since
    wanted = []
    for event in log:
        was_open = is_open
        if event.kind == "circle.updated":
            is_open = event.data.get("visibility") == "open"
        if event.kind == "member.joined" and _about(event, follower.user_id):
            member = True
        if member:
            wanted.append(event.seq)
            if event.kind == "member.left" and _about(event, follower.user_id):
                member = False
                if event.data.get("visibility") != "open":
                    break  # unsubscribed: nothing after it on this subscription
            continue
        if not is_open:
            if was_open:
                break  # the hub unsubscribes outsiders of a circle that closes, and tells them no more
            continue
        if event.kind not in MEMBERS_ONLY:
            wanted.append(event.seq)
    return wanted


@dataclass(frozen=True)
class CircleAtStart:
    """A circle as it was created, before its log begins: creating one records no event."""

    members: frozenset[int]
    open: bool


def circle_state_at(start: CircleAtStart, log: list[events.CommittedEvent], since: int) -> tuple[set[int], bool]:
    """The members of a circle and whether it was open after `since`, from its whole log."""
    members, is_open = set(start.members), start.open
    for event in log:
        if event.seq > since:
            break
        if event.kind == "member.joined":
            members.add(int(event.data["user"]["id"]))
        elif event.kind == "member.left":
            members.discard(int(event.data["user_id"]))
        elif event.kind == "circle.updated":
            is_open = event.data.get("visibility") == "open"
    return members, is_open


async def expected(db: AsyncSession, follower: Follower) -> list[int]:
    replay = await events.list_since(db, follower.topic, follower.since, limit=1_000_000)
    assert replay.recovered, f"the log of {follower.topic} no longer holds everything after {follower.since}"
    return eligible(follower, replay.events)


def compare(wanted: list[int], received: list[int]) -> Verdict:
    counts = Counter(received)
    wanted_set, received_set = set(wanted), set(received)
    return Verdict(
        expected=len(wanted),
        received=len(received),
        lost=sorted(wanted_set - received_set),
        leaked=sorted(received_set - wanted_set),
        doubled=sorted(seq for seq, n in counts.items() if n > 1),
        out_of_order=received != sorted(received),
    )


async def wait_until_held(sockets: list[Socket], topic: str, seq: int, *, timeout: float = 60) -> None:
    """Wait until one of a client's sockets (the old ones before a resume, then the live one)
    holds `seq` of `topic`; only the last socket can still receive."""
    if any(seq in seqs(socket.events(topic)) for socket in sockets):
        return
    await sockets[-1].wait_for(
        lambda f: f["type"] == "event" and f["topic"] == topic and f["seq"] == seq, timeout=timeout
    )
