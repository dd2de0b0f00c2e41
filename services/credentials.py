"""Invitations to join and password resets: single-use links that let someone set a password.

A link carries a random token; the database keeps only its SHA-256 digest (`sessions.digest`),
so a copy of the database sets nobody's password. Every link works once and expires
(`KRING_INVITATION_DAYS`, `KRING_RESET_MINUTES`). Each change writes its audit entry in the same
unit of work.

A reset request answers alike for known and unknown addresses: the same throttle, lookup, token
generation and write happen either way (for an unknown address only the audit entry is written),
and the caller sends the mail after the answer has gone, so neither the answer nor its time tells
whether an account exists.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AccountInvitation, PasswordReset, Role, User
from models.base import utcnow
from services import access, accounts, audit, passwords, throttle
from services.errors import N_, Conflict, Invalid, NotFound
from services.sessions import digest
from services.transactions import unit_of_work, writes

NO_LONGER_VALID_INVITATION = N_("This invitation link is no longer valid. Ask an administrator for a new one.")
NO_LONGER_VALID_RESET = N_("This link is no longer valid. Ask for a new one.")
CSV_COLUMNS = ("name", "email", "team", "location", "role")
MAX_CSV_ROWS = 1000


def new_token() -> tuple[str, str]:
    """A raw token for the link, and the digest to store."""
    raw = secrets.token_urlsafe(32)
    return raw, digest(raw)


def _is_open(invitation: AccountInvitation) -> bool:
    return invitation.accepted_at is None and invitation.revoked_at is None


def _invitation_facts(invitation: AccountInvitation) -> dict[str, str]:
    return {
        "email": invitation.email,
        "name": invitation.name,
        "team": invitation.team,
        "location": invitation.location,
        "role": invitation.role.value,
    }


@writes
async def invite(
    db: AsyncSession,
    actor: User,
    *,
    email: str,
    name: str,
    team: str = "",
    location: str = "",
    job_title: str = "",
    role: Role = Role.MEMBER,
    locale: str | None = None,
    days: int = 7,
    address: str = "",
) -> tuple[AccountInvitation, str]:
    """Invite a colleague; returns the invitation and the raw token for the mail's link."""
    access.ensure_org_admin(actor)
    email = accounts.normalise_email(email)
    name = accounts.clean_name(name)
    if await accounts.find_by_email(db, email) is not None:
        raise Conflict(N_("An account with that e-mail address already exists."), field="email")
    pending = await db.exec(
        select(AccountInvitation).where(
            AccountInvitation.email == email,
            col(AccountInvitation.accepted_at).is_(None),
            col(AccountInvitation.revoked_at).is_(None),
        )
    )
    if pending.first() is not None:
        raise Conflict(
            N_("%(email)s already has an open invitation: resend it."), field="email", params={"email": email}
        )
    raw, hashed = new_token()
    now = utcnow()
    invitation = AccountInvitation(
        email=email,
        name=name,
        team=team.strip()[:120],
        location=location.strip()[:120],
        job_title=job_title.strip()[:120],
        role=role,
        locale=locale,
        token_hash=hashed,
        invited_by=actor.id,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.add(invitation)
    await db.flush()
    await audit.record(
        db,
        audit.Action.INVITATION_SENT,
        actor=actor,
        subject=audit.Subject("invitation", invitation.id, email),
        after=_invitation_facts(invitation),
        address=address,
    )
    return invitation, raw


async def _open_invitation(db: AsyncSession, invitation_id: int) -> AccountInvitation:
    invitation = await db.get(AccountInvitation, invitation_id)
    if invitation is None or not _is_open(invitation):
        raise NotFound(N_("No such open invitation."))
    return invitation


@writes
async def resend(
    db: AsyncSession, actor: User, invitation_id: int, *, days: int = 7, address: str = ""
) -> tuple[AccountInvitation, str]:
    """A new link for an open invitation, valid for `days` again; the old link stops working."""
    access.ensure_org_admin(actor)
    invitation = await _open_invitation(db, invitation_id)
    before = {"expires_at": invitation.expires_at.isoformat()}
    raw, hashed = new_token()
    now = utcnow()
    invitation.token_hash = hashed
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=days)
    db.add(invitation)
    await audit.record(
        db,
        audit.Action.INVITATION_RESENT,
        actor=actor,
        subject=audit.Subject("invitation", invitation.id, invitation.email),
        before=before,
        after={"expires_at": invitation.expires_at.isoformat()},
        address=address,
    )
    return invitation, raw


@writes
async def revoke(db: AsyncSession, actor: User, invitation_id: int, *, address: str = "") -> AccountInvitation:
    access.ensure_org_admin(actor)
    invitation = await _open_invitation(db, invitation_id)
    invitation.revoked_at = utcnow()
    db.add(invitation)
    await audit.record(
        db,
        audit.Action.INVITATION_REVOKED,
        actor=actor,
        subject=audit.Subject("invitation", invitation.id, invitation.email),
        before={"open": True},
        after={"open": False},
        address=address,
    )
    return invitation


async def open_invitations(db: AsyncSession) -> list[AccountInvitation]:
    statement = (
        select(AccountInvitation)
        .where(col(AccountInvitation.accepted_at).is_(None), col(AccountInvitation.revoked_at).is_(None))
        .order_by(col(AccountInvitation.created_at).desc())
    )
    return list((await db.exec(statement)).all())


