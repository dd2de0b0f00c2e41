"""Uploaded pictures (profile pictures, news covers, the organisation's branding): checked by
content, stored by content hash under the media directory, so no name a user chose ever reaches
the file system. Storing one (hashing and writing) runs in the file-work pool, off the event loop."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from services.blocking import run_blocking
from services.errors import N_, Invalid

NAME = re.compile(r"[0-9a-f]{64}\.(png|jpg|webp)")  # matched whole
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
FOLDERS = frozenset({"avatars", "covers", "brand", "inline"})


def image_type(data: bytes) -> str | None:
    """The file type by its first bytes (never by its name): png, jpg, webp or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


async def store(data: bytes, *, media_dir: Path, folder: str, max_bytes: int) -> str:
    """Keep a picture and return its name (`<sha256>.<type>`); the same picture twice is kept once."""
    return await run_blocking(_store, data, media_dir=media_dir, folder=folder, max_bytes=max_bytes)


def _store(data: bytes, *, media_dir: Path, folder: str, max_bytes: int) -> str:
    assert folder in FOLDERS
    if not data:
        raise Invalid(N_("Choose a picture to upload."), field="picture")
    if len(data) > max_bytes:
        raise Invalid(N_("The picture is too large."), field="picture")
    kind = image_type(data)
    if kind is None:
        raise Invalid(N_("A picture must be a PNG, JPEG or WebP image."), field="picture")
    name = f"{hashlib.sha256(data).hexdigest()}.{kind}"
    target_dir = media_dir / folder
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / name
    if not target.exists():
        # Write then rename, so a reader never sees half a file.
        partial = target_dir / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(target)
    return name


def path_of(media_dir: Path, folder: str, name: str) -> Path | None:
    """The file behind a stored picture's name, or None for anything that is not one of ours."""
    if folder not in FOLDERS or not NAME.fullmatch(name):
        return None
    path = media_dir / folder / name
    return path if path.is_file() else None
