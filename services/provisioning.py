"""Provisioning: the organisation's directory (Entra ID, Keycloak) creates, changes,
deactivates and removes colleagues, and keeps their teams.

The SCIM wire format lives in `server/scim/`; here are the operations in Kring's own terms.
Every colleague (not the assistant) is a provisioned account, whether SCIM made them or an
admin invited them, so a directory finds existing colleagues by `userName` (their e-mail address
until the directory names them otherwise) instead of making them twice. A group is a team: its
members are the colleagues whose `team` it is, so a colleague is in one group at most, and adding
them to another moves them.

Deactivating goes through `accounts.deactivate`, which ends every session, token and open socket
at once. Removing deactivates and then drops the personal fields (`remove_account`): the account
stays, as the author of what it wrote, named "Oud-collega".

Messages of the errors raised here are read by the provisioning client, not by a colleague, and
stay English. Every change is written to the audit log in its unit of work, in the client's name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, and_, delete, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ProvisionedGroup, ProvisionedUser, SignOnLink, User, UserKind
from models.base import utcnow
from services import accounts, audit, search
from services.errors import Conflict, Invalid, NotFound
from services.provisioning_tokens import Client
from services.transactions import writes

# A password hash no password matches: a provisioned colleague signs in through the
# organisation's provider, or sets a password through a reset link.
NO_PASSWORD = "!provisioned"
FORMER_NAME = "Oud-collega"  # what a removed colleague is called from then on
MAX_COUNT = 200  # the most resources one list answer holds (ServiceProviderConfig says so)


def fold(text: str) -> str:
    """How `userName` and group names compare: NFC and lower case (RFC 7643: not case-exact)."""
    return unicodedata.normalize("NFC", text).lower()


@dataclass(frozen=True)
class Account:
    """What the directory says of a colleague."""

    user_name: str
    display_name: str
    email: str
    title: str = ""
    active: bool = True
    external_id: str | None = None


@dataclass(frozen=True)
class AccountView:
    user: User
    user_name: str
    external_id: str | None
    updated_at: datetime
    group: ProvisionedGroup | None  # the group of the colleague's team, when it is one


@dataclass(frozen=True)
class Team:
    """What the directory says of a group."""

    display_name: str
    member_ids: frozenset[int] = frozenset()
    external_id: str | None = None


@dataclass(frozen=True)
class TeamView:
    group: ProvisionedGroup
    members: list[User] = field(default_factory=list)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    total: int
    items: list[T]


def _not_removed() -> ColumnElement[bool]:
    """A colleague SCIM has not removed (or never named: the outer join's row is empty)."""
    return col(ProvisionedUser.removed_at).is_(None)


def _named_or_unnamed(key: str) -> ColumnElement[bool]:
    """The colleague whose `userName` folds to `key`: SCIM's name, or for a colleague SCIM has
    not named yet, their address."""
    return or_(
        col(ProvisionedUser.user_name_key) == key,
        and_(col(ProvisionedUser.user_id).is_(None), func.lower(User.email) == key),
    )


async def _group_of(db: AsyncSession, team: str) -> ProvisionedGroup | None:
    if not team:
        return None
    found = await db.exec(select(ProvisionedGroup).where(ProvisionedGroup.name_key == fold(team)))
    return found.first()


async def _view(db: AsyncSession, user: User, row: ProvisionedUser | None) -> AccountView:
    return AccountView(
        user=user,
        user_name=row.user_name if row is not None else user.email,
        external_id=row.external_id if row is not None else None,
        updated_at=row.updated_at if row is not None else user.created_at,
        group=await _group_of(db, user.team),
    )


async def list_accounts(
    db: AsyncSession, *, user_name: str | None = None, external_id: str | None = None, start: int = 1, count: int = 100
) -> Page[AccountView]:
    """Colleagues in id order, `count` of them from the `start`th (1-based), and how many match.
    `user_name` compares folded; `external_id` exactly (RFC 7643: it is case-exact)."""
    conditions = [col(User.kind) == UserKind.PERSON, _not_removed()]
    if user_name is not None:
        conditions.append(_named_or_unnamed(fold(user_name)))
    if external_id is not None:
        conditions.append(col(ProvisionedUser.external_id) == external_id)
    joined = col(ProvisionedUser.user_id) == col(User.id)
    base = select(User, ProvisionedUser).outerjoin(ProvisionedUser, joined)
    counted = select(func.count()).select_from(User).outerjoin(ProvisionedUser, joined)
    total = (await db.exec(counted.where(*conditions))).one()
    rows = await db.exec(base.where(*conditions).order_by(col(User.id)).offset(max(start, 1) - 1).limit(count))
    return Page(total, [await _view(db, user, row) for user, row in rows.all()])


async def _load(db: AsyncSession, user_id: int) -> tuple[User, ProvisionedUser | None]:
    user = await db.get(User, user_id)
    if user is None or user.kind is not UserKind.PERSON:
        raise NotFound(f"No user {user_id}.")
    row = await db.get(ProvisionedUser, user_id)
    if row is not None and row.removed_at is not None:
        raise NotFound(f"No user {user_id}.")
    return user, row


async def get_account(db: AsyncSession, user_id: int) -> AccountView:
    user, row = await _load(db, user_id)
    return await _view(db, user, row)


def _clean_user_name(user_name: str) -> str:
    user_name = user_name.strip()
    if not user_name or len(user_name) > 254 or any(accounts.hidden(char) for char in user_name):
        raise Invalid("userName must be 1 to 254 visible characters.", field="userName")
    return user_name


def _clean_external_id(external_id: str | None) -> str | None:
    if external_id is None:
        return None
    if len(external_id) > 254:
        raise Invalid("externalId may be at most 254 characters.", field="externalId")
    return external_id


async def _ensure_user_name_free(db: AsyncSession, user_name: str, user_id: int | None) -> None:
    found = await db.exec(
        select(User.id)
        .outerjoin(ProvisionedUser, col(ProvisionedUser.user_id) == col(User.id))
        .where(_named_or_unnamed(fold(user_name)))
    )
    if any(other != user_id for other in found.all()):
        raise Conflict("Another user has this userName.", field="userName")


async def _ensure_email_free(db: AsyncSession, email: str, user_id: int | None) -> None:
    other = await accounts.find_by_email(db, email)
    if other is not None and other.id != user_id:
        raise Conflict("Another user has this e-mail address.", field="emails")


def _facts(user: User, row: ProvisionedUser) -> dict[str, object]:
    return {
        "userName": row.user_name,
        "displayName": user.name,
        "email": user.email,
        "title": user.job_title,
        "externalId": row.external_id,
    }


@writes
async def create_account(db: AsyncSession, client: Client, account: Account) -> AccountView:
    """A new colleague, with no password: they sign in through the organisation's provider."""
    user_name = _clean_user_name(account.user_name)
    email = accounts.normalise_email(account.email)
    name = accounts.clean_name(account.display_name)
    external_id = _clean_external_id(account.external_id)
    await _ensure_user_name_free(db, user_name, None)
    await _ensure_email_free(db, email, None)
    user = await accounts.create_user(
        db, email=email, name=name, password_hash=NO_PASSWORD, job_title=account.title[:120]
    )
    row = ProvisionedUser(
        user_id=user.id or 0, user_name=user_name, user_name_key=fold(user_name), external_id=external_id
    )
    db.add(row)
    await db.flush()
    await audit.record(
        db,
        audit.Action.SCIM_USER_CREATED,
        actor=None,
        on_behalf=client.label,
        subject=audit.Subject.user(user),
        after=_facts(user, row),
        address=client.address,
    )
    if not account.active:
        await accounts.deactivate(db, None, user, address=client.address, on_behalf=client.label)
    return await _view(db, user, row)


@writes
async def replace_account(db: AsyncSession, client: Client, user_id: int, account: Account) -> AccountView:
    """Make the colleague what the directory says (PUT, and PATCH once applied). Deactivating
    ends every session, token and socket at once; activating lets them in again."""
    user, row = await _load(db, user_id)
    if row is None:
        row = ProvisionedUser(user_id=user_id, user_name=user.email, user_name_key=fold(user.email))
    before = _facts(user, row)
    user_name = _clean_user_name(account.user_name)
    email = accounts.normalise_email(account.email)
    if fold(user_name) != row.user_name_key:
        await _ensure_user_name_free(db, user_name, user_id)
    if email != user.email:
        await _ensure_email_free(db, email, user_id)
    row.user_name, row.user_name_key = user_name, fold(user_name)
    row.external_id = _clean_external_id(account.external_id)
    user.email = email
    user.name = accounts.clean_name(account.display_name)
    user.job_title = account.title.strip()[:120]
    after = _facts(user, row)
    if after != before:
        row.updated_at = utcnow()
        db.add_all([user, row])
        await db.flush()
        if user.is_active:
            await search.index(db, accounts.search_entry(user))
        changed = [name for name in after if after[name] != before[name]]
        await audit.record(
            db,
            audit.Action.SCIM_USER_CHANGED,
            actor=None,
            on_behalf=client.label,
            subject=audit.Subject.user(user),
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
            address=client.address,
        )
    else:
        db.add(row)
    if user.is_active and not account.active:
        await accounts.deactivate(db, None, user, address=client.address, on_behalf=client.label)
    elif not user.is_active and account.active:
        await accounts.reactivate(db, None, user, address=client.address, on_behalf=client.label)
    return await _view(db, user, row)


@writes
async def remove_account(db: AsyncSession, client: Client, user_id: int) -> None:
    """The directory deleted the colleague: deactivate them (every session and socket ends),
    then drop their personal fields. What they wrote stays, by "Oud-collega". The `userName` and
    address are free again; SCIM no longer knows the account."""
    user, row = await _load(db, user_id)
    await accounts.deactivate(db, None, user, address=client.address, on_behalf=client.label)
    if row is None:
        row = ProvisionedUser(user_id=user_id, user_name="", user_name_key="")
    label = audit.Subject.user(user)
    user.name = FORMER_NAME
    user.email = f"oud-collega-{user_id}@removed.invalid"  # unique, and no mail can reach it
    user.avatar = None
    user.job_title = user.team = user.location = user.bio = ""
    user.skills = []
    user.locale = None
    row.user_name, row.user_name_key = "", f"removed:{user_id}"
    row.external_id = None
    row.removed_at = row.updated_at = utcnow()
    db.add_all([user, row])
    # Nobody signs in as them through the provider again, not even a new account by that address.
    await db.exec(delete(SignOnLink).where(col(SignOnLink.user_id) == user_id))
    await audit.record(
        db,
        audit.Action.SCIM_USER_REMOVED,
        actor=None,
        on_behalf=client.label,
        subject=label,
        after={"name": FORMER_NAME},
        address=client.address,
    )


# Groups: teams.


def _clean_team_name(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not name or len(name) > 120 or any(accounts.hidden(char) for char in name):
        raise Invalid("displayName must be 1 to 120 visible characters.", field="displayName")
    return name


async def _members(db: AsyncSession, team: str) -> list[User]:
    rows = await db.exec(
        select(User)
        .outerjoin(ProvisionedUser, col(ProvisionedUser.user_id) == col(User.id))
        .where(User.kind == UserKind.PERSON, _not_removed(), User.team == team)
        .order_by(col(User.id))
    )
    return list(rows.all())


async def list_teams(
    db: AsyncSession,
    *,
    display_name: str | None = None,
    external_id: str | None = None,
    start: int = 1,
    count: int = 100,
) -> Page[TeamView]:
    conditions: list[ColumnElement[bool]] = []
    if display_name is not None:
        conditions.append(col(ProvisionedGroup.name_key) == fold(display_name))
    if external_id is not None:
        conditions.append(col(ProvisionedGroup.external_id) == external_id)
    total = (await db.exec(select(func.count()).select_from(ProvisionedGroup).where(*conditions))).one()
    rows = await db.exec(
        select(ProvisionedGroup)
        .where(*conditions)
        .order_by(col(ProvisionedGroup.id))
        .offset(max(start, 1) - 1)
        .limit(count)
    )
    return Page(total, [TeamView(group, await _members(db, group.display_name)) for group in rows.all()])


async def _load_group(db: AsyncSession, group_id: int) -> ProvisionedGroup:
    group = await db.get(ProvisionedGroup, group_id)
    if group is None:
        raise NotFound(f"No group {group_id}.")
    return group


async def get_team(db: AsyncSession, group_id: int) -> TeamView:
    group = await _load_group(db, group_id)
    return TeamView(group, await _members(db, group.display_name))


async def _ensure_team_name_free(db: AsyncSession, name: str, group_id: int | None) -> None:
    found = await db.exec(select(ProvisionedGroup.id).where(ProvisionedGroup.name_key == fold(name)))
    other = found.first()
    if other is not None and other != group_id:
        raise Conflict("Another group has this displayName.", field="displayName")


async def _set_team(db: AsyncSession, users: Iterable[User], team: str) -> None:
    for user in users:
        user.team = team
        db.add(user)
        if user.is_active:
            await search.index(db, accounts.search_entry(user))


async def _people_by_id(db: AsyncSession, ids: Sequence[int]) -> list[User]:
    if not ids:
        return []
    rows = await db.exec(
        select(User)
        .outerjoin(ProvisionedUser, col(ProvisionedUser.user_id) == col(User.id))
        .where(col(User.id).in_(ids), User.kind == UserKind.PERSON, _not_removed())
    )
    found = list(rows.all())
    missing = set(ids) - {user.id for user in found}
    if missing:
        raise Invalid(f"No user {min(missing)} to be a member.", field="members")
    return found


@writes
async def create_team(db: AsyncSession, client: Client, team: Team) -> TeamView:
    """A group for a team. Colleagues whose team has this name already are its members at once;
    the members named join it (leaving the team they were in)."""
    name = _clean_team_name(team.display_name)
    await _ensure_team_name_free(db, name, None)
    group = ProvisionedGroup(display_name=name, name_key=fold(name), external_id=_clean_external_id(team.external_id))
    db.add(group)
    await db.flush()
    joining = await _people_by_id(db, sorted(team.member_ids))
    await _set_team(db, joining, name)
    await audit.record(
        db,
        audit.Action.SCIM_GROUP_CREATED,
        actor=None,
        on_behalf=client.label,
        subject=audit.Subject("team", group.id, name),
        after={"displayName": name, "externalId": group.external_id, "added": sorted(team.member_ids)},
        address=client.address,
    )
    return TeamView(group, await _members(db, name))


@writes
async def replace_team(db: AsyncSession, client: Client, group_id: int, team: Team) -> TeamView:
    """Rename the team (every member's team follows) and make its members those named."""
    group = await _load_group(db, group_id)
    name = _clean_team_name(team.display_name)
    if fold(name) != group.name_key:
        await _ensure_team_name_free(db, name, group_id)
    current = await _members(db, group.display_name)
    current_ids = {user.id for user in current}
    before = {"displayName": group.display_name, "externalId": group.external_id}
    leaving = [user for user in current if user.id not in team.member_ids]
    staying = [user for user in current if user.id in team.member_ids]
    joining = await _people_by_id(db, sorted(team.member_ids - current_ids))
    await _set_team(db, leaving, "")
    if name != group.display_name:
        await _set_team(db, staying, name)
    await _set_team(db, joining, name)
    group.display_name, group.name_key = name, fold(name)
    group.external_id = _clean_external_id(team.external_id)
    after = {"displayName": group.display_name, "externalId": group.external_id}
    added = sorted(user.id or 0 for user in joining)
    removed = sorted(user.id or 0 for user in leaving)
    if after != before or added or removed:
        group.updated_at = utcnow()
        await audit.record(
            db,
            audit.Action.SCIM_GROUP_CHANGED,
            actor=None,
            on_behalf=client.label,
            subject=audit.Subject("team", group.id, name),
            before=before,
            after={**after, "added": added, "removed": removed},
            address=client.address,
        )
    db.add(group)
    return TeamView(group, await _members(db, name))


@writes
async def delete_team(db: AsyncSession, client: Client, group_id: int) -> None:
    """The group goes, and its members are in no team."""
    group = await _load_group(db, group_id)
    members = await _members(db, group.display_name)
    await _set_team(db, members, "")
    await db.delete(group)
    await audit.record(
        db,
        audit.Action.SCIM_GROUP_DELETED,
        actor=None,
        on_behalf=client.label,
        subject=audit.Subject("team", group_id, group.display_name),
        before={"displayName": group.display_name, "members": len(members)},
        address=client.address,
    )
