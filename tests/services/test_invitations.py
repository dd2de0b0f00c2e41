"""Invitations: a single-use, expiring link to set a password; resend and revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AccountInvitation, Role
from models.base import utcnow
from services import credentials, passwords
from services.errors import Conflict, Invalid, NotFound
from services.sessions import digest
from tests.support import make_user

NEW_PASSWORD = "een nieuw lang wachtwoord"


async def test_an_invitation_becomes_an_account_with_the_facts_the_admin_gave(db: AsyncSession) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    _invitation, raw = await credentials.invite(
        db,
        admin,
        email=" Nina@Kring.test ",
        name="Nina Nieuw",
        team="Zuid",
        location="Tiel",
        role=Role.EDITOR,
        locale="en",
    )
    user = await credentials.accept(db, raw, NEW_PASSWORD)
    assert (user.email, user.name, user.team, user.location, user.role, user.locale) == (
        "nina@kring.test",
        "Nina Nieuw",
        "Zuid",
        "Tiel",
        Role.EDITOR,
        "en",
    )
    assert await passwords.verify_password(user.password_hash, NEW_PASSWORD)


async def test_the_link_works_once(db: AsyncSession) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    _invitation, raw = await credentials.invite(db, admin, email="nina@kring.test", name="Nina Nieuw")
    await credentials.accept(db, raw, NEW_PASSWORD)
    assert await credentials.valid_invitation(db, raw) is None
    with pytest.raises(Invalid):
        await credentials.accept(db, raw, "nog een ander wachtwoord")


async def test_the_link_expires(db: AsyncSession) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    invitation, raw = await credentials.invite(db, admin, email="nina@kring.test", name="Nina Nieuw", days=7)
    assert invitation.expires_at - utcnow() > timedelta(days=6, hours=23)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.add(invitation)
    await db.commit()
    assert await credentials.valid_invitation(db, raw) is None
    with pytest.raises(Invalid):
        await credentials.accept(db, raw, NEW_PASSWORD)


async def test_resending_replaces_the_link_and_revoking_ends_it(db: AsyncSession) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    invitation, first = await credentials.invite(db, admin, email="nina@kring.test", name="Nina Nieuw")
    _same, second = await credentials.resend(db, admin, invitation.id or 0)
    assert await credentials.valid_invitation(db, first) is None
    assert await credentials.valid_invitation(db, second) is not None
    await credentials.revoke(db, admin, invitation.id or 0)
    assert await credentials.valid_invitation(db, second) is None
    with pytest.raises(NotFound):
        await credentials.resend(db, admin, invitation.id or 0)
    assert await credentials.open_invitations(db) == []


async def test_only_the_digest_is_stored(db: AsyncSession) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    _invitation, raw = await credentials.invite(db, admin, email="nina@kring.test", name="Nina Nieuw")
    [stored] = (await db.exec(select(AccountInvitation))).all()
    assert stored.token_hash == digest(raw) != raw


async def test_an_address_is_invited_once_and_never_when_it_has_an_account(db: AsyncSession) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    colleague = await make_user(db)
    with pytest.raises(Conflict):
        await credentials.invite(db, admin, email=colleague.email, name="Dubbel")
    await credentials.invite(db, admin, email="nina@kring.test", name="Nina Nieuw")
    with pytest.raises(Conflict):
        await credentials.invite(db, admin, email="NINA@kring.test", name="Nina Nieuw")


async def test_only_an_organisation_admin_invites(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    with pytest.raises(NotFound):
        await credentials.invite(db, editor, email="nina@kring.test", name="Nina Nieuw")
    assert await credentials.open_invitations(db) == []


def test_a_csv_from_a_dutch_spreadsheet_is_read() -> None:
    text = (
        "\ufeffnaam;e-mail;team;locatie;rol\n"
        "Nina Nieuw;nina@kring.test;Zuid;Tiel;editor\n"
        "\n"
        "Otto Oud;otto@kring.test;;;baas\n"
        "Pim;pim@kring.test\n"
    )
    rows, problems = credentials.read_csv(text)
    assert [(row.line, row.name, row.email, row.team, row.role) for row in rows] == [
        (2, "Nina Nieuw", "nina@kring.test", "Zuid", Role.EDITOR),
        (5, "Pim", "pim@kring.test", "", Role.MEMBER),
    ]
    assert [(problem.line, problem.params) for problem in problems] == [(4, {"role": "baas"})]
