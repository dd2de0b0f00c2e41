"""A client's picture of one circle and of its own badge, for case 7 (event/state convergence).

The picture is loaded once from the JSON API, as a page loads it, and from then on changed only by
the events the client's socket receives, as the pages' scripts change it. The case compares it
with a fresh load after every step: if the two differ, an event was missing, doubled, out of
order, or said something other than what the server now answers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness import Worker
from tests.realtime.support import Socket

Posts = dict[int, dict[str, Any]]


@dataclass
class Picture:
    posts: Posts | None  # None: the circle is out of this colleague's sight
    members: dict[int, str] | None  # user id -> role
    badge: dict[str, object]


async def load(http: httpx.AsyncClient, token: str, circle_id: int) -> Picture:
    """What the JSON API answers now: the circle's posts and members, and the badge."""
    headers = {"Authorization": f"Bearer {token}"}
    members, badge, feed = await asyncio.gather(
        http.get(f"/api/v1/circles/{circle_id}/members", params={"limit": 200}, headers=headers),
        http.get("/api/v1/notifications/unread-count", headers=headers),
        http.get("/api/v1/feed", params={"filter": "circle", "circle_id": circle_id, "limit": 200}, headers=headers),
    )
    assert badge.status_code == 200, badge.text
    if members.status_code in {403, 404}:
        assert feed.status_code == members.status_code, feed.text
        return Picture(None, None, badge.json())
    assert members.status_code == 200, members.text
    assert feed.status_code == 200, feed.text
    posts = {
        item["id"]: {
            "html": item["html"],
            "edited": item["edited_at"] is not None,
            "comments": item["comment_count"],
            "counts": item["reactions"]["counts"],
            "mine": sorted(item["reactions"]["mine"]),
        }
        for item in feed.json()["items"]
    }
    roles = {item["user"]["id"]: item["role"] for item in members.json()["items"]}
    return Picture(posts, roles, badge.json())


