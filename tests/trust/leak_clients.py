"""Case 9's sockets: every colleague follows every topic it may, over one live socket at a time,
reconnects now and then to a random worker and resumes, sometimes from an older cursor; each
subscription is then judged on its own against the oracle (membership at each event).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from harness import Worker
from services import events
from tests.realtime.support import Colleague, Socket, database
from tests.trust.oracle import CircleAtStart, Follower, circle_state_at, eligible


@dataclass
class Subscription:
    """One `subscribed` on one socket, and what came for its topic until `unsubscribed`."""

    topic: str
    since: int  # the events it should hold follow this seq
    asked_since: int | None  # the cursor of a resume
    recovered: bool | None
    head: int  # the topic's head its `subscribed` announced
    seqs: list[int] = field(default_factory=list)
    ended: str | None = None  # the reason of an `unsubscribed`
    origin: str = ""  # where a resume's cursor came from

    @property
    def last(self) -> int:
        return self.seqs[-1] if self.seqs else self.since


@dataclass
class SocketRecord:
    socket: Socket
    subscribed: dict[int, Subscription] = field(default_factory=dict)  # frame index -> subscription
    stray: list[dict[str, Any]] = field(default_factory=list)  # events outside any subscription

    def scan(self) -> None:
        """Assign each event frame to the subscription open for its topic on this socket."""
        open_: dict[str, Subscription] = {}
        self.stray = []
        for sub in self.subscribed.values():
            sub.seqs, sub.ended = [], None
        for index, frame in enumerate(self.socket.frames):
            kind, topic = frame.get("type"), str(frame.get("topic"))
            if kind == "subscribed" and index in self.subscribed:
                open_[topic] = self.subscribed[index]
            elif kind == "event":
                if topic in open_:
                    open_[topic].seqs.append(int(frame["seq"]))
                else:
                    self.stray.append(frame)
            elif kind == "unsubscribed" and topic in open_:
                open_.pop(topic).ended = frame.get("reason")


class Client:
    """One colleague's browser: a socket following every topic it may, resumed across sockets."""

    def __init__(self, colleague: Colleague, workers: list[Worker], topics: list[str], rng: random.Random) -> None:
        self.colleague = colleague
        self.workers = workers
        self.topics = topics  # every topic worth trying, the colleague's own and others' too
        self.rng = rng
        self.records: list[SocketRecord] = []
        self.lock = asyncio.Lock()
        self.epoch: str | None = None
        self.refusals = 0
        self.resumes_refused: list[tuple[str, int]] = []  # (topic, cursor)

    @property
    def user_id(self) -> int:
        assert self.colleague.user.id is not None
        return self.colleague.user.id

    @property
    def live(self) -> SocketRecord:
        return self.records[-1]

    def subscriptions(self) -> list[Subscription]:
        return [sub for record in self.records for sub in record.subscribed.values()]

    def following(self) -> dict[str, Subscription]:
        """The topics the live socket follows now."""
        record = self.live
        record.scan()
        return {sub.topic: sub for sub in record.subscribed.values() if sub.ended is None}

    async def connect(self) -> None:
        worker = self.rng.choice(self.workers)
        socket = await Socket.open(worker, cookie=self.colleague.cookie)
        self.records.append(SocketRecord(socket))

    async def subscribe(self, topic: str, since: int | None = None, origin: str = "") -> dict[str, Any]:
        record = self.live
        epoch = self.epoch if since is not None else None
        answer = await record.socket.subscribe(topic, since=since, epoch=epoch)
        if answer["type"] == "subscribed":
            index = next(i for i, f in enumerate(record.socket.frames) if f is answer)
            recovered = answer.get("recovered")
            start = since if recovered and since is not None else int(answer["seq"])
            record.subscribed[index] = Subscription(topic, start, since, recovered, int(answer["seq"]), origin=origin)
            self.epoch = answer["epoch"]
        else:
            self.refusals += 1
        return answer

    async def follow_all(self) -> None:
        """Subscribe the live socket to every topic it does not follow yet; refusals are fine."""
        async with self.lock:
            following = self.following()
            for topic in self.topics:
                if topic not in following:
                    await self.subscribe(topic)

    async def reconnect(self, pause: float) -> None:
        """Close the live socket, stay away a while, come back on a random worker and resume every
        topic it followed: from its last seq, or from an older one it had held (a replay)."""
        async with self.lock:
            old = self.live
            followed = {sub.topic: sub for sub in old.subscribed.values()}
            await old.socket.close()
            old.scan()
            await asyncio.sleep(pause)
            await self.connect()
            for topic, sub in followed.items():
                held = [sub.since, *sub.seqs]
                if sub.ended == "removed" and self.rng.random() < 0.7:
                    cursor = self.rng.choice(held[:-1])  # from before the removal
                elif self.rng.random() < 0.3:
                    cursor = self.rng.choice(held)
                else:
                    cursor = held[-1]
                origin = f"from since={sub.since} asked={sub.asked_since} ended={sub.ended} seqs={sub.seqs[-5:]}"
                answer = await self.subscribe(topic, since=cursor, origin=origin)
                if answer["type"] != "subscribed":
                    self.resumes_refused.append((topic, cursor))
            following = self.following()
            for topic in self.topics:
                if topic not in following:
                    await self.subscribe(topic)

    async def close(self) -> None:
        for record in self.records:
            await record.socket.close()
        await self.colleague.close()


