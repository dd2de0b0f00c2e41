"""Case 8, slow consumers: ten clients stop reading beside many that read.

Everyone follows one circle (the shared one), into which small posts go at a steady rate; the
readers' latency from each event's commit (`at`) to its arrival is the figure compared. The ten
slow clients are on worker a, the readers half on a and half on b: b's readers see the same
events at the same moments from a worker without slow clients, so what the shared, noisy machine
does to both cancels out of the comparison.

The slow clients also follow a busy circle, whose big posts fill their kernel buffers (Linux
keeps about 3 MB for a socket that reads nothing) in one burst rather than after thousands of
small posts; then the shared circle's posts fill their send queues. Phases: *before* (no slow
client), *filling* (the burst: not compared), *with* (until the server has closed all ten as too
slow), *resume* (they read what their buffers held, see 4008, and resume both circles with
`since` on worker b), *after* (all caught up).

Proved: with the slow clients, the readers' latency on their worker is within 20 % of without
them (relative to worker b's readers at the same moments); each slow client is closed with 4008
when its queue is full and resumes with `recovered: true`, and the oracle finds nothing lost,
doubled or leaked, for them or the readers; each worker's resident memory grows by no more than
the queues can hold.

Every frame in a queue is an event someone posted, and this machine takes some 20 posts a second
beside everything else: CI runs a queue of 200 frames and 120 readers, `TRUST_SCALE=full` the
default queue of 1,000 and 500 readers at 10 posts a second (as many frames as the test's own
client can read).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import websockets
from sqlmodel.ext.asyncio.session import AsyncSession

from harness import Worker
from models import CircleVisibility, User
from realtime.protocol import CloseCode, event_frame
from services import events
from tests.realtime.support import Colleague, Progress, Socket, database, seqs
from tests.support import add_member, make_circle, make_user
from tests.trust.oracle import Follower, compare, expected, wait_until_held
from tests.trust.report import percentile, report
from tests.trust.scale import SCALE

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]
SLOW = 10
READER_USERS = 4
SLEEPER_USERS = 2
PROBE_BODY = "p" * 300
FILL_BODY = "\U0001f642" * 19_900  # a post of emoji: 4 bytes a character, about 80 KB a frame
FILL_POSTS = 45  # about 3.7 MB: more than the kernel buffers of a socket that reads nothing
# A phase without slow clients lasts this long and holds this many probes, whichever comes
# later: on a machine busy with other test runs the posts come slower, and the comparison
# needs enough of them.
PHASE_SECONDS = 6.0
PHASE_PROBES = 60


def rss_mib(worker: Worker) -> float:
    assert worker.process is not None
    status = Path(f"/proc/{worker.process.pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+)", status)
    assert found is not None
    return int(found.group(1)) / 1024


async def slow_closed(session: Colleague) -> int:
    text = (await session.http.get("/metrics")).text
    found = re.search(r"^kring_slow_clients_closed_total ([0-9.e+]+)$", text, flags=re.M)
    return int(float(found.group(1))) if found else 0


class Reader:
    """A client that reads everything, keeping only what the figures need: each event's `seq`,
    when it was committed and when it arrived (wall clock, as `at` is)."""

    def __init__(self, connection: websockets.ClientConnection, topic: str) -> None:
        self.connection = connection
        self.topic = topic
        self.since = -1
        self.received: list[tuple[int, float, float]] = []  # seq, committed, arrived
        self._subscribed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, worker: Worker, cookie: str, topic: str) -> Reader:
        connection = await websockets.connect(
            worker.ws_url, additional_headers={"Cookie": cookie, "Origin": worker.origin}, open_timeout=60
        )
        reader = cls(connection, topic)
        await connection.send(json.dumps({"op": "subscribe", "topic": topic}))
        async with asyncio.timeout(60):
            await reader._subscribed.wait()
        return reader

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in self.connection:
                arrived = time.time()
                frame = json.loads(message)
                if frame["type"] == "event" and frame["topic"] == self.topic:
                    committed = datetime.fromisoformat(frame["at"]).timestamp()
                    self.received.append((frame["seq"], committed, arrived))
                elif frame["type"] == "subscribed":
                    self.since = frame["seq"]
                    self._subscribed.set()

    def seqs(self) -> list[int]:
        return [seq for seq, _committed, _arrived in self.received]

    @property
    def reading(self) -> bool:
        return not self._task.done()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self.connection.close()
        self.connection.transport.abort()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@dataclass
class Sleeper:
    """A client that subscribes, then reads nothing: websockets stops reading the socket once its
    queue of one frame is full, and its small receive window leaves the rest to the server."""

    session: Colleague
    connection: websockets.ClientConnection
    old: dict[str, list[int]]  # the seqs read from the first socket
    since: dict[str, int] = field(default_factory=dict)
    epoch: str = ""
    again: Socket | None = None
    resumed: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    async def open(cls, session: Colleague, worker: Worker, topics: list[str]) -> Sleeper:
        raw = socket.socket()
        try:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
            raw.setblocking(False)
            await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", worker.port))
            connection = await websockets.connect(
                worker.ws_url,
                sock=raw,
                additional_headers={"Cookie": session.cookie, "Origin": worker.origin},
                max_queue=1,
                open_timeout=60,
                ping_interval=None,  # its own keepalive would give up on the server it stopped reading
            )
        except BaseException:
            raw.close()
            raise
        sleeper = cls(session, connection, old={topic: [] for topic in topics})
        for topic in topics:
            await connection.send(json.dumps({"op": "subscribe", "topic": topic}))
        async with asyncio.timeout(60):
            while len(sleeper.since) < len(topics):
                frame = json.loads(await connection.recv())
                if frame["type"] == "subscribed":
                    sleeper.since[frame["topic"]] = frame["seq"]
                    sleeper.epoch = frame["epoch"]
                elif frame["type"] == "event":
                    sleeper.old[frame["topic"]].append(frame["seq"])
        return sleeper  # and from here it reads nothing

    async def read_out(self) -> int:
        """Read what the buffers held up to the close, as a client that wakes up would."""
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(60):
                async for message in self.connection:
                    frame = json.loads(message)
                    if frame["type"] == "event":
                        self.old[frame["topic"]].append(frame["seq"])
        self.connection.transport.abort()
        code = self.connection.close_code
        return code if code is not None else 1006

    async def resume(self, worker: Worker) -> None:
        self.again = await Socket.open(worker, cookie=self.session.cookie)
        for topic, old in self.old.items():
            last = old[-1] if old else self.since[topic]
            self.resumed[topic] = await self.again.subscribe(topic, since=last, epoch=self.epoch)

    async def close(self) -> None:
        self.connection.transport.abort()
        if self.again is not None:
            await self.again.close()

    def received(self, topic: str) -> list[int]:
        assert self.again is not None
        return self.old[topic] + seqs(self.again.events(topic))

    def replayed(self, topic: str) -> int:
        """Events the resume sent from the log: up to the head its `subscribed` named."""
        assert self.again is not None
        head = self.resumed[topic]["seq"]
        return sum(1 for seq in seqs(self.again.events(topic)) if seq <= head)


@dataclass
class Clock:
    """When each phase began (wall clock, as the events' `at`)."""

    starts: list[tuple[str, float]] = field(default_factory=list)

    @property
    def now(self) -> str:
        return self.starts[-1][0] if self.starts else "warm-up"

    def begin(self, phase: str) -> None:
        self.starts.append((phase, time.time()))

    def start_of(self, phase: str) -> float:
        return dict(self.starts)[phase]

    def phase_of(self, committed: float) -> str:
        current = "warm-up"
        for phase, start in self.starts:
            if committed >= start:
                current = phase
        return current


def per_event(readers: list[Reader]) -> dict[int, tuple[float, float]]:
    """Each event's commit time and its median latency (ms) over `readers`."""
    latencies: dict[int, list[float]] = {}
    committed_at: dict[int, float] = {}
    for reader in readers:
        for seq, committed, arrived in reader.received:
            latencies.setdefault(seq, []).append((arrived - committed) * 1000)
            committed_at[seq] = committed
    return {seq: (committed_at[seq], statistics.median(values)) for seq, values in latencies.items()}


def relative_latency(on_a: list[Reader], on_b: list[Reader], clock: Clock) -> float:
    """How much slower, with the slow clients than without them, worker a's readers got each
    event than worker b's got the same event: the median of a/b per event, with over without."""
    a, b = per_event(on_a), per_event(on_b)
    ratios: dict[str, list[float]] = {}
    for seq, (committed, latency) in a.items():
        if seq in b:
            ratios.setdefault(clock.phase_of(committed), []).append(latency / b[seq][1])
    with_them = ratios["with"]
    without = ratios["before"] + ratios["after"]
    assert len(with_them) >= 50, "too few events with the slow clients to compare"
    assert len(without) >= 50, "too few events without them to compare"
    return statistics.median(with_them) / statistics.median(without)


def latency_figures(readers: list[Reader], clock: Clock) -> dict[str, tuple[float, float]]:
    """p50 and p90 (ms) by the phase the event was committed in, over every reader."""
    by_phase: dict[str, list[float]] = {}
    for reader in readers:
        for _seq, committed, arrived in reader.received:
            by_phase.setdefault(clock.phase_of(committed), []).append((arrived - committed) * 1000)
    return {
        phase: (round(percentile(values, 0.5), 1), round(percentile(values, 0.9), 1))
        for phase, values in by_phase.items()
    }


async def bytes_committed(db: AsyncSession, topics: list[str], start: float, end: float) -> int:
    """The bytes of the event frames committed on `topics` between two moments (wall clock)."""
    total = 0
    for topic in topics:
        log = await events.list_since(db, topic, 0, limit=1_000_000)
        for event in log.events:
            if start <= event.at.timestamp() < end:
                total += len(event_frame(event.topic, event.seq, event.kind, event.data, event.at).encode())
    return total


async def test_ten_clients_that_stop_reading_slow_no_one_and_resume_with_nothing_lost(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        writers = [await make_user(db) for _ in range(2)]
        reader_users = [await make_user(db) for _ in range(READER_USERS)]
        sleeper_users = [await make_user(db) for _ in range(SLEEPER_USERS)]
        shared = await make_circle(db, owner, CircleVisibility.OPEN)
        busy = await make_circle(db, owner, CircleVisibility.OPEN)
        for writer in writers:
            await add_member(db, owner, shared, writer)
            await add_member(db, owner, busy, writer)
    workers = start_workers(
        url,
        2,
        KRING_LIMIT_SOCKETS_PER_USER=str(SCALE.slow_case_readers),
        KRING_LIMIT_WS_QUEUE=str(SCALE.slow_case_queue),
        # A client that reads nothing answers no ping: the keepalive (20 s by default) could close
        # it before its queue fills (minutes at full size), and that is not what this case is about.
        KRING_REALTIME_PING_SECONDS="600",
    )
    a, b = workers
    shared_topic, busy_topic = f"circle:{shared.id}", f"circle:{busy.id}"
    async with contextlib.AsyncExitStack() as cleanup:
        # Whatever this case opens is closed however it ends: a client left open is found by the
        # garbage collector during some later test, and fails that one.
        async def signed_in(worker: Worker, user: User) -> Colleague:
            colleague = Colleague(worker, user)
            cleanup.push_async_callback(colleague.close)
            return await colleague.sign_in()

        writing = [await signed_in(workers[n], writers[n]) for n in range(2)]
        reader_sessions = [await signed_in(workers[n % 2], user) for n, user in enumerate(reader_users)]
        sleeper_sessions = [await signed_in(b, user) for user in sleeper_users]
        readers = list(
            await asyncio.gather(
                *(
                    Reader.open(workers[n % 2], reader_sessions[n % READER_USERS].cookie, shared_topic)
                    for n in range(SCALE.slow_case_readers)
                )
            )
        )
        cleanup.push_async_callback(lambda: asyncio.gather(*(reader.close() for reader in readers)))
        on_a, on_b = readers[0::2], readers[1::2]

        clock = Clock()
        stop = asyncio.Event()
        failures: list[int] = []
        rss: list[tuple[str, float, float]] = []  # phase, worker a, worker b

        async def post(number: int, circle_id: int | None, body: str) -> None:
            response = await writing[number % 2].write("POST", f"/api/v1/circles/{circle_id}/posts", {"body": body})
            if response.status_code != 201:
                failures.append(response.status_code)

        probes = Progress()

        async def phase() -> None:
            started = time.monotonic()
            await probes.more(PHASE_PROBES, timeout=300)
            await asyncio.sleep(max(0.0, PHASE_SECONDS - (time.monotonic() - started)))

        async def probe_forever() -> None:
            interval = 1 / SCALE.slow_case_posts_per_second
            next_at = time.monotonic()
            for number in itertools.count():
                if stop.is_set():
                    return
                await post(number, shared.id, f"{number} {PROBE_BODY}")
                probes.step()
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))

        async def sample_memory() -> None:
            while not stop.is_set():
                rss.append((clock.now, rss_mib(a), rss_mib(b)))
                await asyncio.sleep(0.25)

        async def in_parallel(count: int, action: Callable[[int], Awaitable[None]], lanes: int = 4) -> None:
            numbers = iter(range(count))

            async def lane() -> None:
                for number in numbers:
                    await action(number)

            await asyncio.gather(*(lane() for _ in range(lanes)))

        tasks = [asyncio.create_task(probe_forever()), asyncio.create_task(sample_memory())]

        async def stop_tasks() -> None:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

        cleanup.push_async_callback(stop_tasks)
        started = time.monotonic()
        await probes.more(10, timeout=300)  # warmed up
        clock.begin("before")
        await phase()

        clock.begin("filling")
        sleepers: list[Sleeper] = []
        for n in range(SLOW):
            sleepers.append(await Sleeper.open(sleeper_sessions[n % SLEEPER_USERS], a, [shared_topic, busy_topic]))
            cleanup.push_async_callback(sleepers[-1].close)
        filling_started = time.monotonic()
        await in_parallel(FILL_POSTS, lambda n: post(n, busy.id, f"{n} {FILL_BODY}"))
        filling_seconds = time.monotonic() - filling_started

        clock.begin("with")
        with_started = time.monotonic()
        # The queues fill at the pace the machine posts, which another test run beside this one
        # can slow down many times over: the limit only stops a case that would never end.
        async with asyncio.timeout(SCALE.slow_case_queue * 2):
            # Both workers are asked, so that answering does not load a alone while it is compared.
            while sum([await slow_closed(session) for session in writing]) < SLOW:
                await asyncio.sleep(0.5)
        with_seconds = time.monotonic() - with_started

        clock.begin("resume")
        codes = await asyncio.gather(*(sleeper.read_out() for sleeper in sleepers))
        for sleeper in sleepers:
            await sleeper.resume(b)
        async with database(url) as db:
            heads = {topic: await events.head(db, topic) for topic in (shared_topic, busy_topic)}
        for sleeper in sleepers:
            assert sleeper.again is not None
            for topic, head in heads.items():
                await wait_until_held([sleeper.again], topic, head, timeout=60)

        clock.begin("after")
        await phase()
        stop.set()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        assert failures == []
        closed_on = [await slow_closed(session) for session in writing]

        verdicts = []
        async with database(url) as db:
            wanted_by: dict[tuple[int, str, int], list[int]] = {}

            async def wanted(user_id: int | None, topic: str, since: int) -> list[int]:
                assert user_id is not None
                if (user_id, topic, since) not in wanted_by:
                    follower = Follower(user_id, topic, since, member=False)
                    wanted_by[user_id, topic, since] = await expected(db, follower)
                return wanted_by[user_id, topic, since]

            for number, reader in enumerate(readers):
                reader_wants = await wanted(reader_users[number % READER_USERS].id, shared_topic, reader.since)
                async with asyncio.timeout(60):
                    while reader.seqs()[-1:] != reader_wants[-1:]:
                        await asyncio.sleep(0.1)
                verdicts.append(compare(reader_wants, reader.seqs()))
            for number, sleeper in enumerate(sleepers):
                for topic in (shared_topic, busy_topic):
                    sleeper_wants = await wanted(sleeper_users[number % SLEEPER_USERS].id, topic, sleeper.since[topic])
                    assert sleeper.again is not None
                    await wait_until_held([sleeper.again], topic, sleeper_wants[-1])
                    verdicts.append(compare(sleeper_wants, sleeper.received(topic)))
            while_connected = (clock.start_of("filling"), clock.start_of("resume"))
            queued_bytes = await bytes_committed(db, [shared_topic, busy_topic], *while_connected)

        relative = relative_latency(on_a, on_b, clock)
        rss_before = [statistics.median(sample[n] for sample in rss if sample[0] == "before") for n in (1, 2)]
        rss_highest = [max(sample[n] for sample in rss if sample[0] not in {"warm-up", "before"}) for n in (1, 2)]
        # What the ten queues can hold: at most `queue` entries each (a two-item tuple and its slot,
        # 64 bytes), pointing at frames that every queue shares, no more than those committed while
        # the slow clients were connected; plus 16 MiB for the allocator, the transports' write
        # buffers and the replays' pages, which move resident memory by a few MiB from run to run.
        bound_mib = (queued_bytes + SLOW * SCALE.slow_case_queue * 64) / 2**20 + 16
        replayed_shared = [sleeper.replayed(shared_topic) for sleeper in sleepers]
        lost = sum(len(v.lost) for v in verdicts)
        doubled = sum(len(v.doubled) for v in verdicts)
        leaked = sum(len(v.leaked) for v in verdicts)
        report(
            "8-slow-consumers",
            scale=SCALE.name,
            readers=len(readers),
            slow=SLOW,
            queue=SCALE.slow_case_queue,
            elapsed_s=round(elapsed, 1),
            filling_s=round(filling_seconds, 1),
            with_s=round(with_seconds, 1),
            latency_ms_p50_p90_a=latency_figures(on_a, clock),
            latency_ms_p50_p90_b=latency_figures(on_b, clock),
            relative_latency_with=round(relative, 3),
            close_codes=sorted(codes),
            closed_too_slow=closed_on,
            resumes_recovered=f"{sum(r['recovered'] is True for s in sleepers for r in s.resumed.values())}/{2 * SLOW}",
            replayed=sum(s.replayed(t) for s in sleepers for t in (shared_topic, busy_topic)),
            replayed_shared_min=min(replayed_shared),
            rss_mib_before=[round(v, 1) for v in rss_before],
            rss_mib_highest=[round(v, 1) for v in rss_highest],
            rss_bound_mib=round(bound_mib, 1),
            lost=lost,
            doubled=doubled,
            leaked=leaked,
        )

        assert codes == [CloseCode.TOO_SLOW] * SLOW
        assert closed_on == [SLOW, 0]  # the ten slow clients, and no reader
        assert all(reader.reading for reader in readers)
        assert [r["recovered"] for s in sleepers for r in s.resumed.values()] == [True] * (2 * SLOW)
        # Each resume replayed more than the hub once refused (80 % of the queue): a queue's worth.
        assert min(replayed_shared) > 0.8 * SCALE.slow_case_queue
        assert (lost, doubled, leaked) == (0, 0, 0)
        assert all(v.clean for v in verdicts)
        # Worker a's readers against worker b's at the same moments: the machine's load moves both
        # (by up to 40 % between phases in our runs), the slow clients only a's. Runs on the
        # shared development machine gave 0.92 to 1.08.
        assert relative <= 1.2, relative
        for before, highest in zip(rss_before, rss_highest, strict=True):
            assert highest - before <= bound_mib, (rss_before, rss_highest, bound_mib)
