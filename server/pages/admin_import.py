"""The group-drive import in the console (`/beheer/import`): upload a zip, or name a folder
under `KRING_IMPORT_ROOT`; the import runs as a background task of this worker
(`services.drive_import.run_import`), its progress reaches the admin's tabs as `import.progress`
events, and its summary is kept (`drive_import.summary_of`), so a reload shows it.

The upload is streamed by the form parser to a temporary file (never held whole in memory) and
copied, in the file-work pool and within `KRING_LIMIT_IMPORT_BYTES`, to a file of the import's
own under `KRING_VAR_DIR/imports`, removed when the import ends.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
from pathlib import Path
from typing import IO

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from server.auth import client_address
from server.context import AppContext
from server.endpoints import Call, form_text
from server.pages.admin_pages import SECTIONS, admin_form, admin_page
from services import accounts, drive_import, zip_safety
from services.blocking import run_blocking
from services.errors import N_, Invalid, TooLarge

log = logging.getLogger("kring.import")
_PAGE = "/beheer/import"
_CHUNK = 1 << 20
# Why the import skipped a file, as the page says it (the codes are `drive_import.REASONS`').
SKIP_REASONS = {
    "lock-file": N_("Office lock file"),
    "system-file": N_("system file"),
    "temporary-file": N_("temporary file"),
    "hidden-file": N_("hidden file"),
    "empty-file": N_("empty file"),
    "link": N_("symbolic link"),
    "unsupported-type": N_("kind of file not accepted"),
    "too-large": N_("larger than the upload limit"),
    "refused": N_("refused"),
}
# The imports running in this worker: held here so none is collected while it runs.
_running: set[asyncio.Task[None]] = set()


def _work_dir(settings: Settings) -> Path:
    return settings.var_dir / "imports"


def _limits(settings: Settings) -> zip_safety.Limits:
    return zip_safety.Limits(
        entry_bytes=settings.limit_document_bytes, total_bytes=settings.limit_import_unpacked_bytes
    )


async def import_page(call: Call) -> Response:
    found = await drive_import.recent_imports(call.db, call.user)
    latest = found[0] if found else None
    return call.render(
        "admin/import.html",
        sections=SECTIONS,
        imports=found,
        latest=latest,
        summary=await drive_import.summary_of(call.ctx.settings.media_dir, latest) if latest else {},
        has_root=call.ctx.settings.import_root is not None,
        max_bytes=call.ctx.settings.limit_import_bytes,
        skip_reasons=SKIP_REASONS,
        zip_reasons=zip_safety.REASONS,
    )


def _keep_upload(source: IO[bytes], folder: Path, max_bytes: int) -> Path:
    """Copy the parser's temporary file to one of the import's own, refusing past `max_bytes`."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=".zip", prefix="upload-", dir=folder)
    path = Path(name)
    size = 0
    try:
        with open(handle, "wb") as out:
            source.seek(0)
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(N_("The zip file is larger than an import may be."))
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


async def upload(call: Call) -> Response:
    assert call.form is not None
    chosen = call.form.get("file")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        raise Invalid(N_("Choose a zip file."), field="file")
    settings = call.ctx.settings
    path = await run_blocking(_keep_upload, chosen.file, _work_dir(settings), settings.limit_import_bytes)
    _start(call, drive_import.Source(Path(chosen.filename).name[:200], zip_path=path), cleanup=path)
    return call.redirect(_PAGE, message=N_("The import has started."))


async def import_folder(call: Call) -> Response:
    name = form_text(call, "folder").strip()
    folder = await run_blocking(drive_import.folder_under, call.ctx.settings.import_root, name)
    _start(call, drive_import.Source(name[:200], folder=folder), cleanup=None)
    return call.redirect(_PAGE, message=N_("The import has started."))


def _start(call: Call, source: drive_import.Source, *, cleanup: Path | None) -> None:
    import_id = secrets.token_urlsafe(9)
    job = _run(call.ctx, call.user_id, source, import_id, client_address(call.request), cleanup)
    task = asyncio.create_task(job, name=f"kring-import-{import_id}")
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _run(
    ctx: AppContext, user_id: int, source: drive_import.Source, import_id: str, address: str, cleanup: Path | None
) -> None:
    settings = ctx.settings
    try:
        async with ctx.db() as db:
            user = await accounts.get_user(db, user_id)
            try:
                await drive_import.run_import(
                    db,
                    user,
                    source,
                    import_id=import_id,
                    media_dir=settings.media_dir,
                    max_bytes=settings.limit_document_bytes,
                    limits=_limits(settings),
                    work_dir=_work_dir(settings),
                    address=address,
                )
            except Exception:
                log.exception("the drive import %s of %r failed", import_id, source.name)
                async with ctx.db() as other:
                    await drive_import.announce_failure(other, user, source, import_id)
    except Exception:  # nothing awaits this task: what stopped it goes to the log
        log.exception("the drive import %s of %r could not run or report", import_id, source.name)
    finally:
        if cleanup is not None:
            await run_blocking(cleanup.unlink, missing_ok=True)


async def stop_imports() -> None:
    """Cancel the imports still running (the worker is stopping): each keeps the files it
    finished, one transaction per file, and a second import picks up the rest."""
    for task in list(_running):
        task.cancel()
    await asyncio.gather(*_running, return_exceptions=True)


def upload_routes(settings: Settings) -> list[Route]:
    """The console's import routes; the upload's body limit comes from the settings."""
    room = settings.limit_import_bytes + 65536  # multipart's headers around the file
    return [
        admin_page(_PAGE, import_page, name="admin_import"),
        admin_form(_PAGE, upload, name="admin_import_upload", max_files=1, max_body_size=room),
        admin_form(f"{_PAGE}/folder", import_folder, name="admin_import_folder"),
    ]
