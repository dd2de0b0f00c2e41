"""Circle visibility and membership rules, as the services enforce them."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, MemberRole, Role
from services import access, circles
from services.errors import Conflict, NotFound, PermissionDenied
from tests.support import add_member, make_circle, make_user


async def test_secret_circle_does_not_exist_for_outsiders(db: AsyncSession) -> None:
    owner = await make_user(db, "Fatima Owner")
    outsider = await make_user(db, "Olaf Outsider")
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    open_circle = await make_circle(db, owner, CircleVisibility.OPEN)
    assert secret.id is not None

    listed = {c.id for c in await circles.list_circles(db, outsider)}
    assert listed == {open_circle.id}
    with pytest.raises(NotFound):
        await access.access_circle(db, outsider, secret.id)
    for operation in (circles.join_circle, circles.leave_circle, circles.list_members):
        with pytest.raises(NotFound):
            await operation(db, outsider, secret.id)


async def test_invitation_is_the_way_into_a_secret_circle(db: AsyncSession) -> None:
    owner = await make_user(db)
    guest = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    assert secret.id is not None
    assert guest.id is not None

    await circles.invite(db, owner, secret.id, guest.id)
    found = await access.access_circle(db, guest, secret.id)
    assert found.pending_invitation is not None
    assert not found.is_member
    assert secret.id in {c.id for c in await circles.list_circles(db, guest)}

    outcome = await circles.join_circle(db, guest, secret.id)
    assert outcome.joined
    assert secret.id in await circles.my_circle_ids(db, guest)


async def test_declined_invitation_hides_the_secret_circle_again(db: AsyncSession) -> None:
    owner = await make_user(db)
    guest = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    assert secret.id is not None
    assert guest.id is not None
    await circles.invite(db, owner, secret.id, guest.id)
    await circles.decline_invitation(db, guest, secret.id)
    with pytest.raises(NotFound):
        await access.access_circle(db, guest, secret.id)


async def test_open_circle_joins_at_once_and_closed_circle_asks(db: AsyncSession) -> None:
    owner = await make_user(db)
    joiner = await make_user(db)
    open_circle = await make_circle(db, owner, CircleVisibility.OPEN)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert open_circle.id is not None
    assert closed.id is not None

    assert (await circles.join_circle(db, joiner, open_circle.id)).joined
    first = await circles.join_circle(db, joiner, closed.id, message="Ik werk ook in Oost")
    again = await circles.join_circle(db, joiner, closed.id)
    assert not first.joined
    assert first.request is not None
    assert again.request is not None
    assert again.request.id == first.request.id, "a second click must not file a second request"
    assert closed.id not in await circles.my_circle_ids(db, joiner)

    pending = await circles.list_join_requests(db, owner, closed.id)
    assert [(u.id, r.message) for u, r in pending] == [(joiner.id, "Ik werk ook in Oost")]
    assert first.request.id is not None
    await circles.decide_join_request(db, owner, closed.id, first.request.id, approve=True)
    assert closed.id in await circles.my_circle_ids(db, joiner)
    with pytest.raises(Conflict):
        await circles.decide_join_request(db, owner, closed.id, first.request.id, approve=False)


async def test_declined_request_grants_nothing(db: AsyncSession) -> None:
    owner = await make_user(db)
    joiner = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert closed.id is not None
    outcome = await circles.join_circle(db, joiner, closed.id)
    assert outcome.request is not None
    assert outcome.request.id is not None
    await circles.decide_join_request(db, owner, closed.id, outcome.request.id, approve=False)
    assert closed.id not in await circles.my_circle_ids(db, joiner)
    assert await circles.list_join_requests(db, owner, closed.id) == []


async def test_closed_circle_members_are_for_members(db: AsyncSession) -> None:
    owner = await make_user(db)
    outsider = await make_user(db)
    member = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert closed.id is not None
    await add_member(db, owner, closed, member)

    with pytest.raises(PermissionDenied):
        await circles.list_members(db, outsider, closed.id)
    names = [u.name for u, _ in await circles.list_members(db, member, closed.id)]
    assert sorted(names) == sorted([owner.name, member.name])


async def test_open_circle_members_are_for_everyone(db: AsyncSession) -> None:
    owner = await make_user(db)
    outsider = await make_user(db)
    open_circle = await make_circle(db, owner, CircleVisibility.OPEN)
    assert open_circle.id is not None
    members = await circles.list_members(db, outsider, open_circle.id)
    assert [(u.id, m.role) for u, m in members] == [(owner.id, MemberRole.ADMIN)]


async def test_only_circle_admins_run_the_circle(db: AsyncSession) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    other = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert closed.id is not None
    assert other.id is not None
    assert member.id is not None
    await add_member(db, owner, closed, member)

    with pytest.raises(PermissionDenied):
        await circles.invite(db, member, closed.id, other.id)
    with pytest.raises(PermissionDenied):
        await circles.update_circle(db, member, closed.id, name="Overgenomen")
    with pytest.raises(PermissionDenied):
        await circles.remove_member(db, member, closed.id, owner.id or 0)

    await circles.set_member_role(db, owner, closed.id, member.id, MemberRole.ADMIN)
    await circles.invite(db, member, closed.id, other.id)


async def test_organisation_admin_runs_visible_circles_but_not_secret_ones(db: AsyncSession) -> None:
    owner = await make_user(db)
    admin = await make_user(db, role=Role.ADMIN)
    newcomer = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    assert closed.id is not None
    assert secret.id is not None
    assert newcomer.id is not None

    await circles.invite(db, admin, closed.id, newcomer.id)
    with pytest.raises(NotFound):
        await circles.invite(db, admin, secret.id, newcomer.id)


async def test_a_circle_with_members_keeps_an_admin(db: AsyncSession) -> None:
    """Demoting the last admin is refused; the last admin leaving hands over (the rule in
    tests/services/test_circle_admin.py); alone, an admin just leaves."""
    owner = await make_user(db)
    member = await make_user(db)
    circle = await make_circle(db, owner)
    assert circle.id is not None
    assert owner.id is not None
    await add_member(db, owner, circle, member)

    with pytest.raises(Conflict):
        await circles.set_member_role(db, owner, circle.id, owner.id, MemberRole.MEMBER)
    await circles.leave_circle(db, member, circle.id)
    assert await circles.leave_circle(db, owner, circle.id) is None  # alone now: allowed, nobody to hand to
    assert circle.id not in await circles.my_circle_ids(db, owner)


async def test_removed_member_loses_the_secret_circle(db: AsyncSession) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    assert secret.id is not None
    assert member.id is not None
    await add_member(db, owner, secret, member)
    await access.access_circle(db, member, secret.id)

    await circles.remove_member(db, owner, secret.id, member.id)
    with pytest.raises(NotFound):
        await access.access_circle(db, member, secret.id)


async def test_withdrawing_a_request_by_leaving(db: AsyncSession) -> None:
    owner = await make_user(db)
    joiner = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert closed.id is not None
    await circles.join_circle(db, joiner, closed.id)
    await circles.leave_circle(db, joiner, closed.id)
    assert await circles.list_join_requests(db, owner, closed.id) == []
    with pytest.raises(Conflict):
        await circles.leave_circle(db, joiner, closed.id)


async def test_circle_names_are_unique_regardless_of_case(db: AsyncSession) -> None:
    owner = await make_user(db)
    await make_circle(db, owner, name="Recepten")
    with pytest.raises(Conflict):
        await make_circle(db, owner, name="  recepten ")
