"""Writing without Markdown (issue 19), in a real Chromium: the toolbar makes text bold, the
preview shows it as it will be stored, a draft comes back after a reload, a picture pasted into
news is shown in the published news, and axe-core finds nothing serious on the form."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from models import Role
from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import grave_violations

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
# The last of those who may publish news: away from the colleagues other browser tests sign in as.
WRITER = [person for person in PEOPLE if person.role in {Role.EDITOR, Role.ADMIN}][-1]


def _png(width: int, height: int) -> list[int]:
    picture = Image.new("RGB", (width, height), (11, 110, 79))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return list(out.getvalue())


def test_bold_from_the_toolbar_a_draft_back_after_reload_and_no_axe_violations(page: Page, live_server: str) -> None:
    page.set_viewport_size(DESK)
    sign_in(page, live_server, f"{WRITER.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/news/new")
    text = page.get_by_label("Tekst (Markdown)")
    toolbar = page.get_by_role("toolbar", name="Opmaak")
    expect(toolbar).to_be_visible()

    text.fill("De buurtkamer is weer open")
    # Select "weer" and make it bold with the toolbar's button, as a writer who knows no Markdown.
    text.evaluate("area => area.setSelectionRange(area.value.indexOf('weer'), area.value.indexOf('weer') + 4)")
    toolbar.get_by_role("button", name="Vet").click()
    expect(text).to_have_value("De buurtkamer is **weer** open")
    # Ctrl+I on a selection does the same for italic.
    text.evaluate("area => area.setSelectionRange(3, 13)")
    text.press("Control+i")
    expect(text).to_have_value("De _buurtkamer_ is **weer** open")

    toolbar.get_by_role("button", name="Voorbeeld").click()
    preview = page.get_by_role("region", name="Voorbeeld")
    expect(preview.locator("strong")).to_have_text("weer")
    expect(preview.locator("em")).to_have_text("buurtkamer")

    # The draft is kept on the server while typing; a reload finds it and says so.
    expect(page.locator("[data-md-editor][data-draft-saved]")).to_have_count(1)
    page.reload()
    expect(page.get_by_text("Concept hersteld.")).to_be_visible()
    expect(text).to_have_value("De _buurtkamer_ is **weer** open")
    page.get_by_role("toolbar", name="Opmaak").get_by_role("button", name="Voorbeeld").click()
    expect(preview.locator("strong")).to_have_text("weer")

    found = grave_violations(page, "news form with toolbar (desk)")
    page.screenshot(path="/tmp/editor-news-form-1366.png", full_page=True)
    page.set_viewport_size(PHONE)
    found += grave_violations(page, "news form with toolbar (phone)")
    page.screenshot(path="/tmp/editor-news-form-390.png", full_page=True)
    assert found == [], "\n".join(found)

    # Thrown away, it stays away.
    page.get_by_role("button", name="Concept weggooien").click()
    expect(text).to_have_value("")
    page.reload()
    expect(page.get_by_label("Tekst (Markdown)")).to_have_value("")
    expect(page.get_by_text("Concept hersteld.")).to_be_hidden()

    # The home page's composer has the compact toolbar, without the picture button.
    page.goto(f"{live_server}/")
    composer = page.locator("[data-composer]")
    expect(composer.get_by_role("toolbar", name="Opmaak").get_by_role("button", name="Vet")).to_be_visible()
    expect(composer.get_by_role("button", name="Afbeelding")).to_have_count(0)
    page.screenshot(path="/tmp/editor-home-390.png", full_page=False)


def test_a_picture_pasted_into_news_shows_in_the_published_news(page: Page, live_server: str) -> None:
    page.set_viewport_size(DESK)
    sign_in(page, live_server, f"{WRITER.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/news/new")
    page.get_by_label("Titel", exact=True).fill("Nieuwe ingang buurthuis")
    text = page.get_by_label("Tekst (Markdown)")
    text.fill("De nieuwe ingang:\n\n")
    text.focus()
    # What the browser does when a screenshot is pasted: a paste event carrying an image file.
    text.evaluate(
        """(area, bytes) => {
            const file = new File([new Uint8Array(bytes)], "ingang.png", { type: "image/png" });
            const data = new DataTransfer();
            data.items.add(file);
            area.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        _png(120, 80),
    )
    expect(text).to_have_value(re.compile(r"!\[ingang\]\(/media/inline/[0-9a-f]{64}\.png\)"))
    expect(page.get_by_role("status").filter(has_text="Afbeelding geplaatst.")).to_be_visible()
    page.get_by_role("button", name="Publiceren").click()

    page.get_by_role("link", name="Nieuwe ingang buurthuis").first.click()
    picture = page.locator(".post-body img[alt='ingang']").first
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 120
    page.screenshot(path="/tmp/editor-published-news-1366.png", full_page=False)

    # Sent, so the draft is gone: the form is empty again.
    page.goto(f"{live_server}/news/new")
    expect(page.get_by_role("toolbar", name="Opmaak")).to_be_visible()
    expect(page.get_by_label("Tekst (Markdown)")).to_have_value("")
    expect(page.get_by_text("Concept hersteld.")).to_be_hidden()
