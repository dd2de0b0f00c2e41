"""Realtime delivery with real uvicorn workers on real Redis: order, exactly-once, resume."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket as sockets
from collections.abc import Callable

import pytest
import websockets

from harness import Worker
from models import CircleVisibility
from services import circles, events, posts
from tests.realtime.support import Colleague, Socket, database, seqs
from tests.support import add_member, make_circle, make_user

StartWorkers = Callable[..., list[Worker]]


async def open_unread_socket(worker: Worker, cookie: str) -> websockets.ClientConnection:
    """A client that reads nothing: websockets stops reading the socket once its queue of one
    frame is full, and the small receive window makes the server's buffers fill soon after."""
    raw = sockets.socket()
    raw.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, 4096)  # before connect: a small window
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", worker.port))
    return await websockets.connect(
        worker.ws_url, sock=raw, additional_headers={"Cookie": cookie, "Origin": worker.origin}, max_queue=1
    )


async def test_a_client_on_one_worker_gets_what_another_worker_commits(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db, "Olga Owner")
        watcher = await make_user(db, "Wim Watcher")
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    a, b = start_workers(url, 2)
    topic = f"circle:{circle.id}"

    watching = await Colleague(a, watcher).sign_in()
    socket = await Socket.open(a, cookie=watching.cookie)
    subscribed = await socket.subscribe(topic)
    assert subscribed["type"] == "subscribed"
    assert subscribed["seq"] == 0

    writer = await Colleague(b, owner).sign_in()
    for number in range(30):
        response = await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"versie {number}"})
        assert response.status_code == 200
    await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "de laatste"})
    await socket.wait_seq(topic, 31)
    received = socket.events(topic)
    assert seqs(received) == list(range(1, 32))
    assert [f["data"]["description"] for f in received] == [*(f"versie {n}" for n in range(30)), "de laatste"]
    assert received[0]["kind"] == "circle.updated"
    await socket.close()
    await watching.close()
    await writer.close()


@pytest.mark.trust
@pytest.mark.parametrize("rt_backend", ["postgresql", "sqlite"])
async def test_sixteen_writers_in_five_circles_leave_no_gap_for_any_subscriber(
    rt_backend: str, fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        writers = [await make_user(db) for _ in range(16)]
        listeners = [await make_user(db) for _ in range(4)]
        rooms = [await make_circle(db, owner, CircleVisibility.OPEN) for _ in range(5)]
    workers = start_workers(url, 2)
    topics = [f"circle:{room.id}" for room in rooms]

    sockets = []
    for number, listener in enumerate(listeners):
        colleague = await Colleague(workers[number % 2], listener).sign_in()
        socket = await Socket.open(workers[number % 2], cookie=colleague.cookie)
        await colleague.close()
        for topic in topics:
            assert (await socket.subscribe(topic))["type"] == "subscribed"
        sockets.append(socket)

    rounds = 3

    async def write(number: int) -> None:
        colleague = await Colleague(workers[number % 2], writers[number]).sign_in()
        for round_ in range(rounds):
            room = rooms[(number + round_) % 5]
            assert (await colleague.write("POST", f"/api/v1/circles/{room.id}/join", {})).status_code == 200
            assert (await colleague.write("POST", f"/api/v1/circles/{room.id}/leave")).status_code == 200
        await colleague.close()

    await asyncio.gather(*(write(n) for n in range(16)))
    async with database(url) as db:
        heads = {topic: await events.head(db, topic) for topic in topics}
    assert sum(heads.values()) == 16 * rounds * 2
    admin = await Colleague(workers[0], owner).sign_in()
    for room in rooms:  # the last change of each circle
        assert (await admin.write("PATCH", f"/api/v1/circles/{room.id}", {"description": "klaar"})).status_code == 200
    for socket in sockets:
        for topic in topics:
            await socket.wait_seq(topic, heads[topic] + 1)
            assert seqs(socket.events(topic)) == list(range(1, heads[topic] + 2))
        await socket.close()
    await admin.close()


async def test_resuming_with_since_gets_exactly_the_missed_events_then_live_ones(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        reader = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    a, b = start_workers(url, 2)
    topic = f"circle:{circle.id}"
    writer = await Colleague(b, owner).sign_in()
    reading = await Colleague(a, reader).sign_in()

    socket = await Socket.open(a, cookie=reading.cookie)
    first = await socket.subscribe(topic)
    await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "voor"})
    seen = await socket.wait_events(topic, 1)
    await socket.close()

    for number in range(100):
        await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"gemist {number}"})

    again = await Socket.open(b, cookie=reading.cookie)  # the other worker, as after a reconnect
    resumed = await again.subscribe(topic, since=seen[-1]["seq"], epoch=first["epoch"])
    assert resumed["recovered"] is True
    assert resumed["seq"] == 101
    missed = await again.wait_events(topic, 100)
    assert seqs(missed) == list(range(2, 102))
    assert again.frames.index(resumed) < again.frames.index(missed[0])
    await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "live"})
    live = await again.wait_events(topic, 101)
    assert seqs(live) == list(range(2, 103))
    assert live[-1]["data"]["description"] == "live"
    await again.close()
    await writer.close()
    await reading.close()


