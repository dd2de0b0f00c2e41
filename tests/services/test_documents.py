"""Documents: versions, content-checked files, background extraction, review dates, permissions."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import CircleVisibility, Document, Extraction, ItemKind, Role
from server import reading
from server.context import AppContext
from services import documents, extraction, files, search
from services.documents import Upload
from services.errors import Invalid, NotFound, PermissionDenied, TooLarge
from services.search import Query
from services.transactions import unit_of_work
from tests.hostile_files import pdf_bomb
from tests.support import DEMO_DRIVE, add_member, make_circle, make_user

PDF = (DEMO_DRIVE / "01 Organisatie/Beleid/Privacyreglement.pdf").read_bytes()
DOCX = (DEMO_DRIVE / "02 Personeelszaken/Regelingen/Verlofregeling 2018.docx").read_bytes()


async def _extract(context: AppContext, settings: Settings) -> None:
    await reading.read_all_pending(context.db, settings)


async def test_versions_are_kept_and_the_current_one_is_searched(
    db: AsyncSession, settings: Settings, context: AppContext
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    kwargs = {"media_dir": settings.media_dir, "max_bytes": settings.limit_document_bytes}
    document = await documents.create_document(
        db, editor, Upload(b"Oude afspraken over thuiswerken.", "thuiswerken.txt"), title="Thuiswerken", **kwargs
    )
    assert document.id is not None
    await _extract(context, settings)
    await documents.add_version(
        db, editor, document.id, Upload(b"Nieuwe afspraken over hybride werken.", "v2.md"), **kwargs
    )
    await _extract(context, settings)

    versions = await documents.versions(db, editor, document.id)
    assert [(v.number, v.filename, v.content_type) for v in versions] == [
        (2, "v2.md", "text/markdown; charset=utf-8"),
        (1, "thuiswerken.txt", "text/plain; charset=utf-8"),
    ]
    old, path = await documents.version_file(db, editor, document.id, 1, settings.media_dir)
    assert path.read_bytes() == b"Oude afspraken over thuiswerken."
    assert path.name == f"{old.sha256}.txt"
    assert [h.item.ref_id for h in (await search.search(db, editor, Query(text="hybride"))).hits] == [document.id]
    assert (await search.search(db, editor, Query(text="thuiswerken oude"))).hits == []


async def test_files_are_checked_by_content_not_name(db: AsyncSession, settings: Settings) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    kwargs = {"media_dir": settings.media_dir, "max_bytes": 10_000}
    with pytest.raises(Invalid):
        await documents.create_document(db, editor, Upload(b"MZ\x90\x00\x03\x00binary", "rapport.pdf"), **kwargs)
    with pytest.raises(TooLarge):
        await documents.create_document(db, editor, Upload(b"x" * 10_001, "groot.txt"), **kwargs)
    assert files.detect(PDF, "nep.txt") == files.TYPES["pdf"]
    assert files.detect(DOCX, "iets.odt") == files.TYPES["docx"]
    # A file name with a path in it is shown by its last part only and never used on disk.
    document = await documents.create_document(db, editor, Upload(b"tekst", "../../etc/passwd\x07.txt"), **kwargs)
    (version,) = await documents.versions(db, editor, document.id or 0)
    assert version.filename == "passwd.txt"
    assert [p.name for p in (settings.media_dir / "documents").iterdir()] == [version.file]


async def test_a_failed_extraction_keeps_the_file_and_says_so(
    db: AsyncSession, settings: Settings, context: AppContext
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    broken = b"%PDF-1.4\nthis is not really a pdf"
    document = await documents.create_document(
        db, editor, Upload(broken, "kapot.pdf"), media_dir=settings.media_dir, max_bytes=100_000, title="Kapot"
    )
    document_id = document.id or 0
    (version,) = await documents.versions(db, editor, document_id)
    assert version.extraction is Extraction.PENDING
    await _extract(context, settings)
    await db.commit()  # end the read snapshot
    await db.refresh(version)
    assert version.extraction is Extraction.FAILED
    assert version.extraction_error
    _, path = await documents.version_file(db, editor, document_id, 1, settings.media_dir)
    assert path.read_bytes() == broken
    assert [h.item.title for h in (await search.search(db, editor, Query(text="kapot"))).hits] == ["Kapot"]


async def test_a_secret_circle_document_does_not_exist_for_outsiders(db: AsyncSession, settings: Settings) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    outsider = await make_user(db, role=Role.ADMIN)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    await add_member(db, owner, secret, member)
    document = await documents.create_document(
        db,
        member,
        Upload(b"Vertrouwelijke afspraken.", "geheim.txt"),
        media_dir=settings.media_dir,
        max_bytes=100_000,
        circle_id=secret.id,
        tags=["vertrouwelijk"],
    )
    assert document.id is not None
    for call in (
        documents.access_document(db, outsider, document.id),
        documents.versions(db, outsider, document.id),
        documents.version_file(db, outsider, document.id, 1, settings.media_dir),
        documents.update_document(db, outsider, document.id, title="Overgenomen"),
        documents.delete_document(db, outsider, document.id, media_dir=settings.media_dir),
    ):
        with pytest.raises(NotFound):
            await call
    assert await documents.tags_of(db, document.id) == ["vertrouwelijk"]
    assert (await search.search(db, outsider, Query(tags=["vertrouwelijk"]))).hits == []
    assert await search.related(db, outsider, ItemKind.DOCUMENT, document.id) == []


async def test_who_may_add_and_change(db: AsyncSession, settings: Settings) -> None:
    member = await make_user(db)
    responsible = await make_user(db)
    editor = await make_user(db, role=Role.EDITOR)
    kwargs = {"media_dir": settings.media_dir, "max_bytes": 100_000}
    with pytest.raises(PermissionDenied):
        await documents.create_document(db, member, Upload(b"tekst", "a.txt"), **kwargs)
    document = await documents.create_document(
        db, editor, Upload(b"tekst", "a.txt"), responsible_id=responsible.id, **kwargs
    )
    with pytest.raises(PermissionDenied):
        await documents.update_document(db, member, document.id or 0, title="Anders")
    changed = await documents.update_document(db, responsible, document.id or 0, review_by=date(2020, 1, 1))
    assert documents.is_overdue(changed)
    assert [d.id for d in await documents.due_for_review(db, responsible)] == [document.id]
    later = await documents.update_document(
        db, responsible, document.id or 0, review_by=date.today() + timedelta(days=90)
    )
    assert not documents.is_overdue(later)


async def test_a_document_past_the_reading_limits_is_marked_unreadable_and_the_others_are_read(
    db: AsyncSession, settings: Settings, context: AppContext
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    kwargs = {"media_dir": settings.media_dir, "max_bytes": settings.limit_document_bytes}
    hostile = await documents.create_document(db, editor, Upload(pdf_bomb(), "bom.pdf"), title="Bom", **kwargs)
    normal = await documents.create_document(db, editor, Upload(b"Roosterwijzigingen.", "r.txt"), **kwargs)
    limited = settings.model_copy(update={"limit_extract_cpu_seconds": 1, "limit_extract_wall_seconds": 60})
    await reading.read_all_pending(context.db, limited)
    await db.commit()  # end the read snapshot

    (bomb,) = await documents.versions(db, editor, hostile.id or 0)
    assert (bomb.extraction, bomb.extraction_error) == (Extraction.FAILED, extraction.TOO_SLOW)
    (read,) = await documents.versions(db, editor, normal.id or 0)
    assert read.extraction is Extraction.DONE
    found = await search.search(db, editor, Query(text="roosterwijzigingen"))
    assert [hit.item.ref_id for hit in found.hits] == [normal.id]
    assert [hit.item.ref_id for hit in (await search.search(db, editor, Query(text="bom"))).hits] == [hostile.id]


async def test_a_collection_never_removes_a_file_an_upload_is_about_to_refer_to(
    db: AsyncSession, settings: Settings, context: AppContext
) -> None:
    """An upload of the same content as a deleted document's file, racing its collection: the
    collection waits for the upload's transaction and then keeps the file."""
    editor = await make_user(db, role=Role.EDITOR)
    kwargs = {"media_dir": settings.media_dir, "max_bytes": 100_000}
    old = await documents.create_document(db, editor, Upload(b"Dezelfde tekst.", "oud.txt"), **kwargs)
    (version,) = await documents.versions(db, editor, old.id or 0)
    await db.commit()
    await documents._delete_document(db, editor, old.id or 0)  # the file's collection is still to come

    async with context.db() as uploading, unit_of_work(uploading):
        stored = await files.store(uploading, b"Dezelfde tekst.", filename="nieuw.txt", **kwargs)
        assert stored.name == version.file
        collecting = asyncio.create_task(files.collect(db, settings.media_dir, [version.file]))
        await asyncio.sleep(0.5)  # the collection, left to itself, would be done by now
        new = Document(title="Nieuw", created_by=editor.id or 0)
        uploading.add(new)
        await uploading.flush()
        uploading.add(documents._version(new.id or 0, 1, stored, "nieuw.txt", editor, None))
    assert await collecting == []
    assert (settings.media_dir / "documents" / version.file).read_bytes() == b"Dezelfde tekst."
