"""The organisation's search synonyms: words it means as one ("verlof, vakantie").

Kept as groups, one per line when edited ("verlof, vakantie, vrije dagen"). Search reads them
for every query (a few rows), so an edit applies at once, without reindexing anything.
"""

from __future__ import annotations

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import SearchSynonym, User
from services import access
from services.errors import N_, Invalid, PermissionDenied
from services.transactions import writes

MAX_GROUPS = 500
MAX_LINE = 500


def parse(text: str) -> list[list[str]]:
    """Groups from lines of comma-separated words; lines with fewer than two entries say nothing."""
    groups = []
    for line in text.splitlines():
        entries = list(dict.fromkeys(" ".join(entry.split()).lower() for entry in line.split(",")))
        entries = [entry for entry in entries if entry]
        if len(entries) >= 2:
            groups.append(entries)
    return groups


def as_text(groups: list[list[str]]) -> str:
    return "\n".join(", ".join(group) for group in groups)


async def groups(db: AsyncSession) -> list[list[str]]:
    found = await db.exec(select(SearchSynonym.words).order_by(col(SearchSynonym.id)))
    return [group.split(", ") for group in found.all()]


@writes
async def replace_all(db: AsyncSession, actor: User, text: str) -> list[list[str]]:
    """The organisation's synonyms become those in `text`; organisation admins only."""
    if not access.is_org_admin(actor):
        raise PermissionDenied(N_("Only an administrator may change the search synonyms."))
    new = parse(text)
    if len(new) > MAX_GROUPS:
        raise Invalid(N_("At most 500 lines of synonyms."), field="synonyms")
    if any(len(", ".join(group)) > MAX_LINE for group in new):
        raise Invalid(N_("A line of synonyms may be at most 500 characters long."), field="synonyms")
    await db.exec(delete(SearchSynonym))
    for group in new:
        db.add(SearchSynonym(words=", ".join(group)))
    return new
