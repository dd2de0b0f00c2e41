"""A colleague downloads all their data: asked for on their profile, made in the background.

`request_export` records the wish and wakes the `Exporter` (`services/exporting.py`) after the
commit; a runner takes it with `claim` (a conditional UPDATE, so of several workers exactly one
makes each zip; a claim older than `STALE_CLAIM` is a stopped worker's and is taken again),
writes the zip (`export_contents` says what is in it) under the media directory's `exports/`, and
the colleague gets a notification. The zip is only for them (`download_path`: anyone else gets
`NotFound`, as for something that is not there) and only for `KEEP`; `expire_due` then deletes it.
"""

from __future__ import annotations

import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DataExport, ExportState, NotificationKind, User
from models.base import utcnow
from services import assistant, export_contents, notifications
from services.blocking import run_blocking
from services.errors import N_, NotFound
from services.transactions import Outbox, require, unit_of_work, writes

FOLDER = "exports"
KEEP = timedelta(days=7)
STALE_CLAIM = timedelta(minutes=30)
GONE = N_("This download does not exist or has expired.")
PAGE_URL = "/profile#my-data"

README = """Kring: al je gegevens / all your data
=====================================

NEDERLANDS
Dit is alles wat je zelf in Kring hebt gemaakt of gekozen, op {date} (UTC). Wat collega's
schreven (andere reacties in een gesprek, andere berichten in een chat) staat er niet in: dat
zijn hun gegevens. Stemmen in anonieme peilingen staan er ook niet in: Kring bewaart die niet
onder je naam. Elk bestand .json is een lijst (profiel en meldingsinstellingen: één object);
tijden zijn ISO 8601 in UTC. De map files/ bevat je profielfoto, je foto's en bijlagen en de
bestanden van documenten die je hebt toegevoegd (elke versie).

ENGLISH
This is everything you made or chose in Kring yourself, as of {date} (UTC). What colleagues
wrote (other comments in a thread, other messages in a chat) is not included: that is their
data. Votes in anonymous polls are not included either: Kring does not keep them under your
name. Each .json file is a list (profile and notification settings: one object); times are
ISO 8601 in UTC. The folder files/ holds your profile picture, your photos and attachments, and
the files of documents you added (every version).

Files and their fields / Bestanden en hun velden
{fields}
"""


@writes
async def request_export(db: AsyncSession, user: User) -> DataExport:
    """Ask for a new export; while one is being made, that one is the answer."""
    pending = await db.exec(
        select(DataExport).where(
            DataExport.user_id == user.id, col(DataExport.state).in_([ExportState.WAITING, ExportState.WORKING])
        )
    )
    found = pending.first()
    if found is not None:
        return found
    export = DataExport(user_id=user.id or 0)
    db.add(export)
    await db.flush()
    require(db).then(Outbox.wake_exporter)
    return export


@dataclass(frozen=True)
class ExportView:
    """The colleague's newest export as their profile page shows it."""

    id: int
    status: str  # "working", "ready", "expired" or "failed"
    expires_at: datetime | None


async def view(db: AsyncSession, user: User) -> ExportView | None:
    rows = await db.exec(select(DataExport).where(DataExport.user_id == user.id).order_by(col(DataExport.id).desc()))
    export = rows.first()
    if export is None:
        return None
    match export.state:
        case ExportState.WAITING | ExportState.WORKING:
            status = "working"
        case ExportState.READY if export.expires_at is not None and export.expires_at > utcnow():
            status = "ready"
        case ExportState.FAILED:
            status = "failed"
        case _:
            status = "expired"
    return ExportView(export.id or 0, status, export.expires_at)


async def download_path(db: AsyncSession, user: User, export_id: int, media_dir: Path) -> Path:
    """The zip of the colleague's own ready export; `NotFound` for anyone else's or an expired one."""
    export = await db.get(DataExport, export_id)
    if (
        export is None
        or export.user_id != user.id
        or export.state is not ExportState.READY
        or export.expires_at is None
        or export.expires_at <= utcnow()
    ):
        raise NotFound(GONE)
    path = media_dir / FOLDER / export.file
    if not path.is_file():
        raise NotFound(GONE)
    return path


