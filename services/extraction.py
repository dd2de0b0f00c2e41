"""Reading uploaded documents' text for search, and making their previews, in the background
and in the sandbox.

An upload stores its version as `pending` and returns; a runner (`Extractor`, owned by the web
process's lifespan, or the import command itself through `extract_pending`) reads each pending
file with `services.document_text` in a process of the `Sandbox` (time, memory, page and
character limits) and records the text, or why it could not be read, in a transaction of its own;
then, in another process of the sandbox, it makes the version's preview when that is pending
(`services.previews`), and records it or why not.

Guarantees: several documents are read at once (as many as the sandbox has processes), so a
hostile one holds up only its own slot, and only until a limit stops it; every version that is
read ends `done` or `failed` (a failure keeps the file and says why); nothing one document does,
its file or its text, stops the runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DocumentVersion, Extraction
from models.database import SessionMaker
from services import files, previews
from services.document_preview import PreviewLimits
from services.document_text import TextLimits, read_text
from services.errors import N_
from services.sandbox import JobFailed, Limit, LimitHit, Sandbox, SandboxClosed
from services.transactions import unit_of_work, writes

log = logging.getLogger(__name__)
# What the fork server imports once, so each reading process starts at once.
PRELOAD = ("services.document_text", "services.document_preview")

# Why a file could not be read, as the page shows it (translated) and the API says it.
TOO_SLOW = N_("Reading the file took longer than allowed.")
TOO_BIG = N_("Reading the file needed more memory than allowed.")
MISSING = N_("The stored file is missing.")
SHOWN_REASONS = frozenset({TOO_SLOW, TOO_BIG, MISSING})  # others are a parser's words, for the log
_RETRY_SECONDS = 5.0  # after the database failed the runner's own query
# How long a closing runner waits for its readers to finish their database step before it
# cancels them after all.
_CLOSE_SECONDS = 10.0


@dataclass(frozen=True)
class Work:
    """A version with its text or its preview (or both) still to make."""

    version_id: int
    name: str  # the stored file's
    text: bool = True
    preview: bool = False


async def work_one(
    sessions: SessionMaker,
    media_dir: Path,
    sandbox: Sandbox,
    limits: TextLimits,
    preview_limits: PreviewLimits,
    work: Work,
) -> None:
    """The version's text, then its preview, each recorded; never raises but for cancellation."""
    if work.text:
        await extract_one(sessions, media_dir, sandbox, limits, work.version_id, work.name)
    if work.preview:
        try:
            await previews.make_one(sessions, media_dir, sandbox, preview_limits, work.version_id, work.name)
        except SandboxClosed:
            return  # the process is stopping: the preview stays pending for the next runner
        except Exception:
            log.exception("the preview of document version %s failed", work.version_id)
            with contextlib.suppress(Exception):  # or the runner would try it again at once, forever
                async with sessions() as db:
                    await previews.record(db, work.version_id, None, "an error of Kring's own; see the server log")


async def extract_one(
    sessions: SessionMaker, media_dir: Path, sandbox: Sandbox, limits: TextLimits, version_id: int, name: str
) -> None:
    """Read one version's text and record it, or why it could not be read; never raises but
    for cancellation (an error of its own is logged, and the version marked failed)."""
    from services import documents

    try:
        text, error = await _read(media_dir, sandbox, limits, version_id, name)
        # The text and its index entry commit together: a version that is `done` is findable.
        # (Two runners may read one version, the import command's and the web process's; the
        # one that comes second must not see it `done` before it is in the index.)
        async with sessions() as db, unit_of_work(db):
            if await _record(db, version_id, text, error) and error is None:
                await documents.reindex_version(db, version_id)
    except SandboxClosed:
        return  # the process is stopping: the version stays pending for the next runner
    except Exception:
        log.exception("text extraction of document version %s failed", version_id)
        with contextlib.suppress(Exception):
            async with sessions() as db:
                await _record(db, version_id, "", "an error of Kring's own; see the server log")


async def _read(
    media_dir: Path, sandbox: Sandbox, limits: TextLimits, version_id: int, name: str
) -> tuple[str, str | None]:
    path = files.path_of(media_dir, name)
    if path is None:
        return "", MISSING
    try:
        return await sandbox.run(read_text, path, name.rsplit(".", 1)[1], limits), None
    except LimitHit as hit:
        log.warning("document version %s could not be read: the %s limit", version_id, hit.limit.value)
        return "", TOO_BIG if hit.limit is Limit.MEMORY else TOO_SLOW
    except JobFailed as failed:
        log.warning("text extraction failed for document version %s: %s", version_id, failed)
        return "", str(failed)


