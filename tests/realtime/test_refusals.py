"""Bad handshakes, bad frames, forbidden topics and lost rights: clear refusals, nothing leaks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest
import websockets

from harness import Worker
from models import CircleVisibility
from services import accounts, circles
from tests.realtime.support import Colleague, Socket, database
from tests.support import PASSWORD, add_member, make_circle, make_user

pytestmark = pytest.mark.trust  # see docs/reliability.md

StartWorkers = Callable[..., list[Worker]]


async def refused_status(worker: Worker, headers: dict[str, str]) -> int:
    with pytest.raises(websockets.InvalidStatus) as caught:
        await websockets.connect(worker.ws_url, additional_headers=headers, open_timeout=60)
    return caught.value.response.status_code


async def test_handshakes_without_the_right_credentials_are_refused_before_the_upgrade(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        user = await make_user(db)
    (worker,) = start_workers(url, 1)
    colleague = await Colleague(worker, user).sign_in()
    token = (await colleague.write("POST", "/api/v1/tokens", {"name": "app"})).json()["token"]
    cookie = colleague.cookie

    assert await refused_status(worker, {}) == 403
    assert await refused_status(worker, {"Cookie": "kring_session=forged"}) == 403
    for origin in ("https://evil.example", "null", worker.url.replace("http:", "https:"), f"{worker.url}.evil.example"):
        assert await refused_status(worker, {"Cookie": cookie, "Origin": origin}) == 403, origin
    assert await refused_status(worker, {"Cookie": cookie}) == 403  # a cookie needs an Origin
    assert await refused_status(worker, {"Authorization": "Bearer kring_forged"}) == 403

    own = await Socket.open(worker, cookie=cookie)
    app = await Socket.open(worker, token=token)  # apps and scripts may omit Origin
    for socket in (own, app):
        await socket.send({"op": "ping"})
        await socket.wait_for(lambda f: f["type"] == "pong")
        await socket.close()

    await colleague.write(
        "DELETE", f"/api/v1/tokens/{(await colleague.http.get('/api/v1/tokens')).json()['items'][0]['id']}"
    )
    assert await refused_status(worker, {"Authorization": f"Bearer {token}"}) == 403
    await colleague.close()


async def test_bad_frames_get_an_error_and_the_connection_lives_on(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        user = await make_user(db)
    (worker,) = start_workers(url, 1)
    colleague = await Colleague(worker, user).sign_in()
    socket = await Socket.open(worker, cookie=colleague.cookie)

    async def error_for(raw: str | bytes) -> dict[str, object]:
        start = len(socket.frames)
        await socket.connection.send(raw)
        return await socket.wait_for(lambda f: f["type"] == "error", start=start)

    assert (await error_for("{not json"))["code"] == "bad_request"
    assert (await error_for('{"op": "explode"}'))["code"] == "bad_request"
    assert (await error_for(b'{"op": "ping"}'))["code"] == "bad_request"
    assert (await error_for('{"op": "subscribe", "topic": "circle:1", "since": "x"}'))["code"] == "bad_request"
    assert (await error_for('{"op": "typing", "topic": "circle:1"}'))["code"] == "forbidden"
    await socket.send({"op": "ping"})
    await socket.wait_for(lambda f: f["type"] == "pong")

    await socket.connection.send(json.dumps({"op": "ping", "pad": "x" * 70_000}))  # over 64 KiB
    assert await socket.wait_closed() == 1009
    again = await Socket.open(worker, cookie=colleague.cookie)  # the server stays up
    await again.send({"op": "ping"})
    await again.wait_for(lambda f: f["type"] == "pong")
    await again.close()
    await colleague.close()


async def test_flooding_is_rate_limited_and_too_many_sockets_are_refused(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        user = await make_user(db)
    (worker,) = start_workers(url, 1, KRING_LIMIT_SOCKETS_PER_USER="2", KRING_LIMIT_WS_OPS_PER_SECOND="5")
    colleague = await Colleague(worker, user).sign_in()
    first = await Socket.open(worker, cookie=colleague.cookie)
    for _ in range(40):
        await first.send({"op": "ping"})
    limited = await first.wait_for(lambda f: f["type"] == "error")
    assert limited["code"] == "rate_limited"
    await asyncio.sleep(1)
    start = len(first.frames)
    await first.send({"op": "ping"})
    await first.wait_for(lambda f: f["type"] == "pong", start=start)

    second = await Socket.open(worker, cookie=colleague.cookie)
    third = await Socket.open(worker, cookie=colleague.cookie)
    refusal = await third.wait_for(lambda f: f["type"] == "error")
    assert refusal["code"] == "rate_limited"
    assert await third.wait_closed() == 1008
    for socket in (first, second):
        await socket.close()
    await colleague.close()


async def test_topics_are_authorised_on_every_subscribe(fresh_database: str, start_workers: StartWorkers) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        outsider = await make_user(db)
        closed = await make_circle(db, owner, CircleVisibility.CLOSED)
        secret = await make_circle(db, owner, CircleVisibility.SECRET)
        open_circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1)
    colleague = await Colleague(worker, outsider).sign_in()
    socket = await Socket.open(worker, cookie=colleague.cookie)

    expectations = {
        f"circle:{closed.id}": "forbidden",
        f"user:{owner.id}": "forbidden",
        f"circle:{secret.id}": "unknown_topic",  # a secret circle does not exist for outsiders
        "circle:999999": "unknown_topic",
        "nonsense": "unknown_topic",
        "circle:01": "unknown_topic",
    }
    for topic, code in expectations.items():
        answer = await socket.subscribe(topic)
        assert (answer["type"], answer.get("code")) == ("error", code), topic
    for topic in (f"circle:{open_circle.id}", f"user:{outsider.id}", "org"):
        assert (await socket.subscribe(topic))["type"] == "subscribed", topic
    await socket.close()
    await colleague.close()


async def test_a_removed_member_stops_receiving_at_once_on_every_worker(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        member = await make_user(db)
        stayer = await make_user(db)
        secret = await make_circle(db, owner, CircleVisibility.SECRET)
        await add_member(db, owner, secret, member)
        await add_member(db, owner, secret, stayer)
    a, b = start_workers(url, 2)
    topic = f"circle:{secret.id}"
    leaving = await Colleague(a, member).sign_in()
    staying = await Colleague(a, stayer).sign_in()
    admin = await Colleague(b, owner).sign_in()
    gone, kept = await Socket.open(a, cookie=leaving.cookie), await Socket.open(a, cookie=staying.cookie)
    for socket in (gone, kept):
        assert (await socket.subscribe(topic))["type"] == "subscribed"

    assert (await admin.write("DELETE", f"/api/v1/circles/{secret.id}/members/{member.id}")).status_code == 200
    notice = await gone.wait_for(lambda f: f["type"] == "unsubscribed")
    assert notice == {"type": "unsubscribed", "topic": topic, "reason": "removed"}
    assert [e["kind"] for e in gone.events(topic)] == ["member.left"]

    await admin.write("PATCH", f"/api/v1/circles/{secret.id}", {"description": "na het vertrek"})
    await kept.wait_events(topic, 2)
    await gone.barrier()  # on the same worker as `kept`
    assert [e["kind"] for e in gone.events(topic)] == ["member.left"]
    again = await gone.subscribe(topic, since=0)
    assert (again["type"], again["code"]) == ("error", "unknown_topic")
    for closable in (gone, kept, leaving, staying, admin):
        await closable.close()


async def test_a_resume_from_before_a_removal_replays_nothing_after_it_even_once_readmitted(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    """A resume from before a removal never replays what came after it: not the events while the
    member was out, nor (since the replay cannot skip them and go on) those after being let in
    again; `recovered: false`, and the client reloads (found by trust case 9)."""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        member = await make_user(db)
        secret = await make_circle(db, owner, CircleVisibility.SECRET)
        await add_member(db, owner, secret, member)
    (worker,) = start_workers(url, 1)
    topic = f"circle:{secret.id}"
    away = await Colleague(worker, member).sign_in()
    admin = await Colleague(worker, owner).sign_in()
    before = await Socket.open(worker, cookie=away.cookie)
    cursor = await before.subscribe(topic)
    await before.close()

    base = f"/api/v1/circles/{secret.id}"
    assert (await admin.write("DELETE", f"{base}/members/{member.id}")).status_code == 200
    assert (await admin.write("POST", f"{base}/posts", {"body": "zonder hem"})).status_code == 201
    assert (await admin.write("POST", f"{base}/invitations", {"user_id": member.id})).status_code == 201
    assert (await away.write("POST", f"{base}/join", {})).status_code == 200
    assert (await admin.write("POST", f"{base}/posts", {"body": "weer met hem"})).status_code == 201

    again = await Socket.open(worker, cookie=away.cookie)
    answer = await again.subscribe(topic, since=cursor["seq"], epoch=cursor["epoch"])
    assert (answer["type"], answer["recovered"]) == ("subscribed", False)
    assert (await admin.write("POST", f"{base}/posts", {"body": "en verder"})).status_code == 201
    await again.wait_events(topic, 1)
    assert [e["data"]["html"] for e in again.events(topic)] == ["<p>en verder</p>\n"]
    assert "zonder hem" not in str(again.frames)
    for closable in (again, away, admin):
        await closable.close()


async def test_an_outsider_resuming_from_a_closed_time_gets_no_replay(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    """A cursor from while the circle was closed (the hub cannot know where an outsider got it)
    replays nothing of that time, even though the circle is open again: `recovered: false`."""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        outsider = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1)
    topic = f"circle:{circle.id}"
    admin = await Colleague(worker, owner).sign_in()
    watching = await Colleague(worker, outsider).sign_in()
    base = f"/api/v1/circles/{circle.id}"
    assert (await admin.write("PATCH", base, {"visibility": "closed"})).status_code == 200
    assert (await admin.write("POST", f"{base}/posts", {"body": "onder ons"})).status_code == 201
    assert (await admin.write("PATCH", base, {"visibility": "open"})).status_code == 200

    socket = await Socket.open(worker, cookie=watching.cookie)
    fresh = await socket.subscribe(topic)
    resumed = await Socket.open(worker, cookie=watching.cookie)
    answer = await resumed.subscribe(topic, since=1, epoch=fresh["epoch"])  # just after it closed
    assert (answer["type"], answer["recovered"]) == ("subscribed", False)
    await admin.write("PATCH", base, {"description": "daarna"})  # the first event after the resume
    await resumed.wait_seq(topic, answer["seq"] + 1)
    assert [e["data"].get("description") for e in resumed.events(topic)] == ["daarna"]
    for closable in (socket, resumed, admin, watching):
        await closable.close()


async def test_a_circle_turning_secret_drops_the_outsiders_following_it(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        outsider = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1)
    topic = f"circle:{circle.id}"
    watching = await Colleague(worker, outsider).sign_in()
    admin = await Colleague(worker, owner).sign_in()
    socket = await Socket.open(worker, cookie=watching.cookie)
    await socket.subscribe(topic)
    admin_socket = await Socket.open(worker, cookie=admin.cookie)
    await admin_socket.subscribe(topic)

    # Renamed as it turns secret: the outsider learns neither the new name nor anything after.
    change = {"visibility": "secret", "name": "Geheim overleg"}
    assert (await admin.write("PATCH", f"/api/v1/circles/{circle.id}", change)).status_code == 200
    notice = await socket.wait_for(lambda f: f["type"] == "unsubscribed")
    assert notice["reason"] == "forbidden"
    await admin.write("PATCH", f"/api/v1/circles/{circle.id}", {"description": "nu geheim"})
    await admin_socket.wait_for(
        lambda f: f.get("kind") == "circle.updated" and f["data"].get("description") == "nu geheim"
    )
    await socket.barrier()
    assert socket.events(topic) == []
    assert "Geheim overleg" not in str(socket.frames)
    for closable in (socket, admin_socket, watching, admin):
        await closable.close()


async def test_ending_a_session_closes_its_sockets_on_every_worker(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        user = await make_user(db)
        other = await make_user(db)
    a, b = start_workers(url, 2)
    laptop = await Colleague(b, user).sign_in()
    phone = await Colleague(b, user).sign_in()
    on_a = await Socket.open(a, cookie=laptop.cookie)
    phone_socket = await Socket.open(a, cookie=phone.cookie)

    assert (await laptop.write("DELETE", "/api/v1/session")).status_code == 200
    assert await on_a.wait_closed() == 4001
    await phone_socket.send({"op": "ping"})
    await phone_socket.wait_for(lambda f: f["type"] == "pong")  # the other session lives on

    # Deactivation by an administrator's tool, from outside the workers: its event is found in
    # the log by the head check.
    other_session = await Colleague(a, other).sign_in()
    other_socket = await Socket.open(b, cookie=other_session.cookie)
    async with database(url) as db:
        fresh = await accounts.get_user(db, other.id or 0)
        await accounts.deactivate(db, None, fresh)
    assert await other_socket.wait_closed() == 4001
    await phone.write("POST", "/api/v1/tokens", {"name": "x"})  # still signed in
    for closable in (phone_socket, laptop, phone, other_session):
        await closable.close()


async def test_password_change_closes_every_socket_of_the_user(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        user = await make_user(db)
        circle = await make_circle(db, user)
        assert circle.id is not None
        await circles.update_circle(db, user, circle.id, description="x")
    (worker,) = start_workers(url, 1)
    first, second = await Colleague(worker, user).sign_in(), await Colleague(worker, user).sign_in()
    sockets = [await Socket.open(worker, cookie=c.cookie) for c in (first, second)]
    token = (await first.http.get("/profile")).text.split('name="csrf_token" value="')[1].split('"')[0]
    changed = await first.http.post(
        "/profile/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "een nieuw wachtwoord",
            "repeat_password": "een nieuw wachtwoord",
        },
        headers={"Origin": worker.url},
    )
    assert changed.status_code == 303
    for socket in sockets:
        assert await socket.wait_closed() == 4001
    await first.close()
    await second.close()


async def test_only_members_may_type_in_a_circle_and_joining_lets_them(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    """A colleague who follows an open circle reads it live but may not type in it: typing acts
    in the circle (services.access: members write). Once they join, they may; once the circle is
    archived, nobody may."""
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        follower = await make_user(db)
        circle = await make_circle(db, owner, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1)
    member_side = await Colleague(worker, owner).sign_in()
    outside = await Colleague(worker, follower).sign_in()
    topic = f"circle:{circle.id}"
    watching = await Socket.open(worker, cookie=member_side.cookie)
    typing_from = await Socket.open(worker, cookie=outside.cookie)
    try:
        assert (await watching.subscribe(topic))["type"] == "subscribed"
        assert (await typing_from.subscribe(topic))["type"] == "subscribed"

        start = len(typing_from.frames)
        await typing_from.send({"op": "typing", "topic": topic})
        refusal = await typing_from.wait_for(lambda f: f["type"] == "error", start=start)
        assert refusal["code"] == "forbidden"

        assert (await outside.write("POST", f"/api/v1/circles/{circle.id}/join", {})).status_code == 200
        await typing_from.wait_for(lambda f: f.get("kind") == "member.joined", start=start)
        await typing_from.send({"op": "typing", "topic": topic})
        typed = await watching.wait_for(lambda f: f.get("kind") == "typing")
        assert typed["data"]["user"]["id"] == follower.id
        # The refused frame was never passed on: the one the member saw is the one after joining.
        assert [f for f in watching.frames if f.get("kind") == "typing"] == [typed]

        # Archived, the circle is read-only for everyone: the hub refuses typing again at once.
        start = len(typing_from.frames)
        archived = await member_side.http.post(
            f"/circles/{circle.id}/archive",
            data={"csrf_token": member_side.csrf},
            headers={"Origin": worker.origin},
        )
        assert archived.status_code == 303
        updated = await typing_from.wait_for(lambda f: f.get("kind") == "circle.updated", start=start)
        assert updated["data"]["archived"] is True
        await typing_from.send({"op": "typing", "topic": topic})
        refusal = await typing_from.wait_for(lambda f: f["type"] == "error", start=start)
        assert refusal["code"] == "forbidden"
    finally:
        for closing in (watching, typing_from, member_side, outside):
            await closing.close()
