"""The database part of a backup: a consistent copy taken while the server writes, and its way back.

SQLite: SQLite's online backup API (`sqlite3.Connection.backup`) copies every page in one step,
inside one read transaction, so the copy is the database as of one commit while other
connections go on writing (the database is in WAL mode, where a reader never blocks a writer);
the copy is then turned into a single self-contained file (no `-wal` beside it). It goes back
the same way, page by page into the target's own connection.

PostgreSQL: `pg_dump --format=custom`, which reads the whole database in one repeatable-read
transaction, and `pg_restore` in a single transaction, so a failed restore leaves nothing. The
password never appears on a command line (other users of the host can read those): it is handed
over in `PGPASSWORD`.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from services.backup_manifest import BackupError

SQLITE_FILE = "database/kring.sqlite3"
POSTGRES_FILE = "database/kring.dump"
_BUSY_MILLISECONDS = 60_000
_COPY_ROW = re.compile(r"^COPY \S*alembic_version \(version_num\) FROM stdin;$")


def kind_of(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def sqlite_path(database_url: str) -> Path:
    """The file of a `sqlite:///path` URL (`sqlite:////abs/path` for an absolute one)."""
    rest = database_url.split(":///", 1)[1].split("?", 1)[0]
    if not rest or rest == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(rest)


def snapshot_sqlite(database: Path, target: Path) -> str | None:
    """Copy the live database `database` into the new file `target`; returns the copy's schema
    revision."""
    if not database.is_file():
        raise BackupError(f"the database {database} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database, timeout=_BUSY_MILLISECONDS / 1000)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: every page in one step, one read transaction
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal to carry along
            return _revision(copy)
        finally:
            copy.close()
    finally:
        source.close()


def restore_sqlite(backup: Path, database: Path) -> None:
    """Write the backed-up database over `database` (made when missing)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(backup)
    try:
        target = sqlite3.connect(database, timeout=_BUSY_MILLISECONDS / 1000)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # as the server keeps it
        finally:
            target.close()
    finally:
        source.close()


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def dump_postgres(database_url: str, target: Path) -> str | None:
    """`pg_dump` the database into `target` (custom format); returns the dump's schema revision,
    read from the dump itself."""
    target.parent.mkdir(parents=True, exist_ok=True)
    uri, env = _libpq(database_url)
    _run([_tool("pg_dump"), "--format=custom", f"--file={target}", uri], env)
    listing = _run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(target)], env, capture=True
    )
    lines = listing.splitlines()
    for number, line in enumerate(lines[:-1]):
        if _COPY_ROW.match(line) and lines[number + 1] != "\\.":
            return lines[number + 1].strip()
    return None


def restore_postgres(backup: Path, database_url: str) -> None:
    """`pg_restore` the dump into the (empty) database; all or nothing. `--clean --if-exists`
    replaces the tables of a database that was migrated but holds no accounts yet."""
    uri, env = _libpq(database_url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(backup),
        ],
        env,
    )


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries the password."""
    parts = urlsplit(database_url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
    user = f"{quote(unquote(parts.username), safe='')}@" if parts.username else ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(("postgresql", f"{user}{host}{port}", parts.path, parts.query, "")), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(command: list[str], env: dict[str, str], *, capture: bool = False) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{Path(command[0]).name} failed: {reason}")
    return done.stdout if capture else ""
