"""What operators rely on: who may read /metrics, and a database fault answered as one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.conftest import POSTGRES_URL
from tests.support import Visitor, make_user

TOKEN = "metrics-token-that-is-long-enough-0123456789"


async def test_metrics_are_closed_unless_the_settings_open_them(visitor: Visitor) -> None:
    refused = await visitor.get("/metrics")
    assert refused.status_code == 403
    assert "kring_" not in refused.text


@pytest.mark.parametrize("settings_overrides", [{"metrics_addresses": "127.0.0.1/32, 10.0.0.0/8"}])
async def test_metrics_answer_the_configured_addresses(visitor: Visitor, settings_overrides: dict[str, Any]) -> None:
    answer = await visitor.get("/metrics")  # the test client connects from 127.0.0.1
    assert answer.status_code == 200
    assert "kring_ws_connections" in answer.text


@pytest.mark.parametrize("settings_overrides", [{"metrics_addresses": "10.0.0.0/8", "metrics_token": TOKEN}])
async def test_metrics_answer_the_token_from_anywhere(visitor: Visitor, settings_overrides: dict[str, Any]) -> None:
    assert (await visitor.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
    assert (await visitor.get("/metrics")).status_code == 403
    answer = await visitor.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert "kring_ws_connections" in answer.text


@asynccontextmanager
async def database_refusing_connections(url: str) -> AsyncIterator[None]:
    """The test's PostgreSQL database stops taking connections and drops the ones it has, as a
    database being restarted or failed over does; afterwards it takes them again."""
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_database_fault_answers_503_json_for_the_api_and_a_page_for_browsers(
    db: AsyncSession, visitor: Visitor, database_url: str
) -> None:
    user = await make_user(db)
    assert (await visitor.sign_in(user)).status_code == 200
    await db.close()
    async with database_refusing_connections(database_url):
        api = await visitor.get("/api/v1/me")
        page = await visitor.get("/people")
    assert api.status_code == 503, api.text
    assert api.json()["error"]["code"] == "unavailable"
    assert int(api.headers["retry-after"]) > 0
    assert page.status_code == 503, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Kring krijgt nu even geen antwoord van zijn database." in page.text
    assert int(page.headers["retry-after"]) > 0
    assert (await visitor.get("/api/v1/me")).status_code == 200  # and back once it is
