"""Presence across two workers: on, away, off, and off when a worker dies."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from harness import Worker
from realtime.hub import PRESENCE_HOLD
from realtime.presence import HeldPresence
from tests.realtime.support import Colleague, Socket, database
from tests.support import make_user

StartWorkers = Callable[..., list[Worker]]


def presence_of(user_id: int, state: str | None = None) -> Callable[[dict[str, object]], bool]:
    """A `presence` frame that says something of `user_id` (and that it is `state`)."""

    def check(frame: dict[str, object]) -> bool:
        data = frame.get("data")
        if frame.get("kind") != "presence" or not isinstance(data, dict):
            return False
        told = data.get("states", {}).get(str(user_id))
        return told is not None and (state is None or told == state)

    return check


def state_in(frame: dict[str, object], user_id: int) -> str:
    data = frame["data"]
    assert isinstance(data, dict)
    return str(data["states"][str(user_id)])


async def test_presence_follows_sockets_across_workers_and_a_killed_worker_goes_offline(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        anna = await make_user(db)
        bert = await make_user(db)
    a, b = start_workers(url, 2, KRING_REALTIME_PRESENCE_SECONDS="0.5", KRING_REALTIME_PRESENCE_TTL_SECONDS="3")
    anna_session = await Colleague(a, anna).sign_in()
    bert_session = await Colleague(b, bert).sign_in()
    watcher = await Socket.open(b, cookie=bert_session.cookie)

    async def state_on_b() -> str:
        states = (await bert_session.http.get(f"/api/v1/presence?user_id={anna.id}")).json()["states"]
        return str(states[str(anna.id)])

    assert await state_on_b() == "offline"
    anna_socket = await Socket.open(a, cookie=anna_session.cookie)
    online = await watcher.wait_for(presence_of(anna.id or 0))
    assert state_in(online, anna.id or 0) == "active"
    assert await state_on_b() == "active"

    start = len(watcher.frames)
    await anna_socket.send({"op": "presence", "state": "away"})
    away = await watcher.wait_for(presence_of(anna.id or 0), start=start)
    assert state_in(away, anna.id or 0) == "away"

    start = len(watcher.frames)
    await anna_socket.close()
    gone = await watcher.wait_for(presence_of(anna.id or 0), start=start)
    assert state_in(gone, anna.id or 0) == "offline"

    back = await Socket.open(a, cookie=anna_session.cookie)
    start = len(watcher.frames)
    await watcher.wait_for(presence_of(anna.id or 0, "active"), start=start)
    a.kill()  # no goodbye: only the expiry can take her offline
    start = len(watcher.frames)
    expired = await watcher.wait_for(presence_of(anna.id or 0), start=start)
    assert state_in(expired, anna.id or 0) == "offline"
    await back.close()
    await watcher.close()
    await anna_session.close()
    await bert_session.close()


async def test_colleagues_coming_online_together_are_told_in_a_few_frames(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    """A frame per colleague to every socket would cost n² frames when an organisation signs in
    at once; each round of presence carries every change in one frame instead."""
    url = fresh_database
    async with database(url) as db:
        watcher_user = await make_user(db)
        others = [await make_user(db) for _ in range(24)]
    (worker,) = start_workers(url, 1)
    watcher_session = await Colleague(worker, watcher_user).sign_in()
    watcher = await Socket.open(worker, cookie=watcher_session.cookie)
    sessions = [await Colleague(worker, user).sign_in() for user in others]
    start = len(watcher.frames)
    sockets = await asyncio.gather(*(Socket.open(worker, cookie=session.cookie) for session in sessions))
    for user in others:
        await watcher.wait_for(presence_of(user.id or 0, "active"), start=start)
    frames = [frame for frame in watcher.frames[start:] if frame.get("kind") == "presence"]
    told = {user_id for frame in frames for user_id in frame["data"]["states"]}
    assert told >= {str(user.id) for user in others}
    assert len(frames) < len(others)
    for socket in sockets:
        await socket.close()
    await watcher.close()
    for session in [watcher_session, *sessions]:
        await session.close()


async def test_a_tab_flipping_away_and_active_costs_others_one_frame_per_hold(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    """A tab switching between away and active every 60 ms for four seconds: the watcher on the
    other worker hears of it once per hold at most (it heard ~3.5 frames a second before), and
    ends up with the state the tab was left in."""
    url = fresh_database
    async with database(url) as db:
        anna = await make_user(db)
        bert = await make_user(db)
    a, b = start_workers(url, 2, KRING_REALTIME_PRESENCE_SECONDS="0.5")
    anna_session = await Colleague(a, anna).sign_in()
    bert_session = await Colleague(b, bert).sign_in()
    watcher = await Socket.open(b, cookie=bert_session.cookie)
    anna_socket = await Socket.open(a, cookie=anna_session.cookie)
    await watcher.wait_for(presence_of(anna.id or 0, "active"))
    await asyncio.sleep(PRESENCE_HOLD)  # her coming online is the last change; let its hold pass
    start = len(watcher.frames)

    # A count of flips, not a span of time: on a busy machine the same flips take longer, and the
    # bound below grows with the time they really took.
    flips = 67
    loop = asyncio.get_running_loop()
    began = loop.time()
    for flip in range(1, flips + 1):
        await anna_socket.send({"op": "presence", "state": "away" if flip % 2 else "active"})
        await asyncio.sleep(0.06)  # under the socket's frame limit: every flip is taken
    seconds = loop.time() - began
    last = "away" if flips % 2 else "active"

    async def told_last() -> None:
        while True:
            about_anna = [frame for frame in watcher.frames[start:] if presence_of(anna.id or 0)(frame)]
            if about_anna and state_in(about_anna[-1], anna.id or 0) == last:
                return
            await watcher.wait_for(presence_of(anna.id or 0), start=len(watcher.frames))

    await asyncio.wait_for(told_last(), timeout=60)
    await asyncio.sleep(PRESENCE_HOLD + 1)  # nothing more comes after the last state
    told = [frame for frame in watcher.frames[start:] if presence_of(anna.id or 0)(frame)]
    assert state_in(told[-1], anna.id or 0) == last
    # The first flip at once, then one per hold while she flips, and the last state after.
    assert len(told) <= 1 + math.ceil(seconds / PRESENCE_HOLD) + 1, [state_in(f, anna.id or 0) for f in told]
    await anna_socket.close()
    await watcher.close()
    await anna_session.close()
    await bert_session.close()


def test_the_hold_shows_a_first_change_at_once_and_coalesces_what_follows() -> None:
    held = HeldPresence(2.0)
    assert held.update({1: "active"}, 0.0) == ({1: "active"}, None)
    assert held.update({1: "away"}, 0.5) == ({1: "active"}, 2.0)  # held until 2.0
    assert held.update({1: "active"}, 1.0) == ({1: "active"}, None)  # back as shown: nothing due
    assert held.update({1: "away"}, 1.5) == ({1: "active"}, 2.0)
    assert held.update({1: "away"}, 2.0) == ({1: "away"}, None)  # the latest, once the hold ends
    assert held.update({}, 2.5) == ({1: "away"}, 4.0)  # going offline waits its turn too
    assert held.update({}, 4.0) == ({}, None)
    assert held.update({1: "active", 2: "active"}, 4.1) == ({2: "active"}, 6.0)  # a newcomer at once
