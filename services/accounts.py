"""Colleagues' accounts: creation, profiles, roles, passwords and deactivation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, delete, func, or_, tuple_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ApiToken, Circle, ItemKind, Membership, Role, User, UserKind, UserSession
from models.base import utcnow
from services import access, audit, events, passwords, search, throttle
from services.errors import N_, Conflict, Invalid, NotFound
from services.event_types import MemberLeft, SessionEnded
from services.transactions import writes

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_SKILLS = 20
MAX_NAME = 120
# Zero-width (non-)joiners: some scripts and emoji sequences need them in a name.
_JOINERS = frozenset("\u200c\u200d")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise Invalid(N_("That is not a valid e-mail address."), field="email")
    return email


def clean_name(name: str) -> str:
    """A display name as kept: Unicode NFKC (so "ｅｖａ" is "eva" and compatibility look-alikes
    fold together), single spaces, at most 120 characters. Refuses line breaks, tabs and other
    control characters (a name goes into mail headers) and invisible formatting characters, the
    right-to-left overrides among them (they turn what follows around on screen)."""
    name = unicodedata.normalize("NFKC", name)
    if any(hidden(char) for char in name):
        raise Invalid(N_("A name may not contain line breaks, tabs or invisible characters."), field="name")
    name = " ".join(name.split())[:MAX_NAME].strip()
    if not name:
        raise Invalid(N_("A name is required."), field="name")
    return name


def hidden(char: str) -> bool:
    category = unicodedata.category(char)
    return category in {"Cc", "Zl", "Zp"} or (category == "Cf" and char not in _JOINERS)


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def author_data(user: User) -> dict[str, Any]:
    """A colleague as an item's author, in its page data and events (`event_types.Author`)."""
    return {
        "id": user.id,
        "name": user.name,
        "avatar": user.avatar,
        "former": user.former,
        "is_assistant": user.is_assistant,
    }


def search_entry(user: User) -> search.Entry:
    """What search keeps of a colleague: name, job title, team, place, bio and "ask me about"."""
    assert user.id is not None
    body = "\n".join(
        part for part in (user.job_title, user.team, user.location, " ".join(user.skills), user.bio) if part
    )
    return search.Entry(ItemKind.PERSON, user.id, user.name, body, created_at=user.created_at)


@writes
async def create_user(
    db: AsyncSession,
    *,
    email: str,
    name: str,
    password: str | None = None,
    password_hash: str | None = None,
    role: Role = Role.MEMBER,
    job_title: str = "",
    team: str = "",
    location: str = "",
    bio: str = "",
    skills: Sequence[str] = (),
) -> User:
    """Create an account. Give `password`, or a `password_hash` made by `passwords.hash_password`
    (the demo seeds sixty colleagues with one hash instead of sixty slow ones)."""
    email = normalise_email(email)
    name = clean_name(name)
    if password_hash is None:
        if password is None:
            raise Invalid(N_("A password is required."), field="password")
        password_hash = await passwords.hash_password(password)
    if await _email_taken(db, email):
        raise Conflict(N_("An account with that e-mail address already exists."), field="email")
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        role=role,
        job_title=job_title.strip(),
        team=team.strip(),
        location=location.strip(),
        bio=bio.strip(),
        skills=clean_skills(skills),
    )
    db.add(user)
    await db.flush()
    await search.index(db, search_entry(user))
    return user