@pytest.mark.trust
@pytest.mark.parametrize("written_while_away", [True, False], ids=["post-while-away", "nothing-in-between"])
async def test_a_resume_across_leaving_and_rejoining_a_closed_circle_reloads_rather_than_skips(
    written_while_away: bool, fresh_database: str, start_workers: StartWorkers
) -> None:
    """Found by case 7: with a post written while the member was away, the replay left it out and
    went on with `recovered: true`, so the tab could never show it; with nothing written in
    between (found in CI), the replay ended at the `member.left` as live delivery does, and the tab
    showed the circle gone while its colleague was a member again. Both reload instead."""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        member = await make_user(db)
        closed = await make_circle(db, owner, CircleVisibility.CLOSED)
        await add_member(db, owner, closed, member)
    a, b = start_workers(url, 2)
    topic = f"circle:{closed.id}"
    admin = await Colleague(b, owner).sign_in()
    away = await Colleague(a, member).sign_in()
    socket = await Socket.open(a, cookie=away.cookie)
    first = await socket.subscribe(topic)
    await socket.close()

    assert (await away.write("POST", f"/api/v1/circles/{closed.id}/leave")).status_code == 200
    if written_while_away:
        written = await admin.write("POST", f"/api/v1/circles/{closed.id}/posts", {"body": "Terwijl je weg was"})
        assert written.status_code == 201
    invited = await admin.write("POST", f"/api/v1/circles/{closed.id}/invitations", {"user_id": member.id})
    assert invited.status_code == 201
    assert (await away.write("POST", f"/api/v1/circles/{closed.id}/join", {})).status_code == 200
    if written_while_away:
        feed = await away.http.get("/api/v1/feed", params={"filter": "circle", "circle_id": closed.id})
        assert [item["id"] for item in feed.json()["items"]] == [written.json()["id"]]  # theirs to read now

    again = await Socket.open(b, cookie=away.cookie)
    resumed = await again.subscribe(topic, since=first["seq"], epoch=first["epoch"])
    assert resumed["recovered"] is False  # reload
    await admin.write("POST", f"/api/v1/circles/{closed.id}/posts", {"body": "Welkom terug"})
    [live] = await again.wait_events(topic, 1)  # still following: nothing ended the subscription
    assert (live["kind"], live["seq"]) == ("post.created", resumed["seq"] + 1)
    for closable in (again, admin, away):
        await closable.close()


@pytest.mark.trust
@pytest.mark.parametrize("rt_backend", ["sqlite"])
async def test_resume_outside_the_window_is_refused_without_any_event(
    rt_backend: str, fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
        assert circle.id is not None
        for number in range(150):
            await circles.update_circle(db, owner, circle.id, description=f"v{number}")
    (worker,) = start_workers(url, 1, KRING_REALTIME_HISTORY_EVENTS="100")
    topic = f"circle:{circle.id}"
    colleague = await Colleague(worker, owner).sign_in()
    socket = await Socket.open(worker, cookie=colleague.cookie)
    fresh = await socket.subscribe(topic)
    epoch = fresh["epoch"]

    head = 150
    # Too old for the history of 100, from another epoch, ahead of the head (None: head + 1).
    for given_since, given_epoch in ((10, epoch), (40, "another-epoch"), (None, epoch)):
        since = head + 1 if given_since is None else given_since
        start = len(socket.frames)
        answer = await socket.subscribe(topic, since=since, epoch=given_epoch)
        assert answer["type"] == "subscribed"
        assert answer["recovered"] is False, (since, given_epoch)
        assert answer["seq"] == head
        # The next change is the first event after the refusal: nothing was replayed before it.
        await colleague.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"na {since}"})
        head += 1
        await socket.wait_seq(topic, head)
        assert seqs([f for f in socket.frames[start:] if f["type"] == "event"]) == [head]
    start = len(socket.frames)
    inside = await socket.subscribe(topic, since=140, epoch=epoch)
    assert inside["recovered"] is True
    await socket.wait_seq(topic, head, start=start)
    assert seqs([f for f in socket.frames[start:] if f["type"] == "event"]) == list(range(141, head + 1))
    await socket.close()
    await colleague.close()


