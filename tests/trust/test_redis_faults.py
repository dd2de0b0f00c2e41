"""Case 4, Redis misbehaving under a steady stream of changes, on a Redis of the test's own:
flushed, its pub/sub clients killed, all its clients killed, cut off from one worker by a
network partition (the fault proxy), and frozen with SIGSTOP. Posts keep succeeding (the database commit is the
acknowledgement), every client ends with exactly the oracle's events, and the freeze shows in
`/readyz` within 10 s. (Restarting Redis is `tests/realtime/test_faults.py`.)"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from harness import RedisProcess, Worker
from models import CircleVisibility
from tests.realtime.support import Colleague, Progress, Socket, database, seqs
from tests.support import make_circle, make_user
from tests.trust.oracle import Follower, compare, expected
from tests.trust.proxy import FaultProxy
from tests.trust.report import report

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]


async def _until_unready(colleague: Colleague, limit: float) -> float:
    started = time.monotonic()
    async with asyncio.timeout(limit):
        while (await colleague.http.get("/readyz")).status_code == 200:
            await asyncio.sleep(0.2)
    return time.monotonic() - started


async def _until_ready(colleague: Colleague, limit: float = 60) -> None:
    async with asyncio.timeout(limit):
        while (await colleague.http.get("/readyz")).status_code != 200:
            await asyncio.sleep(0.25)


async def test_posts_go_on_and_nothing_is_lost_whatever_redis_does(
    fresh_database: str, start_workers: StartWorkers, tmp_path: Path
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    proxy = await FaultProxy(redis.port).start()
    control = Redis.from_url(redis.url)
    try:
        url = fresh_database
        async with database(url) as db:
            owner = await make_user(db)
            readers = [await make_user(db) for _ in range(4)]
            circle = await make_circle(db, owner, CircleVisibility.OPEN)
        (a,) = start_workers(url, 1, redis_url=f"redis://127.0.0.1:{proxy.port}/0")
        (b,) = start_workers(url, 1, redis_url=redis.url)
        topic = f"circle:{circle.id}"
        writers = [await Colleague(w, owner).sign_in() for w in (a, b)]
        sessions = [await Colleague((a, b)[n % 2], r).sign_in() for n, r in enumerate(readers)]
        sockets = [await Socket.open(s.worker, cookie=s.cookie) for s in sessions]
        since = [(await socket.subscribe(topic))["seq"] for socket in sockets]

        counter = itertools.count()
        stop = asyncio.Event()
        failures: list[str] = []
        written = Progress()  # each phase lasts some writes, however fast the machine is

        async def keep_writing(writer: Colleague) -> None:
            while not stop.is_set():
                number = next(counter)
                response = await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"{number}"})
                if response.status_code != 200:
                    failures.append(f"{number}: {response.status_code}")
                written.step()
                await asyncio.sleep(0.05)

        writing = [asyncio.create_task(keep_writing(w)) for w in writers]
        phases: dict[str, float] = {}
        await written.more(10)

        await control.flushall()
        await written.more(15)
        killed = await control.client_kill_filter(_type="pubsub")
        phases["pubsub_clients_killed"] = killed
        await written.more(20)
        killed = await control.client_kill_filter(_type="normal", skipme=True)
        phases["normal_clients_killed"] = killed
        await written.more(20)

        proxy.partition()  # worker a loses its network to Redis
        phases["partition_detected_s"] = round(await _until_unready(writers[0], 60), 1)
        await written.more(10)
        proxy.heal()
        await _until_ready(writers[0])

        redis.freeze()
        try:
            phases["freeze_detected_s"] = round(await _until_unready(writers[1], 10), 1)
        finally:
            redis.thaw()
        await _until_ready(writers[1])
        await _until_ready(writers[0])
        await written.more(10)
        stop.set()
        await asyncio.gather(*writing)
        assert failures == []
        # The last change, from worker b: every reader waits for it below, so whatever the
        # changes before it would bring (a double) has come by then.
        final = await writers[1].write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "klaar"})
        assert final.status_code == 200

        verdicts = []
        async with database(url) as db:
            for session, socket, start in zip(sessions, sockets, since, strict=True):
                wanted = await expected(db, Follower(session.user.id or 0, topic, start, member=False))
                last = wanted[-1]
                await socket.wait_seq(topic, last)
                verdicts.append(compare(wanted, seqs(socket.events(topic))))
        report(
            "4-redis-faults",
            changes=next(counter),
            failed_writes=len(failures),
            lost=sum(len(v.lost) for v in verdicts),
            doubled=sum(len(v.doubled) for v in verdicts),
            same_sockets=all(s.closed_with is None for s in sockets),
            **phases,
        )
        assert all(v.clean for v in verdicts), verdicts
        assert all(socket.closed_with is None for socket in sockets)  # no client had to reconnect
        assert phases["freeze_detected_s"] <= 10
        for closable in (*sockets, *writers, *sessions):
            await closable.close()
    finally:
        # Every connection of the pool, in use or not: one left open after the kills and the
        # freeze was found by the garbage collector in some later test on this process.
        await control.connection_pool.disconnect(inuse_connections=True)
        await control.aclose()
        await proxy.close()
        redis.thaw()
        redis.stop()
