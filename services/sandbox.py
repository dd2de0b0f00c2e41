"""Untrusted work (reading a colleague's file) in processes of its own, under limits.

A `Sandbox` runs a function in a fresh process for every job, at most `Limits.processes` at a
time, and guarantees of each job:
- the web worker's event loop never runs it and never waits on it: the job is a separate
  process, and the caller's `await` only waits on a pipe (in a thread, where the GIL is free);
- CPU time, memory and wall time are bounded: the child sets `RLIMIT_CPU` and `RLIMIT_AS` on
  itself before the job starts (the kernel stops it with SIGXCPU, allocations fail past the
  memory limit), and the parent kills it once the wall time is over;
- one job never holds up another beyond its own slot: a job that hits a limit ends only itself,
  and the sandbox stays usable;
- the outcome is the function's return value, `LimitHit` (which limit), or `JobFailed` (the job
  raised, or its process died otherwise), never anything else.

The processes come from a fork server (`multiprocessing`'s "forkserver" start method): a clean
single-threaded process that imported the readers once (`preload`), and forks a child per job in
a few milliseconds. Forking the web worker itself would copy its threads' locks and its sockets.
Each child imports the program's main module again unless it is a package's `__main__` (as
`python -m server` is), so a program that uses the sandbox guards its start with
`if __name__ == "__main__"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import math
import multiprocessing
import resource
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")
# Near the memory limit, a failure is taken for a failed allocation (a parser may wrap its
# MemoryError in an error of its own).
_NEAR_MEMORY_LIMIT = 0.9


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 30
    wall_seconds: float = 120.0
    memory_bytes: int = 1 << 30
    processes: int = 2


class Limit(enum.StrEnum):
    TIME = "time"  # CPU time or wall time
    MEMORY = "memory"


class LimitHit(Exception):
    """The job was stopped at a limit."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(f"the {limit.value} limit was reached")
        self.limit = limit


class JobFailed(Exception):
    """The job raised, or its process ended without an answer; the message says how."""


class SandboxClosed(Exception):
    """The sandbox was closed before or while the job ran."""


class Sandbox:
    def __init__(self, limits: Limits, *, preload: Sequence[str] = ()) -> None:
        self.limits = limits
        self._context = multiprocessing.get_context("forkserver")
        if preload:
            # Only before the process's fork server starts; a running one keeps what it has.
            self._context.set_forkserver_preload(list(preload))
        self._slots: asyncio.Semaphore | None = None
        self._running: set[BaseProcess] = set()
        self._lock = threading.Lock()
        self._closed = False

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a child process under the limits. `function` and its arguments
        are pickled: a module-level function and plain values."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limits.processes)
        async with self._slots:
            if self._closed:
                raise SandboxClosed("the sandbox is closed")
            job = _Job()
            try:
                outcome: T = await asyncio.to_thread(self._run, job, function, args)
            except asyncio.CancelledError:
                job.kill()  # or it would run on outside its slot
                raise
            return outcome

    def close(self) -> None:
        """Stop every running job (their callers get `SandboxClosed`) and take no more."""
        with self._lock:
            self._closed = True
            running = list(self._running)
        for process in running:
            with contextlib.suppress(OSError, ValueError):
                process.kill()

    def _run(self, job: _Job, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        receiver, sender = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_job, args=(sender, self.limits, function, args), name="kring-sandbox", daemon=True
        )
        try:
            with self._lock:
                if self._closed:
                    raise SandboxClosed("the sandbox is closed")
                process.start()
                self._running.add(process)
            job.started(process)
            sender.close()  # the child holds its own end; EOF here means it is gone
            answered = receiver.poll(self.limits.wall_seconds)
            outcome = _receive(receiver) if answered else None
        finally:
            receiver.close()
            sender.close()
            if process.pid is not None:
                if process.is_alive():
                    process.kill()
                process.join()
            with self._lock:
                self._running.discard(process)
        if self._closed:
            raise SandboxClosed("the sandbox was closed while the job ran")
        if not answered:
            raise LimitHit(Limit.TIME)
        if outcome is None:
            raise _died(process.exitcode)
        status, value = outcome
        if status == "ok":
            result: T = value
            return result
        if status == "memory":
            raise LimitHit(Limit.MEMORY)
        raise JobFailed(str(value))


class _Job:
    """One job's process, for the caller to kill if it stops waiting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._killed = False

    def started(self, process: BaseProcess) -> None:
        with self._lock:
            self._process = process
            if not self._killed:
                return
        process.kill()

    def kill(self) -> None:
        with self._lock:
            self._killed = True
            process = self._process
        if process is not None:
            with contextlib.suppress(OSError, ValueError):
                process.kill()


def _receive(receiver: Connection) -> tuple[str, Any] | None:
    try:
        status, value = receiver.recv()
    except (EOFError, OSError):
        return None  # the child died without answering
    return str(status), value


def _died(exitcode: int | None) -> Exception:
    if exitcode == -signal.SIGXCPU:
        return LimitHit(Limit.TIME)
    if exitcode == -signal.SIGKILL:
        # The hard CPU limit, should the soft one's signal not have ended it.
        return LimitHit(Limit.TIME)
    return JobFailed(f"the reading process ended without an answer (exit code {exitcode})")


# ---- in the child ----


def _job(sender: Connection, limits: Limits, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    _limit_self(limits)
    outcome: tuple[str, Any]
    try:
        outcome = ("ok", function(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:  # a parser's own error for a damaged file, or one of its bugs
        near_limit = _peak_address_space() >= _NEAR_MEMORY_LIMIT * limits.memory_bytes
        outcome = ("memory", None) if near_limit else ("error", f"{type(exc).__name__}: {exc}"[:300])
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()


def _limit_self(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(used.ru_utime + used.ru_stime) + limits.cpu_seconds
    # SIGXCPU at the soft limit ends the process; the hard limit (SIGKILL) is a backstop.
    resource.setrlimit(resource.RLIMIT_CPU, (soft, _capped(resource.RLIMIT_CPU, soft + 5)))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, _capped(resource.RLIMIT_AS, limits.memory_bytes)))


def _capped(kind: int, wanted: int) -> int:
    """`wanted` as a hard limit, unless the current hard limit is lower (it can only go down)."""
    _, hard = resource.getrlimit(kind)
    return wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)


def _peak_address_space() -> int:
    """The most address space this process has held (VmPeak), in bytes; 0 if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0
