"""Running circles from the console: archiving makes a circle read-only for everyone and takes
it out of every list, restoring brings it back; administration passes on when the last admin
leaves; organisation admins appoint admins and see an overview that never names a secret circle.
Each of these is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, CircleVisibility, MemberRole, Membership, Role, User
from models.base import utcnow
from services import (
    access,
    accounts,
    chat,
    circle_admin,
    circles,
    comments,
    direct,
    events,
    knowledge_pages,
    posts,
    reactions,
    search,
)
from services.audit import SECRET_CIRCLE, Action
from services.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.support import add_member, make_circle, make_user


async def logged(db: AsyncSession, action: Action) -> list[AuditEntry]:
    rows = await db.exec(select(AuditEntry).where(AuditEntry.action == action.value).order_by(col(AuditEntry.id)))
    return list(rows.all())


async def circle_events(db: AsyncSession, circle_id: int) -> list[tuple[str, dict[str, object]]]:
    replay = await events.list_since(db, events.circle_topic(circle_id), 0)
    return [(event.kind, event.data) for event in replay.events]


async def found_by(db: AsyncSession, user: User, text: str) -> set[tuple[str, int]]:
    results = await search.search(db, user, search.Query(text=text))
    return {(hit.item.kind.value, hit.item.ref_id) for hit in results.hits}


async def test_an_archived_circle_is_read_only_for_everyone_until_restored_and_archiving_is_logged(
    db: AsyncSession,
) -> None:
    owner = await make_user(db, "Olga Eigenaar")
    member = await make_user(db, "Mila Lid")
    outsider = await make_user(db, "Otto Buiten")
    org_admin = await make_user(db, "Ada Beheer", role=Role.ADMIN)
    circle = await make_circle(db, owner, name="Zeilvereniging Kompas")
    circle_id = circle.id or 0
    await add_member(db, owner, circle, member)
    post = await posts.create_post(db, member, circle_id, body="Wie gaat er mee zeilen?")
    message = await chat.post_message(db, member, circle_id, body="Ahoy")
    page = await knowledge_pages.create_page(db, member, title="Vaarregels", body="Stuurboord", circle_id=circle_id)

    with pytest.raises(PermissionDenied):  # a plain member does not archive
        await circle_admin.archive(db, member, circle_id)
    await circle_admin.archive(db, owner, circle_id, address="10.0.0.7")  # the circle's own admin does
    with pytest.raises(Conflict):
        await circle_admin.archive(db, org_admin, circle_id)
    [entry] = await logged(db, Action.CIRCLE_ARCHIVED)
    assert (entry.actor_id, entry.subject_type, entry.subject_id, entry.subject_label, entry.address) == (
        owner.id,
        "circle",
        circle_id,
        "Zeilvereniging Kompas",
        "10.0.0.7",
    )
    assert (entry.before, entry.after) == ({"archived": False}, {"archived": True})

    refusals = [
        posts.create_post(db, member, circle_id, body="Nog een vraag"),
        chat.post_message(db, member, circle_id, body="Hallo?"),
        chat.edit_message(db, member, message.id or 0, body="Ahoy!"),
        comments.add_comment(db, outsider, post.id or 0, body="Ik ook"),
        reactions.set_reaction(db, outsider, "post", post.id or 0, "heart", on=True),
        reactions.set_reaction(db, member, "message", message.id or 0, "tada", on=True),
        circles.join_circle(db, outsider, circle_id),
        circles.invite(db, owner, circle_id, outsider.id or 0),
        knowledge_pages.edit_page(db, member, page.id or 0, body="Bakboord"),  # even by its author
    ]
    for refused in refusals:
        with pytest.raises(PermissionDenied) as raised:
            await refused
        assert raised.value.message == access.ARCHIVED
    standing = await access.standing(db, member, circle_id)
    assert (standing.can_read, standing.can_write, standing.can_respond) == (True, False, False)

    # Still read by whoever read it, and found by its members; gone from every list.
    assert [m.id for m in await chat.history(db, member, circle_id)] == [message.id]
    assert (await posts.access_post(db, outsider, post.id or 0)).id == post.id
    await chat.mark_read(db, member, circle_id, message.id or 0)  # a member's own marker still moves
    for viewer in (member, outsider):
        assert circle_id not in {c.id for c in await circles.list_circles(db, viewer, limit=500)}
    assert await circles.list_circles(db, member, mine=True) == []
    assert ("circle", circle_id) in await found_by(db, member, "Kompas")
    assert ("circle", circle_id) not in await found_by(db, outsider, "Kompas")

    await circle_admin.restore(db, org_admin, circle_id)  # an organisation admin brings it back
    await posts.create_post(db, member, circle_id, body="We varen weer")
    await circles.join_circle(db, outsider, circle_id)
    assert circle_id in {c.id for c in await circles.list_circles(db, outsider, mine=True)}
    updates = [data["archived"] for kind, data in await circle_events(db, circle_id) if kind == "circle.updated"]
    assert updates == [True, False]  # every open page switched to read-only, and back


async def test_restoring_is_logged_and_a_secret_circle_keeps_its_name_and_its_admin_out_of_the_log(
    db: AsyncSession,
) -> None:
    owner = await make_user(db, "Olga Eigenaar")
    org_admin = await make_user(db, "Ada Beheer", role=Role.ADMIN)
    secret = await make_circle(db, owner, CircleVisibility.SECRET, name="Verrassingsfeest")
    with pytest.raises(NotFound):  # a secret circle is not the organisation admin's to archive
        await circle_admin.archive(db, org_admin, secret.id or 0)
    await circle_admin.archive(db, owner, secret.id or 0)
    await circle_admin.restore(db, owner, secret.id or 0, address="192.0.2.7")
    [entry] = await logged(db, Action.CIRCLE_RESTORED)
    # Org admins read the log: it must not tell them who runs a secret circle.
    assert (entry.actor_id, entry.subject_id, entry.subject_label) == (None, secret.id, SECRET_CIRCLE)
    assert "192.0.2.7" not in repr(vars(entry))
    assert (entry.before, entry.after) == ({"archived": True}, {"archived": False})
    conversation = await direct.open_conversation(db, owner, [org_admin.id or 0])
    with pytest.raises(Invalid):
        await circle_admin.archive(db, owner, conversation.id or 0)


async def test_the_last_admin_leaving_hands_the_circle_to_the_longest_standing_member(db: AsyncSession) -> None:
    org_admin = await make_user(db, "Ada Beheer", role=Role.ADMIN)
    owner = await make_user(db, "Olga Eigenaar")
    first, second, third = [await make_user(db, name) for name in ("Eerste Lid", "Tweede Lid", "Derde Lid")]
    circle = await make_circle(db, owner, name="Moestuin")
    circle_id = circle.id or 0
    for member in (first, second, third):
        await add_member(db, owner, circle, member)
    await circles.set_member_role(db, owner, circle_id, first.id or 0, MemberRole.ADMIN)
    await accounts.deactivate(db, org_admin, first)  # a deactivated admin runs nothing: skipped

    heir = await circles.leave_circle(db, owner, circle_id)
    assert heir is not None
    assert heir.user_id == second.id
    roles = dict(
        (await db.exec(select(Membership.user_id, Membership.role).where(Membership.circle_id == circle_id))).all()
    )
    assert roles == {first.id: MemberRole.ADMIN, second.id: MemberRole.ADMIN, third.id: MemberRole.MEMBER}
    assert ("member.updated", {"circle_id": circle_id, "user_id": second.id, "role": "admin"}) in await circle_events(
        db, circle_id
    )
    [entry] = await logged(db, Action.CIRCLE_ADMIN_HANDED_OVER)
    assert (entry.actor_id, entry.subject_id, entry.subject_label) == (None, circle_id, "Moestuin")
    assert (entry.before, entry.after) == (
        {"admin": "Olga Eigenaar"},
        {"admin": "Tweede Lid", "reason": "last admin left"},
    )

    await circles.set_member_role(db, second, circle_id, third.id or 0, MemberRole.ADMIN)
    assert await circles.leave_circle(db, second, circle_id) is None  # another admin stays: nothing passes on
    with pytest.raises(Conflict):  # demoting the last admin is still refused
        await circles.set_member_role(db, third, circle_id, third.id or 0, MemberRole.MEMBER)


async def test_an_organisation_admin_appoints_a_circle_admin_and_it_is_logged(db: AsyncSession) -> None:
    org_admin = await make_user(db, "Ada Beheer", role=Role.ADMIN)
    owner = await make_user(db, "Olga Eigenaar")
    member = await make_user(db, "Mila Lid")
    closed = await make_circle(db, owner, CircleVisibility.CLOSED, name="Personeelsvereniging")
    secret = await make_circle(db, owner, CircleVisibility.SECRET, name="Geheim")
    for circle in (closed, secret):
        await add_member(db, owner, circle, member)

    with pytest.raises(NotFound):  # the console does not exist for a colleague who is no admin
        await circle_admin.appoint_admin(db, owner, closed.id or 0, member.id or 0)
    with pytest.raises(NotFound):
        await circle_admin.appoint_admin(db, org_admin, secret.id or 0, member.id or 0)
    with pytest.raises(NotFound):
        await circle_admin.appoint_admin(db, org_admin, closed.id or 0, org_admin.id or 0)
    await circle_admin.appoint_admin(db, org_admin, closed.id or 0, member.id or 0)

    assert (await access.standing(db, member, closed.id or 0)).can_administer
    [entry] = await logged(db, Action.CIRCLE_ADMIN_APPOINTED)
    assert (entry.actor_id, entry.subject_label, entry.after) == (
        org_admin.id,
        "Personeelsvereniging",
        {"admin": "Mila Lid"},
    )


async def test_the_overview_shows_open_and_closed_circles_and_only_counts_secret_ones(db: AsyncSession) -> None:
    org_admin = await make_user(db, "Ada Beheer", role=Role.ADMIN)
    anna = await make_user(db, "Anna Admin")
    bram = await make_user(db, "Bram Beheerder")
    carla = await make_user(db, "Carla Collega")
    open_circle = await make_circle(db, anna, name="Fietsclub")
    closed = await make_circle(db, bram, CircleVisibility.CLOSED, name="Bestuur")
    await make_circle(db, carla, CircleVisibility.SECRET, name="Geheime Santa")
    await direct.open_conversation(db, anna, [bram.id or 0])
    await add_member(db, anna, open_circle, carla)
    await circles.set_member_role(db, anna, open_circle.id or 0, carla.id or 0, MemberRole.ADMIN)
    await posts.create_post(db, carla, open_circle.id or 0, body="Rondje IJsselmeer?")
    message = await chat.post_message(db, anna, open_circle.id or 0, body="Zondag?")
    await chat.post_message(db, bram, closed.id or 0, body="Agenda volgt")
    await circle_admin.archive(db, bram, closed.id or 0)

    with pytest.raises(NotFound):
        await circle_admin.overview(db, anna)
    found = await circle_admin.overview(db, org_admin)
    assert found.secret_count == 1
    rows = {row.circle.name: row for row in found.rows}
    assert list(rows) == ["Bestuur", "Fietsclub"]  # archived ones too; never a secret circle or a conversation
    fiets, bestuur = rows["Fietsclub"], rows["Bestuur"]
    assert (fiets.members, fiets.admins, fiets.recent_posts, fiets.recent_messages) == (
        2,
        ["Anna Admin", "Carla Collega"],
        1,
        1,
    )
    assert fiets.last_activity is not None
    assert fiets.last_activity >= message.created_at
    assert (bestuur.members, bestuur.admins, bestuur.archived, bestuur.recent_messages) == (
        1,
        ["Bram Beheerder"],
        True,
        1,
    )
    later = await circle_admin.overview(db, org_admin, now=utcnow() + timedelta(days=circle_admin.RECENT_DAYS + 1))
    assert [(r.recent_posts, r.recent_messages) for r in later.rows] == [(0, 0), (0, 0)]
