"""Circle chat across two workers on real Redis: once, in order, and read state everywhere."""

from __future__ import annotations

from collections.abc import Callable

from harness import Worker
from models import CircleVisibility
from services import events
from tests.realtime.support import Colleague, Socket, database, seqs
from tests.support import add_member, make_circle, make_user

StartWorkers = Callable[..., list[Worker]]


async def test_messages_arrive_once_in_order_and_reading_clears_everywhere(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        sender = await make_user(db)
        reader = await make_user(db)
        circle = await make_circle(db, sender, CircleVisibility.CLOSED)
        await add_member(db, sender, circle, reader)
        head_before = await events.head(db, f"circle:{circle.id}")
    a, b = start_workers(url, 2)
    topic = f"circle:{circle.id}"
    on_a = await Colleague(a, sender).sign_in()
    on_b = await Colleague(b, sender).sign_in()
    laptop = await Colleague(a, reader).sign_in()
    phone = await Colleague(b, reader).sign_in()
    sockets = [await Socket.open(a, cookie=laptop.cookie), await Socket.open(b, cookie=phone.cookie)]
    for socket in sockets:
        assert (await socket.subscribe(topic))["type"] == "subscribed"
        assert (await socket.subscribe(f"user:{reader.id}"))["type"] == "subscribed"

    sent = []
    for number in range(20):
        via = on_a if number % 2 else on_b
        response = await via.write(
            "POST", f"/api/v1/circles/{circle.id}/messages", {"body": f"bericht {number}", "client_id": f"c{number}"}
        )
        assert response.status_code == 201
        sent.append(response.json()["id"])
    # The same send again, through the other worker, as a browser retrying after a timeout.
    retry = await on_a.write("POST", f"/api/v1/circles/{circle.id}/messages", {"body": "bericht 0", "client_id": "c0"})
    assert retry.json()["id"] == sent[0]

    last = await on_b.write("POST", f"/api/v1/circles/{circle.id}/messages", {"body": "de laatste", "client_id": "c20"})
    sent.append(last.json()["id"])
    for socket in sockets:
        await socket.wait_seq(topic, head_before + 21)  # the last message: the retry, had it gone out, came before
        created = [e for e in socket.events(topic) if e["kind"] == "message.created"]
        assert [e["data"]["id"] for e in created] == sent
        assert seqs(socket.events(topic)) == list(range(head_before + 1, head_before + 22))

    unread = (await phone.http.get("/api/v1/unread")).json()["circles"]
    assert unread == {str(circle.id): 21}
    marked = await laptop.write("POST", f"/api/v1/circles/{circle.id}/read", {"message_id": sent[-1]})
    assert marked.json()["message_id"] == sent[-1]
    for socket in sockets:  # the phone on the other worker hears it through user:{id}
        read = await socket.wait_for(lambda f: f.get("kind") == "chat.read" and f["topic"] == f"user:{reader.id}")
        assert read["data"]["message_id"] == sent[-1]
    assert (await phone.http.get("/api/v1/unread")).json()["circles"] == {}
    for closable in (*sockets, on_a, on_b, laptop, phone):
        await closable.close()


async def test_read_markers_of_an_open_circle_stay_with_its_members(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        member = await make_user(db)
        follower = await make_user(db)
        circle = await make_circle(db, member, CircleVisibility.OPEN)
    (worker,) = start_workers(url, 1)
    topic = f"circle:{circle.id}"
    writer = await Colleague(worker, member).sign_in()
    watching = await Colleague(worker, follower).sign_in()
    outsider = await Socket.open(worker, cookie=watching.cookie)
    assert (await outsider.subscribe(topic))["type"] == "subscribed"
    sent = (await writer.write("POST", f"/api/v1/circles/{circle.id}/messages", {"body": "Open voor iedereen"})).json()
    await writer.write("POST", f"/api/v1/circles/{circle.id}/read", {"message_id": sent["id"]})
    await writer.write("POST", f"/api/v1/circles/{circle.id}/messages", {"body": "Nog een"})
    # The second message is the barrier: a read marker sent on this topic would have come before it.
    await outsider.wait_events(topic, 2)
    kinds = [e["kind"] for e in outsider.events(topic)]
    assert kinds == ["message.created", "message.created"]  # the chat, but not who read it
    for closable in (outsider, writer, watching):
        await closable.close()
