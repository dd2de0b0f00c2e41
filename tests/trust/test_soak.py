"""Case 14, the soak (`make soak`, never in CI): many mostly idle clients on two workers, a slow
trickle of changes, and a few clients reconnecting and resuming every few seconds, for half an
hour. After the warm-up each worker's memory, open files, asyncio tasks and topics stay flat, and
at the end every client holds exactly the oracle's events.

`TRUST_SOAK_SECONDS` (1800) and `TRUST_SOAK_CLIENTS` (500) change its size.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness import Worker
from models import CircleVisibility
from tests.realtime.support import Colleague, Socket, database, seqs
from tests.support import add_member, make_circle, make_user
from tests.trust.oracle import Follower, compare, expected, wait_until_held
from tests.trust.report import report

pytestmark = pytest.mark.soak

StartWorkers = Callable[..., list[Worker]]
SECONDS = float(os.environ.get("TRUST_SOAK_SECONDS", "1800"))
CLIENTS = int(os.environ.get("TRUST_SOAK_CLIENTS", "500"))
USERS = 25
SAMPLE_EVERY = min(30.0, SECONDS / 12)


def sample(worker: Worker, metrics: str) -> dict[str, float]:
    assert worker.process is not None
    pid = worker.process.pid
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]

    def gauge(name: str) -> float:
        found = re.search(rf"^{name} ([0-9.e+]+)$", metrics, flags=re.M)
        return float(found.group(1)) if found else -1.0

    return {
        "rss_mib": round(rss_kib / 1024, 1),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "tasks": gauge("kring_asyncio_tasks"),
        "topics": gauge("kring_hub_topics"),
        "connections": gauge("kring_ws_connections"),
    }


@pytest.mark.timeout(int(SECONDS) + 900)
async def test_a_long_run_stays_flat_and_loses_nothing(fresh_database: str, start_workers: StartWorkers) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        users = [await make_user(db) for _ in range(USERS)]
        circles = [await make_circle(db, owner, CircleVisibility.OPEN) for _ in range(5)]
        for circle in circles:
            await add_member(db, owner, circle, users[0])
    workers = start_workers(url, 2, KRING_LIMIT_SOCKETS_PER_USER=str(CLIENTS))
    sessions = [await Colleague(workers[n % 2], user).sign_in() for n, user in enumerate(users)]
    writer = sessions[0]
    rng = random.Random(14)

    clients: list[dict[str, Any]] = []
    for number in range(CLIENTS):
        session = sessions[number % USERS]
        topic = f"circle:{circles[number % len(circles)].id}"
        socket = await Socket.open(workers[number % 2], cookie=session.cookie)
        answer = await socket.subscribe(topic)
        clients.append({"session": session, "topic": topic, "sockets": [socket], "since": answer["seq"]})
    epoch = answer["epoch"]

    stop = asyncio.Event()
    counter = itertools.count()
    reconnects = 0

    async def trickle() -> None:
        while not stop.is_set():
            circle = rng.choice(circles)
            await writer.write("POST", f"/api/v1/circles/{circle.id}/posts", {"body": f"soak {next(counter)}"})
            await asyncio.sleep(1)

    async def churn() -> None:
        nonlocal reconnects
        while not stop.is_set():
            await asyncio.sleep(5)
            for client in rng.sample(clients, max(1, CLIENTS // 50)):
                old: Socket = client["sockets"][-1]
                await old.close()
                # The cursor as the browser keeps it, across all its sockets, taken once the old
                # one is gone: events that arrived while it was closing count as received.
                held = [seq for socket in client["sockets"] for seq in seqs(socket.events(client["topic"]))]
                since = max(held, default=client["since"])
                again = await Socket.open(rng.choice(workers), cookie=client["session"].cookie)
                answer = await again.subscribe(client["topic"], since=since, epoch=epoch)
                assert answer.get("recovered") is True, answer
                client["sockets"].append(again)
                reconnects += 1
                # Keep memory in the test process bounded: old sockets' frames are kept, their
                # connections are not.

    tasks = [asyncio.create_task(trickle()), asyncio.create_task(churn())]
    samples: list[dict[str, Any]] = []
    started = time.monotonic()
    while time.monotonic() - started < SECONDS:
        await asyncio.sleep(SAMPLE_EVERY)
        for worker in workers:
            metrics = (await writer.http.get(f"{worker.url}/metrics")).text
            samples.append({"at": round(time.monotonic() - started), "worker": worker.name, **sample(worker, metrics)})
        for task in tasks:
            if task.done():
                task.result()  # an assertion in the churn fails the test now
    stop.set()
    await asyncio.gather(*tasks)

    verdicts = []
    async with database(url) as db:
        for client in clients:
            wanted = await expected(
                db, Follower(client["session"].user.id or 0, client["topic"], client["since"], False)
            )
            if wanted:
                await wait_until_held(client["sockets"], client["topic"], wanted[-1])
            received = [seq for socket in client["sockets"] for seq in seqs(socket.events(client["topic"]))]
            verdicts.append(compare(wanted, received))

    warm = [s for s in samples if s["at"] >= SECONDS / 6]
    growth = {}
    for worker in workers:
        mine = [s for s in warm if s["worker"] == worker.name]
        first, rest = mine[0], mine[1:]
        growth[worker.name] = {
            key: (first[key], max(s[key] for s in rest)) for key in ("rss_mib", "fds", "tasks", "topics")
        }
    report(
        "14-soak",
        seconds=SECONDS,
        clients=CLIENTS,
        posts=next(counter),
        reconnects=reconnects,
        lost=sum(len(v.lost) for v in verdicts),
        doubled=sum(len(v.doubled) for v in verdicts),
        after_warmup_first_vs_max=growth,
    )
    assert all(v.clean for v in verdicts)
    for stats in growth.values():
        rss_first, rss_max = stats["rss_mib"]
        assert rss_max <= rss_first * 1.15 + 5, stats
        for key in ("fds", "tasks", "topics"):
            first_value, max_value = stats[key]
            assert max_value <= first_value * 1.1 + 10, (key, stats)
    for client in clients:
        await client["sockets"][-1].close()
    for session in sessions:
        await session.close()
