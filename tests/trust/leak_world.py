"""Case 9's world: colleagues, circles of every visibility, and random actions through the API.

Every circle has a marker word of its own, planted in everything written in it (posts, comments,
chat, documents, pages), and every secret circle a second one in its name, so whoever finds a
marker on any path has found that circle's content. The world keeps a rough picture of who is in
which circle to pick actions that mostly succeed; the server decides, and a refusal is fine.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlmodel import col, select

from models import Circle, CircleVisibility, Invitation, Membership, RequestStatus, Role, User
from models.circle import CIRCLE_KINDS
from models.post import REACTIONS
from tests.realtime.support import Colleague, database
from tests.support import add_member, make_circle, make_user

VISIBILITIES = (CircleVisibility.OPEN, CircleVisibility.CLOSED, CircleVisibility.SECRET)
FEWEST_MEMBERS = 3
_CONSONANTS = "bcdfghjklmnpqrstvwxz"


def marker(rng: random.Random, taken: set[str]) -> str:
    """A word no text of Kring's contains by chance, and that no stemmer shortens."""
    while True:
        word = "qz" + "".join(rng.choice(_CONSONANTS) for _ in range(9))
        if word not in taken:
            taken.add(word)
            return word


@dataclass
class CircleModel:
    id: int
    marker: str
    name_marker: str  # in a secret circle's name: the name is the circle's to hide as well
    visibility: CircleVisibility
    start_members: frozenset[int]
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)

    @property
    def topic(self) -> str:
        return f"circle:{self.id}"


@dataclass
class Item:
    kind: str  # post, comment, message, page, document
    id: int
    author: int
    circle_id: int


