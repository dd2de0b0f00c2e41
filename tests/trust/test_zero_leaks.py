"""Case 9, zero leaks: random colleagues in circles of every visibility take random actions
through the JSON API on two workers while every colleague follows, over WebSocket, every topic
it may, reconnecting to a random worker now and then and resuming, sometimes from an older
cursor. Judged on every path:

- live and replayed events, per subscription, by the oracle (membership at each event, rebuilt
  from the log): nothing leaked, nothing lost, nothing twice, in order; no event for a topic the
  socket does not follow; a removal ends the subscription with the `member.left`, and a resume
  from before it replays nothing after it;
- pages, JSON API, search and file downloads, by marker words planted in each circle's content,
  against membership now, at a pause half-way and at the end.

`TRUST_SEED` replays a run; `TRUST_SCALE=full` writes the issue's 10,000 events.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from harness import Worker
from models import CircleVisibility
from models.event import Event
from tests.realtime.support import Colleague, database
from tests.trust.leak_clients import Client, Judgement, judge
from tests.trust.leak_paths import PathsVerdict, check_paths
from tests.trust.leak_world import Actor, World, Writers
from tests.trust.oracle import CircleAtStart
from tests.trust.report import report
from tests.trust.scale import LEAKS

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]
USERS = 10  # and an organisation admin
PER_VISIBILITY = 3


async def count_events(url: str) -> int:
    async with database(url) as db:
        return int((await db.exec(select(func.count()).select_from(Event))).one())


async def churn(clients: list[Client], rng: random.Random, running: Callable[[], bool]) -> int:
    """Now and then one colleague reconnects (and resumes); another picks up topics it may
    follow now (a circle it joined, one that opened)."""
    reconnects = 0
    while running():
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        client = rng.choice(clients)
        if client.lock.locked():
            continue
        if rng.random() < 0.5:
            await client.reconnect(pause=rng.uniform(0.05, 1.0))
            reconnects += 1
        else:
            await client.follow_all()
    return reconnects


@pytest.mark.timeout(1800 if LEAKS.name == "full" else 300)
async def test_no_path_shows_a_colleague_what_membership_hides(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    seed = int(os.environ.get("TRUST_SEED") or random.SystemRandom().randrange(2**32))
    print(f"TRUST_SEED={seed}")
    rng = random.Random(seed)
    url = fresh_database
    world = await World.build(url, rng, users=USERS, per_visibility=PER_VISIBILITY)
    starts = {
        c.topic: CircleAtStart(c.start_members, open=c.visibility is CircleVisibility.OPEN) for c in world.circles
    }
    workers = start_workers(
        url,
        2,
        KRING_LIMIT_MESSAGES_PER_MINUTE="1000000",
        KRING_LIMIT_WS_OPS_PER_SECOND="1000",
        KRING_LIMIT_WS_QUEUE="20000",  # replays from old cursors stay recoverable
        KRING_REALTIME_HISTORY_EVENTS="50000",
    )
    sessions: dict[int, Colleague] = {}
    for n, user in enumerate(world.users):
        assert user.id is not None
        sessions[user.id] = await Colleague(workers[n % 2], user).sign_in()
    topics = ["org", *(c.topic for c in world.circles)]
    clients = []
    for user_id, session in sessions.items():
        others = [f"user:{u}" for u in sessions if u != user_id]
        client = Client(session, workers, [*topics, f"user:{user_id}", rng.choice(others)], rng)
        await client.connect()
        await client.follow_all()
        clients.append(client)

    # A colleague who left or was removed soon comes back, from a cursor before it, often.
    by_user = {client.user_id: client for client in clients}
    comebacks: set[asyncio.Task[None]] = set()

    def come_back(user_id: int) -> None:
        client = by_user[user_id]
        if not client.lock.locked():
            task = asyncio.create_task(client.reconnect(pause=rng.uniform(0.05, 0.5)))
            comebacks.add(task)
            task.add_done_callback(comebacks.discard)

    before = await count_events(url)
    writers = Writers(Actor(world, sessions, come_back), LEAKS.writers)
    started = time.monotonic()
    writing = asyncio.create_task(writers.run())
    churning = asyncio.create_task(churn(clients, random.Random(rng.random()), lambda: writers.running))
    midway: PathsVerdict | None = None
    shown = progressed = started
    progress = 0
    while True:
        await asyncio.sleep(0.5)
        if writing.done():
            await writing  # an action that hit a server error
        written = await count_events(url) - before
        if written > progress:
            progress, progressed = written, time.monotonic()
        elif time.monotonic() - progressed > 60:
            raise AssertionError(f"seed {seed}: no event for 60 s; refused: {world.refused}")
        if time.monotonic() - shown > 10:
            shown = time.monotonic()
            print(f"{written} events after {shown - started:.0f} s", flush=True)
        if midway is None and written >= LEAKS.events // 2:
            await writers.pause()
            midway = await check_paths(await world.state(url), sessions, rng, items_per_user=4, quick=True)
            writers.resume()
            progressed = time.monotonic()
        if written >= LEAKS.events:
            break
    writers.stop()
    await writing
    reconnects = await churning
    await asyncio.gather(*comebacks)
    elapsed = time.monotonic() - started
    written = await count_events(url) - before
    for client in clients:  # every colleague follows what it may now, for the end's judgement
        await client.follow_all()

    verdict = await judge(url, clients, starts)
    state = await world.state(url)
    paths = await check_paths(state, sessions, rng, items_per_user=LEAKS.items_checked_per_user)
    assert midway is not None
    figures = _figures(world, verdict, paths, midway, written, elapsed, reconnects, seed)
    report("9-zero-leaks", **figures)
    for line in verdict.context:
        print("leak:", line)
    for line in (midway.context + paths.context)[:20]:
        print("path leak:", line)

    assert verdict.leaked == [], f"seed {seed}: events leaked: {verdict.leaked[:20]}"
    assert verdict.stray == [], f"seed {seed}: events outside a subscription: {verdict.stray[:5]}"
    assert paths.leaks + midway.leaks == [], f"seed {seed}: paths leaked: {(paths.leaks + midway.leaks)[:20]}"
    assert paths.server_errors + midway.server_errors == []
    assert verdict.lost == [], f"seed {seed}: events lost: {verdict.lost[:20]}"
    assert (verdict.doubled, verdict.out_of_order) == (0, 0)
    # The run did what it is meant to: removals while connected, replays, and readable markers
    # found on every path, so the absence of forbidden ones means something.
    assert written >= LEAKS.events
    assert verdict.removed_live > 0
    assert verdict.replays > 0
    assert verdict.resumes_across_removal + verdict.refused_across_removal > 0
    assert all(paths.allowed_seen[kind] > 0 for kind in ("html", "json", "search", "file")), paths.allowed_seen
    for client in clients:
        await client.close()


def _figures(
    world: World,
    verdict: Judgement,
    paths: PathsVerdict,
    midway: PathsVerdict,
    written: int,
    elapsed: float,
    reconnects: int,
    seed: int,
) -> dict[str, Any]:
    by_visibility = {v.value: sum(1 for c in world.circles if c.visibility is v) for v in CircleVisibility}
    return {
        "scale": LEAKS.name,
        "seed": seed,
        "users": len(world.users),
        "circles_at_end": by_visibility,
        "events": written,
        "events_per_s": round(written / elapsed, 1),
        "actions": dict(world.done),
        "actions_refused": sum(world.refused.values()),
        "subscriptions": verdict.subscriptions,
        "refused_subscribes": verdict.refused,
        "reconnects": reconnects,
        "replays": verdict.replays,
        "replayed_events": verdict.replayed,
        "resumes_across_removal": verdict.resumes_across_removal,
        "resumes_refused": verdict.resumes_refused,
        "refused_across_removal": verdict.refused_across_removal,
        "ended_by_removal": verdict.removed_live,
        "events_received": verdict.received,
        "lost": len(verdict.lost),
        "leaked": len(verdict.leaked),
        "stray": len(verdict.stray),
        "doubled": verdict.doubled,
        "requests": dict(paths.requests + midway.requests),
        "path_leaks": len(paths.leaks) + len(midway.leaks),
        "allowed_markers_seen": dict(paths.allowed_seen),
        "seconds": round(elapsed, 1),
    }
