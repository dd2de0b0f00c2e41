"""Drafts (issue 19): what a colleague types is kept per colleague and form, only ever handed back
to its writer, not for a place they can no longer write in, and gone once the form is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Draft, Post, User
from services import circles, drafts, posts
from services.errors import Invalid
from tests.support import Visitor, add_member, make_circle, make_user


async def test_a_colleague_never_reads_another_colleagues_draft(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    anna, bram = await make_user(db, "Anna Draft"), await make_user(db, "Bram Draft")
    await drafts.save(db, anna, "news:new", "Het **nieuws** van Anna")

    kept = await drafts.load(db, anna, "news:new")
    assert kept is not None
    assert kept.body == "Het **nieuws** van Anna"
    assert await drafts.load(db, bram, "news:new") is None

    # Over the API too: the same key names each colleague's own draft, never another's.
    anna_browser, bram_browser = await new_visitor(), await new_visitor()
    await anna_browser.sign_in(anna)
    await bram_browser.sign_in(bram)
    assert (await bram_browser.get("/api/v1/drafts/news:new")).status_code == 404
    assert (await bram_browser.write("PUT", "/api/v1/drafts/news:new", {"body": "Bram schrijft"})).status_code == 200
    assert (await anna_browser.get("/api/v1/drafts/news:new")).json()["body"] == "Het **nieuws** van Anna"
    assert (await bram_browser.get("/api/v1/drafts/news:new")).json()["body"] == "Bram schrijft"
    # Bram throwing his away leaves Anna's.
    assert (await bram_browser.write("DELETE", "/api/v1/drafts/news:new")).status_code == 200
    assert (await anna_browser.get("/api/v1/drafts/news:new")).status_code == 200
    anonymous = await new_visitor()
    assert (await anonymous.get("/api/v1/drafts/news:new")).status_code == 401


async def test_saving_again_replaces_an_empty_text_removes_and_only_known_forms_have_drafts(
    db: AsyncSession,
) -> None:
    anna = await make_user(db)
    await drafts.save(db, anna, "blog:new", "eerste")
    await drafts.save(db, anna, "blog:new", "tweede")
    rows = (await db.exec(select(Draft).where(col(Draft.user_id) == anna.id))).all()
    assert [row.body for row in rows] == ["tweede"]
    await drafts.save(db, anna, "blog:new", "  \n")
    assert await drafts.load(db, anna, "blog:new") is None

    for key in ("anything", "news:new:extra", "post:circle:abc", "post:circle:99999999999", "comment:post:"):
        with pytest.raises(Invalid):
            await drafts.save(db, anna, key, "tekst")
    with pytest.raises(Invalid):
        await drafts.save(db, anna, "news:new", "x" * (drafts.MAX_BODY + 1))


async def test_a_draft_for_a_circle_one_has_left_is_not_restored(db: AsyncSession) -> None:
    owner, anna = await make_user(db), await make_user(db)
    circle = await make_circle(db, owner, CircleVisibility.SECRET)
    await add_member(db, owner, circle, anna)
    key = f"post:circle:{circle.id}"
    await drafts.save(db, anna, key, "Voor de geheime kring")
    assert await drafts.load(db, anna, key) is not None

    assert circle.id is not None
    await circles.leave_circle(db, anna, circle.id)
    assert await drafts.load(db, anna, key) is None
    # Nor a draft for a comment on a post she can no longer read.
    await add_member(db, owner, circle, anna)
    post = await _post(db, owner, circle.id)
    await drafts.save(db, anna, f"comment:post:{post.id}", "Mijn reactie")
    assert await drafts.load(db, anna, f"comment:post:{post.id}") is not None
    await circles.leave_circle(db, anna, circle.id)
    assert await drafts.load(db, anna, f"comment:post:{post.id}") is None


async def test_a_draft_is_deleted_when_its_form_is_sent_and_kept_when_refused(
    db: AsyncSession, visitor: Visitor
) -> None:
    anna = await make_user(db)
    circle = await make_circle(db, anna)
    key = f"post:circle:{circle.id}"
    await visitor.sign_in(anna)
    await visitor.write("PUT", f"/api/v1/drafts/{key}", {"body": "Bijna klaar"})

    # Refused (nothing but spaces): the text is still being written, so the draft stays.
    page = f"/circles/{circle.id}"
    refused = await visitor.submit(f"/circles/{circle.id}/posts", {"body": "   ", "draft_key": key}, page=page)
    assert refused.status_code >= 300
    assert (await visitor.get(f"/api/v1/drafts/{key}")).status_code == 200

    sent = await visitor.submit(f"/circles/{circle.id}/posts", {"body": "Klaar!", "draft_key": key}, page=page)
    assert sent.status_code == 303, sent.text
    assert (await visitor.get(f"/api/v1/drafts/{key}")).status_code == 404
    assert (await db.exec(select(Post).where(col(Post.body) == "Klaar!"))).first() is not None
    # The form names its draft: the page carries the key the editor saves under.
    assert f'name="draft_key" value="{key}"' in (await visitor.get(page)).text


async def _post(db: AsyncSession, author: User, circle_id: int) -> Post:
    return await posts.create_post(db, author, circle_id, body="Een bericht")
