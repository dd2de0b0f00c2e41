"""`python -m tests.trust.loop_probe serve ...`: Kring with a probe of its own event loop.

The probe is a task on the worker's loop that asks to wake every 5 ms and measures how late it
wakes. Lateness has two causes: the loop was busy or blocked (a callback that ran long, a C call
that held the loop thread), which is what a hostile request must never cause, and the machine
was busy elsewhere (the loop thread was ready but waited for a core), which says nothing about
Kring. The second is taken out: Linux counts, per thread, the time it spent ready and waiting for
a core (`/proc/self/task/<tid>/schedstat`, second field), and the probe subtracts from each
lateness that time of the loop thread and of the process's other Python threads (the loop thread
waits for the GIL while one of them holds it and waits for a core). So a shared two-core machine
at a load of twenty adds little to the figure, while a blocked loop adds all of its blocking: a
hash on the loop waits for argon2's own lane threads, which are not Python threads.

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


def _schedstat(thread_id: int) -> tuple[float, float]:
    """Seconds the thread has run on a core, and waited ready for one."""
    with open(f"/proc/self/task/{thread_id}/schedstat", encoding="ascii") as stats:
        ran, waited = stats.read().split()[:2]
    return int(ran) / 1e9, int(waited) / 1e9


def _python_threads_waiting(*leave_out: int | None) -> dict[int, float]:
    """Each other Python thread's time spent ready and waiting for a core: while one of them
    holds the GIL and waits for a core, the loop thread waits for it too (a hash thread of the
    pool between its C calls), and that is the machine's load as well."""
    waiting = {}
    for thread in threading.enumerate():
        if thread.native_id is not None and thread.native_id not in leave_out:
            try:
                waiting[thread.native_id] = _schedstat(thread.native_id)[1]
            except OSError:  # it ended meanwhile
                continue
    return waiting


class LoopProbe:
    def __init__(self) -> None:
        self.beat = 0.0
        self.worst = 0.0
        self.worst_ran = 0.0  # of the worst stall, the time the loop thread ran on a core
        self.ticks = 0
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        thread_id = threading.get_native_id()
        self.beat = time.monotonic()
        watchdog = threading.Thread(target=self._watch, args=(threading.get_ident(),), daemon=True)
        watchdog.start()
        # The watchdog is the probe's own: it waits for a core after each of its naps without
        # holding the GIL the loop needs, so its waiting is not the loop's.
        last, (ran, waited) = time.monotonic(), _schedstat(thread_id)
        others = _python_threads_waiting(thread_id, watchdog.native_id)
        while True:
            await asyncio.sleep(TICK)
            now, (now_ran, now_waited) = time.monotonic(), _schedstat(thread_id)
            now_others = _python_threads_waiting(thread_id, watchdog.native_id)
            self.beat = now
            others_waited = sum(now_others[tid] - others.get(tid, now_others[tid]) for tid in now_others)
            stall = (now - last - TICK) - (now_waited - waited) - others_waited
            others = now_others
            if stall > self.worst:
                self.worst, self.worst_ran = stall, now_ran - ran
            self.ticks += 1
            last, ran, waited = now, now_ran, now_waited

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
        probe = self.probe
        figures = {"worst_ms": round(probe.worst * 1000, 1), "ran_ms": round(probe.worst_ran * 1000, 1)}
        body = json.dumps({**figures, "ticks": probe.ticks}).encode()
        if scope["method"] == "POST":
            probe.worst, probe.worst_ran, probe.ticks = 0.0, 0.0, 0
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


_create_app = app_module.create_app


def create_app(settings: Any = None) -> ProbedApp:
    return ProbedApp(_create_app(settings))


app_module.create_app = create_app  # type: ignore[assignment]  # uvicorn looks it up by name

if __name__ == "__main__":
    raise SystemExit(main())