def clean_skills(skills: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for skill in skills:
        skill = skill.strip()
        if skill and skill.lower() not in seen:
            seen[skill.lower()] = skill[:60]
    return list(seen.values())[:MAX_SKILLS]


async def get_user(db: AsyncSession, user_id: int) -> User:
    user = await db.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound(N_("No such colleague."))
    return user


async def find_by_email(db: AsyncSession, email: str) -> User | None:
    result = await db.exec(select(User).where(User.email == email.strip().lower()))
    return result.first()


@writes
async def update_profile(
    db: AsyncSession,
    user: User,
    *,
    name: str | None = None,
    job_title: str | None = None,
    team: str | None = None,
    location: str | None = None,
    bio: str | None = None,
    skills: Sequence[str] | None = None,
    locale: str | None = None,
) -> User:
    if name is not None:
        name = clean_name(name)
        if _name_key(name) != _name_key(user.name) and await _name_taken(db, name):
            raise Conflict(
                N_("Another colleague already goes by that name. Add something that tells you apart."),
                field="name",
            )
        user.name = name
    if job_title is not None:
        user.job_title = job_title.strip()[:120]
    if team is not None:
        user.team = team.strip()[:120]
    if location is not None:
        user.location = location.strip()[:120]
    if bio is not None:
        user.bio = bio.strip()[:2000]
    if skills is not None:
        user.skills = clean_skills(skills)
    if locale is not None:
        user.locale = locale
    db.add(user)
    if user.is_active:
        await search.index(db, search_entry(user))
    return user


@writes
async def set_avatar(db: AsyncSession, user: User, avatar: str | None) -> User:
    user.avatar = avatar
    db.add(user)
    return user


@writes
async def change_password(db: AsyncSession, user: User, *, current: str, new: str) -> User:
    """Change the password and end every session and API token of the user: whoever knew the
    old one is out at once."""
    if not await passwords.verify_password(user.password_hash, current):
        raise Invalid(N_("The current password is not right."), field="current_password")
    user.password_hash = await passwords.hash_password(new)
    user.password_changed_at = utcnow()
    db.add(user)
    await _end_all_credentials(db, user)
    return user


@writes
async def set_role(db: AsyncSession, actor: User, user: User, role: Role, *, address: str = "") -> User:
    access.ensure_org_admin(actor)
    _not_the_assistant(user)
    _not_yourself(actor, user, N_("You cannot change your own role; ask another administrator."))
    if user.role is not role:
        before = user.role.value
        user.role = role
        db.add(user)
        await audit.record(
            db,
            audit.Action.ROLE_CHANGED,
            actor=actor,
            subject=audit.Subject.user(user),
            before={"role": before},
            after={"role": role.value},
            address=address,
        )
    return user


ADMIN_FIELDS = ("team", "location", "job_title")


@writes
async def update_by_admin(
    db: AsyncSession, actor: User, user: User, *, team: str, location: str, job_title: str, address: str = ""
) -> User:
    """An administrator sets the organisation's facts of a colleague: team, location, job title."""
    access.ensure_org_admin(actor)
    _not_the_assistant(user)
    before = {name: getattr(user, name) for name in ADMIN_FIELDS}
    wanted = {"team": team.strip()[:120], "location": location.strip()[:120], "job_title": job_title.strip()[:120]}
    changed = {name: value for name, value in wanted.items() if before[name] != value}
    if not changed:
        return user
    for name, value in changed.items():
        setattr(user, name, value)
    db.add(user)
    if user.is_active:
        await search.index(db, search_entry(user))
    await audit.record(
        db,
        audit.Action.PROFILE_CHANGED,
        actor=actor,
        subject=audit.Subject.user(user),
        before={name: before[name] for name in changed},
        after=changed,
        address=address,
    )
    return user


@writes
async def deactivate(
    db: AsyncSession, actor: User | None, user: User, *, address: str = "", on_behalf: str = ""
) -> User:
    """Deactivate an account; its sessions and tokens stop working and its open sockets close
    at once (`session.ended`). What the colleague wrote stays, shown as a former colleague's.

    `actor` is None for the command line and the provisioning client (`on_behalf` names it in
    the audit log), both trusted."""
    if actor is not None:
        access.ensure_org_admin(actor)
        _not_yourself(actor, user, N_("You cannot deactivate yourself; ask another administrator."))
    _not_the_assistant(user)
    if not user.is_active:
        return user
    user.is_active = False
    user.deactivated_at = utcnow()
    db.add(user)
    await search.unindex(db, ItemKind.PERSON, user.id or 0)
    await _leave_every_circle(db, user)
    await _end_all_credentials(db, user)
    await audit.record(
        db,
        audit.Action.DEACTIVATED,
        actor=actor,
        subject=audit.Subject.user(user),
        before={"active": True},
        after={"active": False},
        address=address,
        on_behalf=on_behalf,
    )
    return user


@writes
async def reactivate(
    db: AsyncSession, actor: User | None, user: User, *, address: str = "", on_behalf: str = ""
) -> User:
    """Let a deactivated colleague in again (with their old password, or a reset). `actor` is
    None for the provisioning client, which is trusted (`on_behalf` names it)."""
    if actor is not None:
        access.ensure_org_admin(actor)
    _not_the_assistant(user)
    if user.is_active:
        return user
    user.is_active = True
    user.deactivated_at = None
    db.add(user)
    await search.index(db, search_entry(user))
    await audit.record(
        db,
        audit.Action.REACTIVATED,
        actor=actor,
        subject=audit.Subject.user(user),
        before={"active": False},
        after={"active": True},
        address=address,
        on_behalf=on_behalf,
    )
    return user


@writes
async def unlock(db: AsyncSession, actor: User, user: User, *, address: str = "") -> User:
    """Forget the colleague's failed sign-ins, so a slowed-down account may try again at once."""
    access.ensure_org_admin(actor)
    forgotten = await throttle.unlock(db, user.email)
    await audit.record(
        db,
        audit.Action.UNLOCKED,
        actor=actor,
        subject=audit.Subject.user(user),
        before={"failed_sign_ins": forgotten},
        after={"failed_sign_ins": 0},
        address=address,
    )
    return user


async def any_user(db: AsyncSession, user_id: int) -> User:
    """A colleague, deactivated or not (for administrators)."""
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such colleague."))
    return user


async def list_everyone(db: AsyncSession) -> list[User]:
    """Every account, active or not, in name order (the admin console's people list)."""
    return list((await db.exec(select(User).order_by(col(User.name), col(User.id)))).all())


def _not_the_assistant(user: User) -> None:
    # The assistant is no person: nobody signs in as it, and it stays as long as the installation.
    if user.is_assistant:
        raise Conflict(N_("The assistant is not a colleague's account; change its name and picture under branding."))


def _not_yourself(actor: User, user: User, message: str) -> None:
    # An administrator demoting or deactivating themself could leave the organisation without one.
    if actor.id == user.id:
        raise Conflict(message)


async def end_all_credentials(db: AsyncSession, user: User) -> None:
    """End every session, token and open socket of `user` (inside the caller's unit)."""
    await _end_all_credentials(db, user)


async def _leave_every_circle(db: AsyncSession, user: User) -> None:
    """Member lists show active colleagues only, so a deactivated one leaves each list: open
    pages learn it as a departure. (The memberships stay, as the history of who was in.) Circle
    topics are locked before the user's own, in name order, as every writer does."""
    rows = await db.exec(
        select(Circle.id, Circle.visibility)
        .join(Membership, col(Membership.circle_id) == col(Circle.id))
        .where(col(Membership.user_id) == user.id)
    )
    for circle_id, visibility in sorted(rows.all(), key=lambda row: events.circle_topic(row[0] or 0)):
        left = MemberLeft(circle_id=circle_id or 0, user_id=user.id or 0, reason="deactivated", visibility=visibility)
        await events.record(db, events.circle_topic(circle_id or 0), left)


async def _end_all_credentials(db: AsyncSession, user: User) -> None:
    """Delete every session and revoke every token; open sockets close on `session.ended`."""
    await db.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
    await events.record(db, events.user_topic(user.id or 0), SessionEnded(all=True))
    await db.exec(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def _name_taken(db: AsyncSession, name: str) -> bool:
    """Whether an active colleague's name is `name` but for case, spacing and NFKC forms. Read in
    full and compared here: neither database folds Unicode the same way (about a hundred
    kilobytes for 5,000 colleagues, and only when a colleague renames themself)."""
    key = _name_key(name)
    names = await db.exec(select(User.name).where(col(User.is_active).is_(True)))
    return any(_name_key(other) == key for other in names.all())


async def _email_taken(db: AsyncSession, email: str) -> bool:
    result = await db.exec(select(func.count()).select_from(User).where(User.email == email))
    return result.one() > 0


async def list_people(
    db: AsyncSession,
    *,
    query: str = "",
    team: str = "",
    after: tuple[str, int] | None = None,
    limit: int = 50,
) -> list[User]:
    """Active colleagues (people: not the assistant) in name order, filtered by a free-text
    query over name, title, team, location and skills; `after` is the (name, id) of the last one
    already shown."""
    statement = select(User).where(col(User.is_active).is_(True), User.kind == UserKind.PERSON)
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(User.name).like(pattern),
                func.lower(User.job_title).like(pattern),
                func.lower(User.team).like(pattern),
                func.lower(User.location).like(pattern),
                func.lower(func.cast(col(User.skills), Text)).like(pattern),
            )
        )
    if team:
        statement = statement.where(User.team == team)
    if after is not None:
        statement = statement.where(tuple_(col(User.name), col(User.id)) > after)
    statement = statement.order_by(col(User.name), col(User.id)).limit(limit)
    return list((await db.exec(statement)).all())


async def list_teams(db: AsyncSession) -> list[str]:
    statement = (
        select(User.team).where(col(User.is_active).is_(True), User.team != "").distinct().order_by(col(User.team))
    )
    return list((await db.exec(statement)).all())
