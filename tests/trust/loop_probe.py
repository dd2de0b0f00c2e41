"""`python -m tests.trust.loop_probe serve ...`: Kring with a probe of its own event loop.

The probe is a task on the worker's loop that asks to wake every 5 ms and measures how late it
wakes. Lateness has two causes: the loop was busy or blocked (a callback that ran long, a C call
that held the loop thread), which is what a hostile request must never cause, and the machine
was busy elsewhere (the loop thread was ready but waited for a core), which says nothing about
Kring. The second is taken out: Linux counts, per thread, the time it spent ready and waiting for
a core (`/proc/self/task/<tid>/schedstat`, second field), and the probe subtracts the loop
thread's share of that from each lateness. So a shared two-core machine at a load of ten adds
little to the figure, while a blocked loop adds all of its blocking.

`GET /_probe/loop` answers the worst stall since the last `POST /_probe/loop` (which resets it),
in milliseconds, with the number of wake-ups measured; the first call starts the probe.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import traceback
from typing import Any

from server import app as app_module
from server.cli import main

TICK = 0.005


def _waited_for_a_core(thread_id: int) -> float:
    with open(f"/proc/self/task/{thread_id}/schedstat", encoding="ascii") as stats:
        return int(stats.read().split()[1]) / 1e9


class LoopProbe:
    def __init__(self) -> None:
        self.beat = 0.0
        self.worst = 0.0
        self.ticks = 0
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        thread_id = threading.get_native_id()
        self.beat = time.monotonic()
        threading.Thread(target=self._watch, args=(threading.get_ident(),), daemon=True).start()
        last, waited = time.monotonic(), _waited_for_a_core(thread_id)
        while True:
            await asyncio.sleep(TICK)
            now, now_waited = time.monotonic(), _waited_for_a_core(thread_id)
            self.beat = now
            self.worst = max(self.worst, (now - last - TICK) - (now_waited - waited))
            self.ticks += 1
            last, waited = now, now_waited

    def _watch(self, loop_thread: int) -> None:
        """Log where the loop thread is when it has not beaten for 150 ms (to the worker's log)."""
        told = 0.0
        while True:
            time.sleep(0.02)
            if time.monotonic() - self.beat > 0.15 and self.beat != told:
                told = self.beat
                frame = sys._current_frames().get(loop_thread)
                stack = "".join(traceback.format_stack(frame)) if frame else "(no frame)"
                print(
                    f"loop probe: no beat for {time.monotonic() - self.beat:.3f}s; the loop thread is at\n{stack}",
                    file=sys.stderr,
                    flush=True,
                )


class ProbedApp:
    """The Kring app with `/_probe/loop` in front of it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.probe = LoopProbe()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/_probe/loop":
            await self.app(scope, receive, send)
            return
        if self.probe.task is None:
            self.probe.task = asyncio.create_task(self.probe.run())
        body = json.dumps({"worst_ms": round(self.probe.worst * 1000, 1), "ticks": self.probe.ticks}).encode()
        if scope["method"] == "POST":
            self.probe.worst, self.probe.ticks = 0.0, 0
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


_create_app = app_module.create_app


def create_app(settings: Any = None) -> ProbedApp:
    return ProbedApp(_create_app(settings))


app_module.create_app = create_app  # type: ignore[assignment]  # uvicorn looks it up by name

if __name__ == "__main__":
    raise SystemExit(main())
