"""A locked table (a migration, an administrator's `LOCK TABLE`, a long writer) makes requests
answer "try again" within `KRING_LIMIT_STATEMENT_SECONDS`, never hang; nothing is lost."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from server.context import AppContext
from tests.support import Visitor, make_user
from tests.trust.report import report

# Without the timeout the request below waits for as long as the lock is held: the test's own
# bound would end it, as a colleague's patience would.
PATIENCE = 30


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"limit_statement_seconds": 1}


@asynccontextmanager
async def _locked(backend: str, database_url: str) -> AsyncIterator[None]:
    """PostgreSQL: the documents table locked against readers and writers. SQLite: the whole
    database locked against writers (readers never wait in WAL mode)."""
    if backend == "postgresql":
        conn = await asyncpg.connect(database_url)
        try:
            async with conn.transaction():
                await conn.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")
                yield
        finally:
            await conn.close()
        return
    # Taken in a thread: waiting for the lock here must not hold up the app's loop, which may be
    # finishing a write of its own.
    lock = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    try:
        await asyncio.to_thread(lock.execute, "BEGIN IMMEDIATE")
        yield
        lock.execute("ROLLBACK")
    finally:
        lock.close()


async def test_a_locked_table_answers_503_within_the_timeout(
    db: AsyncSession, visitor: Visitor, context: AppContext, backend: str, database_url: str
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    made = await visitor.write("POST", "/api/v1/documents", files={"file": ("a.txt", b"Werkafspraken", "text/plain")})
    document = made.json()
    url = f"/api/v1/documents/{document['id']}"
    async with asyncio.timeout(90):  # the upload's text is read before the lock, not during it
        while not context.extractor.idle.is_set():
            await asyncio.sleep(0.02)

    async with _locked(backend, database_url), asyncio.timeout(PATIENCE):
        started = time.monotonic()
        busy = await visitor.write("PATCH", url, json={"title": "Nieuwe werkafspraken"})
        answered = time.monotonic() - started
        page = await visitor.get(f"/knowledge/documents/{document['id']}")
    report("statement-timeout", backend=backend, timeout_s=1, busy_answer_s=round(answered, 2))
    assert busy.status_code == 503
    assert busy.json()["error"]["code"] == "unavailable"
    assert busy.headers["retry-after"]
    if backend == "postgresql":
        assert page.status_code == 503
        assert "Kring krijgt nu even geen antwoord van zijn database. Probeer het zo opnieuw." in page.text
        assert page.headers["retry-after"]
    else:
        assert page.status_code == 200  # a reader never waits for SQLite's writer

    assert (await visitor.get(url)).json()["title"] == "a"  # the refused change changed nothing
    again = await visitor.write("PATCH", url, json={"title": "Nieuwe werkafspraken"})
    assert again.status_code == 200
    assert again.json()["title"] == "Nieuwe werkafspraken"
