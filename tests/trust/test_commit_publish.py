"""Case 5, a crash between commit and publish (the fault hooks of `tests/trust/faulty_server.py`):
every committed event still reaches every eligible client, on the surviving worker and after a
resume, once and in order; a change rolled back after recording its event is never announced."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import httpx
import pytest

from harness import Worker
from models import CircleVisibility
from services import events
from tests.realtime.support import Colleague, Socket, database, seqs
from tests.support import make_circle, make_user
from tests.trust.faulty_server import CRASH_AFTER_COMMIT, FAIL_AFTER_RECORD
from tests.trust.report import report

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]
FAULTY = [sys.executable, "-m", "tests.trust.faulty_server"]


async def test_a_worker_dying_between_commit_and_publish_loses_no_event(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        readers = [await make_user(db) for _ in range(3)]
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (faulty,) = start_workers(url, 1, command=FAULTY)
    (healthy,) = start_workers(url, 1)
    topic = f"circle:{circle.id}"
    writer = await Colleague(faulty, owner).sign_in()
    sessions = [await Colleague(healthy, reader).sign_in() for reader in readers]
    on_healthy = [await Socket.open(healthy, cookie=s.cookie) for s in sessions[:2]]
    on_faulty = await Socket.open(faulty, cookie=sessions[2].cookie)
    subscribed = [await socket.subscribe(topic) for socket in [*on_healthy, on_faulty]]
    head = subscribed[0]["seq"]

    for number in range(3):
        response = await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"gewoon {number}"})
        assert response.status_code == 200
    for socket in [*on_healthy, on_faulty]:
        await socket.wait_events(topic, 3)

    crashed_at = time.monotonic()
    with pytest.raises(httpx.TransportError):  # the worker dies before it can answer
        await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": CRASH_AFTER_COMMIT})
    assert faulty.process is not None
    assert faulty.process.wait(timeout=60) == 137
    async with database(url) as db:
        assert await events.head(db, topic) == head + 4  # committed, never published

    # The surviving worker's head check finds it in the log.
    delays = []
    for socket in on_healthy:
        received = await socket.wait_events(topic, 4)
        delays.append(socket.received_at[socket.frames.index(received[-1])] - crashed_at)
        assert received[-1]["data"]["description"] == CRASH_AFTER_COMMIT
    # The client of the dead worker resumes on the other and gets it too.
    assert await on_faulty.wait_closed() == 1006
    resumed = await Socket.open(healthy, cookie=sessions[2].cookie)
    answer = await resumed.subscribe(topic, since=on_faulty.events(topic)[-1]["seq"], epoch=subscribed[2]["epoch"])
    assert answer["recovered"] is True
    await resumed.wait_events(topic, 1)

    # The last change, through the surviving worker: whatever the crash would bring twice (the
    # head check's find and a late publish) has come before it.
    survivor = await Colleague(healthy, owner).sign_in()
    await survivor.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "tot slot"})
    for socket in [*on_healthy, resumed]:
        await socket.wait_seq(topic, head + 5)
    for socket in on_healthy:
        assert seqs(socket.events(topic)) == list(range(head + 1, head + 6))
    assert seqs(on_faulty.events(topic) + resumed.events(topic)) == list(range(head + 1, head + 6))
    report("5-crash-after-commit", clients=3, max_delivery_after_crash_ms=round(max(delays) * 1000))
    for closable in (*on_healthy, on_faulty, resumed, writer, survivor, *sessions):
        await closable.close()


async def test_a_change_rolled_back_after_recording_its_event_is_never_announced(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        reader = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    a, b = start_workers(url, 1, command=FAULTY)[0], start_workers(url, 1)[0]
    topic = f"circle:{circle.id}"
    writer = await Colleague(a, owner).sign_in()
    reading = await Colleague(b, reader).sign_in()
    listeners = [await Socket.open(worker, cookie=reading.cookie) for worker in (a, b)]
    head = next(iter([await socket.subscribe(topic) for socket in listeners]))["seq"]

    failed = await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": FAIL_AFTER_RECORD})
    assert failed.status_code == 422
    after = await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "daarna"})
    assert after.status_code == 200

    for socket in listeners:
        received = await socket.wait_events(topic, 1)
        assert [(e["seq"], e["data"]["description"]) for e in received] == [(head + 1, "daarna")]
    # One change more, through the healthy worker: what was rolled back, had it been published
    # or found in the log, would have come before it.
    checker = await Colleague(b, owner).sign_in()
    assert (
        await checker.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "tot slot"})
    ).status_code == 200
    for socket in listeners:
        await socket.wait_seq(topic, head + 2)
        assert [e["data"]["description"] for e in socket.events(topic)] == ["daarna", "tot slot"]
    async with database(url) as db:
        assert await events.head(db, topic) == head + 2
        stored = await events.list_since(db, topic, head)
    assert [e.data["description"] for e in stored.events] == ["daarna", "tot slot"]
    current = (await reading.http.get(f"/api/v1/circles/{circle.id}")).json()
    assert current["description"] == "tot slot"
    for closable in (*listeners, writer, reading, checker):
        await closable.close()
