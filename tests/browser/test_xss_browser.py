"""Case 12 in Chromium: the XSS corpus stored in every field a colleague fills in, and sent live
while the page is open (the path where scripts insert server HTML), runs nothing. The page
fixture fails the test on any Content-Security-Policy violation or uncaught error; on top of that
no dialog may open, no `on*` attribute may exist in the document and `window.__xss` stays unset.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import LiveServer, sign_in
from tests.trust.report import report
from tests.trust.xss_corpus import PAYLOADS
from tests.trust.xss_corpus import VECTORS as ALL_VECTORS

pytestmark = [pytest.mark.browser, pytest.mark.trust]

TEAM = next(c for c in CIRCLES if c.kind == "team" and c.visibility == "closed" and len(c.members) >= 2)
READER = next(p for p in PEOPLE if p.local == TEAM.members[0])
WRITER = next(p for p in PEOPLE if p.local == TEAM.members[1])
CIRCLE_ADMIN = next(p for p in PEOPLE if p.local == TEAM.admins[0])
# The API refuses text holding NUL (422, checked below); every other vector is stored.
VECTORS = [v for v in ALL_VECTORS if "\x00" not in v]
EDITOR = next(p for p in PEOPLE if p.role in {"editor", "admin"})
HANDLERS = (
    "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
    ".filter(a => a.name.startsWith('on')).map(a => e.tagName + '[' + a.name + ']'))"
)


class Api:
    """A colleague's API session on the live server, as the browser's scripts use it."""

    def __init__(self, base: str, local: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)
        answer = self.http.post(
            "/api/v1/session",
            json={"email": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD},
            headers={"Origin": base},
        )
        answer.raise_for_status()
        self.csrf = answer.json()["csrf_token"]

    def write(self, method: str, path: str, body: Any) -> dict[str, Any]:
        answer = self.http.request(method, path, json=body, headers={"Origin": self.base, "X-CSRF-Token": self.csrf})
        assert answer.status_code < 300, (path, answer.status_code, answer.text[:300])
        return dict(answer.json())

    def get(self, path: str) -> Any:
        return self.http.get(path).json()


def chunks(items: list[str], size: int) -> Iterator[str]:
    """The vectors joined into bodies of at most `size` characters, one paragraph each."""
    body = ""
    for item in items:
        if body and len(body) + len(item) + 2 > size:
            yield body
            body = ""
        body = f"{body}\n\n{item}" if body else item
    if body:
        yield body


@pytest.fixture
def xss_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    server.env["KRING_LIMIT_MESSAGES_PER_MINUTE"] = "1000"  # the corpus is sent as many messages
    server.prepare().start()
    try:
        yield server
    finally:
        server.stop()


def _assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("window.__xss === undefined")
    assert page.evaluate(HANDLERS) == []


def test_the_corpus_runs_nowhere_stored_or_live(page: Page, xss_server: LiveServer) -> None:
    base = xss_server.base
    writer, admin, editor = Api(base, WRITER.local), Api(base, CIRCLE_ADMIN.local), Api(base, EDITOR.local)
    circle_id = next(c["id"] for c in writer.get("/api/v1/circles")["items"] if c["name"] == TEAM.name)
    short = [p for p in PAYLOADS if len(p) <= 80 and "\x00" not in p]
    refused = writer.http.post(
        f"/api/v1/circles/{circle_id}/posts",
        json={"body": next(v for v in ALL_VECTORS if "\x00" in v)},
        headers={"Origin": base, "X-CSRF-Token": writer.csrf},
    )
    assert refused.status_code == 422

    # Stored: posts, comments, chat, profile fields, the circle's description, news.
    post_ids = [
        writer.write("POST", f"/api/v1/circles/{circle_id}/posts", {"body": body})["id"]
        for body in chunks(VECTORS, 19_000)
    ]
    for body in chunks(VECTORS[:200], 3_900):
        writer.write("POST", f"/api/v1/posts/{post_ids[0]}/comments", {"body": body})
        writer.write("POST", f"/api/v1/circles/{circle_id}/messages", {"body": body})
    writer.write("PATCH", "/api/v1/me", {"name": short[0], "job_title": short[1], "bio": "\n".join(short)[:2000]})
    admin.write("PATCH", f"/api/v1/circles/{circle_id}", {"description": "\n".join(short)[:2000]})
    news = editor.write("POST", "/api/v1/news", {"title": short[2], "lead": short[3], "body": VECTORS[0]})
    writer_id = writer.get("/api/v1/me")["id"]

    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, base, f"{READER.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    pages = ["/", f"/circles/{circle_id}", f"/posts/{post_ids[0]}", f"/posts/{news['id']}", f"/people/{writer_id}"]
    pages += ["/people", "/circles"]
    for path in pages:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        _assert_nothing_ran(page, dialogs)

    # Live: the reader's circle page is open while the corpus arrives over the WebSocket.
    page.goto(f"{base}/circles/{circle_id}")
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    live = list(chunks(VECTORS, 3_900))
    for number, body in enumerate(live):
        writer.write("POST", f"/api/v1/circles/{circle_id}/messages", {"body": f"{body}\n\nlive-{number}"})
    last_post = writer.write("POST", f"/api/v1/circles/{circle_id}/posts", {"body": f"{VECTORS[-1]}\n\neinde"})
    writer.write("PATCH", f"/api/v1/posts/{last_post['id']}", {"body": "\n\n".join(VECTORS[:40])})
    expect(page.locator("[data-chat-log] li", has_text=f"live-{len(live) - 1}")).to_have_count(1, timeout=20_000)
    page.wait_for_timeout(500)
    _assert_nothing_ran(page, dialogs)
    report("12-xss-browser", vectors=len(VECTORS), pages=len(pages), live_messages=len(live))
    for api in (writer, admin, editor):
        api.http.close()
