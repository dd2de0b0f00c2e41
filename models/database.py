"""Engines, sessions and the migration check.

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the production database; the
async URL comes from `Settings.async_database_url`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

SessionMaker = async_sessionmaker[AsyncSession]
# Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE (see
# services.events.begin_write).
IMMEDIATE = "kring_immediate"


class DatabaseNotMigrated(Exception):
    """The schema is behind the code; the message says what to run."""


def make_engine(async_url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for `async_url`; SQLite files get WAL, foreign keys and a busy timeout."""
    if async_url.startswith("sqlite"):
        _ensure_sqlite_dir(async_url)
        engine = create_async_engine(async_url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(async_url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: AsyncEngine, info: dict[str, Any] | None = None) -> SessionMaker:
    """Sessions for `engine`; `info` is copied into every session (the event sink goes there)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info or {})


def alembic_config(sync_url: str | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if sync_url is not None:
        config.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def assert_migrated(engine: AsyncEngine) -> None:
    """Refuse to serve a database whose schema is not at the code's head revision."""
    async with engine.connect() as conn:
        current = await conn.run_sync(_current_revision)
    head = head_revision()
    if current != head:
        state = "empty" if current is None else f"at revision {current}"
        raise DatabaseNotMigrated(
            f"the database is {state}, the code needs {head}: run `python -m server migrate` first"
        )


def _current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _ensure_sqlite_dir(async_url: str) -> None:
    path = async_url.split(":///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN cannot be made IMMEDIATE; _sqlite_begin issues ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")
