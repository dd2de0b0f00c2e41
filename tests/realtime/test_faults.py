"""Realtime under faults: Redis restarted or frozen, slow clients, restarts."""

from __future__ import annotations

import asyncio
import itertools
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import websockets

from harness import RedisProcess, Worker
from models import CircleVisibility
from services import events
from tests.realtime.support import Colleague, Progress, Socket, database, seqs
from tests.support import make_circle, make_user

pytestmark = pytest.mark.trust  # see docs/reliability.md

StartWorkers = Callable[..., list[Worker]]


async def test_redis_restart_while_posting_loses_nothing_and_needs_no_reconnect(
    fresh_database: str, start_workers: StartWorkers, tmp_path: Path
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        url = fresh_database
        async with database(url) as db:
            owner = await make_user(db)
            reader = await make_user(db)
            circle = await make_circle(db, owner, CircleVisibility.OPEN)
        a, b = start_workers(url, 2, redis_url=redis.url)
        topic = f"circle:{circle.id}"
        writer = await Colleague(b, owner).sign_in()
        reading = await Colleague(a, reader).sign_in()
        listener = await Socket.open(a, cookie=reading.cookie)
        await listener.subscribe(topic)

        counter = itertools.count()
        stop = asyncio.Event()
        failures: list[int] = []
        posted = Progress()

        async def keep_posting() -> None:
            while not stop.is_set():
                response = await writer.write(
                    "PATCH", f"/api/v1/circles/{circle.id}", {"description": f"{next(counter)}"}
                )
                if response.status_code != 200:
                    failures.append(response.status_code)
                posted.step()
                await asyncio.sleep(0.02)

        posting = asyncio.create_task(keep_posting())
        await posted.more(5)
        redis.stop()
        async with asyncio.timeout(60):
            while (not_ready := await reading.http.get("/readyz")).status_code == 200:
                await asyncio.sleep(0.25)
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["redis"].startswith("error")
        await posted.more(10)  # posts go on: the database commit is the acknowledgement
        redis.start()
        await posted.more(10)
        stop.set()
        await posting
        assert failures == []

        async with database(url) as db:
            head = await events.head(db, topic)
        assert head > 20
        received = await listener.wait_events(topic, head)
        assert seqs(received) == list(range(1, head + 1))
        assert listener.closed_with is None  # the same socket throughout
        async with asyncio.timeout(60):  # the subscriber reconnects with backoff (at most 5 s apart)
            while (ready := await reading.http.get("/readyz")).status_code != 200:
                await asyncio.sleep(0.25)
        assert ready.json()["checks"]["redis"] == "ok"
        await listener.close()
        await writer.close()
        await reading.close()
    finally:
        redis.stop()


async def test_frozen_redis_is_reported_and_recovered_from(
    fresh_database: str, start_workers: StartWorkers, tmp_path: Path
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        url = fresh_database
        async with database(url) as db:
            owner = await make_user(db)
            circle = await make_circle(db, owner, CircleVisibility.OPEN)
        (worker,) = start_workers(url, 1, redis_url=redis.url)
        topic = f"circle:{circle.id}"
        colleague = await Colleague(worker, owner).sign_in()
        listener = await Socket.open(worker, cookie=colleague.cookie)
        await listener.subscribe(topic)

        redis.freeze()
        for number in range(3):  # commits succeed while Redis is frozen
            response = await colleague.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"ijs {number}"})
            assert response.status_code == 200
        async with asyncio.timeout(10):  # detected within 10 s
            while (await colleague.http.get("/readyz")).status_code == 200:
                await asyncio.sleep(0.25)
        redis.thaw()
        received = await listener.wait_events(topic, 3)
        assert seqs(received) == [1, 2, 3]
        await listener.close()
        await colleague.close()
    finally:
        redis.thaw()
        redis.stop()


async def test_a_client_that_stops_reading_is_closed_and_others_go_on(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        sleeper = await make_user(db)
        reader = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1, KRING_LIMIT_WS_QUEUE="10")
    topic = f"circle:{circle.id}"
    writer = await Colleague(worker, owner).sign_in()
    sleeping = await Colleague(worker, sleeper).sign_in()
    reading = await Colleague(worker, reader).sign_in()

    # A client that reads nothing: websockets stops reading the socket once its queue of 1 is
    # full, the TCP buffers fill, and the server's queue for it overflows.
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", worker.port))
    stuck = await websockets.connect(
        worker.ws_url,
        sock=raw,
        additional_headers={"Cookie": sleeping.cookie, "Origin": worker.url},
        max_queue=1,
    )
    await stuck.send(f'{{"op": "subscribe", "topic": "{topic}"}}')
    healthy = await Socket.open(worker, cookie=reading.cookie)
    await healthy.subscribe(topic)

    # Posts of 19,000 characters: the kernel's buffers fill after a few hundred frames, not thousands.
    big = "x" * 19_000
    total = 3000
    for number in range(total):
        response = await writer.write("POST", f"/api/v1/circles/{circle.id}/posts", {"body": f"{number} {big}"})
        assert response.status_code == 201
        if number % 5 == 0 and (await writer.http.get("/metrics")).text.count("kring_slow_clients_closed_total 1.0"):
            total = number + 1
            break
    # The client wakes up at once: the server gives its close frame, behind the full buffers, only
    # so long before it drops the connection (1006), and a busy machine is slow enough for that.
    try:
        async with asyncio.timeout(60):
            async for _ in stuck:
                pass
    except websockets.ConnectionClosed:
        pass
    stuck.transport.abort()
    # The close frame waited behind the full buffers until the client read again.
    assert stuck.close_code == 4008
    received = await healthy.wait_events(topic, total)
    assert seqs(received) == list(range(1, total + 1))
    metrics = (await reading.http.get("/metrics")).text
    assert "kring_slow_clients_closed_total 1.0" in metrics
    await healthy.close()
    for colleague in (writer, sleeping, reading):
        await colleague.close()


async def test_graceful_shutdown_closes_sockets_with_service_restart(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        user = await make_user(db)
    (worker,) = start_workers(url, 1)
    colleague = await Colleague(worker, user).sign_in()
    listener = await Socket.open(worker, cookie=colleague.cookie)
    await listener.send({"op": "ping"})
    await listener.wait_for(lambda f: f["type"] == "pong")
    assert worker.process is not None
    worker.process.send_signal(signal.SIGTERM)
    assert await listener.wait_closed() == 1012
    await colleague.close()