class World:
    def __init__(self, rng: random.Random, users: list[User], circles: list[CircleModel]) -> None:
        self.rng = rng
        self.users = users
        self.circles = circles
        self.by_id = {c.id: c for c in circles}
        self.items: list[Item] = []
        self.done: Counter[str] = Counter()  # successful actions by name
        self.refused: Counter[str] = Counter()
        self._numbers = iter(range(1, 10**9))

    @classmethod
    async def build(cls, url: str, rng: random.Random, *, users: int, per_visibility: int) -> World:
        taken: set[str] = set()
        async with database(url) as db:
            people = [await make_user(db) for _ in range(users)]
            admin = await make_user(db, role=Role.ADMIN)  # org admins administer open and closed circles
            people.append(admin)
            circles = []
            for visibility in VISIBILITIES:
                for _ in range(per_visibility):
                    owner = rng.choice(people[:-1])
                    name_marker = marker(rng, taken)
                    name = f"{visibility.value.title()} {name_marker}"
                    kind = rng.choice(CIRCLE_KINDS)
                    circle = await make_circle(db, owner, visibility, name=name, kind=kind)
                    assert circle.id is not None
                    assert owner.id is not None
                    model = CircleModel(circle.id, marker(rng, taken), name_marker, visibility, frozenset({owner.id}))
                    model.members, model.admins = {owner.id}, {owner.id}
                    for person in rng.sample(people, rng.randint(2, len(people) // 2)):
                        if person.id not in model.members:
                            await add_member(db, owner, circle, person)
                            model.members.add(person.id or 0)
                    circles.append(model)
        return cls(rng, people, circles)

    def number(self) -> int:
        return next(self._numbers)

    def text(self, circle: CircleModel, what: str) -> str:
        words = [circle.marker, what, str(self.number())]
        if self.rng.random() < 0.15:  # a mention notifies, and must only notify who may see it
            mentioned = self.rng.choice(self.users)
            words.append("@" + mentioned.email.split("@")[0])
        return " ".join(words)

    def readable(self, user_id: int) -> list[CircleModel]:
        return [c for c in self.circles if user_id in c.members or c.visibility is CircleVisibility.OPEN]

    def mine(self, user_id: int) -> list[CircleModel]:
        return [c for c in self.circles if user_id in c.members]

    def items_in(self, circles: list[CircleModel], *kinds: str) -> list[Item]:
        ids = {c.id for c in circles}
        return [i for i in self.items if i.circle_id in ids and i.kind in kinds]

    async def state(self, url: str) -> WorldState:
        """Who may see what now, from the database: the rules of services/ written out again."""
        async with database(url) as db:
            members: dict[int, set[int]] = {}
            visibility: dict[int, CircleVisibility] = {}
            invited: dict[int, set[int]] = {}
            for circle in self.circles:
                row = await db.get(Circle, circle.id, populate_existing=True)
                assert row is not None
                visibility[circle.id] = row.visibility
                rows = (await db.exec(select(Membership.user_id).where(Membership.circle_id == circle.id))).all()
                members[circle.id] = set(rows)
                pending = select(Invitation.user_id).where(
                    Invitation.circle_id == circle.id, col(Invitation.status) == RequestStatus.PENDING
                )
                invited[circle.id] = set((await db.exec(pending)).all())
        return WorldState(self, members, visibility, invited)


@dataclass
class WorldState:
    world: World
    members: dict[int, set[int]]
    visibility: dict[int, CircleVisibility]
    invited: dict[int, set[int]]

    def may_read(self, user_id: int, circle_id: int) -> bool:
        return user_id in self.members[circle_id] or self.visibility[circle_id] is CircleVisibility.OPEN

    def may_know(self, user_id: int, circle_id: int) -> bool:
        """Whether the circle (its name) exists for the user."""
        return (
            self.visibility[circle_id] is not CircleVisibility.SECRET
            or user_id in self.members[circle_id]
            or user_id in self.invited[circle_id]
        )

    def forbidden_markers(self, user_id: int) -> dict[str, int]:
        """Marker word to circle id, for every word the user must not find anywhere."""
        found: dict[str, int] = {}
        for circle in self.world.circles:
            if not self.may_read(user_id, circle.id):
                found[circle.marker] = circle.id
            if not self.may_know(user_id, circle.id):
                found[circle.name_marker] = circle.id
        return found

    def allowed_markers(self, user_id: int) -> dict[str, int]:
        return {c.marker: c.id for c in self.world.circles if self.may_read(user_id, c.id)}


class Actor:
    """Random actions by random colleagues, each one call of the JSON API."""

    WEIGHTS: ClassVar[dict[str, float]] = {
        "message": 30,
        "react": 20,
        "post": 10,
        "comment": 8,
        "read": 5,
        "edit": 4,
        "delete": 2,
        "join": 4,
        "leave": 2,
        "remove": 3,
        "invite": 3,
        "decide": 2,
        "visibility": 1.5,
        "promote": 1,
        "document": 1,
        "page": 1,
    }

    def __init__(
        self, world: World, sessions: dict[int, Colleague], removed: Callable[[int], None] = lambda _: None
    ) -> None:
        self.world = world
        self.sessions = sessions
        self.removed = removed  # told of each colleague who left or was removed
        self.rng = world.rng
        self._names = list(self.WEIGHTS)
        self._weights = list(self.WEIGHTS.values())

    async def act(self) -> str:
        name = self.rng.choices(self._names, self._weights)[0]
        user = self.rng.choice(self.world.users)
        assert user.id is not None
        ok = await getattr(self, f"_{name}")(self.sessions[user.id], user.id)
        if ok is None:
            return name  # nothing to do for this colleague now
        (self.world.done if ok else self.world.refused)[name] += 1
        return name

    async def _call(self, who: Colleague, method: str, path: str, body: Any = None) -> dict[str, Any] | None:
        response = await who.write(method, path, body)
        if response.status_code >= 500:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        if response.status_code >= 400:
            return None
        result: dict[str, Any] = response.json()
        return result

    def _pick(self, options: list[Any]) -> Any:
        return self.rng.choice(options) if options else None

    async def _message(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self.world.mine(uid))
        if circle is None:
            return None
        body: dict[str, Any] = {"body": self.world.text(circle, "chat")}
        replies = self.world.items_in([circle], "message")
        if replies and self.rng.random() < 0.2:
            body["reply_to_id"] = self.rng.choice(replies[-20:]).id
        got = await self._call(who, "POST", f"/api/v1/circles/{circle.id}/messages", body)
        if got is not None:
            self.world.items.append(Item("message", got["id"], uid, circle.id))
        return got is not None

    async def _react(self, who: Colleague, uid: int) -> bool | None:
        item = self._pick(self.world.items_in(self.world.readable(uid), "post", "comment", "message")[-60:])
        if item is None:
            return None
        emoji = self.rng.choice(REACTIONS)
        method = "PUT" if self.rng.random() < 0.75 else "DELETE"
        return await self._call(who, method, f"/api/v1/{item.kind}s/{item.id}/reactions/{emoji}") is not None

    async def _post(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self.world.mine(uid))
        if circle is None:
            return None
        got = await self._call(
            who, "POST", f"/api/v1/circles/{circle.id}/posts", {"body": self.world.text(circle, "post")}
        )
        if got is not None:
            self.world.items.append(Item("post", got["id"], uid, circle.id))
        return got is not None

    async def _comment(self, who: Colleague, uid: int) -> bool | None:
        post = self._pick(self.world.items_in(self.world.readable(uid), "post")[-30:])
        if post is None:
            return None
        circle = self.world.by_id[post.circle_id]
        body = {"body": self.world.text(circle, "comment")}
        got = await self._call(who, "POST", f"/api/v1/posts/{post.id}/comments", body)
        if got is not None:
            self.world.items.append(Item("comment", got["id"], uid, circle.id))
        return got is not None

    async def _read(self, who: Colleague, uid: int) -> bool | None:
        message = self._pick(self.world.items_in(self.world.mine(uid), "message")[-30:])
        if message is None:
            return None
        body = {"message_id": message.id}
        return await self._call(who, "POST", f"/api/v1/circles/{message.circle_id}/read", body) is not None

    async def _edit(self, who: Colleague, uid: int) -> bool | None:
        own = [i for i in self.world.items[-200:] if i.author == uid and i.kind in {"post", "comment", "message"}]
        item = self._pick(own)
        if item is None:
            return None
        body = {"body": self.world.text(self.world.by_id[item.circle_id], "edited")}
        return await self._call(who, "PATCH", f"/api/v1/{item.kind}s/{item.id}", body) is not None

    async def _delete(self, who: Colleague, uid: int) -> bool | None:
        own = [i for i in self.world.items if i.author == uid and i.kind in {"post", "comment", "message"}]
        item = self._pick(own)
        if item is None:
            return None
        self.world.items.remove(item)
        return await self._call(who, "DELETE", f"/api/v1/{item.kind}s/{item.id}") is not None

    async def _join(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick([c for c in self.world.circles if uid not in c.members])
        if circle is None:
            return None
        got = await self._call(who, "POST", f"/api/v1/circles/{circle.id}/join", {})
        if got is not None and got["status"] == "joined":
            circle.members.add(uid)
        return got is not None

    async def _leave(self, who: Colleague, uid: int) -> bool | None:
        # Circles keep a few members, or the world ends in empty secret circles nobody can act in.
        circle = self._pick([c for c in self.world.mine(uid) if len(c.members) > FEWEST_MEMBERS])
        if circle is None:
            return None
        got = await self._call(who, "POST", f"/api/v1/circles/{circle.id}/leave", {})
        if got is not None:
            circle.members.discard(uid)
            circle.admins.discard(uid)
            self.removed(uid)
        return got is not None

    def _administered(self, uid: int) -> list[CircleModel]:
        is_org_admin = uid == self.world.users[-1].id
        return [
            c
            for c in self.world.circles
            if uid in c.admins or (is_org_admin and c.visibility is not CircleVisibility.SECRET)
        ]

    async def _remove(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self._administered(uid))
        if circle is None:
            return None
        member = self._pick(sorted(circle.members - {uid}))
        if member is None or len(circle.members) <= FEWEST_MEMBERS:
            return None
        got = await self._call(who, "DELETE", f"/api/v1/circles/{circle.id}/members/{member}")
        if got is not None:
            circle.members.discard(member)
            circle.admins.discard(member)
            self.removed(member)
        return got is not None

    async def _invite(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self._administered(uid))
        if circle is None:
            return None
        outsider = self._pick([u.id for u in self.world.users if u.id not in circle.members])
        if outsider is None:
            return None
        got = await self._call(who, "POST", f"/api/v1/circles/{circle.id}/invitations", {"user_id": outsider})
        return got is not None

    async def _decide(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self._administered(uid))
        if circle is None:
            return None
        response = await who.http.get(f"/api/v1/circles/{circle.id}/requests")
        if response.status_code != 200 or not response.json()["items"]:
            return None
        request = self.rng.choice(response.json()["items"])
        approve = self.rng.random() < 0.8
        path = f"/api/v1/circles/{circle.id}/requests/{request['id']}"
        got = await self._call(who, "POST", path, {"approve": approve})
        if got is not None and approve:
            circle.members.add(request["user"]["id"])
        return got is not None

    async def _visibility(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self._administered(uid))
        if circle is None:
            return None
        visibility = self.rng.choice([v for v in VISIBILITIES if v is not circle.visibility])
        got = await self._call(who, "PATCH", f"/api/v1/circles/{circle.id}", {"visibility": visibility.value})
        if got is not None:
            circle.visibility = visibility
        return got is not None

    async def _promote(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self._administered(uid))
        if circle is None:
            return None
        member = self._pick(sorted(circle.members - circle.admins))
        if member is None:
            return None
        path = f"/api/v1/circles/{circle.id}/members/{member}"
        got = await self._call(who, "PATCH", path, {"role": "admin"})
        if got is not None:
            circle.admins.add(member)
        return got is not None

    async def _document(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self.world.mine(uid))
        if circle is None:
            return None
        text = self.world.text(circle, "document")
        response = await who.http.post(
            "/api/v1/documents",
            data={"title": f"Document {self.world.number()}", "description": text, "circle_id": str(circle.id)},
            files={"file": (f"notes-{self.world.number()}.txt", f"{text}\n{circle.marker} inside\n".encode())},
            headers={"Origin": who.worker.origin, "X-CSRF-Token": who.csrf},
        )
        if response.status_code >= 500:
            raise AssertionError(f"document upload: {response.status_code} {response.text[:300]}")
        if response.status_code == 201:
            self.world.items.append(Item("document", response.json()["id"], uid, circle.id))
        return response.status_code == 201

    async def _page(self, who: Colleague, uid: int) -> bool | None:
        circle = self._pick(self.world.mine(uid))
        if circle is None:
            return None
        tag = f"tag{circle.marker}"  # tags are listed with counts: the count must not tell either
        body = {"title": f"Page {self.world.number()}", "body": self.world.text(circle, "page"), "tags": [tag]}
        body["circle_id"] = circle.id
        got = await self._call(who, "POST", "/api/v1/pages", body)
        if got is not None:
            self.world.items.append(Item("page", got["id"], uid, circle.id))
        return got is not None


class Writers:
    """Concurrent loops of random actions; `pause` waits until none is between call and answer,
    so the state can be checked while nothing changes."""

    def __init__(self, actor: Actor, count: int) -> None:
        self.actor = actor
        self.count = count
        self.running = True
        self._open = asyncio.Event()
        self._open.set()
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def run(self) -> None:
        await asyncio.gather(*(self._loop() for _ in range(self.count)))

    async def _loop(self) -> None:
        while self.running:
            await self._open.wait()
            if not self.running:
                return
            if not self._open.is_set():  # woken by a resume that a pause has already undone
                continue
            self._busy += 1
            self._idle.clear()
            try:
                await self.actor.act()
            finally:
                self._busy -= 1
                if self._busy == 0:
                    self._idle.set()

    async def pause(self) -> None:
        self._open.clear()
        await self._idle.wait()

    def resume(self) -> None:
        self._open.set()

    def stop(self) -> None:
        self.running = False
        self._open.set()
