"""Worker CPU per connecting socket: what a connect storm and an all-day idle organisation cost.

    python -m bench.connect_cost [--sockets 300] [--profile FILE]

Seeds a PostgreSQL database of its own, starts one Kring worker on the shared Redis, connects
`--sockets` colleagues with their API tokens, each subscribing to its user topic, `org` and one
circle (50 at a time, as a browser tab does on load), waits until every `subscribed` frame is
in and a few presence rounds have passed, and prints the worker's CPU seconds (user + system,
from /proc) and the growth of its resident memory per socket. With `--profile`, py-spy samples
the worker meanwhile (raw collapsed stacks, for `python -m bench.profile_summary`). The figure
is CPU time, not wall time, so other work on the machine moves it far less than a latency would.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from bench.cost import command_line, cpu_seconds, rss_kib, sampled, scratch_database, start_worker
from bench.seed import seed

AT_ONCE = 50


async def _connect(ws_url: str, token: str, topics: list[str]) -> ClientConnection:
    socket = await connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"})
    for topic in topics:
        await socket.send(json.dumps({"op": "subscribe", "topic": topic}))
    subscribed = 0
    async for message in socket:
        if isinstance(message, str) and message.startswith('{"type":"subscribed"'):
            subscribed += 1
            if subscribed == len(topics):
                return socket
    raise RuntimeError("the socket closed before every subscription was answered")


async def measure(sockets: int, profile: Path | None, tmp: Path) -> dict[str, float]:
    async with scratch_database("connect") as url:
        org = await seed(url, users=sockets, hot_members=0, work_members=0, storm_members=sockets, feed_circles=1)
        worker = start_worker(url, tmp, "connect")
        opened: list[ClientConnection] = []
        try:
            assert worker.process is not None
            pid = worker.process.pid
            gate = asyncio.Semaphore(AT_ONCE)

            async def one(index: int) -> None:
                circle = org.storm_circles[index % len(org.storm_circles)]
                topics = [f"user:{org.user_ids[index]}", "org", f"circle:{circle}"]
                async with gate:
                    opened.append(await _connect(worker.ws_url, org.tokens[index], topics))

            async with sampled(pid, profile):
                before, started, memory = cpu_seconds(pid), time.perf_counter(), rss_kib(pid)
                await asyncio.gather(*(one(index) for index in range(sockets)))
                await asyncio.sleep(3)  # the presence rounds the connects asked for
                cpu, wall, memory = cpu_seconds(pid) - before, time.perf_counter() - started, rss_kib(pid) - memory
        finally:
            for socket in opened:
                await socket.close()
            worker.terminate()
    return {
        "sockets": sockets,
        "cpu_seconds": round(cpu, 2),
        "ms_per_socket": round(1000 * cpu / sockets, 1),
        "wall_seconds": round(wall, 1),
        "rss_kib_per_socket": round(memory / sockets, 1),
    }


if __name__ == "__main__":
    raise SystemExit(command_line("connect_cost", "sockets", 300, measure))
