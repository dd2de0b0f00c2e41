"""Photos and files on posts, comments and chat: made safe, limited, attached, found, kept."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import Attachment, CircleVisibility, DocumentVersion, Event, ItemKind, ReportedKind
from models.base import utcnow
from server.context import AppContext
from services import attachments, chat, comments, documents, moderation, photos, posts, search
from services.errors import Invalid, NotFound, TooLarge
from services.search import Query
from tests.photo_files import BLUE, GPS_IFD, ORIENTATION, RED, broken_heic, docx, phone_photo, png, png_bomb
from tests.support import add_member, make_circle, make_user


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


@pytest.mark.parametrize("format", ["JPEG", "HEIF"])
def test_a_photo_is_made_upright_and_without_its_location(tmp_path: Path, format: str) -> None:
    kept = attachments._keep(phone_photo(format=format), "IMG_0001", tmp_path, 1_000_000)
    assert (kept.kind.value, kept.content_type, kept.width, kept.height) == ("photo", "image/jpeg", 30, 60)
    for name in (kept.file, kept.file.replace(".jpg", "-thumb.jpg")):
        with Image.open(tmp_path / name) as stored:
            exif = stored.getexif()
            assert not exif.get_ifd(GPS_IFD)
            assert ORIENTATION not in exif
            assert len(exif) == 0
            assert "exif" not in stored.info
            # Orientation 6 turned the 60x30 picture a quarter clockwise: red on top now.
            assert stored.size == (30, 60)
            assert _near(stored.getpixel((15, 5)), RED)
            assert _near(stored.getpixel((15, 55)), BLUE)


def test_what_is_no_photo_or_has_too_many_pixels_is_refused_with_a_reason() -> None:
    with pytest.raises(Invalid, match="HEIC image"):
        photos.process(broken_heic(), max_pixels=1_000_000)
    with pytest.raises(Invalid, match="too many pixels"):
        photos.process(png_bomb(), max_pixels=1_000_000)
    with pytest.raises(Invalid, match="too many pixels"):
        photos.process(png(1200, 1000), max_pixels=1_000_000)
    with pytest.raises(Invalid, match="JPEG, PNG, WebP, GIF or HEIC"):
        photos.process(b"\xff\xd8\xff" + b"\x00" * 100, max_pixels=1_000_000)


def test_an_animated_gif_becomes_its_first_frame() -> None:
    frames = [Image.new("P", (10, 10), i) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    processed = photos.process(out.getvalue(), max_pixels=1000)
    with Image.open(io.BytesIO(processed.full)) as stored:
        assert (stored.format, stored.size) == ("JPEG", (10, 10))


async def test_an_item_takes_its_own_drafts_up_to_the_limit(db: AsyncSession, settings: Settings) -> None:
    owner, other = await make_user(db), await make_user(db)
    limits = attachments.Limits(max_bytes=50_000)
    with pytest.raises(TooLarge):  # refused whole, leaving nothing behind
        await attachments.upload(db, owner, b"x" * 50_001, "groot.txt", media_dir=settings.media_dir, limits=limits)
    with pytest.raises(Invalid, match="HEIC"):
        await attachments.upload(db, owner, broken_heic(), "a.heic", media_dir=settings.media_dir, limits=limits)
    assert (await db.exec(select(Attachment))).all() == []
    circle = await make_circle(db, owner)
    assert circle.id is not None
    mine = [
        (await attachments.upload(db, owner, png(colour=(i, 0, 0)), f"{i}.png", media_dir=settings.media_dir)).id or 0
        for i in range(3)
    ]
    theirs = await attachments.upload(db, other, png(), "hun.png", media_dir=settings.media_dir)
    body = "Pompoensoep, met foto's"

    with pytest.raises(Invalid, match="At most 2"):
        await posts.create_post(
            db, owner, circle.id, body=body, attachment_ids=mine, attachment_limits=attachments.Limits(per_item=2)
        )
    with pytest.raises(NotFound):
        await posts.create_post(db, owner, circle.id, body=body, attachment_ids=[mine[0], theirs.id or 0])
    assert (await db.exec(select(Attachment).where(Attachment.target != None))).all() == []  # noqa: E711

    post = await posts.create_post(db, owner, circle.id, body="", attachment_ids=mine)
    shown = await attachments.data_of(db, posts.post_target(post.id or 0))
    assert [a["name"] for a in shown] == ["0.png", "1.png", "2.png"]
    with pytest.raises(NotFound):  # attached once, it is no draft any more
        await chat.post_message(db, owner, circle.id, body="nog eens", attachment_ids=[mine[0]])

    photo = await attachments.upload(db, owner, png(), "chat.png", media_dir=settings.media_dir)
    message = await chat.post_message(db, owner, circle.id, body="", attachment_ids=[photo.id or 0])
    event = (await db.exec(select(Event).where(Event.kind == "message.created"))).one()
    assert [a["id"] for a in event.data["attachments"]] == [photo.id]
    assert message.body == ""
    file = await attachments.upload(db, owner, b"notulen", "notulen.txt", media_dir=settings.media_dir)
    comment = await comments.add_comment(db, owner, post.id or 0, body="Het recept", attachment_ids=[file.id or 0])
    assert [a["kind"] for a in await attachments.data_of(db, posts.comment_target(comment.id or 0))] == ["file"]


async def test_a_document_on_a_post_is_found_by_its_words_and_kept_in_the_knowledge_base(
    db: AsyncSession, settings: Settings, context: AppContext
) -> None:
    owner, outsider = await make_user(db), await make_user(db)
    member = await make_user(db)
    circle = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert circle.id is not None
    await add_member(db, owner, circle, member)
    data = docx("Recept voor de buurtmaaltijd", "Voeg de gerookte paprikapoeder pas op het laatst toe.")
    made = await attachments.upload(
        db, member, data, "Buurtmaaltijd.docx", media_dir=settings.media_dir, read_text=context.extractor.read
    )
    assert made.kind.value == "file"
    assert "paprikapoeder" in made.text
    post = await posts.create_post(
        db, member, circle.id, body="Het recept staat in de bijlage.", attachment_ids=[made.id or 0]
    )

    found = await search.search(db, member, Query(text="paprikapoeder"))
    assert [(h.item.kind, h.item.ref_id) for h in found.hits] == [(ItemKind.ATTACHMENT, made.id)]
    assert (await search.search(db, outsider, Query(text="paprikapoeder"))).hits == []
    assert await attachments.item_url(db, member, made) == f"/posts/{post.id}"

    document = await attachments.keep_in_knowledge_base(
        db,
        member,
        made.id or 0,
        media_dir=settings.media_dir,
        max_bytes=settings.limit_document_bytes,
        review_by=(utcnow() + timedelta(days=365)).date(),
    )
    assert (document.title, document.circle_id, document.responsible_id) == ("Buurtmaaltijd", circle.id, member.id)
    assert document.review_by is not None
    (version,) = await documents.versions(db, member, document.id or 0)
    assert (version.number, version.filename, version.size) == (1, "Buurtmaaltijd.docx", len(data))
    assert isinstance(version, DocumentVersion)
    with pytest.raises(NotFound):
        await attachments.keep_in_knowledge_base(
            db, outsider, made.id or 0, media_dir=settings.media_dir, max_bytes=10**7, review_by=utcnow().date()
        )

    # Hidden by a moderator, the post's file leaves search with it, and comes back with it.
    await moderation.hide(db, owner, ReportedKind.POST, post.id or 0, reason="Even weg")
    attached_only = Query(text="paprikapoeder", kinds=[ItemKind.ATTACHMENT])
    assert (await search.search(db, owner, attached_only)).hits == []
    await moderation.restore(db, owner, ReportedKind.POST, post.id or 0)
    assert [h.item.ref_id for h in (await search.search(db, owner, attached_only)).hits] == [made.id]

    await posts.delete_post(db, member, post.id or 0)
    assert (await search.search(db, member, attached_only)).hits == []


async def test_drafts_nobody_attached_are_swept_after_a_day(db: AsyncSession, settings: Settings) -> None:
    colleague = await make_user(db)
    circle = await make_circle(db, colleague)
    assert circle.id is not None
    kept = await attachments.upload(db, colleague, png(colour=(1, 2, 3)), "a.png", media_dir=settings.media_dir)
    left = await attachments.upload(db, colleague, png(colour=(200, 2, 3)), "b.png", media_dir=settings.media_dir)
    await posts.create_post(db, colleague, circle.id, body="soep", attachment_ids=[kept.id or 0])
    left_file = attachments.path_of(settings.media_dir, left.file)
    assert left_file is not None

    assert await attachments.sweep_drafts(db, settings.media_dir, now=utcnow() + timedelta(hours=23)) == 0
    assert await attachments.sweep_drafts(db, settings.media_dir, now=utcnow() + timedelta(hours=25)) == 1
    assert [a.id for a in (await db.exec(select(Attachment))).all()] == [kept.id]
    assert not left_file.exists()
    assert attachments.path_of(settings.media_dir, kept.file) is not None
