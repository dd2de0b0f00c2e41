"""The console's drive import of a zip: a hostile zip is refused whole with a report and its
audit entry, an entry that lies about its size is stopped at it, the demo drive zipped imports
with its progress told on the admin's topic and its audit entry, and a second import adds nothing;
a folder is taken only from under the import root."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import AuditEntry, Document, Event, Role, User
from models.database import SessionMaker, make_sessionmaker
from server.context import AppContext
from services import drive_import, zip_safety
from services.errors import Invalid, NotFound
from tests.support import DEMO_DRIVE, make_user

GIB = 1 << 30
LIMITS = zip_safety.Limits(entry_bytes=50 * 1024 * 1024, total_bytes=200 * 1024 * 1024)


def _declare_size(archive: bytes, name: str, size: int) -> bytes:
    """`archive` with the uncompressed size of `name` set to `size` in its local and central
    headers, as a crafted zip declares it (the data stays as it is)."""
    data = bytearray(archive)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at : start + name_at + len(encoded)] == encoded:
                struct.pack_into("<I", data, start + size_at, size)
            start += 4
    return bytes(data)


def _hostile_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("drive/Beleid/gewoon.txt", "Een gewoon document over het beleid.")
        archive.writestr("drive/../../buiten.txt", "uit de map ontsnapt")
        archive.writestr("/etc/cron.d/kring", "* * * * * root true")
        archive.writestr("C:/Windows/win.ini", "[boot]")
        link = zipfile.ZipInfo("drive/wachtwoorden.txt")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("drive/groot.txt", "klein, maar het zegt 1 GB")
        archive.writestr("drive/bom.txt", b"\0" * (2 * 1024 * 1024))
    return _declare_size(buffer.getvalue(), "drive/groot.txt", GIB)


def _left_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "imports"
    folder.mkdir()
    return folder


@pytest.fixture
def command_db(context: AppContext) -> SessionMaker:
    """Sessions without the web process's outbox: the test reads the events from the log, and
    no extractor reads the imported files meanwhile."""
    return make_sessionmaker(context.engine)


async def _run(
    db: AsyncSession, admin: User, zip_path: Path, settings: Settings, work_dir: Path, import_id: str
) -> AuditEntry:
    return await drive_import.run_import(
        db,
        admin,
        drive_import.Source(zip_path.name, zip_path=zip_path),
        import_id=import_id,
        media_dir=settings.media_dir,
        max_bytes=settings.limit_document_bytes,
        limits=LIMITS,
        work_dir=work_dir,
        address="10.0.0.7",
        interval=0.0,  # every step told, so the test sees the bar move without waiting on a clock
    )


async def _progress(db: AsyncSession, admin: User) -> list[dict[str, object]]:
    rows = await db.exec(
        select(Event).where(Event.topic == f"user:{admin.id}", Event.kind == "import.progress").order_by(col(Event.seq))
    )
    return [dict(row.data) for row in rows.all()]


async def test_a_hostile_zip_is_refused_whole_with_each_entry_and_why(
    db: AsyncSession, settings: Settings, tmp_path: Path, work_dir: Path
) -> None:
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN)
    upload = tmp_path / "groepsschijf.zip"
    upload.write_bytes(_hostile_zip())

    entry = await _run(db, admin, upload, settings, work_dir, "hostile")

    assert entry.action == "drive.import_refused"
    assert (entry.actor_id, entry.subject_type, entry.subject_label, entry.address) == (
        admin.id,
        "import",
        "groepsschijf.zip",
        "10.0.0.7",
    )
    assert entry.after == {
        "name": "groepsschijf.zip",
        "source": "zip",
        "import_id": "hostile",
        "counts": {"refused": 6},
    }
    summary = await drive_import.summary_of(settings.media_dir, entry)
    assert {(r["path"], r["reason"]) for r in summary["refused"]} == {
        ("drive/../../buiten.txt", "parent-folder"),
        ("/etc/cron.d/kring", "absolute-path"),
        ("C:/Windows/win.ini", "drive-letter"),
        ("drive/wachtwoorden.txt", "symlink"),
        ("drive/groot.txt", "too-large"),
        ("drive/bom.txt", "ratio"),
    }
    # Nothing of it was imported or left unpacked, and the admin's tab heard the refusal.
    assert (await db.exec(select(func.count()).select_from(Document))).one() == 0
    assert _left_in(work_dir) == []
    [told] = await _progress(db, admin)
    assert (told["phase"], told["import_id"], told["name"]) == ("refused", "hostile", "groepsschijf.zip")
    # The console lists it; a colleague who is not an admin cannot run or read imports.
    assert [found.id for found in await drive_import.recent_imports(db, admin)] == [entry.id]
    editor = await make_user(db, role=Role.EDITOR)
    with pytest.raises(NotFound):
        await drive_import.recent_imports(db, editor)
    with pytest.raises(NotFound):
        await _run(db, editor, upload, settings, work_dir, "editor")


def test_an_entry_that_lies_about_its_size_is_stopped_at_it(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("map/leugen.txt", os.urandom(200_000))
    upload = tmp_path / "leugen.zip"
    upload.write_bytes(_declare_size(buffer.getvalue(), "map/leugen.txt", 1000))
    [entry] = zip_safety.plan(upload, LIMITS)  # its header says 1000 bytes: it passes the plan
    assert entry.path == "leugen.txt"  # the one top folder is the drive itself
    unpacker = zip_safety.Unpacker(upload, tmp_path / "out", LIMITS)
    with pytest.raises(zip_safety.ZipRefused) as refused:
        unpacker.unpack(entry)
    unpacker.close()
    assert [(r.path, r.reason) for r in refused.value.refusals] in (
        [("map/leugen.txt", "damaged")],
        [("map/leugen.txt", "size-mismatch")],
    )
    assert (tmp_path / "out" / "leugen.txt").stat().st_size <= 1000


def _zipped_demo_drive(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(DEMO_DRIVE.rglob("*")):
            if file.is_file():
                archive.write(file, "groepsschijf/" + file.relative_to(DEMO_DRIVE).as_posix())
    return path


async def test_the_zipped_demo_drive_imports_with_progress_and_a_second_import_adds_nothing(
    db: AsyncSession, settings: Settings, tmp_path: Path, work_dir: Path, command_db: SessionMaker
) -> None:
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN)
    upload = _zipped_demo_drive(tmp_path / "Groepsschijf 2026.zip")
    files = sum(1 for file in DEMO_DRIVE.rglob("*") if file.is_file())

    async with command_db() as session:
        first = await _run(session, admin, upload, settings, work_dir, "first")
        second = await _run(session, admin, upload, settings, work_dir, "second")

    assert first.action == second.action == "drive.imported"
    assert (first.actor_id, first.subject_type, first.subject_label) == (admin.id, "import", "Groepsschijf 2026.zip")
    assert first.after is not None
    assert second.after is not None
    assert first.after == {
        "name": "Groepsschijf 2026.zip",
        "source": "zip",
        "import_id": "first",
        "counts": {"imported": 13, "duplicates": 1, "unchanged": 0, "skipped": 4},
    }
    # The summary keeps the links' targets, without the zip's top folder in the paths.
    summary = await drive_import.summary_of(settings.media_dir, first)
    assert summary["counts"] == first.after["counts"]
    assert {e["path"]: e["reason"] for e in summary["skipped"]}["03 Buurtkracht/Thumbs.db"] == "system-file"
    imported = {e["path"]: e["document_id"] for e in summary["imported"]}
    assert "01 Organisatie/Beleid/Klachtenregeling.docx" in imported
    assert all(isinstance(document_id, int) for document_id in imported.values())
    assert second.after["counts"] == {"imported": 0, "duplicates": 1, "unchanged": 13, "skipped": 4}
    assert (await db.exec(select(func.count()).select_from(Document))).one() == 13
    assert _left_in(work_dir) == []

    told = [e for e in await _progress(db, admin) if e["import_id"] == "first"]
    unpacking = [e for e in told if e["phase"] == "unpacking"]
    importing = [e for e in told if e["phase"] == "importing"]
    # Every file unpacked, then every file read, each step one more, and the last says done.
    assert [e["extracted"] for e in unpacking] == list(range(files + 1))
    assert [e["read"] for e in importing] == list(range(1, files + 1))
    assert {e["total"] for e in importing} == {files}
    assert told[-1]["phase"] == "done"
    assert (told[-1]["imported"], told[-1]["duplicates"], told[-1]["junk"]) == (13, 1, 4)


def test_a_folder_is_taken_only_from_under_the_import_root(tmp_path: Path) -> None:
    root = tmp_path / "schijven"
    (root / "Team Noord" / "Beleid").mkdir(parents=True)
    (tmp_path / "geheim").mkdir()
    (root / "uitweg").symlink_to(tmp_path / "geheim")
    assert drive_import.folder_under(root, "Team Noord") == (root / "Team Noord").resolve()
    assert drive_import.folder_under(root, "Team Noord/Beleid") == (root / "Team Noord" / "Beleid").resolve()
    for outside in ("../geheim", str(tmp_path / "geheim"), "uitweg", "Team Noord/../../geheim", "bestaat niet", " "):
        with pytest.raises(Invalid):
            drive_import.folder_under(root, outside)
    with pytest.raises(Invalid):
        drive_import.folder_under(None, "Team Noord")


def test_an_archive_over_its_limits_or_not_a_zip_is_refused_whole(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(3):
            archive.writestr(f"map/notulen {number}.txt", f"Notulen van overleg {number}. " * 40)
    upload = tmp_path / "drie.zip"
    upload.write_bytes(buffer.getvalue())
    cases = {
        "too-many-entries": zip_safety.Limits(entry_bytes=10_000, total_bytes=100_000, entries=2),
        "total-too-large": zip_safety.Limits(entry_bytes=10_000, total_bytes=2_000),
    }
    for reason, limits in cases.items():
        with pytest.raises(zip_safety.ZipRefused) as refused:
            zip_safety.plan(upload, limits)
        assert [(r.path, r.reason) for r in refused.value.refusals] == [("", reason)]
    assert len(zip_safety.plan(upload, LIMITS)) == 3
    fake = tmp_path / "geen.zip"
    fake.write_bytes(b"PK\x03\x04 dit lijkt op een zip maar is het niet")
    with pytest.raises(zip_safety.ZipRefused) as refused:
        zip_safety.plan(fake, LIMITS)
    assert [(r.path, r.reason) for r in refused.value.refusals] == [("", "not-a-zip")]
