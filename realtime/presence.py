"""Who is online: each worker writes the states of its own users; everyone reads all of them.

A worker writes its whole picture (user id -> "active" or "away") under a key of its own with
an expiry, and rewrites it every few seconds: a worker that dies stops rewriting, and its users
go offline when the key expires. A colleague's state is the best over all workers (active
beats away). With Redis the keys live there; with one worker and no Redis, in memory.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

from redis.asyncio import Redis

ACTIVE = "active"
AWAY = "away"
OFFLINE = "offline"
_RANK = {AWAY: 1, ACTIVE: 2}


def best(*states: str) -> str:
    return max(states, key=lambda state: _RANK.get(state, 0))


class HeldPresence:
    """What a worker tells the others of its colleagues: each colleague's state changes at most
    once per `hold` seconds. Changes within the hold are coalesced: the latest is shown when the
    hold ends (the caller asks again then), the ones in between never. So a tab switching between
    away and active every 50 ms costs every socket of the organisation one frame per hold, not
    one per presence round; a colleague's first appearance, and any change after a quiet
    `hold`, are shown at once. Pure: the clock is passed in."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self._shown: dict[int, tuple[str, float]] = {}  # user -> (state shown, since when)

    def update(self, wanted: dict[int, str], now: float) -> tuple[dict[int, str], float | None]:
        """The picture to show at `now` for the states the sockets ask (`wanted`; absent is
        offline), and when a held-back change is due (None when nothing is held back)."""
        due: float | None = None
        for user_id in set(wanted) | set(self._shown):
            state = wanted.get(user_id, OFFLINE)
            shown, since = self._shown.get(user_id, (OFFLINE, -math.inf))
            if state == shown:
                if state == OFFLINE and now - since >= self.hold:
                    del self._shown[user_id]  # gone and quiet: nothing left to hold
                continue
            if now - since >= self.hold:
                self._shown[user_id] = (state, now)
            else:
                due = min(due if due is not None else math.inf, since + self.hold)
        return {user_id: state for user_id, (state, _) in self._shown.items() if state != OFFLINE}, due


class PresenceStore(Protocol):
    async def write(self, worker_id: str, states: dict[int, str], ttl: float) -> None: ...

    async def read(self) -> dict[int, str]: ...

    async def close(self) -> None: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._workers: dict[str, tuple[float, dict[int, str]]] = {}

    async def write(self, worker_id: str, states: dict[int, str], ttl: float) -> None:
        self._workers[worker_id] = (time.monotonic() + ttl, dict(states))

    async def read(self) -> dict[int, str]:
        now = time.monotonic()
        merged: dict[int, str] = {}
        for expires, states in self._workers.values():
            if expires > now:
                for user_id, state in states.items():
                    merged[user_id] = best(state, merged.get(user_id, state))
        return merged

    async def close(self) -> None:
        self._workers.clear()


class RedisPresence:
    def __init__(self, url: str, prefix: str) -> None:
        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = f"{prefix}:presence:"

    async def write(self, worker_id: str, states: dict[int, str], ttl: float) -> None:
        key = self._prefix + worker_id
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if states:
                pipe.hset(key, mapping={str(user_id): state for user_id, state in states.items()})
                pipe.pexpire(key, int(ttl * 1000))
            await pipe.execute()

    async def read(self) -> dict[int, str]:
        merged: dict[int, str] = {}
        async for key in self._redis.scan_iter(match=self._prefix + "*", count=100):
            for raw_user, raw_state in (await self._redis.hgetall(key)).items():
                user_id = int(raw_user)
                state = raw_state.decode() if isinstance(raw_state, bytes) else str(raw_state)
                merged[user_id] = best(state, merged.get(user_id, state))
        return merged

    async def close(self) -> None:
        await self._redis.aclose()
