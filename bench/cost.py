"""What the cost measurements (`bench.connect_cost`, `bench.post_cost`) share: a scratch
PostgreSQL database, one Kring worker on the shared Redis, its CPU time, and py-spy on it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg

from harness import REPO, Worker

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret-" + "k" * 32


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process now, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def postgres(statement: str) -> None:
    """Run one statement on the server's maintenance database (to create or drop others)."""
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def scratch_database(label: str) -> AsyncIterator[str]:
    """A migrated PostgreSQL database of this run's own, dropped afterwards."""
    name = f"kring_bench_{label}_{os.getpid()}"
    await postgres(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        env = {**os.environ, "KRING_DATABASE_URL": url, "KRING_SECRET_KEY": SECRET}
        migrate = [sys.executable, "-m", "server", "migrate"]
        await asyncio.to_thread(subprocess.run, migrate, env=env, check=True, cwd=REPO, timeout=300)
        yield url
    finally:
        await postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_worker(database_url: str, tmp: Path, label: str, **env: str) -> Worker:
    """One `python -m server serve` on the shared Redis, with channels of its own."""
    worker_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KRING_")},
        "KRING_DATABASE_URL": database_url,
        "KRING_REDIS_URL": REDIS_URL,
        "KRING_REDIS_PREFIX": f"bench-{label}-{os.getpid()}",
        "KRING_SECRET_KEY": SECRET,
        "KRING_VAR_DIR": str(tmp / "var"),
        **env,
    }
    worker = Worker(worker_env, tmp, name=label)
    worker.start()
    return worker


@contextlib.asynccontextmanager
async def sampled(pid: int, profile: Path | None) -> AsyncIterator[None]:
    """py-spy samples `pid` into `profile` (raw collapsed stacks) while the block runs."""
    if profile is None:
        yield
        return
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [py_spy, "record", "-p", str(pid), "-f", "raw", "-o", str(profile), "-r", "200"]
    spy = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await asyncio.sleep(1)  # py-spy attaches
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        await asyncio.wait_for(spy.wait(), timeout=60)


Measure = Callable[[int, Path | None, Path], Coroutine[Any, Any, dict[str, float]]]


def command_line(name: str, count: str, default: int, measure: Measure) -> int:
    """`python -m bench.<name> [--<count> N] [--profile FILE]`: run `measure(N, profile, tmp)`
    in a scratch folder and print its figures as one JSON line."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}")
    parser.add_argument(f"--{count}", type=int, default=default)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix=f"kring-bench-{name}-") as tmp:
        result = asyncio.run(measure(getattr(args, count), args.profile, Path(tmp)))
    print(json.dumps(result))
    return 0
