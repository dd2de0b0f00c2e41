"""Profile pictures."""

from __future__ import annotations

from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from services import accounts, images


async def set_avatar(db: AsyncSession, user: User, data: bytes, *, media_dir: Path, max_bytes: int) -> User:
    name = await images.store(data, media_dir=media_dir, folder="avatars", max_bytes=max_bytes)
    return await accounts.set_avatar(db, user, name)
