"""Document files: their type told by content (never by name), stored by content hash under
the media directory's `documents/` folder, so no name a user chose ever reaches the file system
and the same file uploaded twice is kept once.

Telling the type reads little of an archive (DOCX and ODT are zip files): its directory, which
may list at most `MAX_MEMBERS` files, and at most `_MIMETYPE_READ` bytes of one member, only
after the declared sizes say the archive does not unpack to more than `MAX_UNPACKED` bytes or
`MAX_RATIO` times its own size (a "zip bomb" is refused here; a file that lies about its sizes is
read, later, by the sandbox under its limits). `store` does its work off the event loop.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DocumentVersion
from services import images
from services.blocking import run_blocking
from services.errors import N_, Invalid, TooLarge
from services.transactions import writes

FOLDER = "documents"
PREVIEW_FOLDER = "previews"  # `services.previews`: a file's previews, by its content hash
NAME = re.compile(r"^[0-9a-f]{64}\.(pdf|docx|odt|txt|md|png|jpg|webp)$")


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    inline: bool  # shown in the browser rather than downloaded
    extractable: bool  # has text to search


TYPES = {
    "pdf": FileType("pdf", "application/pdf", inline=True, extractable=True),
    "docx": FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False, True),
    "odt": FileType("odt", "application/vnd.oasis.opendocument.text", inline=False, extractable=True),
    "txt": FileType("txt", "text/plain; charset=utf-8", inline=False, extractable=True),
    "md": FileType("md", "text/markdown; charset=utf-8", inline=False, extractable=True),
    "png": FileType("png", "image/png", inline=True, extractable=False),
    "jpg": FileType("jpg", "image/jpeg", inline=True, extractable=False),
    "webp": FileType("webp", "image/webp", inline=True, extractable=False),
}
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
MAX_MEMBERS = 10_000
MAX_UNPACKED = 1 << 30
MAX_RATIO = 200  # deflate packs at most about 1,030 to 1; office files about 5 to 70
_MIMETYPE_READ = 128
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_RECORD = 22  # bytes, before the archive's comment (at most 65,535)
_LOCK_SPACE = 0x4B52  # "KR": the advisory locks of document files
TOO_PACKED = N_("This file unpacks to far more than its own size and is not accepted.")


def detect(data: bytes, filename: str = "") -> FileType | None:
    """The type of `data` by its content, or None for a kind not accepted; `Invalid` for an
    archive that unpacks to far more than its size. The name only tells Markdown from plain
    text, both of which must be UTF-8 text without control bytes."""
    if data.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    picture = images.image_type(data)
    if picture is not None:
        return TYPES[picture]
    if _is_text(data):
        return TYPES["md"] if filename.lower().endswith((".md", ".markdown")) else TYPES["txt"]
    return None


def _zip_type(data: bytes) -> FileType | None:
    """DOCX, ODT or None; `Invalid` for an archive that unpacks to far more than its size."""
    members = _member_count(data)
    if members is None or members > MAX_MEMBERS:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            unpacked = sum(info.file_size for info in infos.values())
            if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * len(data):
                raise Invalid(TOO_PACKED, field="file")
            mimetype = infos.get("mimetype")
            if mimetype is not None and mimetype.file_size <= _MIMETYPE_READ:
                with archive.open(mimetype) as member:
                    if member.read(_MIMETYPE_READ).strip() == _ODT_MIMETYPE:
                        return TYPES["odt"]
            if "word/document.xml" in infos and "[Content_Types].xml" in infos:
                return TYPES["docx"]
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError):
        return None  # damaged, encrypted, or packed in a way zipfile does not read
    return None


def _member_count(data: bytes) -> int | None:
    """The number of files the archive's end record declares, read before its directory is
    parsed (that costs a Python object per member); None when there is no end record."""
    at = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - _END_RECORD - 65_535))
    if at < 0 or at + _END_RECORD > len(data):
        return None
    (members,) = struct.unpack_from("<H", data, at + 10)
    return int(members) if members != 0xFFFF else MAX_MEMBERS + 1  # 0xFFFF: a ZIP64 count, far too many


def _is_text(data: bytes) -> bool:
    try:
        text = data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        # A cut in the middle of a character at the sample's end is fine.
        try:
            text = data[:65530].decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            return False
    return not any(ord(char) < 32 and char not in "\t\n\r\f" for char in text)


@dataclass(frozen=True)
class Stored:
    name: str  # <sha256>.<ext>
    sha256: str
    type: FileType
    size: int


async def store(db: AsyncSession, data: bytes, *, media_dir: Path, max_bytes: int, filename: str = "") -> Stored:
    """Check and keep a document file for a version the caller adds in its write transaction;
    the same content twice is kept once. The work (hashing, telling the type, writing) runs in
    the file-work pool, never on the event loop. The file is held (`hold`) until the caller's
    transaction ends, so no collection removes it before the version referring to it is in."""
    checked = await run_blocking(_check, data, max_bytes=max_bytes, filename=filename)
    await hold(db, checked.name)
    await run_blocking(_keep, data, media_dir / FOLDER, checked.name)
    return checked


def _check(data: bytes, *, max_bytes: int, filename: str) -> Stored:
    if not data:
        raise Invalid(N_("Choose a file to upload."), field="file")
    if len(data) > max_bytes:
        raise TooLarge(N_("The file is too large."), field="file")
    kind = detect(data, filename)
    if kind is None:
        raise Invalid(
            N_("This kind of file is not accepted: upload a PDF, DOCX, ODT, text or Markdown file or a picture."),
            field="file",
        )
    digest = hashlib.sha256(data).hexdigest()
    return Stored(f"{digest}.{kind.extension}", digest, kind, len(data))


def _keep(data: bytes, target_dir: Path, name: str) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / name
    if not target.exists():
        partial = target_dir / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(target)


async def hold(db: AsyncSession, name: str) -> None:
    """Until the current write transaction ends, nobody else keeps or collects the file `name`.
    On PostgreSQL a transaction-scoped advisory lock on the name; on SQLite the write
    transaction (`BEGIN IMMEDIATE`) already excludes every other writer."""
    if db.get_bind().dialect.name == "postgresql":
        await db.exec(select(func.pg_advisory_xact_lock(_LOCK_SPACE, _lock_key(name))))


def _lock_key(name: str) -> int:
    return int(name[:8], 16) - (1 << 31)  # a signed 32-bit key from the hash's first digits


@writes
async def collect(db: AsyncSession, media_dir: Path, names: Iterable[str]) -> list[str]:
    """Remove those of the files `names` that no document version refers to any more, with their
    previews (a file is shared by every version with the same content); returns the names
    removed. Call it after the transaction that deleted the versions has committed."""
    removed: list[str] = []
    for name in sorted(set(names)):
        await hold(db, name)
        used = (await db.exec(select(DocumentVersion.id).where(col(DocumentVersion.file) == name).limit(1))).first()
        path = path_of(media_dir, name)
        if used is None and path is not None:
            await run_blocking(path.unlink, missing_ok=True)
            await run_blocking(shutil.rmtree, media_dir / PREVIEW_FOLDER / name.split(".")[0], ignore_errors=True)
            removed.append(name)
    return removed


def path_of(media_dir: Path, name: str) -> Path | None:
    """The file behind a stored name, or None for anything that is not one of ours."""
    if not NAME.match(name):
        return None
    path = media_dir / FOLDER / name
    return path if path.is_file() else None


def type_of(name: str) -> FileType:
    return TYPES[name.rsplit(".", 1)[1]]


def safe_filename(filename: str, fallback: str = "document") -> str:
    """A name to show and to offer on download: the last path part, printable, at most 255."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in unicodedata.normalize("NFC", name) if unicodedata.category(char)[0] != "C")
    name = name.strip().strip(".") or fallback
    return name[:255]
