"""The audit log: who did what to whom, when, and what it was before and after.

`record` appends an entry inside the caller's unit of work, so the entry and the action it
describes commit together or not at all. Entries are never changed or removed: this module offers
no way to, and the database refuses UPDATE and DELETE on the table (migration 0010).

Actions are short dotted names (`Action`); later parts of the admin console (branding,
moderation, circles, imports) add their own members here and record them the same way.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, Circle, CircleVisibility, User
from services.transactions import require


class Action(enum.StrEnum):
    INVITATION_SENT = "invitation.sent"
    INVITATION_RESENT = "invitation.resent"
    INVITATION_REVOKED = "invitation.revoked"
    INVITATION_ACCEPTED = "invitation.accepted"
    ROLE_CHANGED = "user.role_changed"
    PROFILE_CHANGED = "user.profile_changed"
    DEACTIVATED = "user.deactivated"
    REACTIVATED = "user.reactivated"
    UNLOCKED = "user.unlocked"
    RESET_REQUESTED = "password.reset_requested"
    RESET_USED = "password.reset_used"
    TOKEN_REVOKED = "token.revoked"
    SIGN_IN_FAILURES = "signin.failure_burst"
    SIGN_ON = "signin.sign_on"  # through the organisation's OpenID provider
    SIGN_ON_LINKED = "signin.sign_on_linked"  # the first time, linked by a verified e-mail address
    SIGN_ON_CREATED = "signin.sign_on_created"  # the first time, with a new account
    DRIVE_IMPORTED = "drive.imported"
    DRIVE_IMPORT_REFUSED = "drive.import_refused"
    NEWS_PROPOSAL_PUBLISHED = "news.proposal_published"  # a colleague's proposed news, now or scheduled
    NEWS_PROPOSAL_SENT_BACK = "news.proposal_sent_back"
    CIRCLE_ARCHIVED = "circle.archived"
    CIRCLE_RESTORED = "circle.restored"
    CIRCLE_ADMIN_APPOINTED = "circle.admin_appointed"
    CIRCLE_ADMIN_HANDED_OVER = "circle.admin_handed_over"
    BRANDING_CHANGED = "branding.changed"
    BRANDING_RESET = "branding.reset"
    ITEM_HIDDEN = "moderation.hidden"
    ITEM_RESTORED = "moderation.restored"
    REPORT_KEPT = "moderation.kept"
    SCIM_TOKEN_CREATED = "scim.token_created"
    SCIM_TOKEN_REVOKED = "scim.token_revoked"
    SCIM_USER_CREATED = "scim.user_created"
    SCIM_USER_CHANGED = "scim.user_changed"
    SCIM_USER_REMOVED = "scim.user_removed"  # deactivated and its personal fields removed
    SCIM_GROUP_CREATED = "scim.group_created"
    SCIM_GROUP_CHANGED = "scim.group_changed"
    SCIM_GROUP_DELETED = "scim.group_deleted"


@dataclass(frozen=True)
class Subject:
    """What an action was done to."""

    kind: str
    id: int | None
    label: str

    @classmethod
    def user(cls, user: User) -> Subject:
        return cls("user", user.id, user.email)

    @classmethod
    def circle(cls, circle: Circle) -> Subject:
        """A circle by its name; a secret one by its number only, since the log is read by
        organisation admins and a secret circle does not exist for them."""
        secret = circle.visibility is CircleVisibility.SECRET
        return cls("circle", circle.id, SECRET_CIRCLE if secret else circle.name)


SECRET_CIRCLE = "(secret circle)"


def circle_people(circle: Circle, *, admin: User | None, **more: str) -> dict[str, Any]:
    """The before or after of a change of a circle's admins: who, unless the circle is secret
    (then its people stay as unknown to the log's readers as the circle is)."""
    named = circle.visibility is not CircleVisibility.SECRET and admin is not None
    return {"admin": admin.name if named and admin is not None else "", **more}


async def record(
    db: AsyncSession,
    action: Action,
    *,
    actor: User | None,
    subject: Subject,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    address: str = "",
    on_behalf: str = "",
) -> AuditEntry:
    """Append an entry in the open unit of work (it raises when none is open: an audit entry
    written apart from its action could tell of something that never happened). `on_behalf`
    names an actor who is no colleague (a provisioning client's token) when `actor` is None."""
    require(db)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.name if actor is not None else on_behalf[:120],
        action=action.value,
        subject_type=subject.kind,
        subject_id=subject.id,
        subject_label=subject.label[:254],
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        address=address[:64],
    )
    db.add(entry)
    await db.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


async def entries(
    db: AsyncSession, where: AuditFilter, *, limit: int = 200, before_id: int | None = None
) -> list[AuditEntry]:
    """Entries matching `where`, newest first; `before_id` pages on to older ones."""
    statement = select(AuditEntry)
    if where.action:
        statement = statement.where(AuditEntry.action == where.action)
    if where.actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == where.actor_id)
    if where.since is not None:
        statement = statement.where(col(AuditEntry.at) >= where.since)
    if where.until is not None:
        statement = statement.where(col(AuditEntry.at) < where.until)
    if before_id is not None:
        statement = statement.where(col(AuditEntry.id) < before_id)
    statement = statement.order_by(col(AuditEntry.id).desc()).limit(limit)
    return list((await db.exec(statement)).all())


async def actors(db: AsyncSession) -> list[tuple[int, str]]:
    """Everyone who has acted in the log, for the filter's choices."""
    rows = await db.exec(
        select(AuditEntry.actor_id, AuditEntry.actor_name).where(col(AuditEntry.actor_id).is_not(None)).distinct()
    )
    return sorted({(actor_id, name) for actor_id, name in rows.all() if actor_id is not None}, key=lambda a: a[1])


CSV_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "subject",
    "before",
    "after",
    "address",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): a
# colleague's name or a job title like "=HYPERLINK(...)" must arrive as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(rows: Iterable[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in rows:
        writer.writerow(
            safe_cell(value)
            for value in (
                entry.id,
                entry.at.isoformat(),
                entry.actor_id,
                entry.actor_name,
                entry.action,
                entry.subject_type,
                entry.subject_id,
                entry.subject_label,
                json.dumps(entry.before, ensure_ascii=False) if entry.before is not None else "",
                json.dumps(entry.after, ensure_ascii=False) if entry.after is not None else "",
                entry.address,
            )
        )
    return out.getvalue()
