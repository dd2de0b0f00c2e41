"""Profile pictures: checked by content, stored by content hash under the media directory."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from services import accounts
from services.errors import N_, Invalid

AVATAR_DIR = "avatars"
AVATAR_NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp)$")
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def image_type(data: bytes) -> str | None:
    """The file type by its first bytes (never by its name): png, jpg, webp or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


async def set_avatar(db: AsyncSession, user: User, data: bytes, *, media_dir: Path, max_bytes: int) -> User:
    if not data:
        raise Invalid(N_("Choose a picture to upload."), field="avatar")
    if len(data) > max_bytes:
        raise Invalid(N_("The picture is too large."), field="avatar")
    kind = image_type(data)
    if kind is None:
        raise Invalid(N_("A profile picture must be a PNG, JPEG or WebP image."), field="avatar")
    name = f"{hashlib.sha256(data).hexdigest()}.{kind}"
    folder = media_dir / AVATAR_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        # Write then rename, so a reader never sees half a file.
        partial = folder / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(target)
    return await accounts.set_avatar(db, user, name)


def avatar_path(media_dir: Path, name: str) -> Path | None:
    """The file behind an avatar name, or None for anything that is not one of ours."""
    if not AVATAR_NAME.match(name):
        return None
    path = media_dir / AVATAR_DIR / name
    return path if path.is_file() else None
