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
import socket
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
    """Accepts by itself rather than through `asyncio.start_server`: asyncio wraps an accepted
    socket in a task of its own, and a socket accepted just before the test's loop closes was
    left bare when that task was cancelled, for the garbage collector to find open in some later
    test. Here every accepted socket is known from the moment of `accept`, and `close` ends
    them all, and every task, before the loop does."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.links: list[Link] = []
        self.default_delay = 0.0
        self._healed = asyncio.Event()
        self._healed.set()
        self._listener: socket.socket | None = None
        self._unwrapped: set[socket.socket] = set()  # accepted, not yet owned by a transport
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self.port = 0

    @property
    def partitioned(self) -> bool:
        return not self._healed.is_set()

    async def start(self) -> FaultProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(100)
        listener.setblocking(False)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        asyncio.get_running_loop().add_reader(listener.fileno(), self._on_readable)
        return self

    async def close(self) -> None:
        self._closing = True
        if self._listener is not None:
            asyncio.get_running_loop().remove_reader(self._listener.fileno())
            self._listener.close()
        for link in self.links:
            link.cut()
        tasks = [*self._tasks, *(task for link in self.links for task in link.tasks)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for conn in self._unwrapped:
            conn.close()
        self._unwrapped.clear()

    def partition(self) -> None:
        self._healed.clear()
        for link in self.links:
            link.blackhole()

    def heal(self) -> None:
        self._healed.set()
        for link in self.links:
            if not link.flowing.is_set():
                link.cut()

    def link_of(self, client_port: int) -> Link:
        return next(link for link in self.links if link.client_port == client_port)

    def select(self, chosen: Callable[[Link], bool]) -> list[Link]:
        return [link for link in self.links if not link.closed and chosen(link)]

    def _on_readable(self) -> None:
        assert self._listener is not None
        while not self._closing:
            try:
                conn, _address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            conn.setblocking(False)
            self._unwrapped.add(conn)
            task = asyncio.get_running_loop().create_task(self._accept(conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _accept(self, conn: socket.socket) -> None:
        try:
            client_port = int(conn.getpeername()[1])
            reader, writer = await asyncio.open_connection(sock=conn)
        except OSError:  # the client is gone already
            conn.close()
            return
        finally:
            self._unwrapped.discard(conn)  # closed, or owned by the transport
        try:
            await self._healed.wait()  # partitioned: the connection hangs, unanswered, until the network is back
            upstream = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        except BaseException:
            writer.transport.abort()
            raise
        link = Link(client_port, (reader, writer), upstream, delay=self.default_delay)
        link.flowing.set()
        self.links.append(link)
        if self._closing:
            link.cut()
            return
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
