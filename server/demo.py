"""Seeding the demo organisation (the files in `server/demo_content/`, read by `server.demo_data`), through the
services, as its colleagues would have built it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import CircleVisibility, Comment, MemberRole, NewsRead, PostView, Reaction, Role, User, UserKind
from models.base import utcnow
from models.database import assert_migrated, make_engine, make_sessionmaker
from server import demo_data, demo_photos, reading
from server.demo_data import DemoBlogPost, DemoContent, DemoNews, DemoPost, Reactions
from services import (
    accounts,
    attachments,
    chat,
    circles,
    comments,
    drive_import,
    knowledge_pages,
    passwords,
    posts,
    reactions,
    stream,
    synonyms,
)
from services.transactions import unit_of_work

# Words a welfare organisation means as one, so the demo's search shows what synonyms do.
DEMO_SYNONYMS = "verlof, vakantie\nziek, verzuim\nclient, deelnemer, bewoner\ndeclaratie, onkosten"

# The sample group drive (a copy of ../shared/data/groepenschijf) the demo organisation brings in.
DEMO_DRIVE = Path(__file__).resolve().parent / "demo_drive"


async def seed_demo(settings: Settings) -> int:
    """Fill an empty database with the demo organisation, its texts naming the organisation `settings.org_name`;
    do nothing when it has accounts. A malformed data file raises `DemoContentError` before anything is written."""
    content = demo_data.load(settings.org_name)
    engine = make_engine(settings.async_database_url)
    try:
        await assert_migrated(engine)
        async with make_sessionmaker(engine)() as db:
            if await _has_users(db):
                print("kring: the database already has accounts; the demo is not seeded again")
            else:
                await _seed(db, content, settings.media_dir)
                imported = await _seed_knowledge(db, settings, content)
                print(
                    f"kring: seeded {len(content.people)} colleagues, {len(content.circles)} circles and "
                    f"{imported} documents from the demo group drive"
                )
        # The documents' text is read now, so the demo's search finds their words at once.
        await reading.read_all_pending(make_sessionmaker(engine), settings)
    finally:
        await engine.dispose()
    first, organisation = content.people[0], content.organisation
    print(
        f"kring: sign in as {first.local}@{organisation.domain} ({first.name}) "
        f"with password {organisation.password}; every demo colleague has that password"
    )
    return 0


async def _seed_knowledge(db: AsyncSession, settings: Settings, content: DemoContent) -> int:
    """The drive brought in by an editor, and a few pages linking to each other."""
    domain = content.organisation.domain
    importer = await accounts.find_by_email(db, f"{content.organisation.drive_imported_by}@{domain}")
    assert importer is not None
    report = await drive_import.import_drive(
        db, importer, DEMO_DRIVE, media_dir=settings.media_dir, max_bytes=settings.limit_document_bytes
    )
    for page in content.pages:
        author = await accounts.find_by_email(db, f"{page.author}@{domain}")
        assert author is not None
        await knowledge_pages.create_page(db, author, title=page.title, body=page.body, tags=page.tags)
    admin = (await db.exec(select(User).where(User.role == Role.ADMIN).order_by(col(User.id)))).first()
    if admin is not None:
        await synonyms.replace_all(db, admin, DEMO_SYNONYMS)
    return len(report.imported)


async def _has_users(db: AsyncSession) -> bool:
    # People only: the assistant's account is made by whichever worker starts first.
    return (await db.exec(select(func.count()).select_from(User).where(User.kind == UserKind.PERSON))).one() > 0


async def _seed(db: AsyncSession, content: DemoContent, media_dir: Path) -> None:
    # One hash for everyone: sixty argon2 hashes would take seconds for nothing.
    shared_hash = await passwords.hash_password(content.organisation.password)
    people: dict[str, User] = {}
    for person in content.people:
        people[person.local] = await accounts.create_user(
            db,
            email=f"{person.local}@{content.organisation.domain}",
            name=person.name,
            password_hash=shared_hash,
            role=person.role,
            job_title=person.job_title,
            team=person.team,
            location=person.location,
            bio=person.bio,
            skills=person.skills,
        )
    for spec in content.circles:
        founder = people[spec.admins[0]]
        circle = await circles.create_circle(
            db,
            founder,
            name=spec.name,
            description=spec.description,
            color=spec.color,
            kind=spec.kind,
            visibility=spec.visibility,
        )
        circle_id = circle.id or 0
        for local in (*spec.admins[1:], *spec.members):
            await _bring_in(db, founder, people[local], circle_id, spec.visibility)
        for local in spec.admins[1:]:
            await circles.set_member_role(db, founder, circle_id, people[local].id or 0, MemberRole.ADMIN)
        if spec.weekly_roundup:
            await circles.set_weekly_roundup(db, founder, circle_id, on=True)
        if spec.gallery:
            await attachments.set_gallery(db, founder, circle_id, on=True)
    await _seed_stream(db, people, content, media_dir)


async def _seed_stream(db: AsyncSession, people: dict[str, User], content: DemoContent, media_dir: Path) -> None:
    """News, blogs and circle posts, oldest first (the stream orders by id), dated in the past."""
    circle_ids = {c.name: c.id or 0 for c in await circles.list_circles(db, people[content.people[0].local], limit=500)}
    for spec in content.circles:  # secret circles are not visible to the first colleague
        if spec.name not in circle_ids:
            member = people[spec.admins[0]]
            circle_ids.update({c.name: c.id or 0 for c in await circles.list_circles(db, member, mine=True, limit=500)})
    await _seed_chat(db, people, circle_ids, content)
    now = utcnow()
    items: list[tuple[datetime, DemoNews | DemoBlogPost | DemoPost]] = [
        *((now - timedelta(days=n.days_ago, hours=2), n) for n in content.news),
        *((now - timedelta(days=b.days_ago, hours=5), b) for b in content.blog),
        *((now - timedelta(days=p.days_ago, hours=p.hours_ago), p) for p in content.posts),
    ]
    for when, entry in sorted(items, key=lambda item: item[0]):
        if isinstance(entry, DemoNews):
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
        elif isinstance(entry, DemoBlogPost):
            post = await posts.create_blog_post(db, people[entry.author], title=entry.title, body=entry.body)
        else:
            author = people[entry.author]
            photos = [
                (
                    await attachments.upload(
                        db, author, demo_photos.draw(name, n), f"{name}-{n + 1}.jpg", media_dir=media_dir
                    )
                ).id
                or 0
                for n, name in enumerate(entry.photos)
            ]
            post = await posts.create_post(db, author, circle_ids[entry.circle], body=entry.body, attachment_ids=photos)
        async with unit_of_work(db):
            post.created_at = when  # the demo's history: services always stamp "now"
            db.add(post)
        assert post.id is not None
        await _react(db, people, "post", post.id, entry.reactions)
        for comment in entry.comments:
            made = await comments.add_comment(db, people[comment.author], post.id, body=comment.text)
            await _react(db, people, "comment", made.id or 0, comment.reactions)
            for reply in comment.replies:
                answer = await comments.add_comment(
                    db, people[reply.author], post.id, body=reply.text, parent_id=made.id
                )
                await _react(db, people, "comment", answer.id or 0, reply.reactions)
        if not isinstance(entry, DemoPost):
            await _see(db, people, entry, post.id)
        await _date_responses(db, post.id, when)


async def _date_responses(db: AsyncSession, post_id: int, when: datetime) -> None:
    """Comments and reactions follow their post by minutes rather than all carrying the moment of
    seeding, so the demo's history spreads over the weeks it tells of (insight counts by day)."""
    now = utcnow()
    async with unit_of_work(db):
        made = (await db.exec(select(Comment).where(Comment.post_id == post_id).order_by(col(Comment.id)))).all()
        targets = {f"post:{post_id}": when}
        for n, comment in enumerate(made, start=1):
            comment.created_at = min(when + timedelta(minutes=25 * n), now)
            targets[f"comment:{comment.id}"] = comment.created_at
            db.add(comment)
        for reaction in (await db.exec(select(Reaction).where(col(Reaction.target).in_(list(targets))))).all():
            reaction.created_at = min(targets[reaction.target] + timedelta(minutes=10), now)
            db.add(reaction)
        for read in (await db.exec(select(NewsRead).where(NewsRead.post_id == post_id))).all():
            read.at = min(when + timedelta(hours=3), now)
            db.add(read)
        for view in (await db.exec(select(PostView).where(PostView.post_id == post_id))).all():
            view.at = min(when + timedelta(hours=2), now)
            db.add(view)


async def _see(db: AsyncSession, people: dict[str, User], entry: DemoNews | DemoBlogPost, post_id: int) -> None:
    """Whoever responded to news or a blog post has seen it, and confirmed must-read news."""
    responders = {
        *(local for locals_ in entry.reactions.values() for local in locals_),
        *(comment.author for comment in entry.comments),
        *(reply.author for comment in entry.comments for reply in comment.replies),
    }
    for local in sorted(responders - {entry.author}):
        await stream.record_view(db, people[local], post_id)
        if isinstance(entry, DemoNews) and entry.must_read:
            await stream.confirm_read(db, people[local], post_id)


async def _seed_chat(
    db: AsyncSession, people: dict[str, User], circle_ids: dict[str, int], content: DemoContent
) -> None:
    """A few chat messages in one circle."""
    for message in content.chat.messages:
        await chat.post_message(db, people[message.author], circle_ids[content.chat.circle], body=message.text)


async def _react(db: AsyncSession, people: dict[str, User], kind: str, target_id: int, given: Reactions) -> None:
    for emoji, locals_ in given.items():
        for local in locals_:
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
