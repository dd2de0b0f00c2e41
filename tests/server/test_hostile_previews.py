"""Hostile files for the previews (issue 19): a malformed PDF, a PDF whose one picture decodes to
900 MB, and a DOCX of a million empty paragraphs (a zip bomb the upload would refuse by its ratio,
stored here as a drive import or an older Kring could have) are each refused or previewed within
the sandbox's limits, recorded with a reason, while the worker answers other requests and its
event loop never stalls (the loop's own stall, measured inside the process as
`tests/realtime/loop_watch.py` does, so a busy machine makes it slower, not red).

On SQLite only: what is tested is the sandbox and the event loop, which no backend changes."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Document, DocumentVersion, Extraction, Role
from server.context import AppContext
from services import files, previews
from services.transactions import unit_of_work
from tests.hostile_files import docx_bomb, malformed_pdf, pdf_image_bomb
from tests.realtime.loop_watch import LoopWatch, stalls
from tests.support import Visitor, make_user

STALL_BOUND = 0.1  # the 100 ms, as for the text's reading


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "limit_extract_cpu_seconds": 1,
        "limit_extract_wall_seconds": 60,
        "limit_extract_memory_bytes": 512 << 20,
    }


async def _store(db: AsyncSession, media_dir: Path, owner: int, title: str, data: bytes, extension: str) -> int:
    """A document version whose file is on disk and whose preview alone is pending."""
    sha256 = hashlib.sha256(data).hexdigest()
    name = f"{sha256}.{extension}"
    files._keep(data, media_dir / files.FOLDER, name)
    async with unit_of_work(db):
        document = Document(title=title, created_by=owner)
        db.add(document)
        await db.flush()
        assert document.id is not None
        db.add(
            DocumentVersion(
                document_id=document.id,
                number=1,
                file=name,
                sha256=sha256,
                filename=f"{title}.{extension}",
                content_type=files.TYPES[extension].content_type,
                size=len(data),
                uploaded_by=owner,
                extraction=Extraction.NONE,
                preview=Extraction.PENDING,
            )
        )
    return document.id


async def test_hostile_files_get_no_preview_or_one_within_the_limits_and_the_worker_keeps_answering(
    db: AsyncSession, visitor: Visitor, context: AppContext, tmp_path: Path
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    assert editor.id is not None
    await visitor.sign_in(editor)
    media = context.settings.media_dir
    ordinary = await _store(db, media, editor.id, "Gewoon", b"Het rooster van de paasvakantie.", "txt")

    hostile = {
        "kapot": await _store(db, media, editor.id, "kapot", malformed_pdf(), "pdf"),
        "plaatje": await _store(db, media, editor.id, "plaatje", pdf_image_bomb(), "pdf"),
        "alinea's": await _store(db, media, editor.id, "alinea's", docx_bomb(), "docx"),
    }
    watch_file = tmp_path / "loop"
    watch = LoopWatch(asyncio.get_running_loop(), watch_file)
    watch.start()
    since = time.monotonic()
    try:
        context.extractor.wake()
        answered_meanwhile = 0
        while not context.extractor.idle.is_set():
            answer = await visitor.get("/healthz")
            assert answer.status_code == 200
            answered_meanwhile += not context.extractor.idle.is_set()
            await asyncio.sleep(0.05)
        await _wait_done(context)
    finally:
        watch.stop()
    stall, lag = stalls(watch_file, since, time.monotonic())

    outcome = {}
    await db.rollback()
    for title, document_id in hostile.items():
        version = (await db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document_id))).one()
        outcome[title] = (version.preview, version.preview_error)
    assert outcome["kapot"] == (Extraction.FAILED, previews.UNREADABLE)
    # pdfium draws the picture at the page's scale, within the memory limit, or the limit stops it.
    assert outcome["plaatje"] in {
        (Extraction.DONE, ""),
        (Extraction.FAILED, previews.TOO_BIG),
        (Extraction.FAILED, previews.UNREADABLE),
    }
    assert outcome["alinea's"] == (Extraction.FAILED, previews.TOO_SLOW)
    assert answered_meanwhile >= 1
    assert (await visitor.get(f"/knowledge/documents/{ordinary}")).status_code == 200
    assert stall < STALL_BOUND, f"the event loop stalled {stall * 1000:.0f} ms (worst lag {lag * 1000:.0f} ms)"

    bomb = hostile["alinea's"]
    page = (await visitor.get(f"/knowledge/documents/{bomb}")).text
    assert "Geen voorbeeld: Het maken duurde te lang." in page


async def _wait_done(context: AppContext) -> None:
    async with asyncio.timeout(120):
        while not context.extractor.idle.is_set():
            await asyncio.sleep(0.05)