@dataclass
class Client:
    """One colleague's tab: a socket on one worker, following the circle and their own topic."""

    user_id: int
    token: str
    circle_topic: str = ""
    socket: Socket | None = None
    worker: int = 0
    seen: int = 0  # frames of `socket` already applied
    cursors: dict[str, int] = field(default_factory=dict)  # topic -> last seq applied
    following: set[str] = field(default_factory=set)
    stale: set[str] = field(default_factory=set)  # topics answered `recovered: false`
    picture: Picture | None = None
    epoch: str = ""
    applied: int = 0
    resumes: dict[str, int] = field(default_factory=lambda: {"recovered": 0, "reloaded": 0, "refused": 0})

    @property
    def user_topic(self) -> str:
        return f"user:{self.user_id}"

    async def connect(self, worker: Worker, number: int) -> None:
        self.socket = await Socket.open(worker, token=self.token)
        self.worker = number
        self.seen = 0

    async def move_to(self, circle_topic: str) -> None:
        """Follow another circle instead of the current one; `reload` loads its picture."""
        assert self.socket is not None
        if self.circle_topic in self.following:
            await self.socket.send({"op": "unsubscribe", "topic": self.circle_topic})
            self.following.discard(self.circle_topic)
        self.cursors.pop(self.circle_topic, None)
        self.circle_topic = circle_topic
        await self.follow(circle_topic, resume=False)  # `reload` then loads the circle's part

    async def follow(self, topic: str, *, resume: bool) -> dict[str, Any]:
        """Subscribe, resuming from the cursor when `resume` and one is held."""
        assert self.socket is not None
        since = self.cursors.get(topic) if resume else None
        answer = await self.socket.subscribe(topic, since=since, epoch=self.epoch if since is not None else None)
        if since is None:
            self.cursors.pop(topic, None)
        self.pump()
        if since is not None:
            outcome = {True: "recovered", False: "reloaded"}.get(answer.get("recovered"), "refused")
            self.resumes[outcome] += 1
        return answer

    def pump(self) -> None:
        """Apply every frame received since the last call, in order."""
        assert self.socket is not None
        frames = self.socket.frames
        while self.seen < len(frames):
            frame = frames[self.seen]
            self.seen += 1
            self._take(frame)

    def _take(self, frame: dict[str, Any]) -> None:
        kind, topic = frame["type"], frame.get("topic")
        if kind == "subscribed":
            self.epoch = frame["epoch"]
            self.following.add(topic)
            if frame.get("recovered") is True:
                assert frame["seq"] >= self.cursors[topic], frame
            else:
                self.cursors[topic] = frame["seq"]
                self.stale.add(topic)  # the caller loads the state anew
        elif kind in {"error", "unsubscribed"} and topic is not None:
            self.following.discard(topic)
            self.cursors.pop(topic, None)
            if topic == self.circle_topic and self.picture is not None:
                self.picture.posts = self.picture.members = None
        elif kind == "event":
            assert topic in self.following, f"an event of a topic not followed: {frame}"
            assert topic not in self.stale, f"an event before the reload: {frame}"
            expected = self.cursors[topic] + 1
            assert frame["seq"] == expected, f"{topic}: seq {frame['seq']} where {expected} was due"
            self.cursors[topic] = frame["seq"]
            assert self.picture is not None
            apply(self.picture, frame["kind"], frame["data"], self.user_id)
            self.applied += 1

    async def settle(self, heads: dict[str, int], timeout: float = 15) -> None:
        """Wait until every followed topic has reached its head (or been left)."""
        assert self.socket is not None
        socket = self.socket
        while True:
            self.pump()
            behind = {
                t: (self.cursors[t], heads.get(t, 0)) for t in self.following if self.cursors[t] < heads.get(t, 0)
            }
            if not behind:
                return
            try:
                await socket.wait_for(lambda _frame: True, start=len(socket.frames), timeout=timeout)
            except TimeoutError:
                raise AssertionError(f"user {self.user_id}: still behind (cursor, head) {behind}") from None

    async def reload(self, http: httpx.AsyncClient, circle_id: int) -> None:
        """What a page does after `recovered: false`, or on first load: ask the server."""
        fresh = await load(http, self.token, circle_id)
        badge = fresh.badge if self.picture is None or self.user_topic in self.stale else self.picture.badge
        if self.picture is None or self.circle_topic in self.stale or self.circle_topic not in self.following:
            posts, members = fresh.posts, fresh.members
            if self.circle_topic not in self.following:
                posts = members = None
        else:
            posts, members = self.picture.posts, self.picture.members
        self.picture = Picture(posts, members, badge)
        self.stale.clear()

    async def disconnect(self) -> None:
        assert self.socket is not None
        self.pump()
        await self.socket.close()
        self.socket = None


def apply(picture: Picture, kind: str, data: dict[str, Any], me: int) -> None:
    """One event, applied the way the pages apply it."""
    posts, members = picture.posts, picture.members
    if kind == "badge.changed":
        parts = ("count", "notifications", "direct", "chat", "counted")
        picture.badge = {part: data[part] for part in parts}
        return
    if kind in {"chat.read", "news.read", "session.ended"}:
        return
    assert posts is not None, f"{kind} for a circle out of sight"
    assert members is not None
    if kind == "post.created":
        posts[data["id"]] = {
            "html": data["html"],
            "edited": data["edited_at"] is not None,
            "comments": 0,
            "counts": {},
            "mine": [],
        }
    elif kind == "post.updated":
        posts[data["id"]].update(html=data["html"], edited=data["edited_at"] is not None)
    elif kind == "post.deleted":
        del posts[data["id"]]
    elif kind == "comment.created":
        posts[data["post_id"]]["comments"] += 1
    elif kind == "comment.deleted":
        if data["post_id"] in posts:
            posts[data["post_id"]]["comments"] -= 1 + len(data["replies"])
    elif kind == "reaction.updated":
        target, number = data["target"].split(":")
        if target == "post":
            post = posts[int(number)]
            post["counts"] = dict(data["counts"])
            if data["user_id"] == me:
                mine = set(post["mine"]) | {data["emoji"]} if data["on"] else set(post["mine"]) - {data["emoji"]}
                post["mine"] = sorted(mine)
    elif kind == "member.joined":
        members[data["user"]["id"]] = data["role"]
    elif kind == "member.left":
        members.pop(data["user_id"], None)
    elif kind == "member.updated":
        members[data["user_id"]] = data["role"]
    elif kind == "circle.updated":
        pass
    else:
        raise AssertionError(f"an event the picture does not know: {kind}")
