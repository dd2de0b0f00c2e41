"""Direct messages are secret circles of their participants: private, reused, limited."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleKind, CircleVisibility
from services import access, chat, circles, direct, posts
from services.errors import Invalid, NotFound, PermissionDenied
from tests.services.test_limits_per_item import statements_on
from tests.support import BASE_URL, Visitor, make_user


async def test_a_conversation_is_private_and_opened_once_per_group(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna")
    bert = await make_user(db, "Bert")
    cees = await make_user(db, "Cees")
    assert bert.id is not None
    assert cees.id is not None
    pair = await direct.open_conversation(db, anna, [bert.id])
    assert (pair.kind, pair.visibility) == (CircleKind.DIRECT, CircleVisibility.SECRET)
    assert (await direct.open_conversation(db, bert, [anna.id or 0])).id == pair.id
    trio = await direct.open_conversation(db, anna, [bert.id, cees.id])
    assert trio.id != pair.id
    assert pair.id is not None

    await chat.post_message(db, anna, pair.id, body="Alleen voor Bert")
    assert [m.body for m in await chat.history(db, bert, pair.id)] == ["Alleen voor Bert"]
    with pytest.raises(NotFound):
        await chat.history(db, cees, pair.id)
    with pytest.raises(NotFound):
        await access.access_circle(db, cees, pair.id)
    assert await direct.title(db, anna, trio) == "Bert en Cees"
    # The pair spoke last, so it comes first though the trio was opened later.
    assert [c.id for c, _ in await direct.conversations(db, bert)] == [pair.id, trio.id]
    # Conversations stay out of the circle directory, also for their members.
    assert await circles.list_circles(db, anna) == []


async def test_conversation_limits(db: AsyncSession) -> None:
    owner = await make_user(db)
    many = [await make_user(db) for _ in range(10)]
    with pytest.raises(Invalid):
        await direct.open_conversation(db, owner, [])
    with pytest.raises(Invalid):
        await direct.open_conversation(db, owner, [u.id or 0 for u in many])
    with pytest.raises(NotFound):
        await direct.open_conversation(db, owner, [999_999])
    with pytest.raises(Invalid):
        await circles.create_circle(
            db, owner, name="Sluiproute", kind=CircleKind.DIRECT, visibility=CircleVisibility.SECRET
        )
    pair = await direct.open_conversation(db, owner, [many[0].id or 0])
    with pytest.raises((PermissionDenied, Invalid)):
        await circles.update_circle(db, owner, pair.id or 0, visibility=CircleVisibility.OPEN)
    with pytest.raises((PermissionDenied, Invalid)):
        await circles.update_circle(db, many[0], pair.id or 0, kind=CircleKind.TEAM)


async def test_messaging_a_colleague_from_their_profile(db: AsyncSession, visitor: Visitor) -> None:
    anna = await make_user(db, "Anna de Vries")
    bert = await make_user(db, "Bert Bos")
    await visitor.sign_in(anna)
    token = await visitor.form_token(f"/people/{bert.id}")
    opened = await visitor.http.post(
        f"/people/{bert.id}/message", data={"csrf_token": token}, headers={"Origin": BASE_URL}
    )
    assert opened.status_code == 303
    chat_url = opened.headers["location"]
    page = await visitor.get(chat_url.split("#")[0])
    assert "<h1>Bert Bos</h1>" in page.text
    listed = await visitor.get("/messages")
    assert "Bert Bos" in listed.text
    api = (await visitor.get("/api/v1/direct")).json()["items"]
    assert [p["name"] for p in api[0]["people"]] == ["Bert Bos"]


async def test_nobody_can_be_added_to_or_removed_from_a_conversation(db: AsyncSession) -> None:
    anna = await make_user(db)
    bert = await make_user(db)
    intruder = await make_user(db)
    pair = await direct.open_conversation(db, anna, [bert.id or 0])
    assert pair.id is not None
    with pytest.raises(PermissionDenied):
        await circles.invite(db, anna, pair.id, intruder.id or 0)
    with pytest.raises(PermissionDenied):
        await circles.remove_member(db, anna, pair.id, bert.id or 0)
    with pytest.raises(NotFound):
        await chat.history(db, intruder, pair.id)
    await circles.leave_circle(db, anna, pair.id)  # the creator may leave a conversation


async def test_a_client_id_from_another_circle_is_refused_not_returned(db: AsyncSession) -> None:
    from models import CircleVisibility as Visibility
    from services.errors import Conflict
    from tests.support import make_circle

    user = await make_user(db)
    first = await make_circle(db, user, Visibility.CLOSED)
    second = await make_circle(db, user, Visibility.OPEN)
    assert first.id is not None
    assert second.id is not None
    await chat.post_message(db, user, first.id, body="In de eerste", client_id="same")
    with pytest.raises(Conflict):
        await chat.post_message(db, user, second.id, body="In de tweede", client_id="same")


async def test_the_list_shows_each_conversations_last_message_time_and_unread_count(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna de Vries")
    bram = await make_user(db, "Bram Bakker")
    carla = await make_user(db, "Carla Smit")
    with_bram = await direct.open_conversation(db, anna, [bram.id or 0])
    group = await direct.open_conversation(db, carla, [anna.id or 0, bram.id or 0])
    quiet = await direct.open_conversation(db, anna, [carla.id or 0])
    await chat.post_message(db, bram, with_bram.id or 0, body="Heb je de **notulen** al?")
    await chat.post_message(db, bram, with_bram.id or 0, body="Ze staan in de kennisbank")
    await chat.post_message(db, carla, group.id or 0, body="Lunch om 12:30?")
    read = await chat.post_message(db, bram, group.id or 0, body="Goed plan")
    await chat.mark_read(db, anna, group.id or 0, read.id or 0)
    await chat.post_message(db, anna, group.id or 0, body="Ik ben er *ook* bij " + "en nog veel meer " * 10)

    listed = await direct.conversation_list(db, anna)

    # Sorted by last activity: the group spoke last; the quiet one was opened before anyone spoke.
    assert [c.circle.id for c in listed] == [group.id, with_bram.id, quiet.id]
    group_line, bram_line, quiet_line = listed
    assert [p.name for p in group_line.people] == ["Bram Bakker", "Carla Smit"]
    assert group_line.last_mine
    assert group_line.last_body.startswith("Ik ben er ook bij en nog")
    assert len(group_line.last_body) <= direct.PREVIEW_CHARS
    assert group_line.last_body.endswith("…")
    assert group_line.unread == 0  # read up to Bram's, and her own does not count
    assert (quiet_line.last_body, quiet_line.unread) == ("", 0)
    assert (bram_line.last_body, bram_line.last_mine, bram_line.unread) == ("Ze staan in de kennisbank", False, 2)
    assert bram_line.last_at < group_line.last_at
    assert direct.name_of([p.name for p in group_line.people]) == "Bram Bakker en Carla Smit"
    assert direct.name_of(["Anna", "Bram", "Carla"]) == "Anna, Bram en Carla"
    assert direct.name_of(["Anna", "Bram", "Carla"], "en") == "Anna, Bram, and Carla"


async def test_the_list_costs_two_queries_however_many_conversations(db: AsyncSession) -> None:
    me = await make_user(db)
    for _ in range(6):
        others = [await make_user(db), await make_user(db)]
        group = await direct.open_conversation(db, me, [u.id or 0 for u in others])
        await chat.post_message(db, others[0], group.id or 0, body="Hallo")
    with statements_on(db) as statements:
        listed = await direct.conversation_list(db, me)
    assert len(listed) == 6
    assert all(c.unread == 1 and len(c.people) == 2 for c in listed)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


async def test_a_group_conversation_is_started_from_the_list_and_named_by_its_people(
    db: AsyncSession, visitor: Visitor
) -> None:
    anna = await make_user(db, "Anna de Vries")
    bram = await make_user(db, "Bram Bakker")
    carla = await make_user(db, "Carla Smit")
    many = [await make_user(db) for _ in range(9)]
    await visitor.sign_in(anna)
    token = await visitor.form_token("/messages")

    too_many = await visitor.http.post(
        "/messages",
        data={"csrf_token": token, "user_ids": [str(u.id) for u in [bram, *many]]},
        headers={"Origin": BASE_URL},
    )
    assert too_many.status_code == 400
    assert 'role="alert"' in too_many.text
    assert too_many.text.count("checked") == 10  # the choice is kept

    opened = await visitor.http.post(
        "/messages", data={"csrf_token": token, "user_ids": [str(bram.id), str(carla.id)]}, headers={"Origin": BASE_URL}
    )
    assert opened.status_code == 303
    page = await visitor.get(opened.headers["location"])
    assert "<title>Bram Bakker en Carla Smit ·" in page.text
    assert "<h1>Bram Bakker en Carla Smit</h1>" in page.text


async def test_a_conversation_takes_messages_not_posts(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna")
    bert = await make_user(db, "Bert")
    pair = await direct.open_conversation(db, anna, [bert.id or 0])
    # A post would show in the stream "in" the conversation, under its hidden circle name.
    with pytest.raises(Invalid):
        await posts.create_post(db, anna, pair.id or 0, body="Voor iedereen?")


async def test_a_conversation_everyone_else_left_still_has_a_name(db: AsyncSession, visitor: Visitor) -> None:
    anna = await make_user(db, "Anna")
    bert = await make_user(db, "Bert")
    pair = await direct.open_conversation(db, anna, [bert.id or 0])
    await chat.post_message(db, anna, pair.id or 0, body="Ben je er nog?")
    await circles.leave_circle(db, bert, pair.id or 0)
    await visitor.sign_in(anna)
    page = await visitor.get(f"/messages/{pair.id}")
    assert "<h1>Gesprek</h1>" in page.text
    listed = await visitor.get("/messages")
    assert f'href="/messages/{pair.id}">Gesprek</a>' in listed.text
