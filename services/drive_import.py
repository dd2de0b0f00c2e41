"""Bringing a whole group-drive folder tree in, in one step.

Each folder on a file's way becomes a tag (numbering such as "01 " stripped, so "01 Organisatie/
Beleid" tags "organisatie" and "beleid"). A file whose content is already stored (the same
hash) is not stored again: it is reported as a duplicate of the first, or as unchanged when an
earlier import brought this very path, so a second run adds nothing. Junk (`~$` lock files,
`Thumbs.db`, `.DS_Store`, temporary and hidden files, empty files, links) and files of a kind
Kring does not take are skipped with their reason. File names never reach the media directory:
documents are stored by content hash (`services.files`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, User
from services import access, audit, documents, event_types, events, files, transactions, zip_safety
from services import tags as tag_names
from services.blocking import run_blocking
from services.errors import N_, Invalid, KringError
from services.transactions import writes

_NUMBERING = re.compile(r"^\s*\d+[\s._)-]+")
_SYSTEM_FILES = {"thumbs.db", ".ds_store", "desktop.ini", "ehthumbs.db"}
_TEMPORARY_ENDINGS = (".tmp", ".temp", ".bak", ".swp", "~")

REASONS = {
    "lock-file": "Office lock file",
    "system-file": "system file",
    "temporary-file": "temporary file",
    "hidden-file": "hidden file",
    "empty-file": "empty file",
    "link": "symbolic link",
    "unsupported-type": "kind of file not accepted",
    "too-large": "larger than the upload limit",
    "refused": "refused",
}


@dataclass
class Report:
    imported: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "counts": {
                "imported": len(self.imported),
                "duplicates": len(self.duplicates),
                "unchanged": len(self.unchanged),
                "skipped": len(self.skipped),
            },
        }


def folder_tag(name: str, prefix: str = "") -> str:
    """The tag a folder name gives: "02 Personeelszaken" → "personeelszaken"."""
    tag = tag_names.clean(_NUMBERING.sub("", name))
    return tag_names.clean(prefix + tag) if tag else ""


def junk_reason(path: Path) -> str | None:
    """Why a file is not a document, or None."""
    name = path.name
    lower = name.lower()
    if path.is_symlink():
        return "link"
    if name.startswith("~$") or lower.startswith(".~lock."):
        return "lock-file"
    if lower in _SYSTEM_FILES:
        return "system-file"
    if name.startswith("~") or lower.endswith(_TEMPORARY_ENDINGS):
        return "temporary-file"
    if name.startswith("."):
        return "hidden-file"
    if path.stat().st_size == 0:
        return "empty-file"
    return None


def walk(root: Path) -> Iterator[Path]:
    """Every file under `root` in a stable order (by path), links not followed."""
    for directory, subdirs, names in os.walk(root, followlinks=False):
        subdirs.sort()
        for name in sorted(names):
            yield Path(directory) / name


@dataclass(frozen=True)
class _Looked:
    reason: str | None
    data: bytes = b""
    digest: str = ""
    message: str = ""


def _look(path: Path, max_bytes: int) -> _Looked:
    """Read and judge one file (blocking: the file-work pool runs it)."""
    reason = junk_reason(path)
    if reason is None and path.stat().st_size > max_bytes:
        reason = "too-large"
    if reason is not None:
        return _Looked(reason)
    data = path.read_bytes()
    try:
        kind = files.detect(data, path.name)
    except KringError as error:  # an archive that unpacks to far more than its size
        return _Looked("refused", message=error.message)
    if kind is None:
        return _Looked("unsupported-type")
    return _Looked(None, data, hashlib.sha256(data).hexdigest())


def _files_under(root: Path) -> tuple[Path, list[Path]]:
    root = root.resolve()
    return root, list(walk(root))


async def import_drive(
    db: AsyncSession,
    user: User,
    root: Path,
    *,
    media_dir: Path,
    max_bytes: int,
    circle_id: int | None = None,
    tag_prefix: str = "",
    progress: Callable[[str], None] | None = None,
    tick: Callable[[Report], Awaitable[None]] | None = None,
) -> Report:
    """Import every document under `root` as `user` (see the module docstring); one transaction
    per file, so an interrupted import keeps what it did and a rerun picks up the rest. Reading,
    hashing and judging the files happen in the file-work pool, so a server's event loop stays
    free; `progress` hears each path before it is read, `tick` the report after each file."""
    report = Report()
    root, paths = await run_blocking(_files_under, root)
    for path in paths:
        relative = path.relative_to(root).as_posix()
        if progress is not None:
            progress(relative)
        await _import_one(db, user, path, relative, report, media_dir, max_bytes, circle_id, tag_prefix)
        if tick is not None:
            await tick(report)
    return report


async def _import_one(
    db: AsyncSession,
    user: User,
    path: Path,
    relative: str,
    report: Report,
    media_dir: Path,
    max_bytes: int,
    circle_id: int | None,
    tag_prefix: str,
) -> None:
    looked = await run_blocking(_look, path, max_bytes)
    if looked.reason is not None:
        skipped = {"path": relative, "reason": looked.reason}
        report.skipped.append(skipped | ({"message": looked.message} if looked.message else {}))
        return
    existing = await documents.find_by_hash(db, user, looked.digest)
    if existing is not None:
        entry = {"path": relative, "document_id": existing.document_id, "same_as": existing.source_path}
        (report.unchanged if existing.source_path == relative else report.duplicates).append(entry)
        await transactions.end_read(db)
        return
    tags = [tag for tag in (folder_tag(part, tag_prefix) for part in Path(relative).parent.parts) if tag]
    try:
        document = await documents.create_document(
            db,
            user,
            documents.Upload(looked.data, path.name, source_path=relative),
            media_dir=media_dir,
            max_bytes=max_bytes,
            title=path.stem,
            tags=tags,
            circle_id=circle_id,
        )
    except KringError as error:  # its unit of work undid it
        report.skipped.append({"path": relative, "reason": "refused", "message": error.message})
        return
    report.imported.append({"path": relative, "document_id": document.id, "tags": tags})


# --- The import an admin starts in the console (`server/pages/admin_import.py`) ---------------

# An import's whole summary (what the page lists) is kept as JSON beside the documents, under
# KRING_MEDIA_DIR, which every worker shares; its audit entry holds who, what and the counts.
SUMMARIES = "imports"
_IMPORT_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
IMPORT_ACTIONS = (audit.Action.DRIVE_IMPORTED.value, audit.Action.DRIVE_IMPORT_REFUSED.value)


@dataclass(frozen=True)
class Source:
    """What an admin gave: an uploaded zip (a file of the caller's) or a folder on the server."""

    name: str  # as the admin knows it: the zip's file name, or the folder under the import root
    zip_path: Path | None = None
    folder: Path | None = None


def folder_under(root: Path | None, name: str) -> Path:
    """The folder `name` under the configured import root; `Invalid` for anything outside it
    (an absolute path, `..`, a link leading out), for a missing folder, or when no root is set.
    Blocking (it resolves links): run it in the file-work pool."""
    if root is None:
        raise Invalid(N_("This server has no import folder (KRING_IMPORT_ROOT); upload a zip file."))
    base = root.resolve()
    folder = (base / name.strip()).resolve()
    if not name.strip() or "\x00" in name or not folder.is_relative_to(base):
        raise Invalid(N_("Name a folder inside the import folder."), field="folder")
    if not folder.is_dir():
        raise Invalid(N_("There is no such folder in the import folder."), field="folder")
    return folder


@dataclass
class _Progress:
    import_id: str
    name: str
    phase: str = "unpacking"
    total: int = 0
    read: int = 0
    extracted: int = 0
    imported: int = 0
    duplicates: int = 0
    junk: int = 0

    def count(self, report: Report) -> None:
        self.imported = len(report.imported)
        self.duplicates = len(report.duplicates) + len(report.unchanged)
        self.junk = len(report.skipped)
        self.read = self.imported + self.duplicates + self.junk

    def event(self) -> event_types.ImportProgress:
        return event_types.ImportProgress.model_validate(vars(self))


class _Announcer:
    """Records `import.progress` on the admin's topic: at most one per `interval` seconds
    while the import runs (the first at once), and always the last."""

    def __init__(self, db: AsyncSession, user: User, interval: float) -> None:
        self._db, self._user, self._interval = db, user, interval
        self._last: float | None = None

    async def __call__(self, progress: _Progress) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        await _record_progress(self._db, self._user, progress)


@writes
async def _record_progress(db: AsyncSession, user: User, progress: _Progress) -> None:
    await events.record(db, events.user_topic(user.id or 0), progress.event())


def _summary_path(media_dir: Path, import_id: str) -> Path:
    if not _IMPORT_ID.fullmatch(import_id):
        raise ValueError(f"not an import id: {import_id!r}")
    return media_dir / SUMMARIES / f"{import_id}.json"


def _write_summary(media_dir: Path, import_id: str, summary: dict[str, Any]) -> None:
    path = _summary_path(media_dir, import_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)  # whole or not at all


def _read_summary(media_dir: Path, import_id: str) -> dict[str, Any] | None:
    try:
        found = json.loads(_summary_path(media_dir, import_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


async def summary_of(media_dir: Path, entry: AuditEntry) -> dict[str, Any]:
    """What an import's page shows: its kept summary (`counts`, and the lists `imported`,
    `duplicates`, `unchanged`, `skipped`, or `refused`), with the audit entry's `name`; the entry's
    counts alone if the summary is gone."""
    after = dict(entry.after or {})
    import_id = after.get("import_id")
    kept = await run_blocking(_read_summary, media_dir, import_id) if isinstance(import_id, str) else None
    return {**after, **(kept or {})}


@writes
async def _finish(
    db: AsyncSession,
    user: User,
    action: audit.Action,
    source: Source,
    after: dict[str, Any],
    progress: _Progress,
    address: str,
) -> AuditEntry:
    """The import's audit entry and its last event, together."""
    kind = "zip" if source.zip_path is not None else "folder"
    entry = await audit.record(
        db,
        action,
        actor=user,
        subject=audit.Subject("import", None, source.name),
        after={"name": source.name, "source": kind, "import_id": progress.import_id, **after},
        address=address,
    )
    await events.record(db, events.user_topic(user.id or 0), progress.event())
    return entry


async def run_import(
    db: AsyncSession,
    user: User,
    source: Source,
    *,
    import_id: str,
    media_dir: Path,
    max_bytes: int,
    limits: zip_safety.Limits,
    work_dir: Path,
    address: str = "",
    interval: float = 0.25,
) -> AuditEntry:
    """Import `source` for an organisation admin, telling their tabs how far it is, and end with
    its summary kept (`summary_of`) and an audit entry with its counts (`drive.imported`), or,
    for a zip that failed its checks, its refused entries kept and `drive.import_refused`
    (nothing of it is imported). A zip is unpacked
    into a folder of its own under `work_dir`, removed afterwards. Meant to run in the
    background: every file's work happens in the file-work pool, never on the event loop."""
    access.ensure_org_admin(user)
    progress = _Progress(import_id, source.name)
    announce = _Announcer(db, user, interval)
    unpacked: Path | None = None
    try:
        if source.zip_path is not None:
            entries = await run_blocking(zip_safety.plan, source.zip_path, limits)
            progress.total = len(entries)
            await announce(progress)
            unpacked = Path(await run_blocking(tempfile.mkdtemp, prefix="unpacked-", dir=work_dir))
            unpacker = await run_blocking(zip_safety.Unpacker, source.zip_path, unpacked, limits)
            try:
                for entry in entries:
                    await run_blocking(unpacker.unpack, entry)
                    progress.extracted += 1
                    await announce(progress)
            finally:
                await run_blocking(unpacker.close)
            root = unpacked
        else:
            assert source.folder is not None
            root = source.folder
        progress.phase = "importing"
        progress.total = len((await run_blocking(_files_under, root))[1])
        announce = _Announcer(db, user, interval)  # the new phase shows at once

        async def tick(report: Report) -> None:
            progress.count(report)
            await announce(progress)

        report = await import_drive(db, user, root, media_dir=media_dir, max_bytes=max_bytes, tick=tick)
    except zip_safety.ZipRefused as refused:
        progress.phase = "refused"
        refusals = [refusal.as_dict() for refusal in refused.refusals]
        await run_blocking(_write_summary, media_dir, import_id, {"refused": refusals})
        after = {"counts": {"refused": len(refusals)}}
        return await _finish(db, user, audit.Action.DRIVE_IMPORT_REFUSED, source, after, progress, address)
    finally:
        if unpacked is not None:
            await run_blocking(shutil.rmtree, unpacked, ignore_errors=True)
    progress.phase = "done"
    progress.count(report)
    summary = report.as_dict()
    await run_blocking(_write_summary, media_dir, import_id, summary)
    after = {"counts": summary["counts"]}
    return await _finish(db, user, audit.Action.DRIVE_IMPORTED, source, after, progress, address)


async def announce_failure(db: AsyncSession, user: User, source: Source, import_id: str) -> None:
    """Tell the admin's tabs an import stopped on a fault of Kring's (logged by the caller)."""
    await _record_progress(db, user, _Progress(import_id, source.name, phase="failed"))


async def recent_imports(db: AsyncSession, user: User, *, limit: int = 10) -> list[AuditEntry]:
    """The console's imports and refusals, newest first, as their audit entries keep them."""
    access.ensure_org_admin(user)
    found = await db.exec(
        select(AuditEntry)
        .where(col(AuditEntry.action).in_(IMPORT_ACTIONS))
        .order_by(col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list(found.all())
