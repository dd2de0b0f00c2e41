"""Document previews on the document page (issue 19): a PDF's first pages as pictures, a DOCX and a
text file as clean HTML, made by the background runner after the upload; the pictures only for
those who may read the document (a secret circle's are 404 to an outsider), with their type,
`nosniff` and a private cache; "being made" while pending; the command's way for versions left
pending (after the upgrade); and gone with the document."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, DocumentVersion, Extraction, Role
from server import reading
from server.context import AppContext
from services import previews
from tests.support import Visitor, add_member, make_circle, make_user

DRIVE = Path(__file__).parents[2] / "server" / "demo_drive"
PDF = DRIVE / "01 Organisatie" / "Beleid" / "Privacyreglement.pdf"
DOCX = DRIVE / "02 Personeelszaken" / "Regelingen" / "Verlofregeling 2018.docx"


async def _all_made(context: AppContext) -> None:
    async with asyncio.timeout(90):
        while not context.extractor.idle.is_set():
            await asyncio.sleep(0.05)


async def _upload(visitor: Visitor, path: Path, **fields: str) -> dict[str, Any]:
    data = await asyncio.to_thread(path.read_bytes)
    made = await visitor.write(
        "POST", "/api/v1/documents", data=fields, files={"file": (path.name, data, "text/plain")}
    )
    assert made.status_code == 201, made.text
    document: dict[str, Any] = made.json()
    return document


async def _version(db: AsyncSession, document_id: int) -> DocumentVersion:
    await db.rollback()  # a new transaction, which sees what the runner committed
    return (await db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document_id))).one()


async def test_a_pdf_shows_its_pages_and_a_docx_its_text_and_a_secret_circles_stay_hidden(
    db: AsyncSession, new_visitor: Any, context: AppContext
) -> None:
    owner, member, outsider = await make_user(db, role=Role.EDITOR), await make_user(db), await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    await add_member(db, owner, secret, member)
    editor, inside, outside = await new_visitor(), await new_visitor(), await new_visitor()
    await editor.sign_in(owner)
    await inside.sign_in(member)
    await outside.sign_in(outsider)
    pdf = await _upload(inside, PDF, title="Privacy", circle_id=str(secret.id))
    docx = await _upload(editor, DOCX, title="Verlof")
    await _all_made(context)

    page = (await inside.get(f"/knowledge/documents/{pdf['id']}")).text
    url = f"/knowledge/documents/{pdf['id']}/versions/1/preview/page-1-1200.webp"
    assert f'src="{url}"' in page
    assert f"/knowledge/documents/{pdf['id']}/versions/1/preview/page-1-600.webp 600w" in page
    for width in previews.WIDTHS:
        picture = await inside.get(url.replace("1200", str(width)))
        assert picture.status_code == 200
        assert picture.headers["content-type"] == "image/webp"
        assert picture.headers["x-content-type-options"] == "nosniff"
        assert picture.headers["cache-control"] == "private, max-age=86400"
        assert picture.content[:4] == b"RIFF"
        assert picture.content[8:12] == b"WEBP"
        refused = await outside.get(url.replace("1200", str(width)))  # the secret circle's, to an outsider
        assert refused.status_code == 404
        assert refused.content[:4] != b"RIFF"
    assert (await outside.get(f"/knowledge/documents/{pdf['id']}")).status_code == 404
    assert (await inside.get(url.replace("page-1", "page-2"))).status_code == 404  # it has one page
    assert (await inside.get(url.replace("1200", "700"))).status_code == 404

    page = (await outside.get(f"/knowledge/documents/{docx['id']}")).text
    assert '<div class="preview-html"><h1>Verlofregeling</h1><p>Medewerkers met een voltijds' in page
    assert "Voorbeeld wordt gemaakt" not in page


async def test_a_text_file_is_shown_escaped_and_the_preview_goes_with_its_document(
    db: AsyncSession, visitor: Visitor, context: AppContext
) -> None:
    await visitor.sign_in(await make_user(db, role=Role.EDITOR))
    made = await visitor.write(
        "POST",
        "/api/v1/documents",
        data={"title": "Lastig"},
        files={"file": ("lastig.txt", b'Let op <script>alert("hoi")</script> & <b>vet</b>', "text/plain")},
    )
    document_id = made.json()["id"]
    await _all_made(context)
    page = (await visitor.get(f"/knowledge/documents/{document_id}")).text
    assert '<pre>Let op &lt;script&gt;alert("hoi")&lt;/script&gt; &amp; &lt;b&gt;vet&lt;/b&gt;</pre>' in page
    folder = previews.folder_of(context.settings.media_dir, (await _version(db, document_id)).sha256)
    assert (folder / previews.HTML).is_file()

    deleted = await visitor.write("DELETE", f"/api/v1/documents/{document_id}")
    assert deleted.status_code == 200, deleted.text
    assert not folder.exists()


async def test_a_pending_preview_says_it_is_being_made_and_the_command_makes_it(
    db: AsyncSession, visitor: Visitor, context: AppContext
) -> None:
    """As after an upgrade: versions whose preview is pending, with no runner (here: stopped)."""
    await context.extractor.close()
    await visitor.sign_in(await make_user(db, role=Role.EDITOR))
    document = await _upload(visitor, DOCX, title="Verlof")
    assert (await _version(db, document["id"])).preview is Extraction.PENDING
    page = (await visitor.get(f"/knowledge/documents/{document['id']}")).text
    assert "Voorbeeld wordt gemaakt…" in page

    assert await reading.read_all_pending(context.db, context.settings, previews=True) == 1
    version = await _version(db, document["id"])
    assert (version.preview, version.extraction) == (Extraction.DONE, Extraction.DONE)
    page = (await visitor.get(f"/knowledge/documents/{document['id']}")).text
    assert "<h1>Verlofregeling</h1>" in page
