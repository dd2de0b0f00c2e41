"""One WebSocket as the hub sees it: who is on it, what it follows, and its send queue."""

from __future__ import annotations

import asyncio
import collections
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
    locale: str | None = None  # the language of the HTML items in its frames (realtime.fragments)

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

    The queue is a plain deque and the writer sends everything queued each time it wakes: a
    fan-out to thousands of sockets costs one append per socket, and a burst of frames to one
    socket one task switch, not one per frame (docs/performance.md).

    A replay longer than the queue is fed in as the writer drains it (`drained`); frames of a
    closed socket are dropped at once, so a socket closed as too slow holds no memory for them.
    """

    def __init__(self, websocket: WebSocket, viewer: Viewer, *, queue_size: int, ops_per_second: float) -> None:
        self.websocket = websocket
        self.viewer = viewer
        self.topics: set[str] = set()
        self.ops = RateLimiter(ops_per_second, max(1, int(ops_per_second * 2)))
        self.closed = False
        self.close_code: int | None = None
        self.presence = "active"  # the browser says "away" after a while without input
        self.locale = viewer.locale or ""
        self._queue_size = queue_size
        self._pending: collections.deque[tuple[str, bool]] = collections.deque()
        self._wake: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._drain_mark = 0  # `drained` returns once at most this many frames wait
        self._on_slow: Callable[[], None] | None = None
        self.stop = asyncio.Event()

    @property
    def user_id(self) -> int:
        return self.viewer.user_id

    @property
    def queue_size(self) -> int:
        """How many frames the send queue holds before the socket is closed as too slow."""
        return self._queue_size

    def room(self) -> int:
        """How many more frames the send queue takes now."""
        return self._queue_size - len(self._pending)

    def on_slow(self, callback: Callable[[], None]) -> None:
        self._on_slow = callback

    def send(self, frame: str, *, durable: bool = True) -> None:
        if self.closed:
            return
        pending = self._pending
        if len(pending) >= self._queue_size:
            if durable:
                self.too_slow()
                return
            if not self._drop_oldest_ephemeral():
                return  # the queue holds only events: this ephemeral frame is the one dropped
        pending.append((frame, durable))
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    def _drop_oldest_ephemeral(self) -> bool:
        for index, (_frame, durable) in enumerate(self._pending):
            if not durable:
                del self._pending[index]
                return True
        return False

    def too_slow(self) -> None:
        """Close the socket with 4008: it cannot keep up, and resumes with `since`."""
        if self.closed:
            return
        if self._on_slow is not None:
            self._on_slow()
        self.close(CloseCode.TOO_SLOW)

    def close(self, code: int) -> None:
        """Ask for the socket to close; the endpoint's tasks see `stop` and end. Queued frames
        are dropped: the writer stops with the socket and would never send them."""
        if not self.closed:
            self.closed = True
            self.close_code = code
            self._pending.clear()
            self._release_drain()
            self.stop.set()

    async def drained(self, backlog: int) -> None:
        """Return once at most `backlog` frames wait in the queue, or the socket is closed.

        One waiter at a time: only the socket's own subscribe, which its read loop awaits, waits."""
        if self.closed or len(self._pending) <= backlog:
            return
        assert self._drain is None, "one replay at a time per socket"
        self._drain_mark = backlog
        self._drain = asyncio.get_running_loop().create_future()
        try:
            await self._drain
        finally:
            self._drain = None

    def _release_drain(self) -> None:
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    async def write_forever(self, send_text: Callable[[str], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        pending = self._pending
        while True:
            while pending:
                frame, _durable = pending.popleft()
                await send_text(frame)
                if self._drain is not None and len(pending) <= self._drain_mark:
                    self._release_drain()
            self._wake = loop.create_future()
            try:
                await self._wake
            finally:
                self._wake = None
