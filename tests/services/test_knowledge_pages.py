"""Knowledge pages: revisions, links between pages, conflicts and permissions."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Role
from services import knowledge_pages, search
from services.errors import Conflict, NotFound, PermissionDenied
from services.search import Query
from tests.support import make_circle, make_user


async def test_edits_keep_history_with_their_editors(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    other = await make_user(db, role=Role.EDITOR)
    page = await knowledge_pages.create_page(db, editor, title="Sleutelbeleid", body="Sleutels bij de receptie.")
    assert page.id is not None
    await knowledge_pages.edit_page(db, other, page.id, body="Sleutels in de kluis.", base_revision=1)
    with pytest.raises(Conflict):
        await knowledge_pages.edit_page(db, editor, page.id, body="Sleutels thuis.", base_revision=1)
    history = await knowledge_pages.revisions(db, editor, page.id)
    assert [(r.number, r.body, r.editor_id) for r in history] == [
        (2, "Sleutels in de kluis.", other.id),
        (1, "Sleutels bij de receptie.", editor.id),
    ]
    assert [h.item.title for h in (await search.search(db, editor, Query(text="kluis"))).hits] == ["Sleutelbeleid"]
    assert (await search.search(db, editor, Query(text="receptie"))).hits == []


async def test_pages_link_to_each_other_by_title(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    target = await knowledge_pages.create_page(db, editor, title="Protocol ziekmelding", body="Bel voor 8.30 uur.")
    source = await knowledge_pages.create_page(
        db, editor, title="Welkom", body="Lees [[protocol ziekmelding]] en [[Bestaat niet]]."
    )
    assert f'href="/knowledge/pages/{target.id}"' in source.html
    assert "Bestaat niet" in source.html
    assert "[[" not in source.html
    assert [p.id for p in await knowledge_pages.linking_here(db, editor, target)] == [source.id]


async def test_secret_circle_pages_stay_secret(db: AsyncSession) -> None:
    owner = await make_user(db)
    outsider = await make_user(db, role=Role.ADMIN)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    page = await knowledge_pages.create_page(
        db, owner, title="Geheime werkwijze", body="Alleen voor ons.", circle_id=secret.id, tags=["geheim"]
    )
    with pytest.raises(NotFound):
        await knowledge_pages.access_page(db, outsider, page.id or 0)
    with pytest.raises(NotFound):
        await knowledge_pages.revisions(db, outsider, page.id or 0)
    assert (await search.search(db, outsider, Query(text="werkwijze"))).hits == []
    assert (await search.search(db, outsider, Query(tags=["geheim"]))).hits == []
    # A link from a public page to it stays plain text for an outsider writing it.
    public = await knowledge_pages.create_page(db, outsider, title="Overzicht", body="Zie [[Geheime werkwijze]].")
    assert "/knowledge/pages/" not in public.html
    assert await knowledge_pages.linking_here(db, outsider, public) == []


async def test_organisation_pages_take_an_editor(db: AsyncSession) -> None:
    member = await make_user(db)
    with pytest.raises(PermissionDenied):
        await knowledge_pages.create_page(db, member, title="Regels", body="Tekst")
