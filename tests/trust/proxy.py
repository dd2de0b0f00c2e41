"""A small fault-injecting TCP proxy for the trust cases: it forwards 127.0.0.1:`port` to a
target port and can cut, blackhole or delay each connection through it.

- `cut`: both sides are closed at once (a reset link, a killed client);
- `blackhole`: nothing more is read or forwarded in either direction, and nothing is closed:
  the peers' buffers fill and they hear nothing, as behind a dead router;
- `delay`: every chunk is forwarded `seconds` late, in order;
- `partition` / `heal`: the whole network between the two sides goes away: every link is
  blackholed, and new connections are accepted but never reach the target (as a connect into a
  dead network hangs); `heal` cuts the stale links, and new ones work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass(eq=False)
class Link:
    """One proxied connection; `client_port` is the connecting side's own port."""

    client_port: int
    client: tuple[asyncio.StreamReader, asyncio.StreamWriter]
    server: tuple[asyncio.StreamReader, asyncio.StreamWriter]
    flowing: asyncio.Event = field(default_factory=asyncio.Event)
    delay: float = 0.0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    closed: bool = False

    def blackhole(self) -> None:
        self.flowing.clear()

    def restore(self) -> None:
        self.flowing.set()

    def cut(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.flowing.set()
        for _, writer in (self.client, self.server):
            writer.transport.abort()
        for task in self.tasks:
            task.cancel()


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.links: list[Link] = []
        self.default_delay = 0.0
        self.partitioned = False
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        for link in self.links:
            link.cut()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def partition(self) -> None:
        self.partitioned = True
        for link in self.links:
            link.blackhole()

    def heal(self) -> None:
        self.partitioned = False
        for link in self.links:
            if not link.flowing.is_set():
                link.cut()

    def link_of(self, client_port: int) -> Link:
        return next(link for link in self.links if link.client_port == client_port)

    def select(self, chosen: Callable[[Link], bool]) -> list[Link]:
        return [link for link in self.links if not link.closed and chosen(link)]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while self.partitioned:  # the connection hangs, unanswered, until the network is back
            await asyncio.sleep(0.05)
            if writer.transport.is_closing():
                return
        try:
            upstream = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        link = Link(int(writer.get_extra_info("peername")[1]), (reader, writer), upstream, delay=self.default_delay)
        link.flowing.set()
        self.links.append(link)
        link.tasks = [
            asyncio.create_task(self._pump(link, reader, upstream[1])),
            asyncio.create_task(self._pump(link, upstream[0], writer)),
        ]

    async def _pump(self, link: Link, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Read into a queue with each chunk's due time; a second task writes when due, so a
        delay shifts the stream without slowing it."""
        due: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        writer = asyncio.create_task(self._write(link, due, sink))
        link.tasks.append(writer)
        try:
            while not link.closed:
                await link.flowing.wait()
                data = await source.read(CHUNK)
                if not data:
                    break
                await due.put((time.monotonic() + link.delay, data))
            await due.put((0.0, b""))  # end of stream, after what is queued
            await writer
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            link.cut()

    async def _write(self, link: Link, due: asyncio.Queue[tuple[float, bytes]], sink: asyncio.StreamWriter) -> None:
        try:
            while True:
                at, data = await due.get()
                if not data:
                    return
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                await link.flowing.wait()  # blackholed meanwhile: what was read is held, not lost
                if link.closed:
                    return
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            link.cut()
