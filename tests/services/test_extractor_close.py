"""Stopping the web process while a document's text is being recorded: the record finishes and
the text is kept, rather than the runner being cancelled in the middle of its database step
(which on SQLite left a connection for SQLAlchemy to terminate in a task of its own, and once
kept the event loop from closing)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DocumentVersion, Extraction, Role
from server.context import AppContext
from services import extraction
from tests.support import Visitor, make_user


async def test_closing_lets_a_reader_finish_recording_its_text(
    db: AsyncSession, visitor: Visitor, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = asyncio.Event()
    go_on = asyncio.Event()
    record = extraction._record

    async def held_record(*args: Any, **kwargs: Any) -> bool:
        recording.set()
        await go_on.wait()
        return await record(*args, **kwargs)

    monkeypatch.setattr(extraction, "_record", held_record)
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    made = await visitor.write("POST", "/api/v1/documents", files={"file": ("a.txt", b"Werkafspraken", "text/plain")})
    assert made.status_code == 201

    async with asyncio.timeout(60):
        await recording.wait()
        closing = asyncio.create_task(context.extractor.close())
        await asyncio.sleep(0)  # close has begun: it must wait for the record, not cancel it
        assert not closing.done()
        go_on.set()
        await closing

    db.expire_all()
    versions = (await db.exec(select(DocumentVersion))).all()
    assert [v.extraction for v in versions] == [Extraction.DONE]
    assert [v.text for v in versions] == ["Werkafspraken"]
