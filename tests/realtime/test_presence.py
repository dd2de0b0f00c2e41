"""Presence across two workers: on, away, off, and off when a worker dies."""

from __future__ import annotations

from collections.abc import Callable

from tests.realtime.processes import Worker
from tests.realtime.support import Colleague, Socket, database
from tests.support import make_user

StartWorkers = Callable[..., list[Worker]]


def presence_of(user_id: int) -> Callable[[dict[str, object]], bool]:
    def check(frame: dict[str, object]) -> bool:
        data = frame.get("data")
        return frame.get("kind") == "presence" and isinstance(data, dict) and data.get("user_id") == user_id

    return check


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
    assert online["data"]["state"] == "active"
    assert await state_on_b() == "active"

    start = len(watcher.frames)
    await anna_socket.send({"op": "presence", "state": "away"})
    away = await watcher.wait_for(presence_of(anna.id or 0), start=start)
    assert away["data"]["state"] == "away"

    start = len(watcher.frames)
    await anna_socket.close()
    gone = await watcher.wait_for(presence_of(anna.id or 0), start=start)
    assert gone["data"]["state"] == "offline"

    back = await Socket.open(a, cookie=anna_session.cookie)
    start = len(watcher.frames)
    await watcher.wait_for(lambda f: presence_of(anna.id or 0)(f) and f["data"]["state"] == "active", start=start)
    a.kill()  # no goodbye: only the expiry can take her offline
    start = len(watcher.frames)
    expired = await watcher.wait_for(presence_of(anna.id or 0), start=start, timeout=10)
    assert expired["data"]["state"] == "offline"
    await back.close()
    await watcher.close()
    await anna_session.close()
    await bert_session.close()
