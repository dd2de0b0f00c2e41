"""Upgrading an installation that already has posts, chat, people and circles makes them findable
at once: the knowledge-base migration fills the search catalogue from what exists."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command

from config import load_settings
from models import CircleVisibility, ItemKind, User
from models.database import alembic_config, make_engine, make_sessionmaker
from services import chat, posts, search
from services.search import Query
from tests.conftest import POSTGRES_URL, RUN, SECRET, WORKER, _empty_all
from tests.support import make_circle, make_user


@pytest.fixture
def own_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of this test's own: it goes down and up a revision."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "kring.db")
        yield f"sqlite:///{tmp_path}/kring.db"
        return
    template_name = request.getfixturevalue("postgres_url").rsplit("/", 1)[1]
    name = f"kring_bf_{RUN}_{WORKER}_{secrets.token_hex(3)}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(_empty_all(url))
    yield url
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_the_migration_catalogues_what_already_exists(own_database: str) -> None:
    async_url = load_settings(database_url=own_database, secret_key=SECRET).async_database_url
    engine = make_engine(async_url)
    try:
        async with make_sessionmaker(engine)() as db:
            owner = await make_user(db, "Wendy Wijkcoach", job_title="Buurtcoach", skills=["schuldhulp"])
            outsider = await make_user(db)
            secret = await make_circle(db, owner, CircleVisibility.SECRET, name="Vertrouwelijk overleg")
            await posts.create_blog_post(db, owner, title="Mijn eerste week", body="Veel huisbezoeken gedaan.")
            await chat.post_message(db, owner, secret.id or 0, body="Het dossier van mevrouw Jansen.")
            owner_id, outsider_id = owner.id, outsider.id
    finally:
        await engine.dispose()

    # Back to before the knowledge base, and up again: the catalogue is rebuilt from the tables.
    await asyncio.to_thread(command.downgrade, alembic_config(async_url), "0005")
    await asyncio.to_thread(command.upgrade, alembic_config(async_url), "head")

    engine = make_engine(async_url)
    try:
        async with make_sessionmaker(engine)() as db:
            owner = await db.get(User, owner_id)
            outsider = await db.get(User, outsider_id)
            assert owner is not None
            assert outsider is not None

            async def kinds(user: User, text: str) -> list[ItemKind]:
                return [hit.item.kind for hit in (await search.search(db, user, Query(text=text))).hits]

            assert await kinds(outsider, "huisbezoeken") == [ItemKind.BLOG]
            assert await kinds(outsider, "schuldhulp") == [ItemKind.PERSON]
            assert await kinds(outsider, "buurtcoach") == [ItemKind.PERSON]
            assert await kinds(owner, "dossier") == [ItemKind.MESSAGE]
            assert await kinds(outsider, "dossier") == []
            assert await kinds(owner, "vertrouwelijk") == [ItemKind.CIRCLE]
            assert await kinds(outsider, "vertrouwelijk") == []
    finally:
        await engine.dispose()
