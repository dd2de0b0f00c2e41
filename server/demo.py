"""Seeding the demo organisation (data in `server.demo_data`), through the services, as its
colleagues would have built it."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import CircleKind, CircleVisibility, MemberRole, Role, User
from models.database import assert_migrated, make_engine, make_sessionmaker
from server import demo_data
from services import accounts, circles, passwords


async def seed_demo(settings: Settings) -> int:
    engine = make_engine(settings.async_database_url)
    try:
        await assert_migrated(engine)
        async with make_sessionmaker(engine)() as db:
            if await _has_users(db):
                print("kring: the database already has accounts; the demo is not seeded again")
            else:
                await _seed(db)
                print(f"kring: seeded {len(demo_data.PEOPLE)} colleagues and {len(demo_data.CIRCLES)} circles")
    finally:
        await engine.dispose()
    first = demo_data.PEOPLE[0]
    print(
        f"kring: sign in as {first.local}@{demo_data.DEMO_DOMAIN} ({first.name}) "
        f"with password {demo_data.DEMO_PASSWORD}; every demo colleague has that password"
    )
    return 0


async def _has_users(db: AsyncSession) -> bool:
    return (await db.exec(select(func.count()).select_from(User))).one() > 0


async def _seed(db: AsyncSession) -> None:
    # One hash for everyone: sixty argon2 hashes would take seconds for nothing.
    shared_hash = passwords.hash_password(demo_data.DEMO_PASSWORD)
    people: dict[str, User] = {}
    for person in demo_data.PEOPLE:
        people[person.local] = await accounts.create_user(
            db,
            email=f"{person.local}@{demo_data.DEMO_DOMAIN}",
            name=person.name,
            password_hash=shared_hash,
            role=Role(person.role),
            job_title=person.job_title,
            team=person.team,
            location=person.location,
            bio=person.bio,
            skills=person.skills,
        )
    for spec in demo_data.CIRCLES:
        founder = people[spec.admins[0]]
        circle = await circles.create_circle(
            db,
            founder,
            name=spec.name,
            description=spec.description,
            color=spec.color,
            kind=CircleKind(spec.kind),
            visibility=CircleVisibility(spec.visibility),
        )
        circle_id = circle.id or 0
        for local in (*spec.admins[1:], *spec.members):
            await _bring_in(db, founder, people[local], circle_id, CircleVisibility(spec.visibility))
        for local in spec.admins[1:]:
            await circles.set_member_role(db, founder, circle_id, people[local].id or 0, MemberRole.ADMIN)


async def _bring_in(db: AsyncSession, admin: User, user: User, circle_id: int, visibility: CircleVisibility) -> None:
    """Membership the way the circle's visibility asks for it: join, request or invitation."""
    if visibility is CircleVisibility.CLOSED:
        outcome = await circles.join_circle(db, user, circle_id)
        assert outcome.request is not None
        assert outcome.request.id is not None
        await circles.decide_join_request(db, admin, circle_id, outcome.request.id, approve=True)
    elif visibility is CircleVisibility.SECRET:
        await circles.invite(db, admin, circle_id, user.id or 0)
        await circles.join_circle(db, user, circle_id)
    else:
        await circles.join_circle(db, user, circle_id)
