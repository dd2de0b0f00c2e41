"""Knowledge pages: regulations, protocols and how-tos written in Markdown, with tags, every
saved state kept as a revision (who edited, when), and `[[Title]]` links between pages.

Reading follows the owner as for documents (`services.documents`): the organisation's pages are
for everyone, a circle's follow the circle, and an unreadable page does not exist (`NotFound`).
Writing an organisation page takes an editor or admin; a circle page, membership; its creator
may always edit it. A save names the revision it started from, so two people editing at once do
not silently overwrite each other (`Conflict`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Audience,
    ItemKind,
    KnowledgePage,
    MemberRole,
    Membership,
    PageRevision,
    Role,
    SearchItem,
    User,
)
from models.base import utcnow
from services import documents, markdown, search
from services import tags as tag_names
from services.access import ARCHIVED as ARCHIVED_CIRCLE
from services.access import ensure_editor, sql_can_read_item, standing, writable_circle
from services.errors import N_, Conflict, Invalid, NotFound, PermissionDenied
from services.transactions import writes

MAX_TITLE = 200
MAX_BODY = 100_000
WIKI_LINK = re.compile(r"\[\[([^\[\]\n|]{1,200})\]\]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#+!<>|~])")


def readable_by(user: User) -> ColumnElement[bool]:
    return sql_can_read_item(user, col(KnowledgePage.circle_id))


async def access_page(db: AsyncSession, user: User, page_id: int) -> KnowledgePage:
    page = (await db.exec(select(KnowledgePage).where(col(KnowledgePage.id) == page_id, readable_by(user)))).first()
    if page is None:
        raise NotFound(N_("No such page."))
    return page


async def _may_write(db: AsyncSession, user: User, circle_id: int | None) -> None:
    if circle_id is None:
        if user.role not in {Role.EDITOR, Role.ADMIN}:
            raise PermissionDenied(N_("Only editors may write pages for the whole organisation."))
        return
    await writable_circle(db, user, circle_id, N_("Join the circle to write pages in it."))


def _clean(title: str, body: str) -> tuple[str, str]:
    title = " ".join(title.split())
    if not title:
        raise Invalid(N_("A title is required."), field="title")
    if len(title) > MAX_TITLE:
        raise Invalid(N_("The title is too long."), field="title")
    body = body.strip()
    if not body:
        raise Invalid(N_("Write something first."), field="body")
    if len(body) > MAX_BODY:
        raise Invalid(N_("The text is too long."), field="body")
    return title, body


async def render(db: AsyncSession, user: User, body: str) -> str:
    """Safe HTML; `[[Title]]` becomes a link to the page of that title that `user` may read, and
    stays plain text when there is none (so a link never reveals a page its writer cannot see)."""
    wanted = {" ".join(match.split()) for match in WIKI_LINK.findall(body)}
    found: dict[str, int] = {}
    if wanted:
        rows = await db.exec(
            select(KnowledgePage.title, KnowledgePage.id).where(
                func.lower(KnowledgePage.title).in_([title.lower() for title in wanted]), readable_by(user)
            )
        )
        found = {title.lower(): page_id for title, page_id in rows.all() if page_id is not None}

    def link(match: re.Match[str]) -> str:
        title = " ".join(match.group(1).split())
        text = _MARKDOWN_SPECIAL.sub(r"\\\1", title)
        page_id = found.get(title.lower())
        return f"[{text}](/knowledge/pages/{page_id})" if page_id is not None else text

    return (await markdown.render(db, WIKI_LINK.sub(link, body))).html


@writes
async def create_page(
    db: AsyncSession,
    user: User,
    *,
    title: str,
    body: str,
    tags: Sequence[str] = (),
    circle_id: int | None = None,
    review_by: date | None = None,
) -> KnowledgePage:
    await _may_write(db, user, circle_id)
    title, body = _clean(title, body)
    page = KnowledgePage(
        title=title,
        body=body,
        html=await render(db, user, body),
        circle_id=circle_id,
        review_by=review_by,
        created_by=user.id or 0,
        updated_by=user.id or 0,
    )
    db.add(page)
    await db.flush()
    assert page.id is not None
    db.add(PageRevision(page_id=page.id, number=1, title=title, body=body, editor_id=user.id or 0))
    await _index(db, page, tag_names.for_item(tags))
    return page


@writes
async def edit_page(
    db: AsyncSession,
    user: User,
    page_id: int,
    *,
    title: str | None = None,
    body: str | None = None,
    tags: Sequence[str] | None = None,
    base_revision: int | None = None,
    review_by: date | None = None,
    clear_review_by: bool = False,
) -> KnowledgePage:
    """Save a new revision. `base_revision` is the one the editor started from: when someone else
    saved since, this refuses with `Conflict` rather than overwrite their words. A new review
    date alone is no new revision: it says when to look again, not what the page says."""
    page = await access_page(db, user, page_id)
    if not await may_edit(db, user, page):
        await _may_write(db, user, page.circle_id)  # raises, saying why
    if base_revision is not None and base_revision != page.revision:
        raise Conflict(N_("Someone else changed this page meanwhile. Reload it and make your change again."))
    new_title, new_body = _clean(title if title is not None else page.title, body if body is not None else page.body)
    if (new_title, new_body) != (page.title, page.body):
        page.revision += 1
        page.title, page.body = new_title, new_body
        page.html = await render(db, user, new_body)
        page.updated_by = user.id or 0
        page.updated_at = utcnow()
        db.add(page)
        db.add(
            PageRevision(page_id=page_id, number=page.revision, title=new_title, body=new_body, editor_id=user.id or 0)
        )
    if (review_by is not None or clear_review_by) and review_by != page.review_by:
        page.review_by = review_by
        db.add(page)
    await _index(db, page, tag_names.for_item(tags) if tags is not None else await tags_of(db, page_id))
    return page


@writes
async def delete_page(db: AsyncSession, user: User, page_id: int) -> None:
    page = await access_page(db, user, page_id)
    if not await may_delete(db, user, page):
        raise PermissionDenied(N_("Only the one who wrote it or an admin may delete this page."))
    await search.unindex(db, ItemKind.PAGE, page_id)
    await db.delete(page)


@writes
async def mark_for_newcomers(db: AsyncSession, user: User, page_id: int, *, on: bool, team: str = "") -> KnowledgePage:
    """Editors mark a page for new colleagues (all, or one team's): Ids's welcome names it."""
    ensure_editor(user)
    page = await access_page(db, user, page_id)
    page.for_newcomers = on
    page.newcomer_team = team.strip()[:120] if on else ""
    db.add(page)
    return page


# "Still right" moves the review date on as for a document.
REVIEW_AGAIN = documents.REVIEW_AGAIN


def is_overdue(page: KnowledgePage, today: date | None = None) -> bool:
    """Past its review date: readers and its author see it flagged, and Ids reminds the author."""
    return page.review_by is not None and page.review_by < (today or utcnow().date())


async def _changeable(db: AsyncSession, user: User, page_id: int) -> KnowledgePage:
    page = await access_page(db, user, page_id)
    if not await may_edit(db, user, page):
        await _may_write(db, user, page.circle_id)  # raises, saying why
        raise PermissionDenied(ARCHIVED_CIRCLE)  # `may_edit` refuses only that besides
    return page


@writes
async def confirm_current(db: AsyncSession, user: User, page_id: int, *, today: date | None = None) -> KnowledgePage:
    """Whoever may edit the page says it is still right: reviewed today, due again in a year."""
    page = await _changeable(db, user, page_id)
    page.review_by = (today or utcnow().date()) + REVIEW_AGAIN
    page.archived_at = None
    db.add(page)
    return page


@writes
async def archive_page(db: AsyncSession, user: User, page_id: int) -> KnowledgePage:
    """No longer current: kept, found and read as archived, and no longer due for review."""
    page = await _changeable(db, user, page_id)
    page.archived_at = page.archived_at or utcnow()
    page.review_by = None
    db.add(page)
    return page


async def may_edit(db: AsyncSession, user: User, page: KnowledgePage) -> bool:
    """Whether `user` may save a new revision of `page`: the rule `edit_page` enforces, asked by
    the page too so it offers "Edit" only to who may."""
    if page.circle_id is not None and (await standing(db, user, page.circle_id)).archived:
        return False  # nobody, its author included; `edit_page` then says why
    if page.created_by == user.id:
        return True
    try:
        await _may_write(db, user, page.circle_id)
    except PermissionDenied:
        return False
    return True


async def may_delete(db: AsyncSession, user: User, page: KnowledgePage) -> bool:
    """Whether `user` may delete `page` (`delete_page` asks the same)."""
    return page.created_by == user.id or user.role is Role.ADMIN or await _is_circle_admin(db, user, page.circle_id)


async def _is_circle_admin(db: AsyncSession, user: User, circle_id: int | None) -> bool:
    if circle_id is None:
        return False
    membership = (
        await db.exec(select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == user.id))
    ).first()
    return membership is not None and membership.role is MemberRole.ADMIN


async def revisions(db: AsyncSession, user: User, page_id: int) -> list[PageRevision]:
    """The page's history, newest first."""
    await access_page(db, user, page_id)
    return list(
        (
            await db.exec(
                select(PageRevision).where(PageRevision.page_id == page_id).order_by(col(PageRevision.number).desc())
            )
        ).all()
    )


async def revision(db: AsyncSession, user: User, page_id: int, number: int) -> PageRevision:
    await access_page(db, user, page_id)
    found = (
        await db.exec(select(PageRevision).where(PageRevision.page_id == page_id, PageRevision.number == number))
    ).first()
    if found is None:
        raise NotFound(N_("No such revision."))
    return found


async def linking_here(db: AsyncSession, user: User, page: KnowledgePage) -> list[KnowledgePage]:
    """Pages `user` may read that link to `page` with `[[its title]]`."""
    pattern = f"%[[{page.title.lower()}]]%"
    return list(
        (
            await db.exec(
                select(KnowledgePage)
                .where(
                    func.lower(KnowledgePage.body).like(pattern),
                    col(KnowledgePage.id) != page.id,
                    readable_by(user),
                )
                .order_by(col(KnowledgePage.title))
                .limit(50)
            )
        ).all()
    )


async def tags_of(db: AsyncSession, page_id: int) -> list[str]:
    item_id = (
        await db.exec(select(SearchItem.id).where(SearchItem.kind == ItemKind.PAGE, SearchItem.ref_id == page_id))
    ).first()
    if item_id is None:
        return []
    return (await search.tags_of(db, [item_id])).get(item_id, [])


async def _index(db: AsyncSession, page: KnowledgePage, tags: Sequence[str]) -> None:
    assert page.id is not None
    await search.index(
        db,
        search.Entry(
            ItemKind.PAGE,
            page.id,
            page.title,
            page.body,
            circle_id=page.circle_id,
            audience=Audience.ORG if page.circle_id is None else Audience.CIRCLE,
            tags=tags,
            created_at=page.created_at,
        ),
    )


async def list_pages(db: AsyncSession, user: User, ids: Sequence[int]) -> list[KnowledgePage]:
    """The pages with these ids that `user` may read, in the order given."""
    if not ids:
        return []
    found = {
        p.id: p
        for p in (await db.exec(select(KnowledgePage).where(col(KnowledgePage.id).in_(ids), readable_by(user)))).all()
    }
    return [found[i] for i in ids if i in found]
