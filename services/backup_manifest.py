"""A backup's manifest (`manifest.json`) and the copying that fills it.

Every file of a backup is listed with its size and SHA-256, taken from the bytes as they were
written into the backup (never from the source afterwards, which may have changed). The manifest
is written last and the folder is renamed into place after it, so a folder with a manifest is a
whole backup; a restore checks every file against it before touching anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = "manifest.json"
FORMAT = "kring-backup"
FORMAT_VERSION = 1
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the backup folder, with forward slashes
    size: int
    sha256: str


@dataclass
class Manifest:
    kring_version: str
    schema_revision: str | None
    database: str  # "sqlite" or "postgresql": the kind of database/ this backup holds
    created_at: str  # ISO 8601, UTC
    secret_key_fingerprint: str  # tells a restore whether the key is the same, without the key
    files: list[Entry] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data: dict[str, Any] = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError("not a Kring backup manifest")
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"the backup's format {data.get('format_version')} is not one this Kring reads")
        files = [Entry(str(e["path"]), int(e["size"]), str(e["sha256"])) for e in data["files"]]
        return cls(
            kring_version=str(data["kring_version"]),
            schema_revision=data["schema_revision"],
            database=str(data["database"]),
            created_at=str(data["created_at"]),
            secret_key_fingerprint=str(data["secret_key_fingerprint"]),
            files=files,
        )


def copy_file(source: Path, target: Path) -> tuple[int, str]:
    """Copy `source` to `target`, hashing the bytes written; returns (size, sha256)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return size, digest.hexdigest()


def checksum(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def files_under(folder: Path) -> list[Path]:
    """Every regular file under `folder`, relative to it, in a stable order. Names starting with
    a dot are a writer's half-written files (`.name.pid.part`, renamed into place when whole)
    and are left out; symbolic links are never followed out of the folder."""
    found: list[Path] = []
    if not folder.is_dir():
        return found
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(names):
            path = Path(directory) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                found.append(path.relative_to(folder))
    return found


def safe_relative(path: str) -> Path:
    """The manifest's `path` as a path inside the backup; `BackupError` for anything that would
    step out of it (a manifest is input like any other)."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(part in {"", ".", ".."} for part in pure.parts):
        raise BackupError(f"the backup's manifest names a file outside the backup: {path}")
    return Path(*pure.parts)


def read_manifest(root: Path) -> Manifest:
    path = root / MANIFEST
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{root} is not a Kring backup: it has no {MANIFEST}") from None
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{root} is not a Kring backup: its {MANIFEST} cannot be read") from None


def verify(root: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists; `BackupError` naming the first one missing or changed."""
    for entry in manifest.files:
        path = root / safe_relative(entry.path)
        if not path.is_file():
            raise BackupError(f"the backup is damaged: {entry.path} is missing")
        size, sha256 = checksum(path)
        if size != entry.size or sha256 != entry.sha256:
            raise BackupError(f"the backup is damaged: {entry.path} does not match its checksum")
