"""Upgrading an installation that already has documents gives them previews: migration 0021 marks
each version whose file has a preview `pending` (the runner or `make-previews` then makes it), and
a picture `none`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlmodel import col, select

from config import load_settings
from models import DocumentVersion, Extraction, Role
from models.database import alembic_config, make_engine, make_sessionmaker
from services import documents
from tests.conftest import SECRET
from tests.models.test_search_backfill import own_database
from tests.support import make_user

__all__ = ["own_database"]  # the fixture, a database of this test's own


async def test_the_upgrade_marks_existing_versions_for_a_preview(own_database: str, tmp_path: Path) -> None:
    async_url = load_settings(database_url=own_database, secret_key=SECRET).async_database_url
    engine = make_engine(async_url)
    try:
        async with make_sessionmaker(engine)() as db:
            editor = await make_user(db, role=Role.EDITOR)
            for name, data in (("rooster.txt", b"Het rooster."), ("foto.txt", b"Straks een foto.")):
                await documents.create_document(
                    db, editor, documents.Upload(data, name), media_dir=tmp_path, max_bytes=1 << 20
                )
    finally:
        await engine.dispose()

    await asyncio.to_thread(command.downgrade, alembic_config(async_url), "0021-1")
    engine = make_engine(async_url)
    try:
        async with engine.begin() as conn:  # before the previews, a picture was a version too
            await conn.execute(text("UPDATE document_versions SET file = sha256 || '.png' WHERE filename = 'foto.txt'"))
    finally:
        await engine.dispose()
    await asyncio.to_thread(command.upgrade, alembic_config(async_url), "head")

    engine = make_engine(async_url)
    try:
        async with make_sessionmaker(engine)() as db:
            found = (await db.exec(select(DocumentVersion).order_by(col(DocumentVersion.id)))).all()
            assert [(v.filename, v.preview, v.preview_pages) for v in found] == [
                ("rooster.txt", Extraction.PENDING, 0),
                ("foto.txt", Extraction.NONE, 0),
            ]
    finally:
        await engine.dispose()
