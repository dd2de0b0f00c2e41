"""Photos and files on posts, comments and chat messages (`models.attachment`).

Upload first, then attach: `upload` checks and keeps a file as a draft of its uploader; the
service that writes the item calls `attach` in the item's unit of work with the drafts the form
or API referred to. Photos are re-encoded (`services.photos`) in the file-work pool; files are
kept as uploaded, by content hash, under `KRING_MEDIA_DIR/attachments/`. A file with text
(PDF, DOCX, ODT, text) is read in the sandbox at upload and, once attached, findable in search
by the item's audience.

Who may fetch an attachment is who may read its item, by that item's own rule (`posts`,
`comments`, `chat`); a draft only its uploader. Anyone else gets `NotFound`, as for the item.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Attachment,
    AttachmentKind,
    Audience,
    Circle,
    CircleKind,
    Comment,
    Document,
    ItemKind,
    Message,
    Post,
    User,
)
from models.base import utcnow
from models.database import SessionMaker
from services import files, photos, search
from services.access import readable_circle
from services.blocking import run_blocking
from services.errors import N_, Invalid, NotFound, TooLarge
from services.transactions import unit_of_work, writes

FOLDER = "attachments"
NAME = re.compile(r"[0-9a-f]{64}(-thumb)?\.[a-z0-9]{1,5}")  # matched whole
DRAFT_HOURS = 24
SWEEP_SECONDS = 3600.0
log = logging.getLogger("kring.attachments")
_OCTET_STREAM = "application/octet-stream"
TextReader = Callable[[Path, str], Awaitable[str]]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20_971_520
    per_item: int = 10
    max_pixels: int = 40_000_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class _Kept:
    kind: AttachmentKind
    file: str
    content_type: str
    size: int
    width: int = 0
    height: int = 0
    extension: str = ""
    extractable: bool = False


async def upload(
    db: AsyncSession,
    user: User,
    data: bytes,
    filename: str,
    *,
    media_dir: Path,
    limits: Limits = DEFAULT_LIMITS,
    read_text: TextReader | None = None,
) -> Attachment:
    """Keep an upload as a draft of `user`: a photo (told by its content) re-encoded, anything
    else as it is. `TooLarge` or `Invalid` with a message for the colleague. The picture work and
    the reading of its text come first, outside any transaction: a write held open meanwhile
    would keep every other colleague's writes waiting on SQLite."""
    if not data:
        raise Invalid(N_("Choose a file to upload."), field="file")
    if len(data) > limits.max_bytes:
        raise TooLarge(N_("The file is too large."), field="file")
    kept = await run_blocking(_keep, data, filename, media_dir / FOLDER, limits.max_pixels)
    text = ""
    if kept.extractable and read_text is not None:
        path = path_of(media_dir, kept.file)
        if path is not None:
            text = await read_text(path, kept.extension)
    attachment = Attachment(
        kind=kept.kind,
        uploader_id=user.id or 0,
        file=kept.file,
        filename=files.safe_filename(filename, "photo" if kept.kind is AttachmentKind.PHOTO else "file"),
        content_type=kept.content_type,
        size=kept.size,
        width=kept.width,
        height=kept.height,
        text=text,
    )
    async with unit_of_work(db):
        db.add(attachment)
        await db.flush()
    return attachment


def _keep(data: bytes, filename: str, folder: Path, max_pixels: int) -> _Kept:
    if photos.is_photo(data):
        processed = photos.process(data, max_pixels=max_pixels)
        digest = hashlib.sha256(processed.full).hexdigest()
        name = f"{digest}.{processed.extension}"
        _write(folder, name, processed.full)
        _write(folder, f"{digest}-thumb.{processed.extension}", processed.thumb)
        content_type = "image/webp" if processed.extension == "webp" else "image/jpeg"
        return _Kept(AttachmentKind.PHOTO, name, content_type, len(processed.full), processed.width, processed.height)
    known = files.detect(data, filename)
    extension = known.extension if known is not None else "bin"
    name = f"{hashlib.sha256(data).hexdigest()}.{extension}"
    _write(folder, name, data)
    return _Kept(
        AttachmentKind.FILE,
        name,
        known.content_type if known is not None else _OCTET_STREAM,
        len(data),
        extension=extension,
        extractable=known is not None and known.extractable,
    )


