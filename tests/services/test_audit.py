"""Every admin and security action writes its audit entry, in the same unit of work; the log
cannot be changed."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, Role, User
from services import accounts, audit, credentials, sessions
from services.audit import Action
from services.errors import Conflict, NotFound, Unauthenticated
from services.throttle import LoginLimits
from tests.support import make_user

LIMITS = LoginLimits(per_account=3, per_address=50, window_seconds=600)
NEW_PASSWORD = "een nieuw lang wachtwoord"


async def logged(db: AsyncSession, action: Action) -> list[AuditEntry]:
    rows = await db.exec(select(AuditEntry).where(AuditEntry.action == action.value).order_by(col(AuditEntry.id)))
    return list(rows.all())


async def admin_and_colleague(db: AsyncSession) -> tuple[User, User]:
    return await make_user(db, "Ada Admin", role=Role.ADMIN), await make_user(db, "Cees Collega", team="Centrum")


async def test_sending_an_invitation_is_logged(db: AsyncSession) -> None:
    admin, _ = await admin_and_colleague(db)
    invitation, _raw = await credentials.invite(db, admin, email="nieuw@kring.test", name="Nina Nieuw", team="Zuid")
    [entry] = await logged(db, Action.INVITATION_SENT)
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (admin.id, "invitation", invitation.id)
    assert entry.after == {
        "email": "nieuw@kring.test",
        "name": "Nina Nieuw",
        "team": "Zuid",
        "location": "",
        "role": "member",
    }


async def test_resending_an_invitation_is_logged(db: AsyncSession) -> None:
    admin, _ = await admin_and_colleague(db)
    invitation, _raw = await credentials.invite(db, admin, email="nieuw@kring.test", name="Nina Nieuw")
    await credentials.resend(db, admin, invitation.id or 0)
    [entry] = await logged(db, Action.INVITATION_RESENT)
    assert entry.actor_id == admin.id
    assert entry.before is not None
    assert entry.after is not None
    assert "expires_at" in entry.after


async def test_revoking_an_invitation_is_logged(db: AsyncSession) -> None:
    admin, _ = await admin_and_colleague(db)
    invitation, _raw = await credentials.invite(db, admin, email="nieuw@kring.test", name="Nina Nieuw")
    await credentials.revoke(db, admin, invitation.id or 0)
    [entry] = await logged(db, Action.INVITATION_REVOKED)
    assert (entry.actor_id, entry.subject_label, entry.after) == (admin.id, "nieuw@kring.test", {"open": False})


async def test_accepting_an_invitation_is_logged(db: AsyncSession) -> None:
    admin, _ = await admin_and_colleague(db)
    _invitation, raw = await credentials.invite(db, admin, email="nieuw@kring.test", name="Nina Nieuw")
    user = await credentials.accept(db, raw, NEW_PASSWORD, address="10.0.0.8")
    [entry] = await logged(db, Action.INVITATION_ACCEPTED)
    assert (entry.actor_id, entry.address) == (user.id, "10.0.0.8")
    assert entry.after == {"open": False, "user_id": user.id}


async def test_a_role_change_is_logged_with_before_and_after(db: AsyncSession) -> None:
    admin, colleague = await admin_and_colleague(db)
    await accounts.set_role(db, admin, colleague, Role.EDITOR)
    [entry] = await logged(db, Action.ROLE_CHANGED)
    assert (entry.actor_id, entry.subject_id) == (admin.id, colleague.id)
    assert (entry.before, entry.after) == ({"role": "member"}, {"role": "editor"})


async def test_a_profile_change_by_an_admin_is_logged(db: AsyncSession) -> None:
    admin, colleague = await admin_and_colleague(db)
    await accounts.update_by_admin(db, admin, colleague, team="Noord", location="Tiel", job_title="")
    [entry] = await logged(db, Action.PROFILE_CHANGED)
    assert entry.before == {"team": "Centrum", "location": ""}
    assert entry.after == {"team": "Noord", "location": "Tiel"}


async def test_deactivation_and_reactivation_are_logged(db: AsyncSession) -> None:
    admin, colleague = await admin_and_colleague(db)
    await accounts.deactivate(db, admin, colleague)
    await accounts.reactivate(db, admin, colleague)
    [off] = await logged(db, Action.DEACTIVATED)
    [on] = await logged(db, Action.REACTIVATED)
    assert (off.actor_id, off.subject_id, off.after) == (admin.id, colleague.id, {"active": False})
    assert (on.actor_id, on.subject_id, on.after) == (admin.id, colleague.id, {"active": True})


async def test_unlocking_is_logged(db: AsyncSession) -> None:
    admin, colleague = await admin_and_colleague(db)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(db, LIMITS, email=colleague.email, password="guess", address="10.9.9.9")
    await accounts.unlock(db, admin, colleague)
    [entry] = await logged(db, Action.UNLOCKED)
    assert (entry.actor_id, entry.before, entry.after) == (admin.id, {"failed_sign_ins": 2}, {"failed_sign_ins": 0})


async def test_a_reset_request_is_logged_for_known_and_unknown_addresses(db: AsyncSession) -> None:
    _, colleague = await admin_and_colleague(db)
    await credentials.request_reset(db, email=colleague.email, address="10.0.0.1")
    await credentials.request_reset(db, email="niemand@kring.test", address="10.0.0.1")
    known, unknown = await logged(db, Action.RESET_REQUESTED)
    assert (known.actor_id, known.subject_id, known.after) == (None, colleague.id, {"known": True})
    assert (unknown.subject_type, unknown.subject_label, unknown.after) == (
        "email",
        "niemand@kring.test",
        {"known": False},
    )


async def test_using_a_reset_link_is_logged(db: AsyncSession) -> None:
    _, colleague = await admin_and_colleague(db)
    link = await credentials.request_reset(db, email=colleague.email, address="10.0.0.1")
    assert link is not None
    await credentials.use_reset(db, link.token, NEW_PASSWORD, address="10.0.0.2")
    [entry] = await logged(db, Action.RESET_USED)
    assert (entry.actor_id, entry.subject_id, entry.address) == (colleague.id, colleague.id, "10.0.0.2")


async def test_revoking_an_api_token_is_logged(db: AsyncSession) -> None:
    _, colleague = await admin_and_colleague(db)
    token, _raw = await sessions.create_api_token(db, colleague, "rooster")
    await sessions.revoke_api_token(db, colleague, token.id or 0)
    [entry] = await logged(db, Action.TOKEN_REVOKED)
    assert (entry.actor_id, entry.subject_type, entry.subject_label) == (colleague.id, "api_token", "rooster")


async def test_a_burst_of_failed_sign_ins_is_logged_once(db: AsyncSession) -> None:
    _, colleague = await admin_and_colleague(db)
    for _ in range(LIMITS.per_account):
        with pytest.raises(Unauthenticated):
            await sessions.sign_in(db, LIMITS, email=colleague.email, password="guess", address="198.51.100.4")
    [entry] = await logged(db, Action.SIGN_IN_FAILURES)
    assert (entry.actor_id, entry.subject_label, entry.address) == (None, colleague.email, "198.51.100.4")


async def test_a_refused_action_leaves_no_entry(db: AsyncSession) -> None:
    admin, colleague = await admin_and_colleague(db)
    with pytest.raises(NotFound):
        await accounts.set_role(db, colleague, admin, Role.MEMBER)  # not an administrator
    with pytest.raises(Conflict):
        await accounts.deactivate(db, admin, admin)  # not yourself
    assert await logged(db, Action.ROLE_CHANGED) == []
    assert await logged(db, Action.DEACTIVATED) == []
    assert admin.is_active


async def test_the_database_refuses_to_change_or_remove_an_entry(db: AsyncSession) -> None:
    admin, colleague = await admin_and_colleague(db)
    await accounts.set_role(db, admin, colleague, Role.EDITOR)
    for statement in ("UPDATE audit_entries SET action = 'nothing'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            await db.exec(text(statement))  # type: ignore[call-overload]
        await db.rollback()
    assert len(await logged(db, Action.ROLE_CHANGED)) == 1


def test_the_csv_export_defuses_spreadsheet_formulas() -> None:
    entry = AuditEntry(
        id=1,
        actor_name='=HYPERLINK("http://evil.example")',
        action="user.profile_changed",
        subject_label="+31 6 1234",
        after={"team": "@team"},
    )
    rows = list(csv.reader(io.StringIO(audit.to_csv([entry]))))
    assert rows[0][:5] == ["id", "at", "actor_id", "actor", "action"]
    assert rows[1][3] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][7] == "'+31 6 1234"
    assert rows[1][9] == '{"team": "@team"}'  # starts with {: harmless
    assert audit.safe_cell("-1") == "'-1"
    assert audit.safe_cell("Anna") == "Anna"
