"""The knowledge base in a real Chromium: the header's search box, highlighted results, and a
document upload whose text becomes searchable without waiting on the upload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

# An editor no other browser test signs in as (the demo's drive was imported by Eva Groen).
EDITOR = next(p for p in PEOPLE if p.role == "editor" and p.local != "eva.groen")


def test_the_header_search_finds_a_drive_document_by_a_word_from_its_body(page: Page, live_server: str) -> None:
    sign_in(page, live_server, f"{EDITOR.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    box = page.get_by_role("banner").get_by_role("searchbox")
    box.fill("ziekmeldingen")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=ziekmeldingen"))
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Protocol ziekmelding")).to_be_visible()
    expect(results.locator("mark").first).to_be_visible()

    page.get_by_role("checkbox", name="Pagina").check()
    page.get_by_role("button", name="Zoeken", exact=True).last.click()
    expect(page).to_have_url(re.compile(r"type=page"))
    expect(results.get_by_role("link", name="Ziek? Zo meld je je")).to_be_visible()
    expect(results.get_by_role("link", name="Protocol ziekmelding")).to_have_count(0)


def test_uploading_a_document_and_finding_its_text(page: Page, live_server: str, tmp_path: Path) -> None:
    sign_in(page, live_server, f"{EDITOR.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/knowledge")
    page.get_by_role("link", name="Document toevoegen").click()
    upload = tmp_path / "fietsplan.md"
    upload.write_text("# Fietsplan\n\nWie met de fiets naar cliënten gaat, krijgt een fietsvergoeding.\n")
    page.locator("#document-file").set_input_files(str(upload))
    page.get_by_label("Tags, gescheiden door komma’s").fill("Personeelszaken, fiets")
    page.get_by_role("button", name="Uploaden").click()

    expect(page.get_by_role("heading", level=1, name="fietsplan")).to_be_visible()
    expect(page.locator('.flash[role="status"]')).to_have_text("Het document is toegevoegd.")
    expect(page.get_by_role("link", name="fiets", exact=True)).to_be_visible()

    # The text is read in the background; the search finds it by a word of the body soon after.
    for _ in range(50):
        page.goto(f"{live_server}/search?q=fietsvergoeding")
        if page.locator("#search-results").get_by_role("link", name="fietsplan").count():
            break
        page.wait_for_timeout(200)
    expect(page.locator("#search-results").get_by_role("link", name="fietsplan")).to_be_visible()
    page.goto(f"{live_server}/knowledge/tags?tag=fiets")
    expect(page.get_by_role("link", name="fietsplan")).to_be_visible()
