"""Clients for the realtime tests: signed-in HTTP sessions and WebSocket sockets that record."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets
from sqlmodel.ext.asyncio.session import AsyncSession

from config import load_settings
from harness import Worker
from models import User
from models.database import make_engine, make_sessionmaker
from tests.conftest import SECRET
from tests.support import PASSWORD


@asynccontextmanager
async def database(url: str) -> AsyncIterator[AsyncSession]:
    """A session on the workers' database from the test process. Its sessions have no event
    sink: what they commit reaches clients only through the hubs' head check, exactly like an
    event whose publish was lost."""
    engine = make_engine(load_settings(database_url=url, secret_key=SECRET).async_database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            yield db
    finally:
        await engine.dispose()


# How long a test waits for what must come. Only a bound on a hang: on a machine busy with
# other test runs a frame can take many seconds, and waiting longer costs a passing test nothing.
WAIT_SECONDS = 60.0


class Colleague:
    """A signed-in colleague talking to one worker over HTTP."""

    def __init__(self, worker: Worker, user: User) -> None:
        self.worker = worker
        self.user = user
        # Idle connections are dropped before uvicorn's keep-alive (5 s) ends, or the server may
        # close one just as a request reuses it (a ReadError after a pause).
        limits = httpx.Limits(keepalive_expiry=2.0)
        self.http = httpx.AsyncClient(base_url=worker.url, timeout=WAIT_SECONDS, limits=limits)
        self.csrf = ""

    async def sign_in(self) -> Colleague:
        response = await self.http.post(
            "/api/v1/session", json={"email": self.user.email, "password": PASSWORD}, headers=self._origin
        )
        response.raise_for_status()
        self.csrf = response.json()["csrf_token"]
        return self

    @property
    def _origin(self) -> dict[str, str]:
        return {"Origin": self.worker.origin}

    @property
    def cookie(self) -> str:
        return f"kring_session={self.http.cookies['kring_session']}"

    async def write(self, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {**self._origin, "X-CSRF-Token": self.csrf}
        return await self.http.request(method, path, json=body, headers=headers)

    async def close(self) -> None:
        await self.http.aclose()


class Socket:
    """A WebSocket that records every frame it receives, in order."""

    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection
        self.frames: list[dict[str, Any]] = []
        self.received_at: list[float] = []  # time.monotonic() of each frame, beside `frames`
        self.closed_with: int | None = None
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(
        cls, worker: Worker, *, cookie: str | None = None, token: str | None = None, origin: str | None = None
    ) -> Socket:
        headers = {}
        if cookie is not None:
            headers["Cookie"] = cookie
            headers["Origin"] = origin or worker.origin
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        connection = await websockets.connect(worker.ws_url, additional_headers=headers, open_timeout=60)
        return cls(connection)

    async def _read(self) -> None:
        try:
            async for message in self.connection:
                self.frames.append(json.loads(message))
                self.received_at.append(time.monotonic())
                self._changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            code = self.connection.close_code
            self.closed_with = code if code is not None else 1006
            self._changed.set()

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(frame))

    async def subscribe(self, topic: str, since: int | None = None, epoch: str | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"op": "subscribe", "topic": topic}
        if since is not None:
            frame["since"] = since
        if epoch is not None:
            frame["epoch"] = epoch
        start = len(self.frames)
        await self.send(frame)
        return await self.wait_for(
            lambda f: f.get("topic") == topic and f["type"] in {"subscribed", "error"}, start=start
        )

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], *, start: int = 0, timeout: float = WAIT_SECONDS
    ) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                for frame in self.frames[start:]:
                    if predicate(frame):
                        return frame
                if self.closed_with is not None:
                    raise AssertionError(
                        f"socket closed ({self.closed_with}) before the frame came: {self.frames[-5:]}"
                    )
                self._changed.clear()
                await self._changed.wait()

    async def wait_seq(self, topic: str, seq: int, *, start: int = 0, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        """The event `seq` of `topic`. Waiting for the event of a change made last (a barrier)
        replaces waiting a while for what should not come: a topic's events reach a socket in
        order, so whatever the changes before it would bring, a double or a leak, is here by then."""
        return await self.wait_for(
            lambda f: f["type"] == "event" and f["topic"] == topic and f["seq"] == seq, start=start, timeout=timeout
        )

    async def barrier(self) -> None:
        """A ping and its pong: whatever the server queued for this socket before it has come.
        Once another socket on the same worker has an event, so has this one's queue: the hub
        hands an event to every socket following its topic in one pass."""
        start = len(self.frames)
        await self.send({"op": "ping"})
        await self.wait_for(lambda f: f["type"] == "pong", start=start)

    def events(self, topic: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == "event" and f["topic"] == topic]

    async def wait_events(self, topic: str, count: int, *, timeout: float = WAIT_SECONDS) -> list[dict[str, Any]]:
        try:
            async with asyncio.timeout(timeout):
                while len(self.events(topic)) < count:
                    if self.closed_with is not None:
                        break
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            pass
        got = self.events(topic)
        assert len(got) >= count, f"{topic}: {len(got)} of {count} events; closed={self.closed_with}"
        return got

    async def wait_closed(self, timeout: float = WAIT_SECONDS) -> int:
        async with asyncio.timeout(timeout):
            while self.closed_with is None:
                self._changed.clear()
                await self._changed.wait()
        return self.closed_with

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self.connection.close()
        # A socket whose server was killed may never finish its closing handshake: drop the
        # transport now, or the garbage collector finds it open during some later test.
        self.connection.transport.abort()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class Progress:
    """A count that writing tasks raise and a test waits on: a phase lasts "ten more writes",
    not "a second", which on a busy machine may hold no write at all."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def step(self) -> None:
        self.count += 1
        self._changed.set()

    async def more(self, count: int, *, timeout: float = WAIT_SECONDS) -> None:
        target = self.count + count
        async with asyncio.timeout(timeout):
            while self.count < target:
                self._changed.clear()
                await self._changed.wait()


def seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [int(f["seq"]) for f in frames]
