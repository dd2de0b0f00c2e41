"""Documents' previews: made after commit by the background runner (`services.extraction`'s
`Extractor`, beside each version's text), in the sandbox, and kept under the media directory's
`previews/<sha256>/` (the file's content hash, so versions with the same content share them).

A version's `preview` is `pending` until the runner has been, then `done` (`preview_pages`
pictures of a PDF, each `page-<n>-<width>.webp`, or `preview.html`) or `failed` with a reason;
`none` for a file that has no preview (pictures are shown as they are). Reading a preview goes
through `documents.version_file`, the document's own access check; file work runs in the
file-work pool, never on the event loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from models import DocumentVersion, Extraction, User
from models.database import SessionMaker
from services import files
from services.blocking import run_blocking
from services.document_preview import WIDTHS as WIDTHS  # the pictures' widths, which the page offers
from services.document_preview import Preview, PreviewLimits, clean, make_preview
from services.errors import N_, NotFound
from services.sandbox import JobFailed, Limit, LimitHit, Sandbox
from services.transactions import writes

log = logging.getLogger(__name__)

FOLDER = files.PREVIEW_FOLDER
HTML = "preview.html"
PREVIEWABLE = frozenset({"pdf", "docx", "odt", "txt", "md"})
PICTURE = re.compile(r"^page-([1-9][0-9]{0,2})-([0-9]{3,4})\.webp$")
CONTENT_TYPE = "image/webp"
# Why a preview could not be made, as the page shows it (translated).
TOO_SLOW = N_("Making it took longer than allowed.")
TOO_BIG = N_("Making it needed more memory than allowed.")
MISSING = N_("The stored file is missing.")
UNREADABLE = N_("The file could not be read.")
SHOWN_REASONS = frozenset({TOO_SLOW, TOO_BIG, MISSING, UNREADABLE})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def state_for(name: str) -> Extraction:
    """A new version's preview state: `pending` if its kind of file has one."""
    return Extraction.PENDING if name.rsplit(".", 1)[-1] in PREVIEWABLE else Extraction.NONE


def folder_of(media_dir: Path, sha256: str) -> Path:
    if not _SHA256.match(sha256):
        raise ValueError("not a content hash")
    return media_dir / FOLDER / sha256


def picture_name(page: int, width: int) -> str:
    return f"page-{page}-{width}.webp"


async def make_one(
    sessions: SessionMaker, media_dir: Path, sandbox: Sandbox, limits: PreviewLimits, version_id: int, name: str
) -> None:
    """Make one version's preview and record it, or why it could not be made. Raises only what
    the sandbox raises on closing (`SandboxClosed`: the version stays pending) and errors of
    Kring's own, which the caller logs."""
    path = files.path_of(media_dir, name)
    sha256 = name.split(".", 1)[0]
    if path is None:
        async with sessions() as db:
            await record(db, version_id, None, MISSING)
        return
    try:
        preview = await sandbox.run(make_preview, path, name.rsplit(".", 1)[1], limits)
    except LimitHit as hit:
        log.warning("no preview for document version %s: the %s limit", version_id, hit.limit.value)
        async with sessions() as db:
            await record(db, version_id, None, TOO_BIG if hit.limit is Limit.MEMORY else TOO_SLOW)
        return
    except JobFailed as failed:
        log.warning("no preview for document version %s: %s", version_id, failed)
        async with sessions() as db:
            await record(db, version_id, None, UNREADABLE)
        return
    await run_blocking(_keep, folder_of(media_dir, sha256), preview)
    async with sessions() as db:
        await record(db, version_id, preview, None)


def _keep(folder: Path, preview: Preview) -> None:
    """Write the preview's files, each whole or not at all (a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {HTML: preview.html.encode()} if not preview.pages else {}
    for number, pictures in enumerate(preview.pages, 1):
        wanted.update({picture_name(number, width): data for width, data in pictures.items()})
    for name, data in wanted.items():
        partial = folder / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(folder / name)


@writes
async def record(db: AsyncSession, version_id: int, preview: Preview | None, error: str | None) -> None:
    version = await db.get(DocumentVersion, version_id)
    if version is None or version.preview is not Extraction.PENDING:
        return  # gone, or another runner recorded it first
    version.preview = Extraction.FAILED if error is not None else Extraction.DONE
    version.preview_error = error or ""
    version.preview_pages = len(preview.pages) if preview is not None else 0
    db.add(version)


async def html_of(media_dir: Path, version: DocumentVersion) -> str | None:
    """The version's preview as HTML, or None when it has pictures or none. Cleaned again here:
    the sandbox that cleaned it first is the process a hostile file may have taken over."""
    if version.preview is not Extraction.DONE or version.preview_pages:
        return None
    path = folder_of(media_dir, version.sha256) / HTML
    with contextlib.suppress(OSError):
        return await run_blocking(lambda: clean(path.read_text(encoding="utf-8")))
    return None


async def picture(
    db: AsyncSession, user: User, document_id: int, number: int, name: str, media_dir: Path
) -> tuple[DocumentVersion, Path]:
    """A preview picture of a version, for a reader of the document; `NotFound` for anything else."""
    from services import documents  # which makes versions with `state_for`

    version, _ = await documents.version_file(db, user, document_id, number, media_dir)
    shape = PICTURE.match(name)
    if shape is None or int(shape[1]) > version.preview_pages or int(shape[2]) not in WIDTHS:
        raise NotFound(N_("No such preview."))
    path = folder_of(media_dir, version.sha256) / name
    if not await run_blocking(path.is_file):
        raise NotFound(N_("No such preview."))
    return version, path
