"""Provisioning's operations in Kring's own terms (the wire format: tests/server/test_scim_http.py)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, Role, SignOnLink
from services import provisioning, provisioning_tokens
from services.errors import Conflict, Invalid
from services.provisioning import Account, Team
from tests.support import make_user


async def directory(db: AsyncSession) -> provisioning_tokens.Client:
    admin = await make_user(db, role=Role.ADMIN)
    token, raw = await provisioning_tokens.create_token(db, admin, "Keycloak")
    client = await provisioning_tokens.resolve_token(db, raw)
    assert client is not None
    assert client.token_id == token.id
    return client


async def test_a_colleague_made_inactive_and_one_removed_are_audited_in_the_directorys_name(
    db: AsyncSession,
) -> None:
    client = await directory(db)
    made = await provisioning.create_account(
        db,
        client,
        Account(user_name="Joost", display_name="Joost", email="joost@welzijn.nl", title="Coach", active=False),
    )
    user_id = made.user.id or 0
    assert not made.user.is_active
    assert (made.user_name, made.user.job_title) == ("Joost", "Coach")
    db.add(SignOnLink(issuer="https://id.welzijn.nl", subject="joost", user_id=user_id))
    await db.commit()

    await provisioning.remove_account(db, client, user_id)
    assert (await db.exec(select(SignOnLink).where(col(SignOnLink.user_id) == user_id))).all() == []
    assert (await provisioning.list_accounts(db, user_name="joost")).total == 0
    again = await provisioning.create_account(
        db, client, Account(user_name="JOOST", display_name="Joost B.", email="joost@welzijn.nl")
    )
    assert again.user.id != user_id
    entries = (
        await db.exec(
            select(AuditEntry.action, AuditEntry.actor_name)
            .where(AuditEntry.subject_type == "user", AuditEntry.subject_id == user_id)
            .order_by(col(AuditEntry.id))
        )
    ).all()
    assert entries == [
        ("scim.user_created", "SCIM: Keycloak"),
        ("user.deactivated", "SCIM: Keycloak"),
        ("scim.user_removed", "SCIM: Keycloak"),
    ]


async def test_a_colleague_is_in_one_team_and_team_names_are_unique(db: AsyncSession) -> None:
    client = await directory(db)
    anna = await make_user(db, "Anna", team="Zorg")  # a team the console set, before any group
    zorg = await provisioning.create_team(db, client, Team("Zorg"))
    assert [member.id for member in zorg.members] == [anna.id]
    jeugd = await provisioning.create_team(db, client, Team("Jeugd", frozenset({anna.id or 0})))
    assert [member.id for member in jeugd.members] == [anna.id]
    assert (await provisioning.get_team(db, zorg.group.id or 0)).members == []
    with pytest.raises(Conflict):
        await provisioning.create_team(db, client, Team("JEUGD"))
    with pytest.raises(Invalid):
        await provisioning.replace_team(db, client, jeugd.group.id or 0, Team("Jeugd", frozenset({999_999})))
    assert (await provisioning.get_team(db, jeugd.group.id or 0)).members[0].team == "Jeugd"
