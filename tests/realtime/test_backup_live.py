"""`python -m server backup` while a real worker takes posts with files, then `restore` into a
fresh installation, on SQLite and on PostgreSQL: every post that was committed before the backup
began comes back with its files, every restored post has its files, and the restored server
serves them. Refusals: a damaged backup names its bad file, a target with data is left alone."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlmodel import col, select

from harness import Worker
from models import Attachment, AttachmentKind, CircleVisibility, Post, User
from services import events
from services.attachments import thumb_name
from tests.conftest import POSTGRES_URL, RUN, SECRET, WORKER
from tests.photo_files import phone_photo
from tests.realtime.support import Colleague, database
from tests.support import make_circle, make_user

REPO = Path(__file__).resolve().parents[2]
StartWorkers = Callable[..., list[Worker]]


@pytest.fixture(params=["sqlite", "postgresql"])
def rt_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database(rt_backend: str, tmp_path: Path) -> Iterator[str]:
    """The restore's target: a database nobody has migrated (a new PostgreSQL database, dropped
    after the test; a SQLite file not yet there)."""
    if rt_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'kring.db'}"
        return
    name = f"kring_restore_{RUN}_{WORKER}_{secrets.token_hex(3)}"

    async def execute(statement: str) -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def command_env(database_url: str, media: Path, var: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("KRING_")},
        "KRING_DATABASE_URL": database_url,
        "KRING_MEDIA_DIR": str(media),
        "KRING_VAR_DIR": str(var),
        "KRING_SECRET_KEY": SECRET,
    }


def kring(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Poster:
    """One colleague posting in a circle, each post with a text file of its own, and what came back."""

    def __init__(self, colleague: Colleague, circle_id: int) -> None:
        self.colleague = colleague
        self.circle_id = circle_id
        self.committed: list[tuple[int, int, bytes]] = []  # (post id, attachment id, file bytes)

    async def upload(self, name: str, data: bytes, content_type: str) -> int:
        headers = {"Origin": self.colleague.worker.origin, "X-CSRF-Token": self.colleague.csrf}
        files = {"file": (name, data, content_type)}
        response = await self.colleague.http.post("/api/v1/attachments", files=files, headers=headers)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    async def post(self, number: int, extra: list[int] | None = None) -> None:
        data = f"Verslag {number}: {secrets.token_hex(16)}\n".encode()
        attachment = await self.upload(f"verslag-{number}.txt", data, "text/plain")
        response = await self.colleague.write(
            "POST",
            f"/api/v1/circles/{self.circle_id}/posts",
            {"body": f"Bericht nummer {number}", "attachments": [attachment, *(extra or [])]},
        )
        assert response.status_code == 201, response.text
        self.committed.append((int(response.json()["id"]), attachment, data))

    async def keep_posting(self, until: asyncio.Event) -> None:
        while not until.is_set():
            await self.post(len(self.committed))


@asynccontextmanager
async def signed_in(worker: Worker, user_id: int, url: str) -> AsyncIterator[Colleague]:
    async with database(url) as db:
        user = await db.get(User, user_id)
        assert user is not None
    colleague = await Colleague(worker, user).sign_in()
    try:
        yield colleague
    finally:
        await colleague.close()


async def test_backup_while_posting_then_restore_into_a_fresh_installation(
    fresh_database: str, empty_database: str, start_workers: StartWorkers, tmp_path: Path
) -> None:
    source_env = command_env(fresh_database, tmp_path / "media", tmp_path / "var")
    async with database(fresh_database) as db:
        author = await make_user(db, "Fatima Yilmaz")
        circle = await make_circle(db, author, CircleVisibility.OPEN)
        old_epoch = await events.epoch(db)
    assert author.id is not None
    assert circle.id is not None
    (worker,) = start_workers(fresh_database, 1, KRING_MEDIA_DIR=source_env["KRING_MEDIA_DIR"])

    async with signed_in(worker, author.id, fresh_database) as colleague:
        poster = Poster(colleague, circle.id)
        photo = phone_photo(120, 80)
        await poster.post(0, extra=[await poster.upload("taart.jpg", photo, "image/jpeg")])
        stop = asyncio.Event()
        posting = asyncio.create_task(poster.keep_posting(stop))
        while len(poster.committed) < 8 and not posting.done():
            await asyncio.sleep(0.05)
        committed_before = list(poster.committed)  # answered 201 before the backup began
        backup = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "backup", str(tmp_path / "backup"),
            cwd=REPO, env=source_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await backup.communicate()
        stop.set()
        await posting
    assert backup.returncode == 0, err.decode()
    assert "media files" in out.decode()
    worker.terminate()  # the old installation is gone; its Redis channels must not meet the new one's

    # A damaged backup is refused before anything is touched, naming its bad file.
    target_env = command_env(empty_database, tmp_path / "restored" / "media", tmp_path / "restored" / "var")
    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "backup", damaged)
    text_file = next(p for p in (damaged / "media" / "attachments").iterdir() if p.suffix == ".txt")
    text_file.write_bytes(text_file.read_bytes().replace(b"Verslag", b"Verslap"))
    refused = kring(target_env, "restore", str(damaged))
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"kring: restore refused: the backup is damaged: media/attachments/{text_file.name} does not match its checksum"
    ]
    assert not (tmp_path / "restored" / "media").exists()

    restored = kring(target_env, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    migrated = kring(target_env, "migrate")
    assert (migrated.returncode, migrated.stdout.strip()) == (0, "kring: the database is up to date")

    # Into an installation with data: refused in one line, nothing changed.
    again = kring(target_env, "restore", str(tmp_path / "backup"))
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        f"kring: restore refused: the media folder {tmp_path / 'restored' / 'media'} is not empty: "
        "restore into an empty installation"
    ]
    accounts = kring({**source_env, "KRING_MEDIA_DIR": str(tmp_path / "no-media")}, "restore", str(tmp_path / "backup"))
    assert accounts.returncode == 1
    assert accounts.stderr.strip() == (
        "kring: restore refused: the database already has 1 account: restore into an empty installation"
    )

    # Every post committed before the backup began is there, and every restored post has its
    # files, byte for byte as the old installation kept them.
    source_media = tmp_path / "media" / "attachments"
    restored_media = tmp_path / "restored" / "media" / "attachments"
    async with database(empty_database) as db:
        post_ids = set((await db.exec(select(Post.id).where(col(Post.circle_id) == circle.id))).all())
        attached = list((await db.exec(select(Attachment).where(col(Attachment.target).is_not(None)))).all())
        # Tabs still open on the old installation must not resume at positions this log never reached.
        assert await events.epoch(db) != old_epoch
    assert {post_id for post_id, _, _ in committed_before} <= post_ids
    assert post_ids <= {post_id for post_id, _, _ in poster.committed}
    assert {a.target for a in attached} == {f"post:{post_id}" for post_id in post_ids}
    for attachment in attached:
        photo = attachment.kind is AttachmentKind.PHOTO
        names = [attachment.file] + ([thumb_name(attachment)] if photo else [])
        for name in names:
            assert (restored_media / name).is_file(), f"{attachment.target} lost its file {name}"
            assert sha256((restored_media / name).read_bytes()) == sha256((source_media / name).read_bytes())

    # The restored server starts and serves the posts and their files.
    (new_worker,) = start_workers(
        empty_database,
        1,
        KRING_MEDIA_DIR=target_env["KRING_MEDIA_DIR"],
        KRING_REDIS_PREFIX=f"restored-{secrets.token_hex(4)}",
    )
    async with signed_in(new_worker, author.id, empty_database) as colleague:
        for post_id, attachment_id, data in committed_before:
            answer = await colleague.http.get(f"/api/v1/posts/{post_id}")
            assert answer.status_code == 200
            assert attachment_id in [a["id"] for a in answer.json()["attachments"]]
            file = await colleague.http.get(f"/attachments/{attachment_id}/file")
            assert (file.status_code, file.content) == (200, data)
        first_post = committed_before[0][0]
        page = await colleague.http.get(f"/posts/{first_post}")
        assert page.status_code == 200
        assert "Bericht nummer 0" in page.text
        kept_photo = next(a for a in attached if a.kind is AttachmentKind.PHOTO)
        assert kept_photo.target == f"post:{first_post}"
        served = await colleague.http.get(f"/attachments/{kept_photo.id}/photo")
        assert (served.status_code, served.content) == (200, (source_media / kept_photo.file).read_bytes())
