"""Search: Dutch words, accents, prefixes, filters and permissions, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Audience, CircleVisibility, ItemKind, User
from models.base import utcnow
from services import search
from services.search import Entry, Query
from tests.support import add_member, make_circle, make_user


async def _index(db: AsyncSession, *entries: Entry) -> None:
    for entry in entries:
        await search.index(db, entry)
    await db.commit()


async def _titles(db: AsyncSession, user: User, text: str = "", **filters: object) -> list[str]:
    found = await search.search(db, user, Query(text=text, **filters))  # type: ignore[arg-type]
    return sorted(hit.item.title for hit in found.hits)


async def test_dutch_inflections_compounds_and_accents_are_found(db: AsyncSession) -> None:
    reader = await make_user(db)
    await _index(
        db,
        Entry(ItemKind.DOCUMENT, 1, "Verlofregeling 2018", "Deze regeling zegt hoe je vakantiedagen aanvraagt."),
        Entry(ItemKind.PAGE, 2, "Protocol ziekmelding", "Meld je ziek voor negen uur bij je leidinggevende."),
        Entry(ItemKind.POST, 3, "", "De ziekmeldingen van deze week zijn verwerkt."),
        Entry(ItemKind.NEWS, 4, "Nieuwe cliënten", "We verwelkomen drie nieuwe cliënten in de wijk."),
        Entry(ItemKind.BLOG, 5, "Recept", "Soep met prei en wortel."),
    )
    assert await _titles(db, reader, "verlof") == ["Verlofregeling 2018"]
    assert await _titles(db, reader, "ziekmelding") == ["", "Protocol ziekmelding"]
    assert await _titles(db, reader, "ziekmeldingen") == ["", "Protocol ziekmelding"]
    assert await _titles(db, reader, "client") == ["Nieuwe cliënten"]
    assert await _titles(db, reader, "CLIËNT") == ["Nieuwe cliënten"]
    assert await _titles(db, reader, "regelingen") == ["Verlofregeling 2018"]
    # Every word must match, in any field.
    assert await _titles(db, reader, "ziek negen") == ["Protocol ziekmelding"]
    assert await _titles(db, reader, "fietsenstalling") == []


async def test_english_words_and_plurals_are_found(db: AsyncSession) -> None:
    reader = await make_user(db)
    await _index(db, Entry(ItemKind.PAGE, 1, "Safety protocol", "What to do when a home visit feels unsafe."))
    assert await _titles(db, reader, "protocols") == ["Safety protocol"]
    assert await _titles(db, reader, "visit") == ["Safety protocol"]


async def test_snippets_highlight_the_words_found(db: AsyncSession) -> None:
    reader = await make_user(db)
    body = "Inleiding. " + "Tekst zonder belang. " * 30 + "Wie ziek is belt de teamleider. " + "Einde. " * 30
    await _index(db, Entry(ItemKind.DOCUMENT, 1, "Handboek", body))
    (hit,) = (await search.search(db, reader, Query(text="teamleider"))).hits
    highlighted = [text for text, marked in hit.snippet if marked]
    assert highlighted == ["teamleider"]
    assert len("".join(text for text, _ in hit.snippet)) < len(body)


async def test_filters_by_type_tag_circle_and_date(db: AsyncSession) -> None:
    owner = await make_user(db)
    circle = await make_circle(db, owner)
    old = utcnow() - timedelta(days=400)
    await _index(
        db,
        Entry(ItemKind.DOCUMENT, 1, "Verlof A", tags=["Personeelszaken", "regelingen"]),
        Entry(ItemKind.PAGE, 2, "Verlof B", tags=["personeelszaken"], created_at=old),
        Entry(ItemKind.POST, 3, "Verlof C", circle_id=circle.id, audience=Audience.CIRCLE),
    )
    assert await _titles(db, owner, "verlof", kinds=[ItemKind.PAGE]) == ["Verlof B"]
    assert await _titles(db, owner, "verlof", tags=["personeelszaken"]) == ["Verlof A", "Verlof B"]
    assert await _titles(db, owner, "", tags=["personeelszaken", "Regelingen"]) == ["Verlof A"]
    assert await _titles(db, owner, "verlof", circle_id=circle.id) == ["Verlof C"]
    assert await _titles(db, owner, "verlof", since=utcnow() - timedelta(days=30)) == ["Verlof A", "Verlof C"]
    assert await _titles(db, owner, "verlof", until=utcnow() - timedelta(days=30)) == ["Verlof B"]


async def test_secret_and_closed_circle_items_are_found_only_by_members(db: AsyncSession) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    outsider = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET, name="Vertrouwenspersonen")
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    opened = await make_circle(db, owner, CircleVisibility.OPEN)
    await add_member(db, owner, secret, member)
    await _index(
        db,
        Entry(ItemKind.DOCUMENT, 1, "Meldcode geheim", circle_id=secret.id, audience=Audience.CIRCLE, tags=["geheim"]),
        Entry(ItemKind.PAGE, 2, "Meldcode gesloten", circle_id=closed.id, audience=Audience.CIRCLE),
        Entry(ItemKind.PAGE, 3, "Meldcode open", circle_id=opened.id, audience=Audience.CIRCLE),
        Entry(
            ItemKind.CIRCLE,
            secret.id or 0,
            "Vertrouwenspersonen meldcode",
            circle_id=secret.id,
            audience=Audience.LISTING,
        ),
    )
    assert await _titles(db, outsider, "meldcode") == ["Meldcode open"]
    assert await _titles(db, member, "meldcode") == ["Meldcode geheim", "Meldcode open", "Vertrouwenspersonen meldcode"]
    assert await _titles(db, outsider, "", tags=["geheim"]) == []
    assert ("geheim", 1) not in await search.tag_counts(db, outsider)
    assert ("geheim", 1) in await search.tag_counts(db, member)


async def test_an_item_is_replaced_and_removed(db: AsyncSession) -> None:
    reader = await make_user(db)
    await _index(db, Entry(ItemKind.PAGE, 1, "Oude titel", "klachten"))
    await _index(db, Entry(ItemKind.PAGE, 1, "Nieuwe titel", "privacy"))
    assert await _titles(db, reader, "klachten") == []
    assert await _titles(db, reader, "privacy") == ["Nieuwe titel"]
    await search.unindex(db, ItemKind.PAGE, 1)
    await db.commit()
    assert await _titles(db, reader, "privacy") == []


async def test_bulk_index_makes_items_searchable(db: AsyncSession) -> None:
    reader = await make_user(db)
    entries = (
        Entry(ItemKind.POST, n, f"Bericht {n}", f"woord{n % 7} overleg", tags=[f"t{n % 3}"]) for n in range(1, 301)
    )
    assert await search.bulk_index(db, entries) == 300
    await db.commit()
    found = await search.search(db, reader, Query(text="overleg woord3", limit=100))
    assert len(found.hits) == 43
    assert dict(await search.tag_counts(db, reader)) == {"t0": 100, "t1": 100, "t2": 100}


async def test_odd_queries_are_harmless(db: AsyncSession) -> None:
    reader = await make_user(db)
    await _index(db, Entry(ItemKind.PAGE, 1, "Notulen", "Afspraken over and, or en not."))
    for text in ['"', "'", "a*b", "NEAR(x y)", "_", "-", ":*", "&|!", "de het", "😀", "x" * 300, "notulen) OR (1"]:
        await search.search(db, reader, Query(text=text))
    # Words the tokenizer might cut in two, which FTS5 would read as a phrase its index (no
    # positions) refuses: joined by a mark, a middle dot, with a fraction or a ligature.
    for text in ["नमस्ते", "l·l", "e-mail", "½x", "ǅem", "ﬁets", "x\u0301y"]:
        await search.search(db, reader, Query(text=text))
    assert await _titles(db, reader, "AND or NOT") == ["Notulen"]
    assert await _titles(db, reader, '"notulen"') == ["Notulen"]


async def test_text_with_a_very_long_word_is_still_catalogued_and_found(db: AsyncSession) -> None:
    # Encoded data reads as one word; PostgreSQL takes no term over 2047 bytes.
    reader = await make_user(db)
    await _index(db, Entry(ItemKind.PAGE, 1, "Bijlage", "Verlofaanvraag " + "QmFzZTY0" * 400 + " graag"))
    assert await _titles(db, reader, "verlof") == ["Bijlage"]


async def test_tag_counts_narrow_down(db: AsyncSession) -> None:
    reader = await make_user(db)
    await _index(
        db,
        Entry(ItemKind.DOCUMENT, 1, "A", tags=["personeelszaken", "verlof"]),
        Entry(ItemKind.DOCUMENT, 2, "B", tags=["personeelszaken", "ziekte"]),
        Entry(ItemKind.PAGE, 3, "C", tags=["ziekte"]),
    )
    assert await search.tag_counts(db, reader) == [("personeelszaken", 2), ("verlof", 1), ("ziekte", 2)]
    assert await search.tag_counts(db, reader, within=["ziekte"]) == [("personeelszaken", 1), ("ziekte", 2)]
    related = await search.related(db, reader, ItemKind.DOCUMENT, 2)
    assert sorted(item.title for item in related) == ["A", "C"]


async def test_an_old_title_match_beats_many_newer_body_matches_and_every_match_can_be_paged_to(
    db: AsyncSession,
) -> None:
    """PostgreSQL ranks a window of the newest matches (services/search.py); a title match of any
    age must still come first, and paging must still reach every match exactly once."""
    reader = await make_user(db)
    oldest = Entry(ItemKind.DOCUMENT, 1, "Overlegstructuur", "Wie met wie spreekt.")
    newer = (Entry(ItemKind.MESSAGE, n, "", f"Na het overleg van week {n} gaan we lunchen.") for n in range(2, 1202))
    assert await search.bulk_index(db, [oldest, *newer]) == 1201
    await db.commit()
    first = await search.search(db, reader, Query(text="overleg", limit=5))
    assert first.hits[0].item.title == "Overlegstructuur"
    seen: list[int] = []
    for offset in range(0, 1300, 100):
        page = await search.search(db, reader, Query(text="overleg", limit=100, offset=offset))
        seen += [hit.item.ref_id for hit in page.hits]
        if not page.more:
            break
    assert sorted(seen) == list(range(1, 1202))
