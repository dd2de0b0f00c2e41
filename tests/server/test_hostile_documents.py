"""Hostile documents through the API and the pages (issue 14): a zip bomb is refused at upload; a
document the reader cannot finish within its limits is marked "could not be read", in Dutch and
in English, while the documents after it are read; a megabyte of text is searchable by a word
near its start on both databases, and changing such a document answers JSON."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from server.context import AppContext
from server.i18n import LANGUAGE_COOKIE
from services import extraction, files, search
from tests.hostile_files import pdf_bomb, wordy_text, zip_bomb
from tests.support import Visitor, make_user


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"limit_extract_cpu_seconds": 1, "limit_extract_wall_seconds": 60}


async def _read_everything(context: AppContext) -> None:
    """Until the extractor has read every pending document (the upload routes wake it)."""
    async with asyncio.timeout(90):
        while not context.extractor.idle.is_set():
            await asyncio.sleep(0.05)


async def _upload(visitor: Visitor, name: str, data: bytes, **fields: str) -> dict[str, Any]:
    made = await visitor.write("POST", "/api/v1/documents", data=fields, files={"file": (name, data, "text/plain")})
    assert made.status_code == 201, made.text
    document: dict[str, Any] = made.json()
    return document


async def test_a_megabyte_of_text_is_searchable_by_a_word_near_its_start(
    db: AsyncSession, visitor: Visitor, context: AppContext, backend: str
) -> None:
    body = wordy_text("Zonnebloemveld")
    if backend == "postgresql":  # the text is hostile: all of it does not fit in a tsvector
        with pytest.raises(DBAPIError, match="too long for tsvector"):
            await db.exec(text("SELECT to_tsvector('kring', :body)").bindparams(body=body))  # type: ignore[call-overload]
        await db.rollback()
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    wordy = await _upload(visitor, "woorden.txt", body.encode(), title="Woordenlijst")
    after = await _upload(visitor, "daarna.txt", b"Het rooster van de paasvakantie.", title="Rooster")
    await _read_everything(context)

    for word, document in (("zonnebloemveld", wordy), ("paasvakantie", after)):
        found = (await visitor.get(f"/api/v1/search?q={word}")).json()["items"]
        assert [hit["id"] for hit in found] == [document["id"]], word
    changed = await visitor.write("PATCH", f"/api/v1/documents/{wordy['id']}", json={"title": "Lange woordenlijst"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Lange woordenlijst"
    assert changed.json()["current_version"]["extraction"] == "done"
    found = (await visitor.get("/api/v1/search?q=zonnebloemveld")).json()["items"]
    assert [hit["title"] for hit in found] == ["Lange woordenlijst"]


async def test_a_document_past_the_reading_limits_says_it_could_not_be_read(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]], context: AppContext
) -> None:
    dutch, english = await new_visitor(), await new_visitor()
    editor = await make_user(db, role=Role.EDITOR)
    await dutch.sign_in(editor)
    await english.sign_in(await make_user(db))
    english.http.cookies.set(LANGUAGE_COOKIE, "en")
    hostile = await _upload(dutch, "bom.pdf", pdf_bomb(), title="Twintig zware bladzijden")
    after = await _upload(dutch, "daarna.txt", b"De notulen van het werkoverleg.", title="Notulen")
    await _read_everything(context)

    answer = (await dutch.get(f"/api/v1/documents/{hostile['id']}")).json()["current_version"]
    assert (answer["extraction"], answer["extraction_error"]) == ("failed", extraction.TOO_SLOW)
    assert (await dutch.get(f"/api/v1/documents/{after['id']}")).json()["current_version"]["extraction"] == "done"
    page = (await dutch.get(f"/knowledge/documents/{hostile['id']}")).text
    assert "Het lezen van het bestand duurde langer dan toegestaan." in page
    page = (await english.get(f"/knowledge/documents/{hostile['id']}")).text
    assert "Reading the file took longer than allowed." in page
    found = (await dutch.get("/api/v1/search?q=zware")).json()["items"]  # by its title, as promised
    assert [hit["id"] for hit in found] == [hostile["id"]]


async def test_a_zip_bomb_is_refused_at_upload(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    refused = await visitor.write(
        "POST", "/api/v1/documents", files={"file": ("nieuwsbrief.odt", zip_bomb(), "application/octet-stream")}
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == {"code": "invalid", "message": files.TOO_PACKED, "field": "file"}
    assert (await visitor.get("/api/v1/documents")).json()["items"] == []


async def test_a_word_deep_in_a_long_document_is_found_and_its_snippet_is_cut_from_the_start(
    db: AsyncSession, visitor: Visitor, context: AppContext
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    body = "Inleiding over het beleid. " + "Regel zonder bijzonderheden. " * 2_000 + "Het woord kersenboomgaard."
    assert len(body) > search.SNIPPET_CHARS
    made = await _upload(visitor, "lang.txt", body.encode(), title="Lang beleid")
    await _read_everything(context)
    (hit,) = (await visitor.get("/api/v1/search?q=kersenboomgaard")).json()["items"]
    assert hit["id"] == made["id"]
    assert hit["snippet_html"].startswith("Inleiding over het beleid.")  # the snippet reads no further
    assert "<mark>" not in hit["snippet_html"]
