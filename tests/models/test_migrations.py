"""The schema comes from Alembic migrations, and an unmigrated database is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers the tables)
from config import load_settings
from models.database import DatabaseNotMigrated, make_engine
from models.search import include_name, include_object
from server.app import create_app
from tests.conftest import SECRET


def _diff(conn: Connection) -> list[object]:
    # The full-text index is native to each backend and outside the models (models/search.py).
    context = MigrationContext.configure(conn, opts={"include_name": include_name, "include_object": include_object})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    """A model change without a migration fails here, on both backends."""
    engine = make_engine(load_settings(database_url=database_url, secret_key=SECRET).async_database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert differences == []


async def test_start_up_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/empty.db", var_dir=tmp_path, secret_key=SECRET)
    with pytest.raises(DatabaseNotMigrated, match=r"python -m server migrate"):
        async with LifespanManager(create_app(settings)):
            pass
