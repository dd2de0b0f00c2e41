"""`python -m server backup PATH`: a consistent backup of a running installation.

A backup is a folder:

    manifest.json              every other file's size and SHA-256, the schema revision, Kring's version
    database/kring.sqlite3     SQLite: the online backup API's copy
    database/kring.dump        PostgreSQL: pg_dump's custom format
    media/...                  KRING_MEDIA_DIR as it was (attachments, documents, previews, pictures)
    settings.env               the installation's settings, without secrets or this host's paths

Consistency while colleagues go on writing comes from the order of the parts. Every file in the
media folder is written whole (then renamed into place) *before* the transaction that refers to
it commits, and is never changed afterwards (files are named by their content). So: the media
folder is copied once, then the database is copied as of one commit, then the media folder is
walked again for the files written meanwhile. Every file the database copy refers to existed
before that commit, so it is in the first or the second pass. A file removed between the
database copy and the second pass (a document deleted in those seconds, right after it was
uploaded) is the one case left out, and a restore then shows that document without its file.

The secret key is never written into a backup: a backup is kept in more places than the key
should be, and whoever holds the key can forge the signed cookies. Sessions and API tokens do not
depend on it (only their digests are stored, in the database), so a restored installation keeps
its colleagues signed in with its own key too; the manifest keeps a fingerprint of the key so a
restore can say when it differs and what that costs (see docs/backup.md).
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from pydantic import SecretStr

from config import Settings
from config.settings import ENV_PREFIX
from services import database_dump
from services.backup_manifest import MANIFEST, BackupError, Entry, Manifest, checksum, copy_file, files_under

MEDIA = "media"
SETTINGS_FILE = "settings.env"
# Left out of settings.env: secrets (a backup must not be a key to the installation), and where
# this host keeps things (a restore target has its own database, Redis, folders and mail relay;
# an SMTP URL may carry a password too).
UNRECORDED = frozenset(
    {
        "secret_key",
        "metrics_token",
        "oidc_client_secret",
        "smtp_url",
        "database_url",
        "redis_url",
        "media_dir",
        "var_dir",
        "import_root",
    }
)


def kring_version() -> str:
    try:
        return metadata.version("kring")
    except metadata.PackageNotFoundError:
        return "unknown"


def secret_fingerprint(settings: Settings) -> str:
    """A short keyed digest that tells two keys apart and says nothing about either."""
    return hmac.new(settings.secret, b"kring backup: which secret key", hashlib.sha256).hexdigest()[:16]


def recorded_settings(settings: Settings) -> dict[str, str]:
    """The settings that describe the installation, as `KRING_*` variables; unset ones left out."""
    recorded: dict[str, str] = {}
    for name in type(settings).model_fields:
        if name in UNRECORDED:
            continue
        value = getattr(settings, name)
        if value is None or isinstance(value, SecretStr):
            continue
        recorded[f"{ENV_PREFIX}{name.upper()}"] = _as_variable(value)
    return recorded


def _as_variable(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def settings_env(settings: Settings) -> str:
    lines = [
        "# The settings of the installation this backup was made of; secrets and this host's paths",
        "# are left out (docs/backup.md). Usable as a compose env_file.",
    ]
    lines += [f"{name}={value}" for name, value in sorted(recorded_settings(settings).items())]
    return "\n".join(lines) + "\n"


def make_backup(settings: Settings, target: Path) -> Manifest:
    """Write a backup of the installation into the new folder `target`. It is made beside it
    (`<target>.partial`) and renamed into place once whole, so `target` is a complete backup or
    not there at all."""
    if target.resolve().is_relative_to(settings.media_dir.resolve()):
        raise BackupError(f"{target} is inside the media folder, which the backup copies")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty folder")
    partial = target.with_name(f"{target.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)  # what an interrupted earlier run left
    partial.mkdir(parents=True)
    try:
        manifest = _write(settings, partial)
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _write(settings: Settings, root: Path) -> Manifest:
    entries: dict[str, Entry] = {}
    media = settings.media_dir
    _copy_media(media, root, entries)  # first pass: the bulk, while writes go on
    kind = database_dump.kind_of(settings.database_url)
    if kind == "sqlite":
        database_file = database_dump.SQLITE_FILE
        revision = database_dump.snapshot_sqlite(database_dump.sqlite_path(settings.database_url), root / database_file)
    else:
        database_file = database_dump.POSTGRES_FILE
        revision = database_dump.dump_postgres(settings.database_url, root / database_file)
    _copy_media(media, root, entries)  # second pass: what was written until the database's commit
    database_entry = _entry_of(root, database_file)
    (root / SETTINGS_FILE).write_text(settings_env(settings), encoding="utf-8")
    manifest = Manifest(
        kring_version=kring_version(),
        schema_revision=revision,
        database=kind,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        secret_key_fingerprint=secret_fingerprint(settings),
        files=[database_entry, _entry_of(root, SETTINGS_FILE), *sorted(entries.values(), key=lambda e: e.path)],
    )
    (root / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _copy_media(media: Path, root: Path, entries: dict[str, Entry]) -> None:
    for relative in _new(files_under(media), entries):
        path = f"{MEDIA}/{relative.as_posix()}"
        try:
            size, sha256 = copy_file(media / relative, root / MEDIA / relative)
        except FileNotFoundError:
            continue  # removed since it was listed (the module's docstring says when that matters)
        entries[path] = Entry(path, size, sha256)


def _new(relatives: Iterable[Path], entries: dict[str, Entry]) -> list[Path]:
    return [relative for relative in relatives if f"{MEDIA}/{relative.as_posix()}" not in entries]


def _entry_of(root: Path, path: str) -> Entry:
    size, sha256 = checksum(root / path)
    return Entry(path, size, sha256)
