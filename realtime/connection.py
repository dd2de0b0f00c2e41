"""One WebSocket as the hub sees it: who is on it, what it follows, and its send queue."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.websockets import WebSocket

from models import User
from realtime.protocol import CloseCode


@dataclass(frozen=True)
class Viewer:
    """The authenticated party behind a socket."""

    user: User
    session_id: int | None = None  # set for cookie-authenticated sockets
    token_id: int | None = None  # set for Bearer-token sockets

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id


class RateLimiter:
    """A token bucket: `rate` operations per second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


class Connection:
    """A socket's bounded send queue and the writer task that drains it.

    `send` never waits. When the queue is full, a durable frame (an event) closes the socket
    with 4008: the client reconnects and resumes with `since`, losing nothing, while everyone
    else's delivery goes on. An ephemeral frame (typing) pushes out the oldest ephemeral one
    instead; ephemeral frames are never worth a disconnect.
    """

    def __init__(self, websocket: WebSocket, viewer: Viewer, *, queue_size: int, ops_per_second: float) -> None:
        self.websocket = websocket
        self.viewer = viewer
        self.topics: set[str] = set()
        self.ops = RateLimiter(ops_per_second, max(1, int(ops_per_second * 2)))
        self.closed = False
        self.close_code: int | None = None
        self.presence = "active"  # the browser says "away" after a while without input
        self._queue: asyncio.Queue[tuple[str, bool]] = asyncio.Queue(maxsize=queue_size)
        self._on_slow: Callable[[], None] | None = None
        self.stop = asyncio.Event()

    @property
    def user_id(self) -> int:
        return self.viewer.user_id

    def room(self) -> int:
        """How many more frames the send queue takes now."""
        return self._queue.maxsize - self._queue.qsize()

    def on_slow(self, callback: Callable[[], None]) -> None:
        self._on_slow = callback

    def send(self, frame: str, *, durable: bool = True) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait((frame, durable))
        except asyncio.QueueFull:
            if durable:
                if self._on_slow is not None:
                    self._on_slow()
                self.close(CloseCode.TOO_SLOW)
                return
            self._drop_oldest_ephemeral()
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait((frame, durable))

    def _drop_oldest_ephemeral(self) -> None:
        kept: list[tuple[str, bool]] = []
        dropped = False
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if not dropped and not item[1]:
                dropped = True
                continue
            kept.append(item)
        for item in kept:
            self._queue.put_nowait(item)

    def close(self, code: int) -> None:
        """Ask for the socket to close; the endpoint's tasks see `stop` and end."""
        if not self.closed:
            self.closed = True
            self.close_code = code
            self.stop.set()

    async def write_forever(self, send_text: Callable[[str], Awaitable[None]]) -> None:
        while True:
            frame, _durable = await self._queue.get()
            await send_text(frame)
