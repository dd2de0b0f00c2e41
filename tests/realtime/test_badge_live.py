"""The badge over WebSockets: one colleague's two tabs (on two workers) always show the same
count, moved by the event stream alone."""

from __future__ import annotations

from collections.abc import Callable

from harness import Worker
from tests.realtime.support import Colleague, Socket, database
from tests.support import make_circle, make_user

StartWorkers = Callable[..., list[Worker]]


EVERY_PART = ["notifications", "direct", "chat"]  # what the tab title counts unless chosen otherwise


def badge_of(notifications: int, direct: int, chat: int) -> dict[str, object]:
    count = notifications + direct + chat
    return {"count": count, "notifications": notifications, "direct": direct, "chat": chat, "counted": EVERY_PART}


async def shows(sockets: list[Socket], badge: dict[str, object]) -> None:
    """Every socket's newest badge event carries `badge`."""
    for socket in sockets:
        await socket.wait_for(lambda f: f.get("kind") == "badge.changed" and f["data"] == badge)
        heard = [f["data"] for f in socket.frames if f.get("kind") == "badge.changed"]
        assert heard[-1] == badge


async def test_reading_in_one_tab_sets_the_count_in_the_other(fresh_database: str, start_workers: StartWorkers) -> None:
    url = fresh_database
    async with database(url) as db:
        anna = await make_user(db, "Anna")
        bram = await make_user(db, "Bram")
        circle = await make_circle(db, bram)
    a, b = start_workers(url, 2)
    anna_http = await Colleague(a, anna).sign_in()
    bram_tab_one = await Colleague(a, bram).sign_in()
    bram_tab_two = await Colleague(b, bram).sign_in()
    topic = f"user:{bram.id}"
    sockets = [
        await Socket.open(a, cookie=bram_tab_one.cookie),
        await Socket.open(b, cookie=bram_tab_two.cookie),
    ]
    for socket in sockets:
        assert (await socket.subscribe(topic))["type"] == "subscribed"

    await anna_http.write("POST", f"/api/v1/circles/{circle.id}/join", {})
    post = (await bram_tab_one.write("POST", f"/api/v1/circles/{circle.id}/posts", {"body": "Soep!"})).json()
    await anna_http.write("PUT", f"/api/v1/posts/{post['id']}/reactions/heart")
    await shows(sockets, badge_of(1, 0, 0))

    conversation = (await anna_http.write("POST", "/api/v1/direct", {"user_ids": [bram.id]})).json()
    await anna_http.write("POST", f"/api/v1/circles/{conversation['id']}/messages", {"body": "Hoi Bram"})
    await shows(sockets, badge_of(1, 1, 0))
    said = (await anna_http.write("POST", f"/api/v1/circles/{circle.id}/messages", {"body": "Lekker"})).json()
    await shows(sockets, badge_of(1, 1, 1))

    # Bram reads the notifications in his second tab; the first hears it from the stream.
    answer = await bram_tab_two.write("POST", "/api/v1/notifications/read", {"all": True})
    assert answer.json() == badge_of(0, 1, 1)
    await shows(sockets, badge_of(0, 1, 1))

    history = (await bram_tab_one.write("GET", f"/api/v1/circles/{conversation['id']}/messages")).json()
    newest = history["items"][0]["id"]
    await bram_tab_one.write("POST", f"/api/v1/circles/{conversation['id']}/read", {"message_id": newest})
    await shows(sockets, badge_of(0, 0, 1))
    # Reading the circle's chat in the second tab clears it in both.
    await bram_tab_two.write("POST", f"/api/v1/circles/{circle.id}/read", {"message_id": said["id"]})
    await shows(sockets, badge_of(0, 0, 0))
    for socket in sockets:
        await socket.close()
    for session in (anna_http, bram_tab_one, bram_tab_two):
        await session.close()
