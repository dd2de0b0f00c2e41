"""The schema comes from Alembic migrations, and an unmigrated database is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from asgi_lifespan import LifespanManager
from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel, select

import models  # noqa: F401  (registers the tables)
from config import load_settings
from models import CircleVisibility, Membership, Message
from models.database import DatabaseNotMigrated, alembic_config, make_engine, make_sessionmaker
from models.search import include_name, include_object
from server.app import create_app
from services import chat
from tests.conftest import SECRET
from tests.support import add_member, make_circle, make_user


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


async def test_rebuilding_the_circles_table_keeps_what_refers_to_it(tmp_path: Path) -> None:
    """Migration 0009 rebuilds `circles` on SQLite (to drop its name's unique constraint). With
    foreign keys enforced, dropping the old table deleted every membership, message and post of
    every circle through ON DELETE CASCADE, or failed as "database table is locked". An
    installation upgraded with its circles keeps everything in them, down and up again."""
    url = f"sqlite+aiosqlite:///{tmp_path}/kring.db"
    # The services write today's schema, so the circles are made at head and taken down to 0008.
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as db:
            owner, member = await make_user(db), await make_user(db)
            circle = await make_circle(db, owner, CircleVisibility.CLOSED, name="Buurtteam Oost")
            await add_member(db, owner, circle, member)
            await chat.post_message(db, member, circle.id or 0, body="Fijn dat ik erbij ben")
        steps = (
            (command.downgrade, "0008"),
            (command.upgrade, "head"),
            (command.downgrade, "0008"),
            (command.upgrade, "head"),
        )
        for step, revision in steps:
            await asyncio.to_thread(step, alembic_config(url), revision)
            async with make_sessionmaker(engine)() as db:
                members = (await db.exec(select(func.count()).select_from(Membership))).one()
                messages = (await db.exec(select(func.count()).select_from(Message))).one()
                assert (members, messages) == (2, 1), revision
    finally:
        await engine.dispose()