@pytest.mark.trust
async def test_an_event_whose_publish_was_lost_still_arrives(fresh_database: str, start_workers: StartWorkers) -> None:
    """The test process commits without publishing, as a worker dying right after its commit
    would: the hubs find the events in the log."""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1)
    topic = f"circle:{circle.id}"
    colleague = await Colleague(worker, owner).sign_in()
    socket = await Socket.open(worker, cookie=colleague.cookie)
    await socket.subscribe(topic)

    async with database(url) as db:
        assert circle.id is not None
        for number in range(3):
            await circles.update_circle(db, owner, circle.id, description=f"stil {number}")
    lost = await socket.wait_events(topic, 3)
    assert seqs(lost) == [1, 2, 3]
    # and the fast path still works after the fill, without doubles
    await colleague.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "hard"})
    assert seqs(await socket.wait_events(topic, 4)) == [1, 2, 3, 4]
    await socket.close()
    await colleague.close()


@pytest.mark.trust
async def test_killed_worker_clients_resume_on_the_other_with_nothing_lost(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        readers = [await make_user(db) for _ in range(5)]
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    a, b = start_workers(url, 2)
    topic = f"circle:{circle.id}"
    writer = await Colleague(b, owner).sign_in()
    sessions = [await Colleague(b, reader).sign_in() for reader in readers]
    sockets = [await Socket.open(a, cookie=s.cookie) for s in sessions]
    epochs = [(await socket.subscribe(topic))["epoch"] for socket in sockets]

    counter = itertools.count()
    stop = asyncio.Event()

    async def keep_writing() -> None:
        while not stop.is_set():
            await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"n{next(counter)}"})
            await asyncio.sleep(0.02)

    writing = asyncio.create_task(keep_writing())
    for socket in sockets:  # the changes are flowing
        await socket.wait_events(topic, 3)
    a.kill()
    for socket in sockets:
        assert await socket.wait_closed() == 1006
    async with database(url) as db:  # and go on while the clients are away
        away_from = await events.head(db, topic)
        while await events.head(db, topic) < away_from + 3:
            await asyncio.sleep(0.05)
    resumed = []
    for socket, session, epoch in zip(sockets, sessions, epochs, strict=True):
        last = socket.events(topic)[-1]["seq"] if socket.events(topic) else 0
        again = await Socket.open(b, cookie=session.cookie)
        answer = await again.subscribe(topic, since=last, epoch=epoch)
        assert answer["recovered"] is True
        resumed.append((socket, again, answer["seq"]))
    for _, again, head in resumed:  # and live ones come after the replay
        await again.wait_seq(topic, head + 3)
    stop.set()
    await writing
    async with database(url) as db:
        head = await events.head(db, topic)
    for before, after, _ in resumed:
        await after.wait_events(topic, head - len(before.events(topic)))
        combined = seqs(before.events(topic)) + seqs(after.events(topic))
        assert combined == list(range(1, head + 1))
        await after.close()
        await before.close()
    for session in sessions:
        await session.close()
    await writer.close()


async def test_a_page_resumes_from_the_head_it_was_rendered_with(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    """What happens between rendering a page and its socket subscribing is neither missed nor
    doubled: the page carries each topic's head, and the socket resumes from it."""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        reader = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1)
    topic = f"circle:{circle.id}"
    admin = await Colleague(worker, owner).sign_in()
    await admin.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "voor het laden"})
    reading = await Colleague(worker, reader).sign_in()

    html = (await reading.http.get(f"/circles/{circle.id}")).text
    marker = '<script type="application/json" id="kring-realtime">'
    config = json.loads(html.split(marker, 1)[1].split("</script>", 1)[0])
    assert config["topics"][topic] == 1
    assert config["topics"][f"user:{reader.id}"] == 0
    assert "voor het laden" in html

    await admin.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "tussen laden en verbinden"})
    socket = await Socket.open(worker, cookie=reading.cookie)
    answer = await socket.subscribe(topic, since=config["topics"][topic], epoch=config["epoch"])
    assert answer["recovered"] is True
    await admin.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "na het verbinden"})
    await socket.wait_seq(topic, 3)
    received = socket.events(topic)
    assert [e["data"]["description"] for e in received] == ["tussen laden en verbinden", "na het verbinden"]
    assert seqs(received) == [2, 3]
    for closable in (socket, admin, reading):
        await closable.close()


