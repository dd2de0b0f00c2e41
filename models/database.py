"""Engines, sessions and the migration check.

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the production database; the
async URL comes from `Settings.async_database_url`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

SessionMaker = async_sessionmaker[AsyncSession]
# Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE (see
# services.transactions.unit_of_work).
IMMEDIATE = "kring_immediate"


_DEADLINE = "kring_deadline"
_SQLITE_DEFAULT_BUSY_SECONDS = 30.0
# PostgreSQL's SQLSTATEs for a statement cancelled by `statement_timeout` and a lock not granted.
_PG_TIMEOUTS = frozenset({"57014", "55P03"})
# SQLite's messages for the same: the progress handler's interrupt, the busy timeout running out.
_SQLITE_TIMEOUTS = ("interrupted", "database is locked", "database table is locked")


class DatabaseNotMigrated(Exception):
    """The schema is behind the code; the message says what to run."""


class DatabaseBusy(Exception):
    """A statement ran past the statement timeout, or waited that long for a lock; the caller
    should answer "try again later" (the transaction was rolled back)."""


def make_engine(
    async_url: str, *, statement_timeout: float | None = None, foreign_keys: bool = True, **kwargs: Any
) -> AsyncEngine:
    """An engine for `async_url`; SQLite files get WAL, foreign keys and a busy timeout.

    `foreign_keys=False` is for migrations on SQLite: rebuilding a table (Alembic's batch mode)
    drops the old one, and with foreign keys enforced that drop would delete every row referring
    to it through `ON DELETE CASCADE` (a circle's memberships, say) or fail. The migration
    environment checks the keys itself afterwards (`PRAGMA foreign_key_check`).

    With `statement_timeout` (seconds), no statement runs or waits for a lock longer: PostgreSQL
    cancels it (`statement_timeout`), SQLite stops waiting for the write lock (busy timeout) or
    interrupts the statement (a progress handler), and the engine raises `DatabaseBusy`. Without
    it (migrations, commands) statements may run as long as they take."""
    if async_url.startswith("sqlite"):
        _ensure_sqlite_dir(async_url)
        busy = statement_timeout or _SQLITE_DEFAULT_BUSY_SECONDS
        engine = create_async_engine(async_url, connect_args={"timeout": busy}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy, statement_timeout, foreign_keys))
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        if statement_timeout is not None:
            event.listen(engine.sync_engine, "before_cursor_execute", _start_deadline)
            # COMMIT and ROLLBACK run without a cursor event: they must never meet an old deadline.
            event.listen(engine.sync_engine, "after_cursor_execute", _end_deadline)
            event.listen(engine.sync_engine, "handle_error", _end_deadline_on_error)
    else:
        if statement_timeout is not None:
            milliseconds = str(max(1, round(statement_timeout * 1000)))
            connect_args = kwargs.pop("connect_args", {})
            kwargs["connect_args"] = {**connect_args, "server_settings": {"statement_timeout": milliseconds}}
        engine = create_async_engine(async_url, pool_pre_ping=True, **kwargs)
    if statement_timeout is not None:
        event.listen(engine.sync_engine, "handle_error", _busy_on_timeout)
    return engine


def make_sessionmaker(engine: AsyncEngine, info: dict[str, Any] | None = None) -> SessionMaker:
    """Sessions for `engine`; `info` is copied into every session (the app's outbox goes there,
    `services.transactions.session_info`)."""
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


def _sqlite_pragmas(busy_seconds: float, statement_timeout: float | None, foreign_keys: bool) -> Any:
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        # The driver's own implicit BEGIN cannot be made IMMEDIATE; _sqlite_begin issues ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_seconds * 1000)}")
        cursor.close()
        if statement_timeout is not None:
            deadline = _Deadline(statement_timeout)
            record.info[_DEADLINE] = deadline
            # SQLite calls the handler every thousand virtual machine steps, in aiosqlite's thread.
            dbapi_connection.run_async(lambda driver: driver.set_progress_handler(deadline.passed, 1000))

    return on_connect


class _Deadline:
    """When the running statement of one SQLite connection must stop (set before each)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = float("inf")

    def start(self) -> None:
        self.at = time.monotonic() + self.seconds

    def end(self) -> None:
        self.at = float("inf")

    def passed(self) -> int:
        return 1 if time.monotonic() > self.at else 0


def _start_deadline(conn: Connection, *_args: Any) -> None:
    deadline = conn.info.get(_DEADLINE)
    if isinstance(deadline, _Deadline):
        deadline.start()


def _end_deadline(conn: Connection, *_args: Any) -> None:
    deadline = conn.info.get(_DEADLINE)
    if isinstance(deadline, _Deadline):
        deadline.end()


def _end_deadline_on_error(context: ExceptionContext) -> None:
    if context.connection is not None:
        _end_deadline(context.connection)


def _busy_on_timeout(context: ExceptionContext) -> None:
    if _is_timeout(context.original_exception):
        raise DatabaseBusy("the database did not answer within the statement timeout") from (
            context.sqlalchemy_exception or context.original_exception
        )


def _is_timeout(error: BaseException) -> bool:
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if code is not None:
        return str(code) in _PG_TIMEOUTS
    message = str(error).lower()
    return type(error).__name__ == "OperationalError" and message.startswith(_SQLITE_TIMEOUTS)


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")
