"""`python -m server restore PATH`: a backup (`services.backup`) back into an empty installation.

Nothing is touched until every file has been checked against the manifest and the target has
been found empty (no colleague's account in the database, no file in the media folder): a
damaged backup is refused naming its bad file, and a restore never mixes two installations.
The media files are copied beside the media folder first and moved into place only after the
database is in, so a full disk stops the restore before the database is written. The database is
then brought up to this Kring's schema (an older backup is upgraded as `migrate` would), and the
event log gets a new epoch: browsers still open on the old installation resume from scratch
rather than from positions the restored log never reached.

Sessions and API tokens come back with the database (their digests are in it) and keep working
whatever the secret key; see docs/backup.md for what a different key costs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import delete, func, inspect
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from config import Settings
from models import RealtimeMeta, User, UserKind
from models.database import alembic_config, make_engine
from services import database_dump
from services.backup import MEDIA, SETTINGS_FILE, recorded_settings, secret_fingerprint
from services.backup_manifest import BackupError, Manifest, copy_file, read_manifest, safe_relative, verify


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    media_files: int
    # Settings the backed-up installation had otherwise: (variable, then, now); now "" when unset.
    changed_settings: list[tuple[str, str, str]] = field(default_factory=list)
    same_secret_key: bool = True


def restore(settings: Settings, source: Path) -> Restored:
    manifest = read_manifest(source)
    verify(source, manifest)
    _check_compatible(settings, manifest)
    media = settings.media_dir
    if _holds_files(media):
        raise BackupError(f"the media folder {media} is not empty: restore into an empty installation")
    accounts = asyncio.run(_count_accounts(settings.async_database_url))
    if accounts:
        raise BackupError(
            f"the database already has {accounts} account{'' if accounts == 1 else 's'}: "
            "restore into an empty installation"
        )

    staging = media.with_name(f".{media.name}.restoring")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        copied = _stage_media(source, manifest, staging)
        if manifest.database == "sqlite":
            database_dump.restore_sqlite(
                source / database_dump.SQLITE_FILE, database_dump.sqlite_path(settings.database_url)
            )
        else:
            database_dump.restore_postgres(source / database_dump.POSTGRES_FILE, settings.database_url)
        _move_into_place(staging, media)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    command.upgrade(alembic_config(settings.async_database_url), "head")
    asyncio.run(_new_epoch(settings.async_database_url))
    return Restored(
        manifest=manifest,
        media_files=copied,
        changed_settings=_changed_settings(source, settings),
        same_secret_key=manifest.secret_key_fingerprint == secret_fingerprint(settings),
    )


def _check_compatible(settings: Settings, manifest: Manifest) -> None:
    kind = database_dump.kind_of(settings.database_url)
    if manifest.database != kind:
        raise BackupError(
            f"the backup holds a {manifest.database} database and KRING_DATABASE_URL names a {kind} one: "
            "restore it into the same kind"
        )
    revision = manifest.schema_revision
    if revision is None:
        raise BackupError("the backup's database was never migrated: there is nothing to restore")
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"the backup's schema revision {revision} is unknown to this Kring: "
            f"restore it with Kring {manifest.kring_version} or newer"
        )


def _holds_files(folder: Path) -> bool:
    """Any file at all, hidden ones too; empty folders (a server that started once) are fine."""
    if not folder.exists():
        return False
    if not folder.is_dir():
        return True
    return any(names for _, _, names in os.walk(folder))


async def _count_accounts(async_url: str) -> int:
    engine = make_engine(async_url)
    try:
        async with engine.connect() as connection:
            if not await connection.run_sync(_has_users_table):
                return 0
            query = select(func.count()).select_from(User).where(col(User.kind) == UserKind.PERSON)
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


def _has_users_table(connection: Connection) -> bool:
    return inspect(connection).has_table(str(User.__tablename__))


def _stage_media(source: Path, manifest: Manifest, staging: Path) -> int:
    copied = 0
    for entry in manifest.files:
        relative = safe_relative(entry.path)
        if relative.parts[0] != MEDIA or len(relative.parts) < 2:
            continue
        size, sha256 = copy_file(source / relative, staging / Path(*relative.parts[1:]))
        if (size, sha256) != (entry.size, entry.sha256):  # changed since `verify` read it
            raise BackupError(f"the backup is damaged: {entry.path} does not match its checksum")
        copied += 1
    return copied


def _move_into_place(staging: Path, media: Path) -> None:
    if media.exists():
        shutil.rmtree(media)  # only empty folders: `_holds_files` said so
    media.parent.mkdir(parents=True, exist_ok=True)
    if staging.exists():
        staging.rename(media)
    else:
        media.mkdir()


async def _new_epoch(async_url: str) -> None:
    engine = make_engine(async_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(delete(RealtimeMeta))  # the next reader makes a new one
    finally:
        await engine.dispose()


def _changed_settings(source: Path, settings: Settings) -> list[tuple[str, str, str]]:
    then: dict[str, str] = {}
    for line in (source / SETTINGS_FILE).read_text(encoding="utf-8").splitlines():
        name, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            then[name] = value
    now = recorded_settings(settings)
    return [(name, value, now.get(name, "")) for name, value in sorted(then.items()) if now.get(name, "") != value]