@pytest.mark.trust
@pytest.mark.parametrize("rt_backend", ["sqlite"])
async def test_a_replay_larger_than_the_send_queue_is_paced_with_live_events_after_it(
    rt_backend: str, fresh_database: str, start_workers: StartWorkers
) -> None:
    """300 missed events into a queue of 50: the replay goes in as the socket drains, while
    live events are held and follow it, with no gap and nothing twice. (Refusing it instead
    would leave a client closed as too slow, a queue behind by definition, unable to resume.)"""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
        assert circle.id is not None
        for number in range(300):
            await circles.update_circle(db, owner, circle.id, description=f"v{number}")
    # Fewer live events than the queue takes: however the replay and the writer interleave on a
    # loaded machine, a client that reads is never too slow here.
    (worker,) = start_workers(url, 1, KRING_LIMIT_WS_QUEUE="50")
    topic = f"circle:{circle.id}"
    colleague = await Colleague(worker, owner).sign_in()
    socket = await Socket.open(worker, cookie=colleague.cookie)
    epoch = (await socket.subscribe(topic))["epoch"]

    async def write_live() -> None:
        for number in range(40):
            response = await colleague.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"live {number}"})
            assert response.status_code == 200

    writing = asyncio.create_task(write_live())
    resumed = await socket.subscribe(topic, since=0, epoch=epoch)
    await writing
    assert resumed["recovered"] is True
    assert resumed["seq"] >= 300
    await colleague.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "de laatste"})
    await socket.wait_seq(topic, 341)
    received = socket.events(topic)
    assert seqs(received) == list(range(1, 342))
    assert [e["data"]["description"] for e in received[-2:]] == ["live 39", "de laatste"]
    assert socket.frames.index(resumed) < socket.frames.index(received[0])
    assert socket.closed_with is None
    metrics = (await colleague.http.get("/metrics")).text
    assert "kring_events_replayed_total 300.0" in metrics
    assert "kring_slow_clients_closed_total 0.0" in metrics
    await socket.close()
    await colleague.close()


@pytest.mark.trust
@pytest.mark.parametrize("rt_backend", ["sqlite"])
async def test_a_client_that_stops_reading_during_its_replay_is_closed_as_too_slow(
    rt_backend: str, fresh_database: str, start_workers: StartWorkers
) -> None:
    """A paced replay waits for the socket to drain; a socket that never drains while live events
    keep coming is closed with 4008 once more are held than its queue takes, not kept forever."""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        sleeper = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
        assert circle.id is not None
        # About 4 MB of history: more than the kernel buffers of a socket that reads nothing.
        for number in range(200):
            await posts.create_post(db, owner, circle.id, body=f"{number} " + "x" * 19_000)
    (worker,) = start_workers(url, 1, KRING_LIMIT_WS_QUEUE="10")
    topic = f"circle:{circle.id}"
    writer = await Colleague(worker, owner).sign_in()
    sleeping = await Colleague(worker, sleeper).sign_in()
    stuck = await open_unread_socket(worker, sleeping.cookie)
    await stuck.send(json.dumps({"op": "subscribe", "topic": topic, "since": 0}))

    async def slow_closed() -> str:
        return (await writer.http.get("/metrics")).text

    await asyncio.sleep(1)  # the replay fills the buffers and waits for room
    assert "kring_slow_clients_closed_total 0.0" in await slow_closed()
    for number in range(12):  # one more than the queue: held for the stuck replay
        response = await writer.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": f"live {number}"})
        assert response.status_code == 200
    async with asyncio.timeout(60):
        while "kring_slow_clients_closed_total 1.0" not in await slow_closed():
            await asyncio.sleep(0.1)
    frames = []
    with contextlib.suppress(websockets.ConnectionClosed):
        async with asyncio.timeout(60):
            async for message in stuck:
                frames.append(json.loads(message))
    stuck.transport.abort()
    assert stuck.close_code == 4008
    replayed = [f["seq"] for f in frames if f["type"] == "event"]
    assert next(f for f in frames if f["type"] == "subscribed")["recovered"] is True
    assert replayed == list(range(1, len(replayed) + 1))  # what got through was in order
    assert len(replayed) < 200
    await writer.close()
    await sleeping.close()
