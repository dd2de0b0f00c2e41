"""Fixtures: a clean database per test on SQLite and on PostgreSQL, the app, and browsers.

Every test that touches the database runs twice, once per backend (`backend` is parametrised).
PostgreSQL is the real server at 127.0.0.1:5432 (override with TEST_POSTGRES_URL); each xdist
worker gets a database of its own, migrated once and emptied before every test.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from alembic import command
from asgi_lifespan import LifespanManager
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from config import Settings, load_settings
from models import User, UserKind
from models.database import alembic_config
from server.app import create_app
from server.context import AppContext
from tests.support import BASE_URL, Visitor

# A developer's own KRING_* variables must not leak into the tests.
for _name in [name for name in os.environ if name.startswith("KRING_")]:
    del os.environ[_name]
# Ids' welcome on a first sign-in is a direct message, which moves every newcomer's badge and
# conversation list; the tests of the welcome turn it on, the rest count without it. Set here,
# so the servers tests start (real workers, browser servers) inherit it.
os.environ["KRING_IDS_WELCOME"] = "false"

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "test-secret-key-that-is-long-enough-0123456789"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# Databases are named per test run, so two runs on one machine (a developer's and CI's) never
# migrate or truncate each other's.
RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"{os.getpid():x}")[:10]


# The cases that run real workers for tens of seconds each go first: in collection order the trust
# suite came last, and its longest case then ran alone on one process while the other had
# nothing left to do. First, the short tests fill in around them at the end.
SLOW_FIRST = ("tests/trust/", "tests/realtime/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))  # stable: order kept within


@pytest.fixture(autouse=True)
def _collect_what_the_test_left() -> Iterator[None]:
    """A socket or connection a test leaves open is collected in that test's own teardown, so its
    ResourceWarning fails the test that leaked it, not whichever test the collector runs in next.

    What survives the collection is frozen (`gc.freeze`): a full collection walks every object in
    the process (the search's word lists, SQLAlchemy's and Hypothesis' caches: most of a second
    each time, which over the suite was minutes), and the next test's collection then walks only
    what that test made."""
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database that each test copies (cheaper than migrating per test)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "kring.db"
    command.upgrade(alembic_config(f"sqlite+aiosqlite:///{path}"), "head")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This worker's own migrated database on the PostgreSQL server, dropped at the end."""
    name = f"kring_test_{RUN}_{WORKER}"
    base, _, _ = POSTGRES_URL.rpartition("/")

    async def recreate() -> None:
        try:
            conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:
            pytest.fail(
                f"PostgreSQL at {POSTGRES_URL} is not answering ({exc}); start it: "
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
                pytrace=False,
            )
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(recreate())
    url = f"{base}/{name}"
    command.upgrade(alembic_config(url.replace("postgresql://", "postgresql+asyncpg://", 1)), "head")
    yield url
    asyncio.run(drop())


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    # Synchronous on purpose: the session fixtures it pulls in run Alembic, which starts its own
    # event loop and so cannot run inside the test's.
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "kring.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_empty_all(url))
    return url


# Per database: the one statement that empties it (see `_empty_all`).
_EMPTYING: dict[str, str] = {}


async def _empty_all(url: str) -> None:
    """Empty every table but the migration record, and restart every id sequence.

    DELETE, not TRUNCATE: TRUNCATE gives each of some thirty tables new files, which took most of
    a second per test on a busy machine; deleting the few rows a test leaves takes a few
    milliseconds. `session_replication_role = replica` skips the triggers and foreign-key checks
    on the way (the audit log's triggers refuse any DELETE, as they should everywhere else)."""
    conn = await asyncpg.connect(url)
    try:
        if url not in _EMPTYING:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('alembic_version', 'realtime_meta')"
            )
            sequences = await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            _EMPTYING[url] = "".join(
                [
                    "SET session_replication_role = replica;",
                    *(f'DELETE FROM "{row["tablename"]}";' for row in tables),  # noqa: S608 (names from the catalog)
                    *(f'ALTER SEQUENCE "{row["sequencename"]}" RESTART;' for row in sequences),
                    "SET session_replication_role = DEFAULT;",
                ]
            )
        await conn.execute(_EMPTYING[url])
    finally:
        await conn.close()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def settings(database_url: str, tmp_path: Path, settings_overrides: dict[str, Any]) -> Settings:
    return load_settings(
        **{
            "database_url": database_url,
            "var_dir": tmp_path / "var",
            "media_dir": tmp_path / "media",
            "secret_key": SECRET,
            "base_url": BASE_URL,
            **settings_overrides,
        }
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with LifespanManager(application) as manager:
        application.state.manager = manager
        yield application


@pytest.fixture
def context(app: Starlette) -> AppContext:
    ctx = app.state.manager._state["kring"]
    assert isinstance(ctx, AppContext)
    return ctx


@pytest.fixture
async def db(context: AppContext) -> AsyncIterator[AsyncSession]:
    """A database session for arranging and checking state, beside the app's own. It waits until
    the app's answerer has made the assistant's account (a write each app makes at its start, in
    the background), so a test's own read-then-write on SQLite never meets it half-way."""
    async with context.db() as session:
        deadline = time.monotonic() + 60  # generous: a loaded machine is slow, never this slow
        while time.monotonic() < deadline:
            found = (await session.exec(select(User.id).where(User.kind == UserKind.ASSISTANT))).first()
            # End the read each time: SQLite's read transaction keeps its snapshot, in which the
            # account made meanwhile would never appear (and the session starts fresh).
            await session.rollback()
            if found is not None:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the app's answerer never made the assistant's account")
        yield session


@pytest.fixture
async def new_visitor(app: Starlette) -> AsyncIterator[Callable[[], Awaitable[Visitor]]]:
    """Make any number of independent visitors (each a browser's cookie jar) of the app."""
    clients: list[httpx.AsyncClient] = []

    async def make() -> Visitor:
        transport = httpx.ASGITransport(app=app.state.manager.app)
        client = httpx.AsyncClient(transport=transport, base_url=BASE_URL, follow_redirects=False)
        clients.append(client)
        return Visitor(client)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def visitor(new_visitor: Callable[[], Awaitable[Visitor]]) -> Visitor:
    return await new_visitor()
