"""Text from document files, for search: PDF (pypdf), DOCX (python-docx), ODT (odfpy), text.

Extraction runs in the background: an upload stores its version as `pending` and returns; a
runner (`Extractor`, owned by the web process's lifespan, or the import command itself) calls
`extract_pending`, which reads each pending file in a worker thread and records the text, or
the reason it failed, in a transaction of its own. A failure keeps the file and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zipfile
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DocumentVersion, Extraction
from models.database import SessionMaker
from services import files
from services.transactions import writes

MAX_TEXT = 1_000_000
log = logging.getLogger(__name__)


class ExtractionFailed(Exception):
    pass


def extract_text(path: Path, extension: str) -> str:
    """The text of one file; `ExtractionFailed` with a short reason when it cannot be read."""
    try:
        if extension == "pdf":
            text = _pdf(path)
        elif extension == "docx":
            text = _docx(path)
        elif extension == "odt":
            text = _odt(path)
        elif extension in {"txt", "md"}:
            text = path.read_bytes().decode("utf-8", errors="replace")
        else:
            return ""
    except ExtractionFailed:
        raise
    except Exception as exc:  # every library has its own errors for a damaged file
        raise ExtractionFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
    return text.replace("\x00", "")[:MAX_TEXT]


def _pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted:
        raise ExtractionFailed("the PDF is encrypted")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _odt(path: Path) -> str:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    try:
        document = load(str(path))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ExtractionFailed(f"not a readable ODT file: {exc}"[:300]) from exc
    texts: list[str] = []
    wanted = {(TEXTNS, "h"), (TEXTNS, "p")}

    def walk(node: Any) -> None:  # headings and paragraphs in document order
        for child in getattr(node, "childNodes", ()):
            if getattr(child, "qname", None) in wanted:
                texts.append(teletype.extractText(child))
            else:
                walk(child)

    walk(document.text)
    return "\n".join(texts)


async def extract_pending(sessions: SessionMaker, media_dir: Path, *, limit: int = 100) -> int:
    """Extract the text of up to `limit` pending versions, oldest first; returns how many."""
    from services import documents

    async with sessions() as db:
        pending = list(
            (
                await db.exec(
                    select(DocumentVersion.id, DocumentVersion.file)
                    .where(DocumentVersion.extraction == Extraction.PENDING)
                    .order_by(col(DocumentVersion.id))
                    .limit(limit)
                )
            ).all()
        )
        await db.commit()
    for version_id, name in pending:
        assert version_id is not None
        path = files.path_of(media_dir, name)
        try:
            if path is None:
                raise ExtractionFailed("the stored file is missing")
            text = await asyncio.to_thread(extract_text, path, name.rsplit(".", 1)[1])
        except ExtractionFailed as exc:
            log.warning("text extraction failed for document version %s: %s", version_id, exc)
            async with sessions() as db:
                await _record(db, version_id, "", str(exc))
            continue
        async with sessions() as db:
            await _record(db, version_id, text, None)
        await documents.reindex_version(sessions, version_id)
    return len(pending)


@writes
async def _record(db: AsyncSession, version_id: int, text: str, error: str | None) -> None:
    version = await db.get(DocumentVersion, version_id)
    if version is None or version.extraction is not Extraction.PENDING:
        return
    version.text = text
    version.extraction = Extraction.FAILED if error is not None else Extraction.DONE
    version.extraction_error = (error or "")[:300]
    db.add(version)
    await db.commit()


class Extractor:
    """The background runner: `wake()` after a commit that added pending versions; it also
    looks once at start-up, so versions left pending by a stopped process are done."""

    def __init__(self, sessions: SessionMaker, media_dir: Path) -> None:
        self._sessions = sessions
        self._media_dir = media_dir
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.idle = asyncio.Event()

    def start(self) -> None:
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="kring-extractor")

    def wake(self) -> None:
        self.idle.clear()
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                while await extract_pending(self._sessions, self._media_dir):
                    pass
            except Exception:
                log.exception("text extraction stopped; it resumes with the next upload")
            if not self._wake.is_set():
                self.idle.set()
