"""Document files: their type told by content (never by name), stored by content hash under
the media directory's `documents/` folder, so no name a user chose ever reaches the file system
and the same file uploaded twice is kept once."""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from services import images
from services.errors import N_, Invalid, TooLarge

FOLDER = "documents"
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


def detect(data: bytes, filename: str = "") -> FileType | None:
    """The type of `data` by its content. The name only tells Markdown from plain text, both of
    which must be UTF-8 text without control bytes."""
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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == _ODT_MIMETYPE:
                return TYPES["odt"]
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return TYPES["docx"]
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


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


def store(data: bytes, *, media_dir: Path, max_bytes: int, filename: str = "") -> Stored:
    """Check and keep a document file; the same content twice is kept once."""
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
    name = f"{digest}.{kind.extension}"
    target_dir = media_dir / FOLDER
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / name
    if not target.exists():
        partial = target_dir / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(target)
    return Stored(name, digest, kind, len(data))


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
