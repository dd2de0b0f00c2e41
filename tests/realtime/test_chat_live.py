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


async def test_each_reader_gets_the_message_rendered_in_their_language_live_and_in_a_replay(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        sender = await make_user(db)  # the organisation's language, Dutch
        english = await make_user(db)
        english.locale = "en"
        db.add(english)
        await db.commit()
        circle = await make_circle(db, sender, CircleVisibility.CLOSED)
        await add_member(db, sender, circle, english)
    a, b = start_workers(url, 2)
    topic = f"circle:{circle.id}"
    writer = await Colleague(a, sender).sign_in()
    reader = await Colleague(b, english).sign_in()
    dutch_socket = await Socket.open(a, cookie=writer.cookie)
    english_socket = await Socket.open(b, cookie=reader.cookie)
    for socket in (dutch_socket, english_socket):
        assert (await socket.subscribe(topic))["type"] == "subscribed"

    sent = await writer.write("POST", f"/api/v1/circles/{circle.id}/messages", {"body": "Koffie <b>om tien</b>"})
    message_id = sent.json()["id"]
    edited = await writer.write("PATCH", f"/api/v1/messages/{message_id}", {"body": "Koffie om elf"})
    assert edited.status_code == 200
    marks = {dutch_socket: "(bewerkt)", english_socket: "(edited)"}
    for socket, mark in marks.items():
        created, updated = await socket.wait_events(topic, 2)
        # The item as the page renders it, the author's text escaped, in the reader's language...
        assert f'data-message-id="{message_id}"' in created["html"]
        assert "Koffie &lt;b&gt;om tien&lt;/b&gt;" in created["html"]
        assert mark in updated["html"]
        # ... beside the data API clients read, which is as it was.
        assert updated["data"]["body"] == "Koffie om elf"

    # A reader who comes back later gets the same items in the replay.
    late = await Socket.open(b, cookie=reader.cookie)
    assert (await late.subscribe(topic, since=created["seq"] - 1))["type"] == "subscribed"
    replayed = await late.wait_events(topic, 2)
    assert [e["html"] for e in replayed] == [e["html"] for e in english_socket.events(topic)]
    for closable in (dutch_socket, english_socket, late, writer, reader):
        await closable.close()
