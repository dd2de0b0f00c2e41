"""Document previews in a real Chromium (issue 19): the demo drive's PDF shows its first page as a
picture and its DOCX its text, on the document page at a desk's size and a phone's (the
screenshots go to /tmp for a person to look at)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

READER = next(p for p in PEOPLE if p.role == "member")
SHOTS = Path(os.environ.get("KRING_SCREENSHOTS", "/tmp/kring-previews"))


def _open_document(page: Page, base: str, title: str) -> None:
    """The document's page, once its preview is made: the demo's previews are made by the server
    in the background after it starts, and the page says so until then."""
    page.goto(f"{base}/search?q={title}")
    page.locator("#search-results").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    for _ in range(300):
        if not page.get_by_text("Voorbeeld wordt gemaakt…").count():
            break
        page.wait_for_timeout(200)
        page.reload()


def test_a_pdf_and_a_docx_show_their_previews_at_desk_and_phone_size(page: Page, live_server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, live_server, f"{READER.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    for width, height, size in ((1280, 900, "desk"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})

        _open_document(page, live_server, "Privacyreglement")
        preview = page.get_by_role("region", name="Voorbeeld")
        first_page = preview.get_by_role("img", name="Bladzijde 1")
        expect(first_page).to_be_visible()
        first_page.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first_page.element_handle())
        shown = first_page.bounding_box()
        assert shown is not None
        assert 0 < shown["width"] <= width
        page.screenshot(path=str(SHOTS / f"pdf-{size}.png"), full_page=False)

        _open_document(page, live_server, "Verlofregeling 2018")
        preview = page.get_by_role("region", name="Voorbeeld")
        expect(preview.get_by_role("heading", name="Verlofregeling", exact=True)).to_be_visible()
        expect(preview.get_by_text("Verlof vraag je minimaal vier weken van tevoren aan")).to_be_visible()
        preview.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"docx-{size}.png"), full_page=False)
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
