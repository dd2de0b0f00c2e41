"""Case 1, drop and resume: some clients' links are blackholed under a steady stream of posts,
then cut; they reconnect and resume with `since`. Judged by the oracle: 0 lost, 0 shown twice,
0 leaked, every resume `recovered: true`. Clients reach the two workers through the fault proxy.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import pytest
import websockets

from harness import Worker
from models import CircleVisibility
from tests.realtime.support import Colleague, Progress, Socket, database, seqs
from tests.support import add_member, make_circle, make_user
from tests.trust.oracle import Follower, compare, expected, wait_until_held
from tests.trust.proxy import FaultProxy
from tests.trust.report import report
from tests.trust.scale import SCALE

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]
USERS = 10
WRITERS = 4


async def open_via(proxy: FaultProxy, worker: Worker, cookie: str) -> Socket:
    """A browser's socket to `worker`, through the proxy."""
    connection = await websockets.connect(
        f"ws://127.0.0.1:{proxy.port}/ws",
        additional_headers={"Cookie": cookie, "Origin": worker.origin},
        open_timeout=60,
        max_size=None,
    )
    return Socket(connection)


def client_port(socket: Socket) -> int:
    return int(socket.connection.transport.get_extra_info("sockname")[1])


async def test_blackholed_clients_resume_with_nothing_lost_or_doubled(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        members = [await make_user(db) for _ in range(USERS)]
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
        for member in members[:WRITERS]:
            await add_member(db, owner, circle, member)
    workers = start_workers(
        url,
        2,
        KRING_LIMIT_SOCKETS_PER_USER=str(SCALE.clients),
        KRING_LIMIT_WS_QUEUE=str(max(1000, int(SCALE.posts_per_second * SCALE.blackhole_seconds * 2))),
        KRING_LIMIT_MESSAGES_PER_MINUTE="100000",
    )
    proxies = [await FaultProxy(worker.port).start() for worker in workers]
    topic = f"circle:{circle.id}"
    sessions = [await Colleague(workers[n % 2], member).sign_in() for n, member in enumerate(members)]

    clients: list[dict[str, Any]] = []
    for number in range(SCALE.clients):
        session = sessions[number % USERS]
        where = number % 2
        socket = await open_via(proxies[where], workers[where], session.cookie)
        answer = await socket.subscribe(topic)
        assert answer["type"] == "subscribed"
        clients.append({"session": session, "where": where, "sockets": [socket], "since": answer["seq"]})
    epoch = answer["epoch"]

    stop = asyncio.Event()
    written = itertools.count()
    failures: list[int] = []
    posted = Progress()

    async def write(writer: Colleague) -> None:
        interval = WRITERS / SCALE.posts_per_second
        next_at = time.monotonic()
        while not stop.is_set():
            response = await writer.write("POST", f"/api/v1/circles/{circle.id}/posts", {"body": f"n{next(written)}"})
            if response.status_code != 201:
                failures.append(response.status_code)
            posted.step()
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    writing = [asyncio.create_task(write(sessions[n])) for n in range(WRITERS)]
    started = time.monotonic()
    await posted.more(int(SCALE.posts_per_second * 2))

    dropped = clients[: SCALE.blackholed]
    for client in dropped:
        socket = client["sockets"][0]
        proxies[client["where"]].link_of(client_port(socket)).blackhole()
    # As many posts as the blackhole's seconds hold at full pace: fewer seconds' worth on a
    # busy machine would leave less to replay than the assertion below expects.
    blackholed_at = time.monotonic()
    await posted.more(int(SCALE.posts_per_second * SCALE.blackhole_seconds), timeout=300)
    blackhole_seconds = time.monotonic() - blackholed_at
    for client in dropped:
        socket = client["sockets"][0]
        proxies[client["where"]].link_of(client_port(socket)).cut()  # the browser gives up the link

    resumes = []
    for client in dropped:
        old: Socket = client["sockets"][0]
        await old.wait_closed()
        last = old.events(topic)[-1]["seq"] if old.events(topic) else client["since"]
        where = 1 - client["where"]  # the reconnect lands on the other worker
        again = await open_via(proxies[where], workers[where], client["session"].cookie)
        resumes.append(await again.subscribe(topic, since=last, epoch=epoch))
        client["sockets"].append(again)
    await posted.more(int(SCALE.posts_per_second * 2))
    stop.set()
    await asyncio.gather(*writing)
    elapsed = time.monotonic() - started
    assert failures == []
    # The last post: every client waits for it below (the oracle's last), so whatever the posts
    # before it would bring (a double) has come by then.
    final = await sessions[0].write("POST", f"/api/v1/circles/{circle.id}/posts", {"body": "tot slot"})
    assert final.status_code == 201

    verdicts = []
    async with database(url) as db:
        for client in clients:
            wanted = await expected(db, Follower(client["session"].user.id, topic, client["since"], member=False))
            await wait_until_held(client["sockets"], topic, wanted[-1])
            received = [seq for socket in client["sockets"] for seq in seqs(socket.events(topic))]
            verdicts.append(compare(wanted, received))

    total = next(written)
    lost = sum(len(v.lost) for v in verdicts)
    doubled = sum(len(v.doubled) for v in verdicts)
    leaked = sum(len(v.leaked) for v in verdicts)
    recovered = sum(1 for r in resumes if r.get("recovered") is True)
    # What the resumes replayed: the events the blackhole kept from the dropped clients.
    replayed = sum(
        sum(1 for seq in seqs(client["sockets"][1].events(topic)) if seq <= resume["seq"])
        for client, resume in zip(dropped, resumes, strict=True)
    )
    report(
        "1-drop-and-resume",
        scale=SCALE.name,
        clients=SCALE.clients,
        blackholed=SCALE.blackholed,
        blackhole_s=round(blackhole_seconds, 1),
        posts=total,
        posts_per_s=round(total / elapsed, 1),
        delivered=sum(v.received for v in verdicts),
        lost=lost,
        doubled=doubled,
        leaked=leaked,
        resumes_recovered=f"{recovered}/{len(resumes)}",
        replayed_on_resume=replayed,
    )
    assert replayed >= len(dropped) * SCALE.posts_per_second  # the blackhole really kept events back
    assert [r.get("recovered") for r in resumes] == [True] * len(resumes)
    assert (lost, doubled, leaked) == (0, 0, 0)
    assert all(v.clean for v in verdicts)
    for client in clients:
        for socket in client["sockets"]:
            await socket.close()
    for session in sessions:
        await session.close()
    for proxy in proxies:
        await proxy.close()
