"""Case 3, a worker killed with SIGKILL while clients follow it and writes are in flight through
it: its clients resume on the other worker with nothing lost; each write that got no answer is
retried once on the other worker with its `client_id`, and every write is stored exactly once."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from harness import Worker
from models import CircleVisibility, Post
from tests.realtime.support import Colleague, Progress, Socket, database, seqs
from tests.support import add_member, make_circle, make_user
from tests.trust.oracle import Follower, compare, expected, wait_until_held
from tests.trust.report import report

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]


async def test_a_killed_worker_loses_no_event_and_stores_every_write_once(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        authors = [await make_user(db) for _ in range(4)]
        readers = [await make_user(db) for _ in range(6)]
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
        for author in authors:
            await add_member(db, owner, circle, author)
    doomed, survivor = start_workers(url, 2)
    topic = f"circle:{circle.id}"
    sessions = [await Colleague(doomed if n % 2 else survivor, r).sign_in() for n, r in enumerate(readers)]
    clients = []
    for session in sessions:
        socket = await Socket.open(session.worker, cookie=session.cookie)
        answer = await socket.subscribe(topic)
        clients.append({"session": session, "sockets": [socket], "since": answer["seq"], "epoch": answer["epoch"]})

    ids = itertools.count()
    stop = asyncio.Event()
    outcomes: dict[str, str] = {}  # client_id -> "stored" | "retried" | "failed twice"
    written = Progress()

    async def write(author_session: Colleague, fallback: Colleague) -> None:
        while not stop.is_set():
            client_id = f"w{next(ids)}"
            body = {"body": client_id, "client_id": client_id}
            try:
                response = await author_session.write("POST", f"/api/v1/circles/{circle.id}/posts", body)
                outcomes[client_id] = "stored" if response.status_code == 201 else f"status {response.status_code}"
            except httpx.TransportError:
                # No answer: it may or may not be stored. Retry once, on the other worker.
                retry = await fallback.write("POST", f"/api/v1/circles/{circle.id}/posts", body)
                outcomes[client_id] = "retried" if retry.status_code == 201 else "failed twice"
                author_session = fallback
            written.step()
            await asyncio.sleep(0.05)

    pairs = [(await Colleague(doomed, a).sign_in(), await Colleague(survivor, a).sign_in()) for a in authors]
    writing = [asyncio.create_task(write(first, second)) for first, second in pairs]
    await written.more(20)
    doomed.kill()
    await written.more(10)  # the writes go on, retried on the survivor

    recovered = []
    for client in clients:
        old: Socket = client["sockets"][0]
        if client["session"].worker is not doomed:
            continue
        assert await old.wait_closed() == 1006
        last = old.events(topic)[-1]["seq"] if old.events(topic) else client["since"]
        again = await Socket.open(survivor, cookie=client["session"].cookie)
        recovered.append((await again.subscribe(topic, since=last, epoch=client["epoch"]))["recovered"])
        client["sockets"].append(again)
    await written.more(10)
    stop.set()
    await asyncio.gather(*writing)

    assert set(outcomes.values()) <= {"stored", "retried"}, outcomes
    async with database(url) as db:
        counts = dict(
            (
                await db.exec(
                    select(Post.client_id, func.count())
                    .where(col(Post.client_id).is_not(None))
                    .group_by(col(Post.client_id))
                )
            ).all()  # type: ignore[call-overload]
        )
        assert set(counts) == set(outcomes)
        assert set(counts.values()) == {1}  # stored exactly once, retried or not
        verdicts = []
        for client in clients:
            wanted = await expected(db, Follower(client["session"].user.id or 0, topic, client["since"], member=False))
            await wait_until_held(client["sockets"], topic, wanted[-1])
            verdicts.append(compare(wanted, [seq for s in client["sockets"] for seq in seqs(s.events(topic))]))
    report(
        "3-worker-killed",
        writes=len(outcomes),
        retried=sum(1 for o in outcomes.values() if o == "retried"),
        stored_twice=sum(1 for n in counts.values() if n > 1),
        clients_resumed=len(recovered),
        lost=sum(len(v.lost) for v in verdicts),
        doubled=sum(len(v.doubled) for v in verdicts),
    )
    assert recovered == [True] * 3
    assert all(v.clean for v in verdicts), verdicts
    for client in clients:
        for socket in client["sockets"]:
            await socket.close()
    for closable in (*sessions, *(c for pair in pairs for c in pair)):
        await closable.close()
