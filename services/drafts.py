"""Drafts: what a colleague has typed in a form and not sent, kept server-side so a reload, a
crash or another device finds it again.

Guarantees:
- a draft is its writer's alone: every function takes the colleague and reads or changes only
  their own row, so no key names another colleague's draft;
- a form key names one form from a fixed set (`KEY`), so the table never collects free text as
  keys; the place a key names is checked again when the draft is read: a draft for a circle one
  has left, a post one no longer reads or a page gone is not handed back;
- the text is kept as typed (Markdown), at most `MAX_BODY` characters, and an empty text
  removes the draft.
"""

from __future__ import annotations

import re

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Draft, User
from models.base import MAX_ID, utcnow
from services import access, events, knowledge_pages, news_proposals, posts
from services.errors import N_, Invalid, KringError, NotFound
from services.transactions import writes

MAX_BODY = 100_000  # the longest text any form takes (a knowledge page)
KEY = re.compile(
    r"(?:news|blog|proposal|page):new"
    r"|post:home"
    r"|post:circle:(?P<circle>[0-9]{1,10})"
    r"|comment:post:(?P<post>[0-9]{1,10})"
    r"|proposal:(?P<proposal>[0-9]{1,10})"
    r"|page:(?P<page>[0-9]{1,10})"
)


def check_key(form_key: str) -> re.Match[str]:
    match = KEY.fullmatch(form_key)
    if match is None:
        raise Invalid(N_("No such form."), field="form_key")
    if any(int(number) > MAX_ID for number in match.groupdict().values() if number):
        raise NotFound(N_("No such form."))  # the key's form, but of a circle or post that cannot exist
    return match


async def _still_allowed(db: AsyncSession, user: User, key: re.Match[str]) -> bool:
    """Whether the place the key names still takes `user`'s text (asked of the services that
    own each place, so the access rule stays theirs)."""
    found = key.groupdict()
    try:
        if found["circle"]:
            return (await access.standing(db, user, int(found["circle"]))).can_write
        if found["post"]:
            await posts.respondable_post(db, user, int(found["post"]))
        elif found["proposal"]:
            proposal = await news_proposals.access_proposal(db, user, int(found["proposal"]))
            return news_proposals.may_edit(user, proposal)
        elif found["page"]:
            page = await knowledge_pages.access_page(db, user, int(found["page"]))
            return await knowledge_pages.may_edit(db, user, page)
    except KringError:
        return False
    return True


async def load(db: AsyncSession, user: User, form_key: str) -> Draft | None:
    """`user`'s draft for the form, or None (none kept, or its place is no longer theirs)."""
    key = check_key(form_key)
    draft = (await db.exec(select(Draft).where(col(Draft.user_id) == user.id, col(Draft.form_key) == form_key))).first()
    if draft is None or not await _still_allowed(db, user, key):
        return None
    return draft


@writes
async def save(db: AsyncSession, user: User, form_key: str, body: str) -> None:
    """Keep `body` as `user`'s draft for the form (replacing the one before); empty removes it."""
    check_key(form_key)
    if len(body) > MAX_BODY:
        raise Invalid(N_("The text is too long to keep as a draft."), field="body")
    if not body.strip():
        await _remove(db, user, form_key)
        return
    values = {"user_id": user.id, "form_key": form_key, "body": body, "updated_at": utcnow()}
    # One statement, so two tabs saving at once leave one row rather than a unique violation.
    await db.exec(
        events.upsert_insert(db)(Draft)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["user_id", "form_key"], set_={"body": body, "updated_at": values["updated_at"]}
        )
    )


@writes
async def discard(db: AsyncSession, user: User, form_key: str) -> None:
    """Remove `user`'s draft for the form (sent, or thrown away); nothing kept is fine too."""
    check_key(form_key)
    await _remove(db, user, form_key)


async def _remove(db: AsyncSession, user: User, form_key: str) -> None:
    await db.exec(delete(Draft).where(col(Draft.user_id) == user.id, col(Draft.form_key) == form_key))
