"""Photos in posts and chat, in the browser: picked and pasted into a post, seen live by another
colleague and opened in the lightbox (keyboard, Esc closes); a photo sent in the chat at phone
size (390x844)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/kring-shots")
PHONE = {"width": 390, "height": 844}
RECIPES = next(c for c in CIRCLES if c.gallery)
POSTER, READER = RECIPES.admins[0], RECIPES.members[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    live = LiveServer(tmp_path_factory.mktemp("photos")).prepare().start()
    try:
        yield live.base
    finally:
        live.stop()


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


def _open_circle(page: Page, base: str, local: str) -> None:
    sign_in(page, base, f"{local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{base}/circles")
    page.get_by_role("link", name=RECIPES.name, exact=True).first.click()
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def _paste(page: Page, selector: str, data: bytes, name: str) -> None:
    """Paste a picture as a browser does from the clipboard: a paste event carrying a file."""
    page.locator(selector).evaluate(
        """(area, [encoded, name]) => {
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
            area.focus();
            const paste = new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true });
            area.dispatchEvent(paste);
        }""",
        [base64.b64encode(data).decode(), name],
    )


def test_a_picked_and_a_pasted_photo_reach_another_colleague_live_and_open_in_the_lightbox(
    page: Page, other_page: Page, server: str
) -> None:
    _open_circle(page, server, POSTER)
    _open_circle(other_page, server, READER)
    composer = page.locator("form[data-composer]")
    composer.locator('input[type=file][accept="image/*"]').set_input_files(
        files=[{"name": "soep.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((200, 120, 40))}]
    )
    _paste(page, "#composer-body", _jpeg((40, 120, 200)), "geplakt.jpg")
    expect(composer.locator("input[name=attachments]:not([disabled])")).to_have_count(2)
    composer.locator("#composer-body").fill("Linzensoep van vanavond")
    composer.get_by_role("button", name="Plaatsen").click()

    expect(other_page.locator("[data-new-posts]")).to_be_visible()
    other_page.locator("[data-new-posts]").click()
    post = other_page.locator("article.post-card", has_text="Linzensoep van vanavond")
    photos = post.locator("a[data-lightbox]")
    expect(photos).to_have_count(2)
    expect(photos.first.locator("img")).to_have_js_property("complete", True)
    assert photos.first.locator("img").evaluate("img => img.naturalWidth") > 0

    photos.first.focus()
    other_page.keyboard.press("Enter")
    dialog = other_page.locator("[data-lightbox-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("img")).to_have_attribute("src", photos.first.get_attribute("href") or "")
    expect(dialog.locator("img")).to_have_js_property("complete", True)
    other_page.keyboard.press("ArrowRight")
    expect(dialog.locator("img")).to_have_attribute("src", photos.nth(1).get_attribute("href") or "")
    SHOTS.mkdir(parents=True, exist_ok=True)
    other_page.screenshot(path=str(SHOTS / "photos-lightbox-desk.png"))
    other_page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(photos.first).to_be_focused()
    other_page.screenshot(path=str(SHOTS / "photos-post-desk.png"), full_page=True)


def test_a_photo_in_the_chat_at_phone_size(page: Page, other_page: Page, server: str) -> None:
    page.set_viewport_size(PHONE)
    other_page.set_viewport_size(PHONE)
    _open_circle(page, server, READER)
    _open_circle(other_page, server, POSTER)
    form = page.locator("[data-chat-form]")
    form.locator('input[type=file][accept="image/*"]').set_input_files(
        files=[{"name": "taart.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((230, 200, 90))}]
    )
    expect(form.locator("input[name=attachments]:not([disabled])")).to_have_count(1)
    page.get_by_role("button", name="Versturen").click()

    sent = other_page.locator("[data-chat-log] li.chat-message", has=other_page.locator("a[data-lightbox]"))
    expect(sent).to_have_count(1)
    image = sent.locator("img")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    box = image.bounding_box()
    assert box is not None
    assert 0 <= box["x"] <= box["x"] + box["width"] <= PHONE["width"]
    expect(form.locator("[data-attach-tray] li")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "photos-chat-phone-sender.png"))
    other_page.screenshot(path=str(SHOTS / "photos-chat-phone.png"))
