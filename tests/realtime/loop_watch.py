"""A watch on a Kring worker's own event loop (`python -m tests.realtime.watched_server serve ...`
starts a worker with it).

A test cannot tell from a ping's round trip whether the worker's loop was stuck or the machine
was busy: on two shared cores both make pings late. This wrapper measures the first from inside
the worker. A thread asks the loop to run a callback every `PROBE_SECONDS` and times how long it
takes to run (the loop's *lag*), and how much CPU time the worker process used meanwhile. The
loop was held up by the worker itself for at most the smaller of the two (its *stall*): a loop
busy with a parser in its own thread, or waiting for the GIL while another thread of the process
parses, burns the process's CPU all along; a loop that waits for the machine's other processes
burns none. So a stall over 100 ms is the worker's own fault, however loaded the machine.

Every probe whose lag passes `RECORD_FROM` is appended to `$LOOP_WATCH_FILE` as
`monotonic-time lag cpu` (seconds; CLOCK_MONOTONIC is the same clock in every process).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import server.app

PROBE_SECONDS = 0.01
RECORD_FROM = 0.005


class LoopWatch:
    def __init__(self, loop: asyncio.AbstractEventLoop, path: Path) -> None:
        self.loop = loop
        self.path = path
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="loop-watch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()

    def _watch(self) -> None:
        with self.path.open("a", encoding="ascii") as out:
            while not self.stopped.wait(PROBE_SECONDS):
                ran = threading.Event()
                started, cpu = time.monotonic(), time.process_time()
                try:
                    self.loop.call_soon_threadsafe(ran.set)
                except RuntimeError:  # the loop is closing
                    return
                while not ran.wait(1) and not self.stopped.is_set():
                    pass
                lag, used = time.monotonic() - started, time.process_time() - cpu
                if lag >= RECORD_FROM:
                    out.write(f"{started:.6f} {lag:.6f} {used:.6f}\n")
                    out.flush()


def install() -> None:
    """Watch the loop of every app made from now on (uvicorn imports "server.app:create_app"
    after this)."""
    server.app.create_app = _watched(server.app.create_app)  # type: ignore[assignment]


def _watched(create_app: Any) -> Any:
    def create(settings: Any = None) -> Any:
        return _watch_app(create_app(settings))

    return create


def _watch_app(app: Any) -> Any:
    lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def watched(app: Any) -> AsyncIterator[Any]:
        watch = LoopWatch(asyncio.get_running_loop(), Path(os.environ["LOOP_WATCH_FILE"]))
        watch.start()
        try:
            async with lifespan(app) as state:
                yield state
        finally:
            watch.stop()

    app.router.lifespan_context = watched
    return app


def stalls(path: Path, since: float, until: float) -> tuple[float, float]:
    """The worst stall of the worker's own making and the worst lag, between two monotonic
    times, from a watch file (see the module docstring)."""
    worst_stall = worst_lag = 0.0
    if path.exists():
        for line in path.read_text(encoding="ascii").splitlines():
            at, lag, used = (float(value) for value in line.split())
            if since <= at <= until:
                worst_stall = max(worst_stall, min(lag, used))
                worst_lag = max(worst_lag, lag)
    return worst_stall, worst_lag
