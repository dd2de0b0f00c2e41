"""Case 7, event/state convergence: Zulip's `verify_action` as a Hypothesis state machine.

Three colleagues in a circle (open or closed, drawn per sequence), each with a tab: a socket on
one of two workers following the circle and their own topic, and a picture of the circle's posts
(bodies, edits, comment counts, reactions), its members and the badge, loaded once from the JSON
API and then changed only by the events the socket receives (`tests/trust/convergence.py`).
Random sequences of post, edit, delete, comment, react, unreact, mention, direct message, read
(notifications or a conversation), invite, join, leave, disconnect and resume; after every step,
once each tab has received its topics' heads, its picture must equal what the server now answers,
and its last `badge.changed` the server's unread count. A tab that resumes gets the events it
missed (`recovered: true`) or loads anew (`recovered: false`), as the browser does.

The workers start once, and so do the three colleagues and their tabs; every sequence makes a
circle of its own, which the tabs follow instead of the last one. CI asks for 60 sequences of up to
15 steps; `TRUST_SCALE=full` (make soak) 500 of up to 30; `TRUST_CONVERGENCE_EXAMPLES` sets
the number.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from config import load_settings
from harness import Worker
from models import CircleVisibility, TopicHead
from models.database import SessionMaker, make_engine, make_sessionmaker
from services import sessions
from services.markdown import handle_of
from tests.conftest import SECRET
from tests.support import make_user
from tests.trust.convergence import Client, load
from tests.trust.report import report
from tests.trust.scale import SCALE

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]
T = TypeVar("T")
FULL = SCALE.name == "full"
EXAMPLES = int(os.environ.get("TRUST_CONVERGENCE_EXAMPLES", "500" if FULL else "60"))
STEPS = 30 if FULL else 15
USERS = 3  # index 0 created the circle and stays its admin
EMOJI = ["thumbsup", "heart", "tada"]
_words = itertools.count(1)


@dataclass
class Environment:
    """What every sequence shares: the two workers, an HTTP client for each, the database."""

    loop: asyncio.AbstractEventLoop
    workers: list[Worker]
    http: list[httpx.AsyncClient]
    engine: AsyncEngine
    db: SessionMaker
    clients: list[Client] = field(default_factory=list)  # one tab per colleague, kept across sequences
    handles: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ["sequences", "steps", "events", "checks", "resumes_recovered", "resumes_reloaded", "resumes_refused"], 0
        )
    )

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    async def sign_up(self) -> None:
        """The three colleagues every sequence uses, each with an API token."""
        async with self.db() as db:
            for _ in range(USERS):
                user = await make_user(db)
                _, token = await sessions.create_api_token(db, user, "convergence")
                self.clients.append(Client(user.id or 0, token))
                self.handles.append(handle_of(user))

    async def close(self) -> None:
        for client in self.clients:
            if client.socket is not None:
                await client.socket.close()
        for http in self.http:
            await http.aclose()
        await self.engine.dispose()


class Convergence(RuleBasedStateMachine):
    env: ClassVar[Environment]

    def __init__(self) -> None:
        super().__init__()
        self.clients: list[Client] = []
        self.circle_id = 0
        self.open = True
        self.members: set[int] = set()
        self.invited: set[int] = set()
        self.posts: dict[int, int] = {}  # post id -> author
        self.comments: dict[int, tuple[int, int]] = {}  # comment id -> (post id, author)
        self.conversations: dict[tuple[int, int], tuple[int, int]] = {}  # pair -> (circle id, last message)

    # -- plumbing --------------------------------------------------------------------------

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.env.run(coroutine)

    def http_of(self, who: int) -> httpx.AsyncClient:
        return self.env.http[who % 2]

    def call(self, who: int, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.clients[who].token}"}
        response = self.run(self.http_of(who).request(method, path, json=body, headers=headers))
        assert response.status_code == expect, f"{method} {path} as {who}: {response.status_code} {response.text}"
        return response.json()

    def sees(self, who: int) -> bool:
        return self.open or who in self.members

    def text(self, mention: int | None) -> str:
        word = f"bericht {next(_words)}"
        return f"{word} voor @{self.env.handles[mention]}" if mention is not None else word

    # -- set-up and tear-down -------------------------------------------------------------

    @initialize(
        visibility=st.sampled_from([CircleVisibility.OPEN, CircleVisibility.CLOSED]),
        joined=st.sets(st.integers(1, USERS - 1)),
    )
    def arrange(self, visibility: CircleVisibility, joined: set[int]) -> None:
        """A new circle of colleague 0's, which some of the others join at once. The tabs, still
        open from the sequence before (or opened now), follow it instead of the last one and load
        their picture anew. Through the API, so every event is published as it commits."""
        self.clients = self.env.clients
        body = {"name": f"Kring {next(_words)}", "kind": "team", "visibility": visibility.value}
        self.circle_id = self.call(0, "POST", "/api/v1/circles", body, expect=201)["id"]
        self.open = visibility is CircleVisibility.OPEN
        self.members = {0}
        for who in sorted(joined):
            if not self.open:
                self.call(
                    0,
                    "POST",
                    f"/api/v1/circles/{self.circle_id}/invitations",
                    {"user_id": self.clients[who].user_id},
                    expect=201,
                )
            self.call(who, "POST", f"/api/v1/circles/{self.circle_id}/join", {})
            self.members.add(who)
        self.run(self._open_tabs())
        self.env.figures["sequences"] += 1

    async def _open_tabs(self) -> None:
        for number, client in enumerate(self.clients):
            if client.socket is None:
                where = (number + 1) % 2
                await client.connect(self.env.workers[where], where)
                await client.follow(client.user_topic, resume=False)
            await client.move_to(f"circle:{self.circle_id}")
            await client.reload(self.http_of(number), self.circle_id)

    def teardown(self) -> None:
        """Every tab still disconnected comes back and must converge too."""
        away = [n for n, c in enumerate(self.clients) if c.socket is None and c.cursors]
        if away and self.circle_id:
            for who in away:
                self.run(self._resume(who))
            self.run(self._converge())
        for client in self.clients:
            for outcome, number in client.resumes.items():
                self.env.figures[f"resumes_{outcome}"] += number
                client.resumes[outcome] = 0
            self.env.figures["events"] += client.applied
            client.applied = 0

    # -- the invariant --------------------------------------------------------------------

    @invariant()
    def every_tab_shows_what_the_server_answers(self) -> None:
        if self.clients:
            self.run(self._converge())

    async def _converge(self) -> None:
        connected = [(n, c) for n, c in enumerate(self.clients) if c.socket is not None]
        topics = {t for _, c in connected for t in (c.user_topic, c.circle_topic)}
        async with self.env.db() as db:
            rows = await db.exec(select(TopicHead).where(col(TopicHead.topic).in_(topics)))
            heads = {row.topic: row.seq for row in rows.all()}
        await asyncio.gather(*(c.settle(heads) for _, c in connected))
        fresh = await asyncio.gather(*(load(self.http_of(n), c.token, self.circle_id) for n, c in connected))
        for (number, client), answer in zip(connected, fresh, strict=True):
            assert client.picture is not None
            assert client.picture.badge == answer.badge, f"colleague {number}: the badge"
            assert client.picture.members == answer.members, f"colleague {number}: the members"
            assert client.picture.posts == answer.posts, f"colleague {number}: the posts"
            self.env.figures["checks"] += 1

    # -- the circle's stream --------------------------------------------------------------

    @precondition(lambda self: bool(self.members))
    @rule(data=st.data(), mention=st.none() | st.integers(0, USERS - 1))
    def post(self, data: st.DataObject, mention: int | None) -> None:
        who = data.draw(st.sampled_from(sorted(self.members)), label="author")
        body = {"body": self.text(mention)}
        created = self.call(who, "POST", f"/api/v1/circles/{self.circle_id}/posts", body, expect=201)
        self.posts[created["id"]] = who
        self.step()

    def moderators(self, author: int) -> list[int]:
        """Who may edit or delete an item of `author`: the author while they see it, the admin."""
        return sorted({0} | ({author} if self.sees(author) else set()))

    @precondition(lambda self: bool(self.posts))
    @rule(data=st.data(), mention=st.none() | st.integers(0, USERS - 1))
    def edit(self, data: st.DataObject, mention: int | None) -> None:
        post_id = data.draw(st.sampled_from(sorted(self.posts)), label="post")
        who = data.draw(st.sampled_from(self.moderators(self.posts[post_id])), label="editor")
        self.call(who, "PATCH", f"/api/v1/posts/{post_id}", {"body": self.text(mention)})
        self.step()

    @precondition(lambda self: bool(self.posts))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        post_id = data.draw(st.sampled_from(sorted(self.posts)), label="post")
        who = data.draw(st.sampled_from(self.moderators(self.posts[post_id])), label="deleter")
        self.call(who, "DELETE", f"/api/v1/posts/{post_id}")
        del self.posts[post_id]
        self.comments = {c: (p, a) for c, (p, a) in self.comments.items() if p != post_id}
        self.step()

    def readers(self) -> list[int]:
        return [n for n in range(USERS) if self.sees(n)]

    @precondition(lambda self: bool(self.posts))
    @rule(data=st.data(), mention=st.none() | st.integers(0, USERS - 1))
    def comment(self, data: st.DataObject, mention: int | None) -> None:
        post_id = data.draw(st.sampled_from(sorted(self.posts)), label="post")
        who = data.draw(st.sampled_from(self.readers()), label="commenter")
        created = self.call(who, "POST", f"/api/v1/posts/{post_id}/comments", {"body": self.text(mention)}, expect=201)
        self.comments[created["id"]] = (post_id, who)
        self.step()

    @precondition(lambda self: bool(self.comments))
    @rule(data=st.data())
    def delete_comment(self, data: st.DataObject) -> None:
        comment_id = data.draw(st.sampled_from(sorted(self.comments)), label="comment")
        who = data.draw(st.sampled_from(self.moderators(self.comments[comment_id][1])), label="deleter")
        self.call(who, "DELETE", f"/api/v1/comments/{comment_id}")
        del self.comments[comment_id]
        self.step()

    @precondition(lambda self: bool(self.posts))
    @rule(data=st.data(), emoji=st.sampled_from(EMOJI), on=st.booleans())
    def react(self, data: st.DataObject, emoji: str, on: bool) -> None:
        """React, or take a reaction back (taking back one never given changes nothing)."""
        post_id = data.draw(st.sampled_from(sorted(self.posts)), label="post")
        who = data.draw(st.sampled_from(self.readers()), label="reactor")
        self.call(who, "PUT" if on else "DELETE", f"/api/v1/posts/{post_id}/reactions/{emoji}")
        self.step()

    # -- the badge: reading, direct messages ----------------------------------------------

    @rule(who=st.integers(0, USERS - 1), which=st.none() | st.integers(0, 3))
    def read(self, who: int, which: int | None) -> None:
        """Mark every notification read (`which` None), or one of the unread ones."""
        if which is None:
            self.call(who, "POST", "/api/v1/notifications/read", {"all": True})
        else:
            unread = self.call(who, "GET", "/api/v1/notifications?unread=1")["items"]
            if unread:
                chosen = unread[which % len(unread)]["id"]
                self.call(who, "POST", "/api/v1/notifications/read", {"ids": [chosen]})
        self.step()

    @rule(pair=st.permutations(range(USERS)).map(lambda p: (p[0], p[1])))
    def direct(self, pair: tuple[int, int]) -> None:
        sender, to = pair
        key = (min(pair), max(pair))
        if key not in self.conversations:
            started = self.call(sender, "POST", "/api/v1/direct", {"user_ids": [self.clients[to].user_id]}, expect=201)
            self.conversations[key] = (started["id"], 0)
        conversation = self.conversations[key][0]
        sent = self.call(
            sender, "POST", f"/api/v1/circles/{conversation}/messages", {"body": self.text(None)}, expect=201
        )
        self.conversations[key] = (conversation, sent["id"])
        self.step()

    @precondition(lambda self: bool(self.conversations))
    @rule(data=st.data())
    def read_direct(self, data: st.DataObject) -> None:
        pair = data.draw(st.sampled_from(sorted(self.conversations)), label="conversation")
        who = data.draw(st.sampled_from(pair), label="reader")
        conversation, last = self.conversations[pair]
        self.call(who, "POST", f"/api/v1/circles/{conversation}/read", {"message_id": last})
        self.step()

    # -- membership -----------------------------------------------------------------------

    def outsiders(self) -> list[int]:
        return [n for n in range(1, USERS) if n not in self.members]

    @precondition(lambda self: not self.open and any(n not in self.invited for n in self.outsiders()))
    @rule(data=st.data())
    def invite(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from([n for n in self.outsiders() if n not in self.invited]), label="invitee")
        path = f"/api/v1/circles/{self.circle_id}/invitations"
        self.call(0, "POST", path, {"user_id": self.clients[who].user_id}, expect=201)
        self.invited.add(who)
        self.step()

    def joiners(self) -> list[int]:
        return [n for n in self.outsiders() if self.open or n in self.invited]

    @precondition(lambda self: bool(self.joiners()))
    @rule(data=st.data())
    def join(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self.joiners()), label="joiner")
        answer = self.call(who, "POST", f"/api/v1/circles/{self.circle_id}/join", {})
        assert answer["status"] == "joined"
        self.members.add(who)
        self.invited.discard(who)
        client = self.clients[who]
        if client.socket is not None and client.circle_topic not in client.following:
            self.run(self._follow_again(who))  # the circle page loads anew after joining
        self.step()

    async def _follow_again(self, who: int) -> None:
        client = self.clients[who]
        await client.follow(client.circle_topic, resume=False)
        await client.reload(self.http_of(who), self.circle_id)

    @precondition(lambda self: len(self.members) > 1)
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(sorted(self.members - {0})), label="leaver")
        self.call(who, "POST", f"/api/v1/circles/{self.circle_id}/leave")
        self.members.discard(who)
        self.step()

    # -- the network ----------------------------------------------------------------------

    @precondition(lambda self: any(c.socket is not None for c in self.clients))
    @rule(data=st.data())
    def disconnect(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from([n for n, c in enumerate(self.clients) if c.socket is not None]), label="who")
        self.run(self.clients[who].disconnect())
        self.step()

    @precondition(lambda self: any(c.socket is None for c in self.clients))
    @rule(data=st.data())
    def resume(self, data: st.DataObject) -> None:
        """Reconnect to the other worker and resubscribe with the cursors held."""
        who = data.draw(st.sampled_from([n for n, c in enumerate(self.clients) if c.socket is None]), label="who")
        self.run(self._resume(who))
        self.step()

    async def _resume(self, who: int) -> None:
        client = self.clients[who]
        where = 1 - client.worker
        await client.connect(self.env.workers[where], where)
        await client.follow(client.user_topic, resume=True)
        await client.follow(client.circle_topic, resume=True)
        await client.reload(self.http_of(who), self.circle_id)

    def step(self) -> None:
        self.env.figures["steps"] += 1


# A failure is shrunk for up to five minutes before it is reported; the full size runs for long.
@pytest.mark.timeout(7200 if FULL else 900)
def test_events_applied_to_the_state_before_give_the_state_after(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    workers = start_workers(url, 2, KRING_LIMIT_MESSAGES_PER_MINUTE="100000")
    loop = asyncio.new_event_loop()
    engine = make_engine(load_settings(database_url=url, secret_key=SECRET).async_database_url)
    env = Environment(
        loop,
        workers,
        [httpx.AsyncClient(base_url=worker.url, timeout=30) for worker in workers],
        engine,
        make_sessionmaker(engine),
    )
    env.run(env.sign_up())
    machine = type("ConvergenceOnTheseWorkers", (Convergence,), {"env": env})
    started = time.monotonic()
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                database=None,  # each run draws afresh; the blob reproduces a failure
                print_blob=True,  # a failure prints how to reproduce it exactly
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        env.run(env.close())
        loop.close()
    figures = env.figures
    report("7-convergence", scale=SCALE.name, seconds=round(time.monotonic() - started), **figures)
    assert figures["sequences"] >= EXAMPLES
    assert figures["checks"] > figures["steps"]  # every step was checked, by every connected tab
    assert figures["resumes_recovered"] > 0
    # The pictures were kept by events, not only by reloads: several events per sequence on
    # average. (Not "more events than steps": reads, disconnects and leaves send a tab nothing.)
    assert figures["events"] > 2 * figures["sequences"]