def _write(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        # Write then rename, so a reader never sees half a file.
        partial = folder / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(target)


def path_of(media_dir: Path, name: str) -> Path | None:
    """The file behind a stored name, or None for anything that is not one of ours."""
    if not NAME.fullmatch(name):
        return None
    path = media_dir / FOLDER / name
    return path if path.is_file() else None


def thumb_name(attachment: Attachment) -> str:
    stem, extension = attachment.file.rsplit(".", 1)
    return f"{stem}-thumb.{extension}"


async def attach(
    db: AsyncSession,
    user: User,
    ids: Sequence[int],
    target: str,
    *,
    circle_id: int | None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Attachment]:
    """Join `user`'s drafts `ids` to the item `target`, in the order given; call it in the
    item's unit of work. A draft that is not theirs, or attached already, is `NotFound`."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return []
    if len(unique) > limits.per_item:
        raise Invalid(
            N_("At most %(count)s photos and files per message."),
            field="attachments",
            params={"count": limits.per_item},
        )
    found = {
        a.id: a
        for a in (
            await db.exec(
                select(Attachment).where(
                    col(Attachment.id).in_(unique), Attachment.uploader_id == user.id, col(Attachment.target).is_(None)
                )
            )
        ).all()
    }
    if len(found) != len(unique):
        raise NotFound(N_("That upload is gone; add the file again."), field="attachments")
    now = utcnow()
    attached = []
    for position, attachment_id in enumerate(unique):
        attachment = found[attachment_id]
        attachment.target, attachment.circle_id = target, circle_id
        attachment.position, attachment.attached_at = position, now
        db.add(attachment)
        attached.append(attachment)
        if attachment.text:
            assert attachment.id is not None
            await search.index(db, search_entry(attachment), new=True)
    return attached


def search_entry(attachment: Attachment) -> search.Entry:
    """An attached file is found by its name and text, by the readers of its circle (or by
    everyone, on news and blog posts)."""
    assert attachment.id is not None
    return search.Entry(
        ItemKind.ATTACHMENT,
        attachment.id,
        attachment.filename,
        attachment.text,
        circle_id=attachment.circle_id,
        audience=Audience.CIRCLE if attachment.circle_id is not None else Audience.ORG,
        created_at=attachment.attached_at,
    )


async def forget(db: AsyncSession, targets: Sequence[str]) -> list[str]:
    """The attachments of deleted items: out of search and gone. Returns their stored files
    (and thumbnails), which may be shared with another attachment of the same content: hand
    them to `remove_unused` after the commit."""
    if not targets:
        return []
    gone = list((await db.exec(select(Attachment).where(col(Attachment.target).in_(list(targets))))).all())
    for attachment in gone:
        await search.unindex(db, ItemKind.ATTACHMENT, attachment.id or 0)
    await db.exec(delete(Attachment).where(col(Attachment.target).in_(list(targets))))
    return [name for attachment in gone for name in (attachment.file, thumb_name(attachment)) if name]


async def remove_unused(db: AsyncSession, media_dir: Path, files: Sequence[str]) -> int:
    """Delete the stored files no attachment uses any more (after the commit that forgot them:
    a rolled-back delete must still find its files); returns how many went."""
    removed = 0
    for name in dict.fromkeys(files):
        original = name.replace("-thumb.", ".")  # a thumbnail lives as long as its photo
        used = (
            await db.exec(select(func.count()).select_from(Attachment).where(col(Attachment.file) == original))
        ).one()
        path = path_of(media_dir, name)
        if not used and path is not None:
            await run_blocking(path.unlink, missing_ok=True)
            removed += 1
    return removed


async def set_findable(db: AsyncSession, target: str, *, findable: bool) -> None:
    """A hidden item's files leave search with it, and come back when it is restored."""
    for attachment in (await db.exec(select(Attachment).where(Attachment.target == target))).all():
        if not attachment.text:
            continue
        if findable:
            await search.index(db, search_entry(attachment))
        else:
            await search.unindex(db, ItemKind.ATTACHMENT, attachment.id or 0)


def attachment_data(attachment: Attachment) -> dict[str, Any]:
    """What a page shows of an attachment, as events carry it."""
    return {
        "id": attachment.id,
        "kind": attachment.kind.value,
        "name": attachment.filename,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "width": attachment.width,
        "height": attachment.height,
    }


async def data_for(db: AsyncSession, targets: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The attachments of each item in `targets` (one query), in their order."""
    shown: dict[str, list[dict[str, Any]]] = {target: [] for target in targets}
    if not targets:
        return shown
    rows = await db.exec(
        select(Attachment)
        .where(col(Attachment.target).in_(list(targets)))
        .order_by(col(Attachment.target), col(Attachment.position))
    )
    for attachment in rows.all():
        shown[attachment.target or ""].append(attachment_data(attachment))
    return shown


async def data_of(db: AsyncSession, target: str) -> list[dict[str, Any]]:
    return (await data_for(db, [target]))[target]


async def access_attachment(db: AsyncSession, user: User, attachment_id: int) -> Attachment:
    """The attachment if `user` may read the item it is on (a draft: if it is theirs)."""
    attachment = await db.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(N_("No such file."))
    if attachment.target is None:
        if attachment.uploader_id != user.id:
            raise NotFound(N_("No such file."))
        return attachment
    try:
        await _access_item(db, user, attachment.target)
    except NotFound:
        raise NotFound(N_("No such file.")) from None
    return attachment


async def _access_item(db: AsyncSession, user: User, target: str) -> Post | Comment | Message:
    from services import posts  # posts attaches through this module

    kind, _, number = target.partition(":")
    item_id = int(number)
    if kind == "post":
        return await posts.access_post(db, user, item_id)
    if kind == "comment":
        comment = await db.get(Comment, item_id)
        if comment is None or (comment.hidden_at is not None and comment.author_id != user.id):
            raise NotFound(N_("No such comment."))
        await posts.access_post(db, user, comment.post_id)
        return comment
    if kind == "message":
        message = await db.get(Message, item_id)
        if message is None or message.deleted_at is not None:
            raise NotFound(N_("No such message."))
        if message.hidden_at is not None and message.author_id != user.id:
            raise NotFound(N_("No such message."))
        await readable_circle(db, user, message.circle_id)
        return message
    raise NotFound(N_("No such file."))


async def item_url(db: AsyncSession, user: User, attachment: Attachment) -> str:
    """Where the item an attachment is on is shown."""
    item = await _access_item(db, user, attachment.target or "")
    if isinstance(item, Post):
        return f"/posts/{item.id}"
    if isinstance(item, Comment):
        return f"/posts/{item.post_id}#comment-{item.id}"
    return f"/circles/{item.circle_id}#chat"


async def circle_photos(db: AsyncSession, user: User, circle_id: int, *, limit: int = 200) -> list[Attachment]:
    """A circle's photos for its gallery, newest first: those on its posts and chat messages the
    colleague may read (hidden and deleted items left out)."""
    await readable_circle(db, user, circle_id)
    found = (
        await db.exec(
            select(Attachment)
            .where(Attachment.circle_id == circle_id, Attachment.kind == AttachmentKind.PHOTO)
            .order_by(col(Attachment.attached_at).desc(), col(Attachment.id).desc())
            .limit(limit)
        )
    ).all()
    shown = []
    for attachment in found:
        try:
            await _access_item(db, user, attachment.target or "")
        except NotFound:
            continue
        shown.append(attachment)
    return shown


@writes
async def keep_in_knowledge_base(
    db: AsyncSession, user: User, attachment_id: int, *, media_dir: Path, max_bytes: int, review_by: date
) -> Document:
    """Make an attached file a document of the item's circle (with this file as its first
    version, `user` responsible for it and `review_by` its review date), by anyone who may add
    documents there (`documents.create_document` checks)."""
    from services import documents  # documents' files are its own; nothing here is imported back

    attachment = await access_attachment(db, user, attachment_id)
    path = path_of(media_dir, attachment.file)
    if attachment.target is None or attachment.kind is not AttachmentKind.FILE or path is None:
        raise NotFound(N_("No such file."))
    circle = await db.get(Circle, attachment.circle_id or 0)
    if circle is not None and circle.kind is CircleKind.DIRECT:  # a conversation has no knowledge base
        raise Invalid(N_("A file from a conversation cannot be kept in the knowledge base: upload it there."))
    data = await run_blocking(path.read_bytes)
    return await documents.create_document(
        db,
        user,
        documents.Upload(data, attachment.filename),
        media_dir=media_dir,
        max_bytes=max_bytes,
        circle_id=attachment.circle_id,
        responsible_id=user.id,
        review_by=review_by,
    )


@writes
async def set_gallery(db: AsyncSession, user: User, circle_id: int, *, on: bool) -> None:
    """A circle's admins choose whether it shows its photos as a gallery."""
    access = await readable_circle(db, user, circle_id)
    access.standing.ensure_administer()
    access.circle.gallery = on
    db.add(access.circle)


@writes
async def sweep_drafts(db: AsyncSession, media_dir: Path, *, now: datetime | None = None) -> int:
    """Remove drafts older than a day that no item took, and their files when no other
    attachment shares them; returns how many drafts went."""
    cutoff = (now or utcnow()) - timedelta(hours=DRAFT_HOURS)
    stale = list(
        (
            await db.exec(
                select(Attachment).where(col(Attachment.target).is_(None), col(Attachment.created_at) < cutoff)
            )
        ).all()
    )
    for attachment in stale:
        await db.delete(attachment)
    await db.flush()
    for attachment in stale:
        shared = (
            await db.exec(select(func.count()).select_from(Attachment).where(Attachment.file == attachment.file))
        ).one()
        if not shared:
            for name in (attachment.file, thumb_name(attachment)):
                path = path_of(media_dir, name)
                if path is not None:
                    await run_blocking(path.unlink, missing_ok=True)
    return len(stale)


async def sweep_forever(sessions: SessionMaker, media_dir: Path, interval: float = SWEEP_SECONDS) -> None:
    """The lifespan's periodic task: drafts nobody attached go after a day (every worker runs
    it; two sweeping at once delete the same rows, which is harmless)."""
    while True:
        await asyncio.sleep(interval)
        try:
            async with sessions() as db:
                await sweep_drafts(db, media_dir)
        except Exception:
            log.exception("sweeping unattached uploads failed; trying again later")
