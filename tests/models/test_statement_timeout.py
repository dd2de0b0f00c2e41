"""The statement timeout: a runaway statement is stopped on both databases and the connection
serves the next one; without a timeout (migrations, commands) nothing is stopped."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from config import load_settings
from models.database import DatabaseBusy, make_engine
from tests.conftest import SECRET

# A statement that runs for about ten seconds on each backend.
_SLOW = {
    "postgresql": "SELECT pg_sleep(10)",
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500000000) "
    "SELECT count(*) FROM n",
}


async def test_a_runaway_statement_is_stopped_at_the_timeout(database_url: str, backend: str) -> None:
    engine = make_engine(
        load_settings(database_url=database_url, secret_key=SECRET).async_database_url, statement_timeout=0.5
    )
    try:
        async with engine.connect() as conn:
            started = time.monotonic()
            with pytest.raises(DatabaseBusy):
                await conn.execute(text(_SLOW[backend]))
            assert time.monotonic() - started < 8  # half a second, on a machine however loaded
            await conn.rollback()
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_a_short_statement_after_a_slow_transaction_is_not_stopped(database_url: str) -> None:
    engine = make_engine(
        load_settings(database_url=database_url, secret_key=SECRET).async_database_url, statement_timeout=0.5
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 1"))
            time.sleep(0.7)  # noqa: ASYNC251  (past the deadline of the statement before, on purpose)
            assert (await conn.execute(text("SELECT 2"))).scalar_one() == 2
    finally:
        await engine.dispose()