@dataclass
class Judgement:
    subscriptions: int = 0
    expected: int = 0
    received: int = 0
    lost: list[tuple[int, str, int]] = field(default_factory=list)
    leaked: list[tuple[int, str, int, str]] = field(default_factory=list)  # user, topic, seq, kind
    doubled: int = 0
    out_of_order: int = 0
    stray: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    replays: int = 0  # resumes that replayed
    replayed: int = 0  # events they replayed
    resumes_across_removal: int = 0  # resumed from before the colleague's removal or leaving
    removed_live: int = 0  # subscriptions ended by `unsubscribed`
    refused: int = 0
    context: list[str] = field(default_factory=list)  # how the first leaking subscriptions came about
    resumes_refused: int = 0  # the colleague may no longer follow the topic: nothing replayed
    refused_across_removal: int = 0  # of those, from before the colleague's removal or leaving


async def judge(url: str, clients: list[Client], starts: dict[str, CircleAtStart], *, timeout: float = 60) -> Judgement:
    """Every subscription of every client against the oracle. A subscription on the live socket
    must hold all it should (waiting up to `timeout` for the last of it); one on a closed socket
    a gap-free beginning of it."""
    verdict = Judgement()
    logs: dict[str, list[events.CommittedEvent]] = {}
    async with database(url) as db:
        for client in clients:
            for record in client.records:
                record.scan()
                for sub in record.subscribed.values():
                    if sub.topic not in logs:
                        replay = await events.list_since(db, sub.topic, 0, limit=10_000_000)
                        assert replay.recovered, f"the log of {sub.topic} is no longer whole"
                        logs[sub.topic] = replay.events
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for client in clients:
        socket = client.live.socket
        for sub in client.live.subscribed.values():
            wanted = _wanted(client.user_id, sub, logs[sub.topic], starts)
            if not wanted:
                continue
            while loop.time() < deadline and socket.closed_with is None:
                if any(f["seq"] == wanted[-1] for f in socket.events(sub.topic)):
                    break
                await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # anything more that was on its way (a leak) arrives too
    for client in clients:
        verdict.refused += client.refusals
        verdict.resumes_refused += len(client.resumes_refused)
        for topic, cursor in client.resumes_refused:
            if topic in logs and _removed_after(client.user_id, logs[topic], cursor):
                verdict.refused_across_removal += 1
        for record in client.records:
            record.scan()
            verdict.stray += [(client.user_id, frame) for frame in record.stray]
            live = record is client.live
            for sub in record.subscribed.values():
                _judge_one(verdict, client.user_id, sub, logs[sub.topic], starts, live=live)
    return verdict


def _wanted(
    user_id: int, sub: Subscription, log: list[events.CommittedEvent], starts: dict[str, CircleAtStart]
) -> list[int]:
    member, is_open = True, True
    if sub.topic in starts:
        members, is_open = circle_state_at(starts[sub.topic], log, sub.since)
        member = user_id in members
    follower = Follower(user_id, sub.topic, sub.since, member=member, open_at_since=is_open)
    return eligible(follower, [e for e in log if e.seq > sub.since])


def _judge_one(
    verdict: Judgement,
    user_id: int,
    sub: Subscription,
    log: list[events.CommittedEvent],
    starts: dict[str, CircleAtStart],
    *,
    live: bool,
) -> None:
    after = [e for e in log if e.seq > sub.since]
    wanted = _wanted(user_id, sub, log, starts)
    kinds = {e.seq: e.kind for e in after}
    received = sub.seqs
    verdict.subscriptions += 1
    verdict.expected += len(wanted)
    verdict.received += len(received)
    wanted_set, received_set = set(wanted), set(received)
    leaked = [(user_id, sub.topic, seq, kinds.get(seq, "?")) for seq in sorted(received_set - wanted_set)]
    verdict.leaked += leaked
    if leaked and len(verdict.context) < 10:
        verdict.context.append(_story(user_id, sub, log, leaked, live=live))
    verdict.doubled += len(received) - len(received_set)
    verdict.out_of_order += received != sorted(received)
    reach = max(wanted) if live and wanted else max(received, default=sub.since)
    verdict.lost += [(user_id, sub.topic, seq) for seq in wanted if seq <= reach and seq not in received_set]
    if sub.ended is not None:
        verdict.removed_live += 1
    if sub.asked_since is not None and sub.recovered:
        verdict.replays += 1
        verdict.replayed += sum(1 for seq in received if seq <= sub.head)
        if _removed_after(user_id, [e for e in after if e.seq <= sub.head], sub.since):
            verdict.resumes_across_removal += 1


def _removed_after(user_id: int, log: list[events.CommittedEvent], cursor: int) -> bool:
    """Whether the colleague left or was removed from the closed or secret circle after `cursor`."""
    return any(
        e.kind == "member.left" and e.data.get("user_id") == user_id and e.data.get("visibility") != "open"
        for e in log
        if e.seq > cursor
    )


def _story(
    user_id: int,
    sub: Subscription,
    log: list[events.CommittedEvent],
    leaked: list[tuple[int, str, int, str]],
    *,
    live: bool,
) -> str:
    """A leaking subscription and the membership changes of its circle, to find the cause."""
    turns = []
    for e in log:
        if e.kind == "circle.updated":
            turns.append(f"{e.seq}:{e.data.get('visibility')}")
        elif e.kind == "member.joined":
            turns.append(f"{e.seq}:+{e.data['user']['id']}")
        elif e.kind == "member.left":
            turns.append(f"{e.seq}:-{e.data['user_id']}({e.data.get('visibility')})")
    return (
        f"user {user_id} {sub.topic} since={sub.since} asked={sub.asked_since} recovered={sub.recovered} "
        f"head={sub.head} ended={sub.ended} live={live} leaked={[seq for _, _, seq, _ in leaked][:8]} "
        f"received={sub.seqs[:12]} turns={turns[:40]} {sub.origin}"
    )