async def waiting(db: AsyncSession) -> list[int]:
    """Exports waiting for a runner, including those whose runner stopped mid-way."""
    rows = await db.exec(select(DataExport.id).where(_claimable(utcnow() - STALE_CLAIM)).order_by(col(DataExport.id)))
    return [export_id for export_id in rows.all() if export_id is not None]


def _claimable(stale_before: datetime) -> Any:
    return or_(
        col(DataExport.state) == ExportState.WAITING,
        (col(DataExport.state) == ExportState.WORKING) & (col(DataExport.claimed_at) < stale_before),
    )


@writes
async def claim(db: AsyncSession, export_id: int) -> DataExport | None:
    """Take the export for this worker, or None when another one has it (or it is done)."""
    now = utcnow()
    result = await db.exec(
        cast(
            Any,
            update(DataExport)
            .where(col(DataExport.id) == export_id, _claimable(now - STALE_CLAIM))
            .values(state=ExportState.WORKING, claimed_at=now),
        )
    )
    if result.rowcount != 1:
        return None
    export = await db.get(DataExport, export_id)
    if export is not None:
        await db.refresh(export)
    return export


async def prepare(db: AsyncSession, export_id: int, media_dir: Path) -> bool:
    """Claim one export, write its zip and tell its colleague; False when it was not ours to make."""
    export = await claim(db, export_id)
    if export is None:
        return False
    user = await db.get(User, export.user_id)
    if user is None or not user.is_active:
        async with unit_of_work(db):
            export.state = ExportState.FAILED
            db.add(export)
        return False
    user_id = user.id or 0
    contents = await export_contents.collect(db, user, media_dir)
    await db.rollback()  # end the read: the zip is written outside any transaction
    name = f"{secrets.token_hex(16)}.zip"
    size = await run_blocking(_write_zip, contents, media_dir / FOLDER, name, utcnow())
    async with unit_of_work(db):
        export = await db.get(DataExport, export_id)
        if export is None:
            return False
        now = utcnow()
        export.state, export.file, export.size = ExportState.READY, name, size
        export.ready_at, export.expires_at = now, now + KEEP
        db.add(export)
        ids = await assistant.assistant_user(db)
        await notifications.notify(
            db,
            [user_id],
            actor=ids,
            kind=NotificationKind.EXPORT_READY,
            about=notifications.About(subject=f"export:{export_id}", url=PAGE_URL, title=""),
        )
    return True


def _write_zip(contents: export_contents.Contents, folder: Path, name: str, now: datetime) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{name}.part"
    fields = "\n".join(f"- {kind}.json: {text}" for kind, text in export_contents.FIELDS.items())
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(date=now.strftime("%Y-%m-%d %H:%M"), fields=fields))
        for kind, rows in contents.kinds.items():
            archive.writestr(f"{kind}.json", json.dumps(rows, ensure_ascii=False, indent=2))
        for inside, stored in contents.files.items():
            archive.write(stored, inside)
    partial.rename(folder / name)  # a zip is there whole or not at all
    return (folder / name).stat().st_size


async def expire_due(db: AsyncSession, media_dir: Path, now: datetime | None = None) -> int:
    """Delete the zips whose seven days are over; each by the worker whose UPDATE took it."""
    now = now or utcnow()
    rows = await db.exec(
        select(DataExport.id, DataExport.file).where(
            DataExport.state == ExportState.READY, col(DataExport.expires_at) <= now
        )
    )
    due = rows.all()
    await db.rollback()
    expired = 0
    for export_id, file in due:
        async with unit_of_work(db):
            result = await db.exec(
                cast(
                    Any,
                    update(DataExport)
                    .where(col(DataExport.id) == export_id, col(DataExport.state) == ExportState.READY)
                    .values(state=ExportState.EXPIRED, file=""),
                )
            )
            await notifications.forget(db, [f"export:{export_id}"])
        if result.rowcount == 1:
            (media_dir / FOLDER / file).unlink(missing_ok=True)
            expired += 1
    return expired
