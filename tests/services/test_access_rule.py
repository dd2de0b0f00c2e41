"""The access rule is one rule: on random organisations, every form of it gives the same answer.

For each colleague and circle of an organisation Hypothesis draws (circles of every visibility,
archived or not, members and circle admins, organisation admins, pending, declined and accepted invitations, join
requests, removed members, deactivated colleagues) these must agree:

- the Python rule (`services.access.Standing`, loaded by `standing` and by `access_circle`);
- the SQL predicates, both for one loaded colleague and over a column of colleagues, on SQLite
  and on PostgreSQL;
- the realtime hub's routing (who subscribes, who keeps a circle after leaving it, who may type,
  also in an archived circle);
- the trust suite's oracle (which events a follower is owed);
- and a plain statement of the rule written here, so that all of them cannot drift together.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import true
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Circle,
    CircleKind,
    CircleVisibility,
    Invitation,
    JoinRequest,
    MemberRole,
    Membership,
    RequestStatus,
    Role,
    User,
)
from models.base import utcnow
from models.database import make_engine, make_sessionmaker
from realtime.broker import MemoryBroker
from realtime.hub import Hub, HubConfig, _Sub
from realtime.metrics import Metrics
from services import access, events, topics
from services.errors import NotFound, PermissionDenied
from services.event_types import MemberLeft
from tests.trust import oracle

_numbers = itertools.count(1)
Engine = AsyncEngine
MAYBE = [None, "member", "admin", "removed", "invited", "declined", "accepted_then_removed", "requested"]


@dataclass(frozen=True)
class Person:
    org_admin: bool
    active: bool


@dataclass(frozen=True)
class Org:
    people: list[Person]
    circles: list[CircleVisibility]
    archived: list[bool]  # per circle: read-only for everyone
    ties: dict[tuple[int, int], str | None]  # (person, circle) -> how they stand


@st.composite
def organisations(draw: st.DrawFn) -> Org:
    people = draw(st.lists(st.builds(Person, st.booleans(), st.booleans()), min_size=1, max_size=4))
    circles = draw(st.lists(st.sampled_from(list(CircleVisibility)), min_size=1, max_size=4))
    archived = draw(st.lists(st.booleans(), min_size=len(circles), max_size=len(circles)))
    ties = {(p, c): draw(st.sampled_from(MAYBE)) for p, c in itertools.product(range(len(people)), range(len(circles)))}
    return Org(people, circles, archived, ties)


def expected(person: Person, visibility: CircleVisibility, tie: str | None, archived: bool = False) -> dict[str, bool]:
    """The rule as the product describes it (docs and services.access's docstring): an archived
    circle is seen, read and administered as before, and nobody writes in it."""
    member = tie in {"member", "admin"}
    invited = tie == "invited"
    alive = person.active
    return {
        "see": alive and (visibility is not CircleVisibility.SECRET or member or invited),
        "read": alive and (visibility is CircleVisibility.OPEN or member),
        "write": alive and member and not archived,
        "administer": alive and (tie == "admin" or (person.org_admin and visibility is not CircleVisibility.SECRET)),
    }


async def build(session: AsyncSession, org: Org) -> tuple[list[User], list[Circle]]:
    users = [
        User(
            email=f"access.{next(_numbers)}@kring.test",
            name=f"Colleague {next(_numbers)}",
            password_hash="x",
            role=Role.ADMIN if p.org_admin else Role.MEMBER,
            is_active=p.active,
        )
        for p in org.people
    ]
    circles = [
        Circle(
            name=f"Circle {next(_numbers)}",
            kind=CircleKind.KNOWLEDGE,
            visibility=v,
            archived_at=utcnow() if archived else None,
        )
        for v, archived in zip(org.circles, org.archived, strict=True)
    ]
    session.add_all([*users, *circles])
    await session.flush()
    for (p, c), tie in org.ties.items():
        user_id, circle_id = users[p].id or 0, circles[c].id or 0
        if tie in {"member", "admin"}:
            role = MemberRole.ADMIN if tie == "admin" else MemberRole.MEMBER
            session.add(Membership(circle_id=circle_id, user_id=user_id, role=role))
        status = {"invited": RequestStatus.PENDING, "declined": RequestStatus.DECLINED}.get(tie or "")
        if tie == "accepted_then_removed":
            status = RequestStatus.APPROVED
        if status is not None:
            session.add(Invitation(circle_id=circle_id, user_id=user_id, status=status))
        if tie == "requested":
            session.add(JoinRequest(circle_id=circle_id, user_id=user_id))
    await session.commit()
    return users, circles


async def python_rule(session: AsyncSession, user: User, circle: Circle) -> dict[str, bool]:
    assert circle.id is not None
    try:
        found = await access.standing(session, user, circle.id)
    except NotFound:
        with pytest.raises(NotFound):
            await access.access_circle(session, user, circle.id)
        return {"see": False, "read": False, "write": False, "administer": False}
    loaded = (await access.access_circle(session, user, circle.id)).standing
    assert loaded == found, "standing() and access_circle() load the same standing"
    return {"see": found.can_see, "read": found.can_read, "write": found.can_write, "administer": found.can_administer}


async def sql_rule(session: AsyncSession, users: list[User], circles: list[Circle]) -> dict[str, set[tuple[int, int]]]:
    """Each predicate's answer as a set of (user, circle) pairs, both ways it can be asked."""
    ids = [c.id for c in circles]
    answers: dict[str, set[tuple[int, int]]] = {}
    for name, predicate in (("see", access.sql_can_see), ("read", access.sql_can_read)):
        one_by_one = set()
        for user in users:
            found = await session.exec(
                select(Circle.id).where(col(Circle.id).in_(ids), predicate(user, col(Circle.id)))
            )
            one_by_one |= {(user.id or 0, circle_id or 0) for circle_id in found.all()}
        by_column = await session.exec(
            select(User.id, Circle.id)
            .join(Circle, true())  # every colleague with every circle
            .where(
                col(User.id).in_([u.id for u in users]),
                col(Circle.id).in_(ids),
                predicate(col(User.id), col(Circle.id)),
            )
        )
        assert {(u or 0, c or 0) for u, c in by_column.all()} == one_by_one, f"sql {name}: per colleague vs column"
        answers[name] = one_by_one
    # Asked for one loaded colleague only (the moderation queue's question).
    for name, one in (("administer", access.sql_can_administer), ("moderate", access.sql_moderates)):
        answers[name] = set()
        for user in users:
            found = await session.exec(select(Circle.id).where(col(Circle.id).in_(ids), one(user, col(Circle.id))))
            answers[name] |= {(user.id or 0, circle_id or 0) for circle_id in found.all()}
    return answers


async def moderates(session: AsyncSession, user: User, circle: Circle) -> bool:
    try:
        return access.moderates(user, await access.standing(session, user, circle.id or 0))
    except NotFound:
        return False


async def hub_rule(hub: Hub, session: AsyncSession, user: User, circle: Circle) -> dict[str, bool]:
    """What the realtime side does: may the colleague subscribe to the circle's topic, and type
    in it once subscribed; does an outsider keep the topic as the circle is now."""
    name = events.circle_topic(circle.id or 0)
    try:
        granted = await topics.access(session, user, name)
    except (NotFound, PermissionDenied):
        return {"read": False, "write": False}
    connection: Any = _Socket(user.id or 0)
    # A follower who is no member keeps the circle exactly while the hub lets outsiders read it.
    assert granted.member or _hub_keeps_outsiders(circle.visibility)
    # As `Hub.subscribe` sets the subscription up from the standing it checked.
    sub = _Sub(cursor=0, member=granted.member, archived=granted.standing is not None and granted.standing.archived)
    hub._topics[name] = SimpleNamespace(subs={connection: sub})  # type: ignore[assignment]
    try:
        return {"read": True, "write": hub.may_write(connection, name)}
    finally:
        hub._topics.pop(name, None)


def _hub_keeps_outsiders(visibility: CircleVisibility) -> bool:
    """Whether the hub routes a circle of `visibility` to those outside it: it decides on the
    event classes' declarations (`open_after`), here of a colleague leaving it."""
    left = MemberLeft(circle_id=1, user_id=1, reason="left", visibility=visibility.value)
    return left.open_after() is True


@dataclass(frozen=True)
class _Socket:
    user_id: int


def oracle_reads(member: bool, visibility: CircleVisibility, user_id: int) -> bool:
    """Whether the trust suite's oracle owes a follower an ordinary event of the circle."""
    follower = oracle.Follower(
        user_id, "circle:1", since=0, member=member, open_at_since=visibility is CircleVisibility.OPEN
    )
    post = events.CommittedEvent("circle:1", 1, "post.created", {}, at=None)  # type: ignore[arg-type]
    return oracle.eligible(follower, [post]) == [1]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_loop(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[asyncio.AbstractEventLoop, Engine]]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "access.db"
        path.write_bytes(template.read_bytes())
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url").replace("postgresql://", "postgresql+asyncpg://", 1)
    loop = asyncio.new_event_loop()
    engine = make_engine(url)
    yield loop, engine
    loop.run_until_complete(engine.dispose())
    loop.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(org=organisations())
def test_every_form_of_the_access_rule_agrees(engine_loop: tuple[asyncio.AbstractEventLoop, Engine], org: Org) -> None:
    loop, engine = engine_loop
    loop.run_until_complete(_check(engine, org))


async def _check(engine: AsyncEngine, org: Org) -> None:
    sessions = make_sessionmaker(engine)
    hub = Hub(MemoryBroker(), sessions, HubConfig(), Metrics())
    async with sessions() as session:
        users, circles = await build(session, org)
        sql = await sql_rule(session, users, circles)
        for (p, c), tie in org.ties.items():
            user, circle, person = users[p], circles[c], org.people[p]
            pair = (user.id or 0, circle.id or 0)
            archived = org.archived[c]
            want = expected(person, circle.visibility, tie, archived)
            where = f"{person} in a {'archived ' if archived else ''}{circle.visibility.value} circle as {tie}"
            assert await python_rule(session, user, circle) == want, where
            assert (pair in sql["see"], pair in sql["read"]) == (want["see"], want["read"]), where
            assert (pair in sql["administer"]) == want["administer"], where
            assert (pair in sql["moderate"]) == await moderates(session, user, circle), where
            assert await hub_rule(hub, session, user, circle) == {"read": want["read"], "write": want["write"]}, where
            if person.active:  # the oracle follows sockets, which a deactivated colleague has none of
                member = tie in {"member", "admin"}
                assert oracle_reads(member, circle.visibility, user.id or 0) == want["read"], where
                # After leaving, hub and oracle agree on whether they keep reading it.
                assert _hub_keeps_outsiders(circle.visibility) == oracle_reads(False, circle.visibility, 1), where
