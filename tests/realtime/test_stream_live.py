"""The stream over WebSockets: new, edited and deleted items reach every open stream, and a
closed circle's posts never reach a socket outside it."""

from __future__ import annotations

from collections.abc import Callable

from harness import Worker
from models import CircleVisibility, Role
from tests.realtime.support import Colleague, Socket, database
from tests.support import add_member, make_circle, make_user

StartWorkers = Callable[..., list[Worker]]


async def test_posts_edits_and_deletions_reach_every_stream_but_never_outsiders(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        owner = await make_user(db)
        member = await make_user(db)
        outsider = await make_user(db)
        editor = await make_user(db, role=Role.EDITOR)
        closed = await make_circle(db, owner, CircleVisibility.CLOSED)
        open_circle = await make_circle(db, owner, CircleVisibility.OPEN)
        await add_member(db, owner, closed, member)
        await add_member(db, owner, open_circle, outsider)
    a, b = start_workers(url, 2)
    closed_topic, open_topic = f"circle:{closed.id}", f"circle:{open_circle.id}"

    writer = await Colleague(b, owner).sign_in()
    member_session = await Colleague(a, member).sign_in()
    outsider_session = await Colleague(a, outsider).sign_in()
    member_socket = await Socket.open(a, cookie=member_session.cookie)
    outsider_socket = await Socket.open(a, cookie=outsider_session.cookie)
    for topic in ("org", closed_topic):
        assert (await member_socket.subscribe(topic))["type"] == "subscribed"
    assert (await outsider_socket.subscribe("org"))["type"] == "subscribed"
    assert (await outsider_socket.subscribe(open_topic))["type"] == "subscribed"
    assert (await outsider_socket.subscribe(closed_topic))["code"] == "forbidden"

    secret = (await writer.write("POST", f"/api/v1/circles/{closed.id}/posts", {"body": "Alleen voor leden"})).json()
    public = (await writer.write("POST", f"/api/v1/circles/{open_circle.id}/posts", {"body": "Voor iedereen"})).json()
    created = (await member_socket.wait_for(lambda f: f.get("kind") == "post.created"))["data"]
    assert (created["id"], created["html"], created["author"]["id"]) == (secret["id"], secret["html"], owner.id)

    await writer.write("PATCH", f"/api/v1/posts/{secret['id']}", {"body": "Alleen voor *leden*"})
    updated = await member_socket.wait_for(lambda f: f.get("kind") == "post.updated")
    assert updated["data"]["html"] == "<p>Alleen voor <em>leden</em></p>\n"
    await writer.write("POST", f"/api/v1/posts/{secret['id']}/comments", {"body": "Met reactie"})
    await writer.write("PUT", f"/api/v1/posts/{secret['id']}/reactions/heart")
    reaction = await member_socket.wait_for(lambda f: f.get("kind") == "reaction.updated")
    assert reaction["data"]["counts"] == {"heart": 1}
    await writer.write("DELETE", f"/api/v1/posts/{secret['id']}")
    deleted = await member_socket.wait_for(lambda f: f.get("kind") == "post.deleted")
    assert deleted["data"]["id"] == secret["id"]

    news_writer = await Colleague(b, editor).sign_in()
    await news_writer.write("POST", "/api/v1/news", {"title": "Voor allen", "body": "Nieuws"})
    for socket in (member_socket, outsider_socket):
        news = await socket.wait_for(lambda f: f.get("kind") == "post.created" and f["topic"] == "org")
        assert news["data"]["title"] == "Voor allen"
    # The writer's last change: its worker publishes in order, so whatever the changes before it
    # would have brought the outsider, on any topic, is here by the time this arrives.
    last = (await writer.write("POST", f"/api/v1/circles/{open_circle.id}/posts", {"body": "Tot slot"})).json()
    await outsider_socket.wait_for(lambda f: f.get("kind") == "post.created" and f["data"]["id"] == last["id"])
    leaked = [
        f
        for f in outsider_socket.frames
        if f["type"] == "event" and ("Alleen voor" in str(f) or f["topic"] == closed_topic)
    ]
    assert leaked == []
    assert public["id"] in [f["data"]["id"] for f in outsider_socket.events(open_topic)]
    for closable in (member_socket, outsider_socket, writer, member_session, outsider_session, news_writer):
        await closable.close()
