"""The benchmark's organisation, written straight into a migrated database.

Thousands of colleagues through `services.accounts` would hash thousands of passwords with
argon2 (minutes); the bench inserts the rows in bulk instead, with one password hash shared by
all and API tokens whose raw values it keeps, so the load driver can sign its sockets in.
Every circle is open, so any bench colleague may follow any of them; members are those the
scenarios post as.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select

from config import load_settings
from models import ApiToken, Circle, CircleKind, CircleVisibility, MemberRole, Membership, User
from models.base import utcnow
from models.database import make_engine, make_sessionmaker
from models.post import Post, PostKind
from services.passwords import hash_password
from services.sessions import API_TOKEN_PREFIX, digest

CHUNK = 1000


@dataclass
class Organisation:
    """What the driver needs to know about the seeded data (ids and raw tokens)."""

    user_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    hot_circle: int = 0
    work_circles: list[int] = field(default_factory=list)  # circle j: users 10j..10j+9
    storm_circles: list[int] = field(default_factory=list)  # user i: storm circle i % len
    feed_circles: list[int] = field(default_factory=list)  # the feed reader (user 0) is in all

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> Organisation:
        return cls(**json.loads(path.read_text()))


async def seed(
    database_url: str,
    *,
    users: int,
    hot_members: int,
    work_members: int,
    storm_members: int,
    storm_circles: int = 50,
    feed_circles: int = 20,
    feed_posts_per_circle: int = 25,
    token_seed: str = "bench",
) -> Organisation:
    settings = load_settings(database_url=database_url, secret_key="x" * 32)
    engine = make_engine(settings.async_database_url)
    org = Organisation()
    now = utcnow()
    try:
        async with make_sessionmaker(engine)() as db:
            password = await hash_password("bench-password")
            rows = [
                {
                    "email": f"bench{i}@bench.example",
                    "name": f"Bench Colleague {i}",
                    "password_hash": password,
                    "skills": [],
                    "role": "member",
                    "is_active": True,
                    "created_at": now,
                    "password_changed_at": now,
                }
                for i in range(users)
            ]
            for start in range(0, len(rows), CHUNK):
                await db.exec(insert(User).values(rows[start : start + CHUNK]))  # type: ignore[call-overload]
            by_email = {
                email: uid
                for uid, email in (await db.exec(select(User.id, User.email))).all()  # type: ignore[call-overload]
            }
            org.user_ids = [by_email[f"bench{i}@bench.example"] for i in range(users)]
            # Raw tokens derived from the seed, so a rerun of the driver needs no secrets file.
            org.tokens = [
                API_TOKEN_PREFIX + hashlib.sha256(f"{token_seed}:{i}".encode()).hexdigest()[:40] for i in range(users)
            ]
            token_rows = [
                {"token_hash": digest(raw), "user_id": uid, "name": "bench", "created_at": now, "last_used_at": now}
                for raw, uid in zip(org.tokens, org.user_ids, strict=True)
            ]
            for start in range(0, len(token_rows), CHUNK):
                await db.exec(insert(ApiToken).values(token_rows[start : start + CHUNK]))  # type: ignore[call-overload]

            async def circles(prefix: str, count: int) -> list[int]:
                rows = [
                    {
                        "name": f"{prefix} {j}",
                        "description": "",
                        "color": "#0b6e4f",
                        "kind": CircleKind.TEAM.value,
                        "visibility": CircleVisibility.OPEN.value,
                        "created_by": org.user_ids[0],
                        "created_at": now,
                    }
                    for j in range(count)
                ]
                for start in range(0, len(rows), CHUNK):
                    await db.exec(insert(Circle).values(rows[start : start + CHUNK]))  # type: ignore[call-overload]
                found = dict((await db.exec(select(Circle.name, Circle.id))).all())  # type: ignore[call-overload]
                return [found[f"{prefix} {j}"] for j in range(count)]

            org.hot_circle = (await circles("Bench hot", 1))[0]
            org.work_circles = await circles("Bench work", max(1, users // 10))
            org.storm_circles = await circles("Bench storm", storm_circles)
            members: set[tuple[int, int]] = set()
            members.update((org.hot_circle, org.user_ids[i]) for i in range(min(hot_members, users)))
            members.update((org.work_circles[i // 10], org.user_ids[i]) for i in range(min(work_members, users)))
            members.update(
                (org.storm_circles[i % storm_circles], org.user_ids[i]) for i in range(min(storm_members, users))
            )
            org.feed_circles = org.work_circles[:feed_circles]
            members.update((circle, org.user_ids[0]) for circle in org.feed_circles)
            member_rows = [
                {"circle_id": c, "user_id": u, "role": MemberRole.MEMBER.value, "joined_at": now} for c, u in members
            ]
            for start in range(0, len(member_rows), CHUNK):
                await db.exec(insert(Membership).values(member_rows[start : start + CHUNK]))  # type: ignore[call-overload]
            post_rows = []
            for n in range(feed_posts_per_circle):
                for j, circle in enumerate(org.feed_circles):
                    body = f"Bench post {n} in circle {j}: " + "lorem ipsum dolor sit amet " * 6
                    post_rows.append(
                        {
                            "kind": PostKind.POST.value,
                            "author_id": org.user_ids[min(users - 1, j * 10 + n % 10)],
                            "circle_id": circle,
                            "title": "",
                            "lead": "",
                            "body": body,
                            "html": f"<p>{body}</p>",
                            "must_read": False,
                            "created_at": now - timedelta(minutes=feed_posts_per_circle - n),
                        }
                    )
            for start in range(0, len(post_rows), CHUNK):
                await db.exec(insert(Post).values(post_rows[start : start + CHUNK]))  # type: ignore[call-overload]
            await db.commit()
    finally:
        await engine.dispose()
    return org
