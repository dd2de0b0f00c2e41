"""Worker CPU per chat message posted through the HTTP API: what limits the hot circle's knee
and the workday's throughput.

    python -m bench.post_cost [--messages 400] [--profile FILE]

Seeds a PostgreSQL database of its own, starts one Kring worker on the shared Redis, posts 50
messages to warm it up, then `--messages` more (200 bytes, four at a time, from 20 members of
one circle, nobody connected, so no fan-out is counted) and prints the worker's CPU seconds
(user + system, from /proc) per message. With `--profile`, py-spy samples the worker meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from bench.cost import command_line, cpu_seconds, sampled, scratch_database, start_worker
from bench.seed import seed

MEMBERS = 20
AT_ONCE = 4
WARM_UP = 50


async def measure(messages: int, profile: Path | None, tmp: Path) -> dict[str, float]:
    async with scratch_database("post") as url:
        org = await seed(url, users=MEMBERS, hot_members=MEMBERS, work_members=0, storm_members=0, feed_circles=1)
        # A few colleagues post at machine speed: lift the per-person limit for this worker.
        worker = start_worker(url, tmp, "post", KRING_LIMIT_MESSAGES_PER_MINUTE="1000000")
        try:
            assert worker.process is not None
            pid = worker.process.pid
            async with httpx.AsyncClient(base_url=worker.url, timeout=30) as http:

                async def post(index: int) -> None:
                    response = await http.post(
                        f"/api/v1/circles/{org.hot_circle}/messages",
                        json={"body": f"bericht {index} " + "x" * 180},
                        headers={"Authorization": f"Bearer {org.tokens[index % MEMBERS]}"},
                    )
                    response.raise_for_status()

                for index in range(WARM_UP):  # sign-in touches, statement caches, pool
                    await post(index)
                gate = asyncio.Semaphore(AT_ONCE)

                async def one(index: int) -> None:
                    async with gate:
                        await post(WARM_UP + index)

                async with sampled(pid, profile):
                    before, started = cpu_seconds(pid), time.perf_counter()
                    await asyncio.gather(*(one(index) for index in range(messages)))
                    cpu, wall = cpu_seconds(pid) - before, time.perf_counter() - started
        finally:
            worker.terminate()
    return {
        "messages": messages,
        "cpu_seconds": round(cpu, 2),
        "ms_per_message": round(1000 * cpu / messages, 2),
        "messages_per_second": round(messages / wall, 1),
    }


if __name__ == "__main__":
    raise SystemExit(command_line("post_cost", "messages", 400, measure))
