"""Search finds what people type: verbs and their nouns, compounds, the organisation's synonyms,
snippets as the text reads, chat hits named by author and circle. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, ItemKind, Role, SearchItem, User
from services import chat, direct, document_text, search, synonyms
from services.errors import PermissionDenied
from services.search import Entry, Query
from tests.support import DEMO_DRIVE, add_member, make_circle, make_user

REGULATIONS = DEMO_DRIVE / "02 Personeelszaken" / "Regelingen"


def _regulation(name: str) -> str:
    """The real text of a regulation in the demo drive, as the document reader gives it."""
    path = REGULATIONS / name
    return document_text.read_text(path, path.suffix[1:], document_text.TextLimits())


async def _index(db: AsyncSession, *entries: Entry) -> None:
    for entry in entries:
        await search.index(db, entry)
    await db.commit()


async def _titles(db: AsyncSession, user: User, text: str) -> list[str]:
    return sorted(hit.item.title for hit in (await search.search(db, user, Query(text=text))).hits)


async def test_verbs_their_nouns_and_compounds_find_the_regulations(db: AsyncSession) -> None:
    reader = await make_user(db)
    await _index(
        db,
        Entry(ItemKind.DOCUMENT, 1, "Declaratieregeling reiskosten", _regulation("Declaratieregeling reiskosten.pdf")),
        Entry(ItemKind.DOCUMENT, 2, "Verlofregeling 2018", _regulation("Verlofregeling 2018.docx")),
        Entry(ItemKind.PAGE, 3, "Recept", "Soep van de buurtmoeders met prei en wortel."),
    )
    # The regulation says "Declareer maandelijks via het declaratieformulier".
    for asked in ("declareren", "declareer", "declaratie", "declaraties", "formulier", "declaratieformulieren"):
        assert await _titles(db, reader, asked) == ["Declaratieregeling reiskosten"], asked
    # It says "vakantieverlof"; vakantiedagen are what people call it.
    for asked in ("vakantiedagen", "vakantie", "vakantieverlof"):
        assert await _titles(db, reader, asked) == ["Verlofregeling 2018"], asked
    assert await _titles(db, reader, "vakantiedagen declareren") == []
    assert await _titles(db, reader, "fietsenstalling") == []


async def test_the_organisations_synonyms_apply_at_once_and_only_admins_edit_them(db: AsyncSession) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    colleague = await make_user(db)
    await _index(
        db,
        Entry(ItemKind.PAGE, 1, "Bijzonder verlof", "Bij een verhuizing krijg je een dag vrij."),
        Entry(ItemKind.PAGE, 2, "Verzuimprotocol", "Meld je voor negen uur bij je leidinggevende."),
    )
    assert await _titles(db, colleague, "vakantie") == []
    assert await _titles(db, colleague, "ziek") == []
    with pytest.raises(PermissionDenied):
        await synonyms.replace_all(db, colleague, "verlof, vakantie")

    await synonyms.replace_all(db, admin, "Verlof, vakantie,\nziek,  verzuim\nalleen")
    assert await synonyms.groups(db) == [["verlof", "vakantie"], ["ziek", "verzuim"]]
    assert await _titles(db, colleague, "vakantie") == ["Bijzonder verlof"]
    assert await _titles(db, colleague, "vakantiedagen") == ["Bijzonder verlof"]
    assert await _titles(db, colleague, "ziek") == ["Verzuimprotocol"]

    await synonyms.replace_all(db, admin, "")
    assert await _titles(db, colleague, "vakantie") == []


async def test_snippets_read_as_plain_text_with_the_words_marked(db: AsyncSession) -> None:
    reader = await make_user(db)
    body = (
        "De *Verlofregeling* is **vernieuwd**: lees [de regeling](https://intranet.example/verlof) "
        "en `declareer` op tijd."
    )
    await _index(db, Entry(ItemKind.NEWS, 1, "Nieuw", body))
    (hit,) = (await search.search(db, reader, Query(text="verlofregeling declareren"))).hits
    shown = "".join(text for text, _ in hit.snippet)
    assert "*" not in shown
    assert "](" not in shown
    assert "`" not in shown
    assert "De Verlofregeling is vernieuwd: lees de regeling en declareer op tijd" in shown
    marked = [text for text, marked in hit.snippet if marked]
    assert {"Verlofregeling", "declareer"} <= set(marked)
    assert "vernieuwd" not in marked


async def test_chat_hits_name_their_author_and_circle_or_conversation(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna de Vries")
    bram = await make_user(db, "Bram Bakker")
    kitchen = await make_circle(db, anna, CircleVisibility.CLOSED, name="Recepten")
    await add_member(db, anna, kitchen, bram)
    await chat.post_message(db, anna, kitchen.id or 0, body="Wie heeft het recept voor erwtensoep?")
    conversation = await direct.open_conversation(db, bram, [anna.id or 0])
    await chat.post_message(db, bram, conversation.id or 0, body="Zullen we erwtensoep maken?")

    found = (await search.search(db, bram, Query(text="erwtensoep"))).hits
    assert sorted((hit.author, hit.place) for hit in found) == [
        ("Anna de Vries", "Recepten"),
        ("Bram Bakker", "Anna de Vries"),
    ]
    found = (await search.search(db, anna, Query(text="erwtensoep"))).hits
    assert sorted((hit.author, hit.place) for hit in found) == [
        ("Anna de Vries", "Recepten"),
        ("Bram Bakker", "Bram Bakker"),
    ]
    # Only those who may read the chat find it.
    outsider = await make_user(db)
    assert (await search.search(db, outsider, Query(text="erwtensoep"))).hits == []


async def test_reindexing_makes_the_terms_of_what_exists_again(db: AsyncSession) -> None:
    reader = await make_user(db)
    await _index(db, Entry(ItemKind.DOCUMENT, 1, "Reiskosten", "Vul maandelijks het declaratieformulier in."))
    # As an installation whose entries were analysed by an older word list.
    await db.exec(update(SearchItem).values(terms=""))  # type: ignore[call-overload]
    await db.commit()
    assert await _titles(db, reader, "declareren") == []
    assert await search.reanalyse(db, batch=1) >= 1
    assert await _titles(db, reader, "declareren") == ["Reiskosten"]
    assert await search.reanalyse(db) == 0
