"""The sandbox: a job's result comes back; a job past its CPU time, memory or wall time is
stopped and says which; a failing job says why; one stuck job does not hold up another."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from services.sandbox import JobFailed, Limit, LimitHit, Limits, Sandbox

# The jobs run in another process, so they are module-level functions (pickled by name).


def answer(value: int) -> tuple[int, int]:
    return value * 2, os.getpid()


def burn_cpu() -> None:
    while True:
        pass


def hoard_memory() -> list[bytes]:
    hoard = []
    while True:
        hoard.append(b"x" * (16 << 20))


def sleep_forever() -> None:
    time.sleep(3600)


def fail() -> None:
    raise ValueError("not a real document")


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(Limits(cpu_seconds=1, wall_seconds=30, memory_bytes=300 << 20, processes=2))
    yield box
    box.close()


async def test_a_job_runs_in_a_process_of_its_own_and_its_result_comes_back(sandbox: Sandbox) -> None:
    doubled, pid = await sandbox.run(answer, 21)
    assert doubled == 42
    assert pid != os.getpid()


async def test_a_job_past_its_cpu_time_is_stopped(sandbox: Sandbox) -> None:
    started = time.process_time()
    with pytest.raises(LimitHit) as hit:
        await sandbox.run(burn_cpu)
    assert hit.value.limit is Limit.TIME
    assert time.process_time() - started < 0.5  # the waiting cost this process nothing


async def test_a_job_past_its_memory_is_stopped(sandbox: Sandbox) -> None:
    with pytest.raises(LimitHit) as hit:
        await sandbox.run(hoard_memory)
    assert hit.value.limit is Limit.MEMORY


async def test_a_job_past_its_wall_time_is_killed() -> None:
    # Long enough for a job to start on a loaded machine, short for a test.
    box = Sandbox(Limits(cpu_seconds=1, wall_seconds=5, processes=1))
    try:
        with pytest.raises(LimitHit) as hit:
            await box.run(sleep_forever)
        assert hit.value.limit is Limit.TIME
        doubled, _ = await box.run(answer, 1)  # and it goes on
        assert doubled == 2
    finally:
        box.close()


async def test_a_failing_job_says_why(sandbox: Sandbox) -> None:
    with pytest.raises(JobFailed, match="ValueError: not a real document"):
        await sandbox.run(fail)


async def test_a_stuck_job_does_not_hold_up_the_next(sandbox: Sandbox) -> None:
    stuck = asyncio.create_task(sandbox.run(sleep_forever))
    doubled, _ = await asyncio.wait_for(sandbox.run(answer, 5), timeout=25)
    assert doubled == 10
    assert not stuck.done()
    stuck.cancel()  # the caller giving up ends the job's process too
    with pytest.raises(asyncio.CancelledError):
        await stuck
