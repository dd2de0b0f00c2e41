"""A colleague's notification choices: which kinds, how much per circle, and the digest mail."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DigestFrequency, Membership, NotificationKind, NotificationSettings, NotifyLevel, User
from services import notifications
from services.access import member_circle
from services.errors import N_
from services.transactions import writes


async def preferences(db: AsyncSession, user: User) -> NotificationSettings:
    """The user's choices, or the defaults (every kind, a daily digest) when they made none."""
    found = await db.get(NotificationSettings, user.id)
    return found if found is not None else NotificationSettings(user_id=user.id or 0)


@writes
async def save_preferences(
    db: AsyncSession,
    user: User,
    *,
    muted_kinds: Iterable[NotificationKind] | None = None,
    digest: DigestFrequency | None = None,
    title_counts: Iterable[str] | None = None,
) -> NotificationSettings:
    """Change what is given; leave the rest as it was. `title_counts` names the parts of the
    badge (`notifications.TITLE_PARTS`) the tab title counts."""
    found = await db.get(NotificationSettings, user.id, with_for_update=True)
    choices = found if found is not None else NotificationSettings(user_id=user.id or 0)
    if muted_kinds is not None:
        choices.muted_kinds = sorted({kind.value for kind in muted_kinds})
    if digest is not None:
        choices.digest = digest
    if title_counts is not None:
        counted = set(title_counts)
        uncounted = [part for part in notifications.TITLE_PARTS if part not in counted]
        if uncounted != list(choices.uncounted or []):
            choices.uncounted = uncounted
            await notifications.announce(db, [user.id or 0])  # every tab's title follows
    db.add(choices)
    return choices


async def circle_levels(db: AsyncSession, user: User) -> dict[int, NotifyLevel]:
    rows = await db.exec(select(Membership).where(Membership.user_id == user.id))
    return {m.circle_id: m.notify for m in rows.all()}


@writes
async def set_circle_level(db: AsyncSession, user: User, circle_id: int, level: NotifyLevel) -> NotifyLevel:
    """How much of one circle's activity notifies the user; members only."""
    access = await member_circle(db, user, circle_id, N_("Only members choose how a circle notifies them."))
    assert access.membership is not None
    membership = await db.get(Membership, access.membership.id, populate_existing=True)
    assert membership is not None
    changed = membership.notify != level
    membership.notify = level
    db.add(membership)
    if changed:
        await notifications.announce(db, [user.id or 0])  # a muted circle's chat is not counted
    return level
