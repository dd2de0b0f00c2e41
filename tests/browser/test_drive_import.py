"""The group-drive import in the console, in Chromium: an admin uploads the demo drive zipped
(with two documents the demo organisation does not have yet), watches the progress bar move
over the WebSocket, and gets the summary with links to what was imported; the same zip again
imports nothing. It shares the worker's demo server: the two documents it adds are about
nothing another test searches for."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from models import Role
from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in
from tests.support import DEMO_DRIVE

pytestmark = pytest.mark.browser

ADMIN = next(p for p in PEOPLE if p.role is Role.ADMIN)
NEW_DOCUMENTS = {
    "07 Nieuw/Sleutelbeheer buurthuis.txt": "Wie de sleutel van het buurthuis leent, tekent op de lijst bij de balie.",
    "07 Nieuw/Telefoondienst weekend.txt": "In het weekend neemt de dienstdoende collega de telefoon mee naar huis.",
}
IMPORT_TIMEOUT_MS = 30_000
# Every state the bar shows, as [value, max], recorded by the page itself.
WATCH_THE_BAR = """() => {
  const bar = document.getElementById("import-bar");
  window.__bar = [];
  new MutationObserver(() => window.__bar.push([bar.value, bar.max]))
    .observe(bar, { attributes: true, attributeFilter: ["value", "max"] });
}"""


def _zipped_drive(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(DEMO_DRIVE.rglob("*")):
            if file.is_file():
                archive.write(file, "Groepsschijf/" + file.relative_to(DEMO_DRIVE).as_posix())
        for name, text in NEW_DOCUMENTS.items():
            archive.writestr("Groepsschijf/" + name, text)
    return path


def _upload(page: Page, zip_path: Path) -> None:
    page.wait_for_function("window.kring && window.kring.connected")
    page.locator("#import-file").set_input_files(str(zip_path))
    page.get_by_role("button", name="Importeren", exact=True).click()


def test_a_zipped_drive_imports_with_a_live_progress_bar_and_a_second_time_adds_nothing(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    base = live_server
    zip_path = _zipped_drive(tmp_path / "Groepsschijf.zip")
    files = sum(1 for file in DEMO_DRIVE.rglob("*") if file.is_file()) + len(NEW_DOCUMENTS)
    sign_in(page, base, f"{ADMIN.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{base}/beheer/import")
    expect(page.get_by_role("heading", name="Schijf importeren", level=1)).to_be_visible()
    page.evaluate(WATCH_THE_BAR)

    _upload(page, zip_path)

    documents = page.locator("#import-documents a")
    expect(documents).to_have_count(len(NEW_DOCUMENTS), timeout=IMPORT_TIMEOUT_MS)
    assert sorted(documents.all_inner_texts()) == sorted(NEW_DOCUMENTS)
    result = page.locator("#import-result")
    expect(result.locator('[data-count="imported"]')).to_have_text(str(len(NEW_DOCUMENTS)))
    expect(result.locator('[data-count="unchanged"]')).to_have_text("13")  # the demo brought these paths
    expect(result.locator('[data-count="skipped"]')).to_have_text("4")
    progress = page.locator("#import-progress")
    expect(progress.locator('[data-count="read"]')).to_have_text(str(files))
    expect(progress.locator('[data-count="extracted"]')).to_have_text(str(files))
    # The bar moved while the files were read: it stood part-way, and it ended full.
    states = page.evaluate("window.__bar")
    assert any(0 < value < maximum for value, maximum in states), states
    assert states[-1] == [files, files], states

    href = documents.first.get_attribute("href") or ""
    assert href.startswith("/knowledge/documents/")
    # A reload shows the same summary.
    page.reload()
    expect(page.locator("#import-documents a")).to_have_count(len(NEW_DOCUMENTS))

    _upload(page, zip_path)
    expect(page.locator('#import-result [data-count="imported"]')).to_have_text("0", timeout=IMPORT_TIMEOUT_MS)
    expect(page.locator('#import-result [data-count="unchanged"]')).to_have_text(str(13 + len(NEW_DOCUMENTS)))
    expect(page.locator("#import-documents")).to_have_count(0)
    page.goto(f"{base}{href}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(Path(sorted(NEW_DOCUMENTS)[0]).stem)
