"""`python -m server`: migrate, create-user, seed-demo and serve's guard, as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from config import load_settings
from models import Circle, CircleVisibility, ItemKind, Role, User
from models.database import head_revision, make_engine, make_sessionmaker
from server import demo_data
from services import circles, passwords, search
from tests.conftest import SECRET

REPO = Path(__file__).resolve().parents[1]


def run(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KRING_DATABASE_URL": f"sqlite:///{tmp_path}/kring.db",
        "KRING_VAR_DIR": str(tmp_path / "var"),
        "KRING_MEDIA_DIR": str(tmp_path / "media"),
        "KRING_SECRET_KEY": SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


async def _users(tmp_path: Path) -> list[User]:
    engine = make_engine(
        load_settings(database_url=f"sqlite:///{tmp_path}/kring.db", secret_key=SECRET).async_database_url
    )
    try:
        async with make_sessionmaker(engine)() as db:
            return list((await db.exec(select(User).order_by(User.id))).all())
    finally:
        await engine.dispose()


async def test_create_user_from_a_password_file(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    secret_file = tmp_path / "pw"
    secret_file.write_text("een lang wachtwoord\n")
    result = run(
        tmp_path, "create-user", "--email", "Beheer@Rivierenland.example", "--name", "Beheerder", "--role", "admin",
        "--password-file", str(secret_file),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    users = await _users(tmp_path)
    assert [(u.email, u.role) for u in users] == [("beheer@rivierenland.example", Role.ADMIN)]
    assert await passwords.verify_password(users[0].password_hash, "een lang wachtwoord")

    again = run(tmp_path, "create-user", "--email", "beheer@rivierenland.example", "--name", "X",
                "--password-file", str(secret_file))  # fmt: skip
    assert again.returncode == 1
    assert "already exists" in again.stderr


async def test_seed_demo_builds_the_organisation_once(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    first = run(tmp_path, "seed-demo")
    assert first.returncode == 0, first.stderr
    assert "anna.devries@rivierenland.example" in first.stdout
    assert demo_data.DEMO_PASSWORD in first.stdout
    second = run(tmp_path, "seed-demo")
    assert second.returncode == 0
    assert "not seeded again" in second.stdout

    engine = make_engine(
        load_settings(database_url=f"sqlite:///{tmp_path}/kring.db", secret_key=SECRET).async_database_url
    )
    try:
        async with make_sessionmaker(engine)() as db:
            users = list((await db.exec(select(User))).all())
            assert len(users) == len(demo_data.PEOPLE) >= 60
            all_circles = list((await db.exec(select(Circle))).all())
            assert len(all_circles) == len(demo_data.CIRCLES)
            assert {c.visibility for c in all_circles} == set(CircleVisibility)
            anna = next(u for u in users if u.email == "anna.devries@rivierenland.example")
            seen = {c.name for c in await circles.list_circles(db, anna, limit=200)}
            secret_names = {c.name for c in all_circles if c.visibility is CircleVisibility.SECRET}
            assert secret_names
            assert not secret_names & seen
            # The demo drive came in, its text searchable at once.
            assert "13 documents from the demo group drive" in first.stdout
            hits = (await search.search(db, anna, search.Query(text="knoflook", kinds=[ItemKind.DOCUMENT]))).hits
            assert [hit.item.title for hit in hits] == ["Soep van de buurtmoeders"]
            linked = (await search.search(db, anna, search.Query(text="verlof aanvragen", kinds=[ItemKind.PAGE]))).hits
            assert "Verlof aanvragen" in [hit.item.title for hit in linked]
    finally:
        await engine.dispose()


def test_serve_refuses_several_workers_without_redis(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", "--workers", "2")
    assert result.returncode == 2
    assert "KRING_REDIS_URL" in result.stderr


@pytest.mark.parametrize("command", ["serve", "seed-demo"])
def test_commands_refuse_an_unmigrated_database(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, "--port", "0") if command == "serve" else run(tmp_path, command)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kring: the database is empty, the code needs {head_revision()}: run `python -m server migrate` first"
    ]


def test_import_drive_reports_and_a_second_run_adds_nothing(tmp_path: Path) -> None:
    import json

    from tests.support import DEMO_DRIVE

    assert run(tmp_path, "migrate").returncode == 0
    secret_file = tmp_path / "pw"
    secret_file.write_text("een lang wachtwoord\n")
    made = run(
        tmp_path, "create-user", "--email", "beheer@example.org", "--name", "Beheer", "--role", "admin",
        "--password-file", str(secret_file),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    first = run(tmp_path, "import-drive", str(DEMO_DRIVE), "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["counts"] == {"imported": 13, "duplicates": 1, "unchanged": 0, "skipped": 4}
    assert report["duplicates"][0]["path"] == "Oud/Kopie van Verlofregeling 2018 (2).docx"
    assert {e["path"] for e in report["skipped"]} >= {"03 Buurtkracht/Thumbs.db", "01 Organisatie/.DS_Store"}
    assert len(list((tmp_path / "media" / "documents").iterdir())) == 13

    second = run(tmp_path, "import-drive", str(DEMO_DRIVE))
    assert second.returncode == 0, second.stderr
    assert "imported 0 documents, 1 duplicates stored once, 13 already imported, 4 skipped" in second.stdout
    assert "skipped: 02 Personeelszaken/Regelingen/~$rlofregeling 2018.docx (Office lock file)" in second.stdout

    missing = run(tmp_path, "import-drive", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
