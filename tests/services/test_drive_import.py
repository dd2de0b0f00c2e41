"""The drive import: every real document searchable by its words, duplicates and junk reported
and stored once, and a second run adds nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import CircleVisibility, Document, DocumentVersion, Extraction, ItemKind, Role
from models.database import SessionMaker, make_sessionmaker
from server import reading
from server.context import AppContext
from services import documents, drive_import, search
from services.search import Query
from tests.support import DEMO_DRIVE, make_circle, make_user

REAL_DOCUMENTS = {
    "01 Organisatie/Beleid/Klachtenregeling.docx": "ontevreden",
    "01 Organisatie/Beleid/Privacyreglement.pdf": "reglement",
    "01 Organisatie/Nieuwsbrieven/Nieuwsbrief februari.odt": "voetbaltoernooi",
    "01 Organisatie/Nieuwsbrieven/Nieuwsbrief januari.txt": "eropaf",
    "02 Personeelszaken/Regelingen/Declaratieregeling reiskosten.pdf": "huisbezoeken",
    "02 Personeelszaken/Regelingen/Verlofregeling 2018.docx": "voltijds",
    "02 Personeelszaken/Ziekte/Protocol ziekmelding.txt": "telefonisch",
    "03 Buurtkracht/Overleg/Notulen teamoverleg 15-01.txt": "oostgaarde",
    "03 Buurtkracht/Protocollen/Meldcode huiselijk geweld en kindermishandeling.docx": "signalen",
    "03 Buurtkracht/Protocollen/Veiligheidsprotocol huisbezoek.pdf": "onbekende",
    "04 Statushouders/Werkwijze maatschappelijke begeleiding.odt": "statushouders",
    "05 Jongerenwerk/Jongerencoach handboek.txt": "jongeren",
    "06 Recepten/Soep van de buurtmoeders.txt": "knoflook",
}
JUNK = {
    "01 Organisatie/.DS_Store": "system-file",
    "02 Personeelszaken/Regelingen/~$rlofregeling 2018.docx": "lock-file",
    "03 Buurtkracht/Thumbs.db": "system-file",
    "Oud/lege map/.keep": "hidden-file",
}


async def _import(db: AsyncSession, settings: Settings, user_role: Role = Role.EDITOR) -> drive_import.Report:
    editor = await make_user(db, role=user_role)
    return await drive_import.import_drive(
        db, editor, DEMO_DRIVE, media_dir=settings.media_dir, max_bytes=settings.limit_document_bytes
    )


@pytest.fixture
def command_sessions(context: AppContext) -> SessionMaker:
    """Sessions as the `import-drive` command has them (`server/drive_command.py`): without the
    web process's outbox, so the import waits for its own reading (`read_all_pending`) and no
    second runner reads the same files meanwhile."""
    return make_sessionmaker(context.engine)


async def test_the_sample_drive_is_imported_searchable_once(
    db: AsyncSession, settings: Settings, command_sessions: SessionMaker
) -> None:
    async with command_sessions() as command_db:
        report = await _import(command_db, settings)
    assert {entry["path"] for entry in report.imported} == set(REAL_DOCUMENTS)
    assert report.duplicates == [
        {
            "path": "Oud/Kopie van Verlofregeling 2018 (2).docx",
            "document_id": next(
                e["document_id"] for e in report.imported if e["path"].endswith("Verlofregeling 2018.docx")
            ),
            "same_as": "02 Personeelszaken/Regelingen/Verlofregeling 2018.docx",
        }
    ]
    assert {entry["path"]: entry["reason"] for entry in report.skipped} == JUNK
    stored = sorted(path.name for path in (settings.media_dir / "documents").iterdir())
    assert len(stored) == len(REAL_DOCUMENTS)

    await reading.read_all_pending(command_sessions, settings)
    failed = (await db.exec(select(DocumentVersion).where(DocumentVersion.extraction != Extraction.DONE))).all()
    assert failed == []
    reader = await make_user(db)
    for path, word in REAL_DOCUMENTS.items():
        hits = (await search.search(db, reader, Query(text=word, kinds=[ItemKind.DOCUMENT]))).hits
        assert Path(path).stem in [hit.item.title for hit in hits], word

    # Folders became tags, numbering stripped.
    tagged = (await search.search(db, reader, Query(tags=["personeelszaken", "regelingen"]))).hits
    assert sorted(hit.item.title for hit in tagged) == ["Declaratieregeling reiskosten", "Verlofregeling 2018"]


async def test_a_second_import_adds_nothing(
    db: AsyncSession, settings: Settings, command_sessions: SessionMaker
) -> None:
    async with command_sessions() as command_db:
        first = await _import(command_db, settings)
        second = await _import(command_db, settings)
    assert second.imported == []
    assert second.duplicates == first.duplicates
    assert sorted(e["path"] for e in second.unchanged) == sorted(REAL_DOCUMENTS)
    assert (await db.exec(select(func.count()).select_from(Document))).one() == len(REAL_DOCUMENTS)


async def test_a_circle_import_is_hidden_from_outsiders_of_a_secret_circle(
    db: AsyncSession, settings: Settings, command_sessions: SessionMaker, tmp_path: Path
) -> None:
    owner = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    drive = tmp_path / "drive"
    shutil.copytree(DEMO_DRIVE / "02 Personeelszaken", drive / "02 Personeelszaken")
    async with command_sessions() as command_db:
        report = await drive_import.import_drive(
            command_db,
            owner,
            drive,
            media_dir=settings.media_dir,
            max_bytes=settings.limit_document_bytes,
            circle_id=secret.id,
            tag_prefix="pz-",
        )
    assert report.imported[0]["tags"][0].startswith("pz-")
    await reading.read_all_pending(command_sessions, settings)
    outsider = await make_user(db)
    assert (await search.search(db, outsider, Query(text="voltijds"))).hits == []
    assert (await search.search(db, owner, Query(text="voltijds"))).hits != []
    assert ("pz-personeelszaken", 3) not in await search.tag_counts(db, outsider)


def test_folder_names_become_tags() -> None:
    assert drive_import.folder_tag("01 Organisatie") == "organisatie"
    assert drive_import.folder_tag("2. Beleid en Regels") == "beleid en regels"
    assert drive_import.folder_tag("2024") == "2024"
    assert drive_import.folder_tag("Oud", "drive-") == "drive-oud"


def test_odd_names_and_junk_are_recognised(tmp_path: Path) -> None:
    cases = {
        "~$document.docx": "lock-file",
        ".~lock.notulen.odt#": "lock-file",
        "desktop.ini": "system-file",
        "verslag.tmp": "temporary-file",
        "~WRL0001.tmp": "temporary-file",
        ".verborgen": "hidden-file",
        "leeg.txt": "empty-file",
    }
    for name, reason in cases.items():
        (tmp_path / name).write_bytes(b"" if name == "leeg.txt" else b"x")
        assert drive_import.junk_reason(tmp_path / name) == reason, name
    (tmp_path / "gewoon.txt").write_text("tekst")
    assert drive_import.junk_reason(tmp_path / "gewoon.txt") is None


async def test_a_copy_in_a_secret_circle_is_neither_named_nor_a_reason_to_skip_the_file(
    db: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    insider = await make_user(db, "Ina Insider")
    secret = await make_circle(db, insider, CircleVisibility.SECRET, name="Vertrouwelijk")
    recipe = "06 Recepten/Soep van de buurtmoeders.txt"
    hidden = await documents.create_document(
        db,
        insider,
        documents.Upload((DEMO_DRIVE / recipe).read_bytes(), "soep.txt", source_path="geheim/soep.txt"),
        media_dir=settings.media_dir,
        max_bytes=settings.limit_document_bytes,
        circle_id=secret.id,
    )
    drive = tmp_path / "drive"
    (drive / "06 Recepten").mkdir(parents=True)
    shutil.copyfile(DEMO_DRIVE / recipe, drive / recipe)
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN)

    report = await drive_import.import_drive(
        db, admin, drive, media_dir=settings.media_dir, max_bytes=settings.limit_document_bytes
    )

    assert [entry["path"] for entry in report.imported] == [recipe]
    assert not report.duplicates
    assert not report.unchanged
    assert "geheim" not in repr(report.as_dict())
    assert hidden.id not in {entry.get("document_id") for entry in report.imported}
