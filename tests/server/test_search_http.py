"""The search page as a colleague reads it: days in the organisation's time zone, snippets as
plain text with the words marked, chat hits named by author and circle; the synonyms page for
the organisation's admins only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, ItemKind, Role, SearchItem
from services import chat, search
from services.search import Entry
from tests.support import Visitor, add_member, make_circle, make_user


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"timezone": "Europe/Amsterdam"}


async def test_a_result_shows_the_day_in_the_organisations_time_zone(db: AsyncSession, visitor: Visitor) -> None:
    reader = await make_user(db)
    await search.index(db, Entry(ItemKind.DOCUMENT, 1, "Notulen teamoverleg", "Besproken: de nieuwe roosters."))
    item = (await db.exec(select(SearchItem).where(SearchItem.kind == ItemKind.DOCUMENT))).one()
    # Uploaded at 00:36 on 7 December in Amsterdam: 23:36 on the 6th in UTC.
    item.updated_at = datetime(2026, 12, 6, 23, 36, tzinfo=UTC)
    db.add(item)
    await db.commit()
    await visitor.sign_in(reader)
    page = (await visitor.get("/search?q=roosters")).text
    assert "7 december 2026" in page
    assert "6 december 2026" not in page


async def test_snippets_are_plain_text_with_the_words_marked_and_escaped(db: AsyncSession, visitor: Visitor) -> None:
    reader = await make_user(db)
    body = "De *Verlofregeling* is **vernieuwd**. <script>alert(1)</script> Lees hem voor je verlof aanvraagt."
    await search.index(db, Entry(ItemKind.NEWS, 1, "Nieuw beleid", body))
    await db.commit()
    await visitor.sign_in(reader)
    page = (await visitor.get("/search?q=verlofregeling")).text
    assert "<mark>Verlofregeling</mark> is vernieuwd" in page
    assert "*Verlofregeling*" not in page
    assert "**" not in page
    assert "<script>alert(1)" not in page
    found = (await visitor.get("/api/v1/search?q=verlofregeling")).json()["items"]
    assert "<mark>Verlofregeling</mark> is vernieuwd" in found[0]["snippet_html"]
    assert "&lt;script&gt;" in found[0]["snippet_html"]


async def test_a_chat_hit_is_titled_by_author_and_circle(db: AsyncSession, visitor: Visitor) -> None:
    anna = await make_user(db, "Anna de Vries")
    bram = await make_user(db, "Bram Bakker")
    kitchen = await make_circle(db, anna, CircleVisibility.CLOSED, name="Recepten")
    await add_member(db, anna, kitchen, bram)
    await chat.post_message(db, anna, kitchen.id or 0, body="Wie heeft het recept voor erwtensoep?")
    await visitor.sign_in(bram)
    page = (await visitor.get("/search?q=erwtensoep")).text
    assert "Anna de Vries in Recepten" in page
    assert '#chat">Chatbericht<' not in page
    found = (await visitor.get("/api/v1/search?q=erwtensoep")).json()["items"]
    assert [hit["title"] for hit in found] == ["Anna de Vries in Recepten"]


async def test_only_admins_edit_the_synonyms_and_a_search_uses_them_at_once(db: AsyncSession, new_visitor: Any) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    colleague = await make_user(db)
    await search.index(db, Entry(ItemKind.PAGE, 1, "Bijzonder verlof", "Een dag vrij bij een verhuizing."))
    await db.commit()
    admin_view, colleague_view = await new_visitor(), await new_visitor()
    await admin_view.sign_in(admin)
    await colleague_view.sign_in(colleague)

    assert (await colleague_view.get("/search/synonyms")).status_code == 403
    refused = await colleague_view.submit("/search/synonyms", {"synonyms": "verlof, vakantie"}, page="/search")
    assert refused.status_code == 303
    assert "Bijzonder verlof" not in (await colleague_view.get("/search?q=vakantie")).text

    assert (await admin_view.get("/search")).text.count('href="/search/synonyms"') == 1
    assert (await admin_view.get("/search/synonyms")).status_code == 200
    saved = await admin_view.submit("/search/synonyms", {"synonyms": "verlof, vakantie"}, page="/search/synonyms")
    assert saved.status_code == 303
    assert "verlof, vakantie" in (await admin_view.get("/search/synonyms")).text
    assert "Bijzonder verlof" in (await colleague_view.get("/search?q=vakantie")).text
