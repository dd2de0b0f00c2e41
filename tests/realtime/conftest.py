"""Fixtures for realtime tests with real worker processes on a database and Redis of their own."""

from __future__ import annotations

import asyncio
import gc
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from harness import HarnessError, Worker
from tests.conftest import POSTGRES_URL, RUN, SECRET, WORKER, _empty_all
from tests.realtime.processes import require_shared_redis


@pytest.fixture(autouse=True)
def collect_garbage_after() -> Iterator[None]:
    """These tests open many sockets against real processes. One left open is found by the
    garbage collector at some later moment, and `filterwarnings = error` fails whichever test
    runs then; collecting after each test (its event loop is closed by now) blames the one that
    left it."""
    yield
    gc.collect()


@pytest.fixture
def rt_backend() -> str:
    """The database the workers use; parametrise to change it."""
    return "postgresql"


@pytest.fixture
def fresh_database(rt_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, migrated database for this test alone: the workers keep state about the log, so
    tests never share one. Made before the test's event loop starts (it runs its own)."""
    if rt_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "realtime.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template_url: str = request.getfixturevalue("postgres_url")
    template_name = template_url.rsplit("/", 1)[1]
    name = f"kring_rt_{RUN}_{WORKER}_{secrets.token_hex(3)}"

    async def create() -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            # Copying the migrated worker database is much faster than migrating anew.
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        finally:
            await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(create())
    url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(_empty_all(url))  # the template holds the previous test's rows
    yield url
    asyncio.run(drop())


@pytest.fixture
def start_workers(tmp_path: Path) -> Iterator[Callable[..., list[Worker]]]:
    """Start `count` Kring worker processes sharing a database and a Redis."""
    started: list[Worker] = []
    prefix = f"test-{secrets.token_hex(4)}"  # channels of this test only, on the shared Redis

    def start(
        database_url: str,
        count: int = 2,
        *,
        redis_url: str | None = None,
        command: list[str] | None = None,
        **env: str,
    ) -> list[Worker]:
        redis = redis_url or require_shared_redis()
        base_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KRING_")},
            "KRING_DATABASE_URL": database_url,
            "KRING_REDIS_URL": redis,
            "KRING_REDIS_PREFIX": prefix,
            "KRING_SECRET_KEY": SECRET,
            "KRING_VAR_DIR": str(tmp_path / "var"),
            "KRING_REALTIME_SYNC_SECONDS": "0.5",
            "KRING_METRICS_ADDRESSES": "127.0.0.1",  # the tests read each worker's /metrics
            "KRING_IDS_WELCOME": "false",  # as in every test (tests/conftest.py); the welcome's own turn it on
            **env,
        }
        workers = [
            Worker(base_env, tmp_path, name=chr(ord("a") + len(started) + i), command=command) for i in range(count)
        ]
        for worker in workers:  # side by side: each spends seconds importing Kring
            worker.launch()
            started.append(worker)
        for worker in workers:
            try:
                worker.wait_ready()
            except HarnessError as exc:  # its log says why; the harness's own frames do not
                pytest.fail(str(exc), pytrace=False)
        return workers

    yield start
    for worker in started:
        worker.terminate()
