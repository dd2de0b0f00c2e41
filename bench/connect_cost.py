"""Worker CPU per connecting socket: what a connect storm and an all-day idle organisation cost.

    python -m bench.connect_cost [--sockets 300] [--profile FILE]

Seeds a PostgreSQL database of its own, starts one Kring worker on the shared Redis, connects
`--sockets` colleagues with their API tokens, each subscribing to its user topic, `org` and one
circle (50 at a time, as a browser tab does on load), waits until every `subscribed` frame is
in and a few presence rounds have passed, and prints the worker's CPU seconds (user + system,
from /proc) per socket. With `--profile`, py-spy samples the worker meanwhile (raw collapsed
stacks, for `python -m bench.profile_summary`). The figure is CPU time, not wall time, so other
work on the machine moves it far less than a latency would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from websockets.asyncio.client import ClientConnection, connect

from bench.seed import seed
from tests.realtime.processes import REPO, Worker

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
AT_ONCE = 50


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _postgres(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


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
    name = f"kring_bench_connect_{os.getpid()}"
    await _postgres(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        env = {**os.environ, "KRING_DATABASE_URL": url, "KRING_SECRET_KEY": "bench-secret-" + "k" * 32}
        migrate = [sys.executable, "-m", "server", "migrate"]
        await asyncio.to_thread(subprocess.run, migrate, env=env, check=True, cwd=REPO, timeout=300)
        org = await seed(url, users=sockets, hot_members=0, work_members=0, storm_members=sockets, feed_circles=1)
        worker_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KRING_")},
            "KRING_DATABASE_URL": url,
            "KRING_REDIS_URL": REDIS_URL,
            "KRING_REDIS_PREFIX": f"bench-connect-{os.getpid()}",
            "KRING_SECRET_KEY": env["KRING_SECRET_KEY"],
            "KRING_VAR_DIR": str(tmp / "var"),
        }
        worker = Worker(worker_env, tmp, name="connect")
        worker.start()
        spy: asyncio.subprocess.Process | None = None
        opened: list[ClientConnection] = []
        try:
            assert worker.process is not None
            pid = worker.process.pid
            if profile is not None:
                py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
                command = [py_spy, "record", "-p", str(pid), "-f", "raw", "-o", str(profile), "-r", "200"]
                spy = await asyncio.create_subprocess_exec(
                    *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                await asyncio.sleep(1)
            gate = asyncio.Semaphore(AT_ONCE)

            async def one(index: int) -> None:
                circle = org.storm_circles[index % len(org.storm_circles)]
                topics = [f"user:{org.user_ids[index]}", "org", f"circle:{circle}"]
                async with gate:
                    opened.append(await _connect(worker.ws_url, org.tokens[index], topics))

            before, started = cpu_seconds(pid), time.perf_counter()
            await asyncio.gather(*(one(index) for index in range(sockets)))
            await asyncio.sleep(3)  # the presence rounds the connects asked for
            cpu, wall = cpu_seconds(pid) - before, time.perf_counter() - started
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await asyncio.wait_for(spy.wait(), timeout=60)
            for socket in opened:
                await socket.close()
            worker.terminate()
    finally:
        await _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "sockets": sockets,
        "cpu_seconds": round(cpu, 2),
        "ms_per_socket": round(1000 * cpu / sockets, 1),
        "wall_seconds": round(wall, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.connect_cost")
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kring-bench-connect-") as tmp:
        result = asyncio.run(measure(args.sockets, args.profile, Path(tmp)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
