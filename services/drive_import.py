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
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from services import documents, files, transactions
from services import tags as tag_names
from services.errors import KringError

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
) -> Report:
    """Import every document under `root` as `user` (see the module docstring); one transaction
    per file, so an interrupted import keeps what it did and a rerun picks up the rest."""
    report = Report()
    root = root.resolve()  # noqa: ASYNC240  (the import command has nothing else to do meanwhile)
    for path in walk(root):
        relative = path.relative_to(root).as_posix()
        if progress is not None:
            progress(relative)
        reason = junk_reason(path)
        if reason is None and path.stat().st_size > max_bytes:
            reason = "too-large"
        if reason is not None:
            report.skipped.append({"path": relative, "reason": reason})
            continue
        data = path.read_bytes()
        try:
            kind = files.detect(data, path.name)
        except KringError as error:  # an archive that unpacks to far more than its size
            report.skipped.append({"path": relative, "reason": "refused", "message": error.message})
            continue
        if kind is None:
            report.skipped.append({"path": relative, "reason": "unsupported-type"})
            continue
        existing = await documents.find_by_hash(db, hashlib.sha256(data).hexdigest())
        if existing is not None:
            entry = {"path": relative, "document_id": existing.document_id, "same_as": existing.source_path}
            (report.unchanged if existing.source_path == relative else report.duplicates).append(entry)
            await transactions.end_read(db)
            continue
        tags = [folder_tag(part, tag_prefix) for part in Path(relative).parent.parts]
        try:
            document = await documents.create_document(
                db,
                user,
                documents.Upload(data, path.name, source_path=relative),
                media_dir=media_dir,
                max_bytes=max_bytes,
                title=path.stem,
                tags=[tag for tag in tags if tag],
                circle_id=circle_id,
            )
        except KringError as error:  # its unit of work undid it
            report.skipped.append({"path": relative, "reason": "refused", "message": error.message})
            continue
        report.imported.append({"path": relative, "document_id": document.id, "tags": [t for t in tags if t]})
    return report