async def pending(
    sessions: SessionMaker, *, besides: Collection[int] = (), limit: int = 100, previews: bool = True
) -> list[Work]:
    """Up to `limit` versions whose text or (with `previews`) preview is pending, oldest first,
    but those in `besides`."""
    text_pending = col(DocumentVersion.extraction) == Extraction.PENDING
    wanted = or_(text_pending, col(DocumentVersion.preview) == Extraction.PENDING) if previews else text_pending
    async with sessions() as db:
        statement = select(
            DocumentVersion.id, DocumentVersion.file, DocumentVersion.extraction, DocumentVersion.preview
        ).where(wanted)
        if besides:
            statement = statement.where(col(DocumentVersion.id).not_in(list(besides)))
        found = (await db.exec(statement.order_by(col(DocumentVersion.id)).limit(limit))).all()
    return [
        Work(version_id, name, text is Extraction.PENDING, previews and preview is Extraction.PENDING)
        for version_id, name, text, preview in found
        if version_id is not None
    ]


async def extract_pending(
    sessions: SessionMaker,
    media_dir: Path,
    sandbox: Sandbox,
    limits: TextLimits,
    *,
    preview_limits: PreviewLimits | None = None,
    limit: int = 100,
) -> int:
    """Read up to `limit` pending versions and, given `preview_limits`, make their pending
    previews, as many at once as the sandbox allows; returns how many versions were worked on
    (each is `done` or `failed` afterwards)."""
    found = await pending(sessions, limit=limit, previews=preview_limits is not None)
    shown = preview_limits or PreviewLimits()
    await asyncio.gather(*(work_one(sessions, media_dir, sandbox, limits, shown, work) for work in found))
    return len(found)


@writes
async def _record(db: AsyncSession, version_id: int, text: str, error: str | None) -> bool:
    """Record what was read; False if another runner already did (or the version is gone)."""
    version = await db.get(DocumentVersion, version_id)
    if version is None or version.extraction is not Extraction.PENDING:
        return False
    version.text = text
    version.extraction = Extraction.FAILED if error is not None else Extraction.DONE
    version.extraction_error = (error or "")[:300]
    db.add(version)
    return True


class Extractor:
    """The background runner: the unit of work's `Outbox` wakes it after a commit that added
    pending versions (`services.documents`); it also looks once at start-up, so versions left
    pending by a stopped process are read. Each version is read by a task of its own; `idle` is
    set while none is pending or being read.

    Closing stops the sandbox's jobs and lets every task end by itself rather than cancelling
    it: a task cancelled inside a database call leaves aiosqlite a connection to terminate in a
    task of SQLAlchemy's own, which could then keep the event loop from closing (seen as a
    600 s hang at the end of a test)."""

    def __init__(
        self,
        sessions: SessionMaker,
        media_dir: Path,
        sandbox: Sandbox,
        limits: TextLimits,
        preview_limits: PreviewLimits | None = None,
    ) -> None:
        self._sessions = sessions
        self._media_dir = media_dir
        self._sandbox = sandbox
        self._limits = limits
        self._preview_limits = preview_limits or PreviewLimits()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reading: dict[int, asyncio.Task[None]] = {}
        self._closing = False
        self.idle = asyncio.Event()

    async def read(self, path: Path, extension: str) -> str:
        """The text of a file that is no document version (a post's attachment), read in the
        sandbox under the same limits; "" when it cannot be read."""
        try:
            return await self._sandbox.run(read_text, path, extension, self._limits)
        except (LimitHit, JobFailed, SandboxClosed) as failed:
            log.warning("text of %s could not be read: %s", path.name, failed)
            return ""

    def start(self) -> None:
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="kring-extractor")

    def wake(self) -> None:
        self.idle.clear()
        self._wake.set()

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        self._sandbox.close()  # each reader's job ends now, and the reader with it
        tasks = [*self._reading.values(), *([self._task] if self._task is not None else [])]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=_CLOSE_SECONDS)
        for task in late:
            log.warning("%s did not end within %s s of closing; cancelling it", task.get_name(), _CLOSE_SECONDS)
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            try:
                found = await pending(self._sessions, besides=self._reading.keys())
            except Exception:
                log.exception("looking for documents to read failed; trying again in %s s", _RETRY_SECONDS)
                asyncio.get_running_loop().call_later(_RETRY_SECONDS, self._wake.set)
                continue
            if self._closing:
                return
            for work in found:
                self._reading[work.version_id] = asyncio.create_task(
                    self._read(work), name=f"kring-extract-{work.version_id}"
                )
            if not self._reading and not self._wake.is_set():
                self.idle.set()

    async def _read(self, work: Work) -> None:
        try:
            await work_one(self._sessions, self._media_dir, self._sandbox, self._limits, self._preview_limits, work)
        finally:
            del self._reading[work.version_id]
            self._wake.set()  # more may be pending; and whether all is read is decided there