async def valid_invitation(db: AsyncSession, raw: str) -> AccountInvitation | None:
    """The open, unexpired invitation behind a link's token, or None."""
    if not raw or len(raw) > 128:
        return None
    found = await db.exec(select(AccountInvitation).where(AccountInvitation.token_hash == digest(raw)))
    invitation = found.first()
    if invitation is None or not _is_open(invitation) or invitation.expires_at <= utcnow():
        return None
    return invitation


async def accept(db: AsyncSession, raw: str, password: str, *, address: str = "") -> User:
    """Turn the invitation into an account with `password`. Works once: the invitation is marked
    accepted in the same unit that creates the account."""
    password_hash = await passwords.hash_password(password)  # off the loop, before the write
    async with unit_of_work(db):
        invitation = await valid_invitation(db, raw)
        if invitation is None:
            raise Invalid(NO_LONGER_VALID_INVITATION)
        user = await accounts.create_user(
            db,
            email=invitation.email,
            name=invitation.name,
            password_hash=password_hash,
            role=invitation.role,
            team=invitation.team,
            location=invitation.location,
            job_title=invitation.job_title,
        )
        if invitation.locale:
            user.locale = invitation.locale
            db.add(user)
        invitation.accepted_at = utcnow()
        invitation.user_id = user.id
        db.add(invitation)
        await audit.record(
            db,
            audit.Action.INVITATION_ACCEPTED,
            actor=user,
            subject=audit.Subject("invitation", invitation.id, invitation.email),
            before={"open": True},
            after={"open": False, "user_id": user.id},
            address=address,
        )
    return user


@dataclass(frozen=True)
class CsvRow:
    line: int
    name: str
    email: str
    team: str
    location: str
    role: Role


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str
    params: dict[str, object]


def read_csv(text: str) -> tuple[list[CsvRow], list[CsvProblem]]:
    """Rows of name, e-mail, team, location, role (a header line naming them is optional;
    comma or semicolon, as a Dutch spreadsheet saves it)."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    # A Dutch spreadsheet saves with semicolons (the comma is the decimal sign); others with commas.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows: list[CsvRow] = []
    problems: list[CsvProblem] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if number == 1 and [cell.lower() for cell in cells[:2]] in (
            ["name", "email"],
            ["naam", "e-mail"],
            ["name", "e-mail"],
            ["naam", "email"],
        ):
            continue
        if len(rows) >= MAX_CSV_ROWS:
            problems.append(CsvProblem(number, N_("At most %(count)s rows at a time."), {"count": MAX_CSV_ROWS}))
            break
        cells += [""] * (len(CSV_COLUMNS) - len(cells))
        name, email, team, location, role_text = cells[:5]
        try:
            role = Role(role_text.lower()) if role_text else Role.MEMBER
        except ValueError:
            problems.append(CsvProblem(number, N_("Unknown role %(role)s."), {"role": role_text}))
            continue
        rows.append(CsvRow(number, name, email, team, location, role))
    return rows, problems


@dataclass(frozen=True)
class ResetLink:
    user: User
    token: str  # raw, for the mail only
    expires_at: datetime


async def request_reset(db: AsyncSession, *, email: str, address: str, minutes: int = 60) -> ResetLink | None:
    """Make a reset link for the account with `email`, if there is an active one: the user and
    the raw token (for the mail), or None. Throttled per address typed and per client
    (`RateLimited`), before anything is looked up."""
    email = email.strip().lower()[:254]
    await throttle.begin_reset_request(db, email=email, address=address)
    raw, hashed = new_token()  # made either way: the same work for a known and an unknown address
    async with unit_of_work(db):
        user = await accounts.find_by_email(db, email) if email else None
        known = user is not None and user.is_active and not user.is_assistant
        expires_at = utcnow() + timedelta(minutes=minutes)
        if known and user is not None:
            db.add(PasswordReset(user_id=user.id or 0, token_hash=hashed, expires_at=expires_at, address=address[:64]))
        await audit.record(
            db,
            audit.Action.RESET_REQUESTED,
            actor=None,
            subject=audit.Subject.user(user) if known and user is not None else audit.Subject("email", None, email),
            after={"known": known},
            address=address,
        )
    return ResetLink(user, raw, expires_at) if known and user is not None else None


async def valid_reset(db: AsyncSession, raw: str) -> tuple[PasswordReset, User] | None:
    if not raw or len(raw) > 128:
        return None
    found = await db.exec(
        select(PasswordReset, User)
        .join(User, col(User.id) == col(PasswordReset.user_id))
        .where(PasswordReset.token_hash == digest(raw))
    )
    row = found.first()
    if row is None:
        return None
    reset, user = row
    if reset.used_at is not None or reset.expires_at <= utcnow() or not user.is_active:
        return None
    return reset, user


async def use_reset(db: AsyncSession, raw: str, password: str, *, address: str = "") -> User:
    """Set the password through a reset link, once. Every session, token and open socket of the
    colleague ends (whoever knew the old password is out), and every other open link of theirs
    stops working."""
    password_hash = await passwords.hash_password(password)
    async with unit_of_work(db):
        found = await valid_reset(db, raw)
        if found is None:
            raise Invalid(NO_LONGER_VALID_RESET)
        reset, user = found
        now = utcnow()
        await db.exec(
            update(PasswordReset)
            .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
            .values(used_at=now)
        )
        user.password_hash = password_hash
        user.password_changed_at = now
        db.add(user)
        await accounts.end_all_credentials(db, user)
        await throttle.unlock(db, user.email)
        await audit.record(
            db,
            audit.Action.RESET_USED,
            actor=user,
            subject=audit.Subject.user(user),
            after={"reset_id": reset.id},
            address=address,
        )
    return user
