"""Seeding the demo organisation (data in `server.demo_data`), through the services, as its
colleagues would have built it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import CircleKind, CircleVisibility, MemberRole, Role, User
from models.base import utcnow
from models.database import assert_migrated, make_engine, make_sessionmaker
from server import demo_data, demo_stream
from services import (
    accounts,
    chat,
    circles,
    comments,
    drive_import,
    extraction,
    knowledge_pages,
    passwords,
    posts,
    reactions,
)

# The sample group drive (a copy of ../shared/data/groepenschijf) the demo organisation brings in.
DEMO_DRIVE = Path(__file__).resolve().parent / "demo_drive"


async def seed_demo(settings: Settings) -> int:
    engine = make_engine(settings.async_database_url)
    try:
        await assert_migrated(engine)
        async with make_sessionmaker(engine)() as db:
            if await _has_users(db):
                print("kring: the database already has accounts; the demo is not seeded again")
            else:
                await _seed(db)
                imported = await _seed_knowledge(db, settings)
                print(
                    f"kring: seeded {len(demo_data.PEOPLE)} colleagues, {len(demo_data.CIRCLES)} circles and "
                    f"{imported} documents from the demo group drive"
                )
        # The documents' text is read now, so the demo's search finds their words at once.
        while await extraction.extract_pending(make_sessionmaker(engine), settings.media_dir):
            pass
    finally:
        await engine.dispose()
    first = demo_data.PEOPLE[0]
    print(
        f"kring: sign in as {first.local}@{demo_data.DEMO_DOMAIN} ({first.name}) "
        f"with password {demo_data.DEMO_PASSWORD}; every demo colleague has that password"
    )
    return 0


async def _seed_knowledge(db: AsyncSession, settings: Settings) -> int:
    """The drive brought in by the communications editor, and a few pages linking to each other."""
    editor = await accounts.find_by_email(db, f"eva.groen@{demo_data.DEMO_DOMAIN}")
    assert editor is not None
    report = await drive_import.import_drive(
        db, editor, DEMO_DRIVE, media_dir=settings.media_dir, max_bytes=settings.limit_document_bytes
    )
    for title, body, tags in demo_data.KNOWLEDGE_PAGES:
        await knowledge_pages.create_page(db, editor, title=title, body=body, tags=tags)
    return len(report.imported)


async def _has_users(db: AsyncSession) -> bool:
    return (await db.exec(select(func.count()).select_from(User))).one() > 0


async def _seed(db: AsyncSession) -> None:
    # One hash for everyone: sixty argon2 hashes would take seconds for nothing.
    shared_hash = await passwords.hash_password(demo_data.DEMO_PASSWORD)
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
    await _seed_stream(db, people)


async def _seed_stream(db: AsyncSession, people: dict[str, User]) -> None:
    """News, blogs and circle posts, oldest first (the stream orders by id), dated in the past."""
    circle_ids = {
        c.name: c.id or 0 for c in await circles.list_circles(db, people[demo_data.PEOPLE[0].local], limit=500)
    }
    for spec in demo_data.CIRCLES:  # secret circles are not visible to the first colleague
        if spec.name not in circle_ids:
            member = people[spec.admins[0]]
            circle_ids.update({c.name: c.id or 0 for c in await circles.list_circles(db, member, mine=True, limit=500)})
    await _seed_chat(db, people, circle_ids)
    now = utcnow()
    items: list[tuple[datetime, demo_stream.DemoNews | demo_stream.DemoBlogPost | demo_stream.DemoPost]] = [
        *((now - timedelta(days=n.days_ago, hours=2), n) for n in demo_stream.NEWS),
        *((now - timedelta(days=b.days_ago, hours=5), b) for b in demo_stream.BLOG),
        *((now - timedelta(days=p.days_ago, hours=p.hours_ago), p) for p in demo_stream.POSTS),
    ]
    for when, entry in sorted(items, key=lambda item: item[0]):
        if isinstance(entry, demo_stream.DemoNews):
            featured = when + timedelta(days=entry.featured_days) if entry.featured_days else None
            post = await posts.create_news(
                db,
                people[entry.author],
                title=entry.title,
                lead=entry.lead,
                body=entry.body,
                featured_until=featured,
                must_read=entry.must_read,
            )
        elif isinstance(entry, demo_stream.DemoBlogPost):
            post = await posts.create_blog_post(db, people[entry.author], title=entry.title, body=entry.body)
        else:
            assert isinstance(entry, demo_stream.DemoPost)
            post = await posts.create_post(db, people[entry.author], circle_ids[entry.circle], body=entry.body)
        post.created_at = when  # the demo's history: services always stamp "now"
        db.add(post)
        await db.commit()
        assert post.id is not None
        for local, emoji in entry.reactions:
            await reactions.set_reaction(db, people[local], "post", post.id, emoji, on=True)
        for comment in entry.comments:
            made = await comments.add_comment(db, people[comment.author], post.id, body=comment.body)
            await _react(db, people, "comment", made.id or 0, comment.reactions)
            for reply in comment.replies:
                answer = await comments.add_comment(
                    db, people[reply.author], post.id, body=reply.body, parent_id=made.id
                )
                await _react(db, people, "comment", answer.id or 0, reply.reactions)


DEMO_CHAT = (
    ("Goedemorgen! Wie heeft vandaag de sleutel van het wijkpunt?", 0),
    ("Ik, ik ben er vanaf half negen.", 1),
    ("Top. Ik neem koffie mee 🙂", 2),
)


async def _seed_chat(db: AsyncSession, people: dict[str, User], circle_ids: dict[str, int]) -> None:
    """A few chat messages in the first colleague's team circle."""
    first = demo_data.PEOPLE[0]
    team = next(c for c in demo_data.CIRCLES if c.kind == "team" and first.local in {*c.admins, *c.members})
    speakers = [first.local, *(local for local in (*team.admins, *team.members) if local != first.local)]
    for text, speaker in DEMO_CHAT:
        await chat.post_message(db, people[speakers[speaker % len(speakers)]], circle_ids[team.name], body=text)


async def _react(
    db: AsyncSession, people: dict[str, User], kind: str, target_id: int, given: tuple[tuple[str, str], ...]
) -> None:
    for local, emoji in given:
        await reactions.set_reaction(db, people[local], kind, target_id, emoji, on=True)


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
