"""Screenshots of Kring's main pages at a desk's and a phone's size, for the README.

`make screenshots` runs it: a demo organisation on a fresh SQLite file in a temporary folder, a
server started through `harness` as the tests start theirs, Debian's Chromium, and Anna de Vries
(the first demo colleague) signed in; the console's pages (insight) as the demo's administrator.
The PNGs replace those in this folder; a desk shot is the 1366x800 window, not the full page, to
keep the files small.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from harness import REPO, Worker, manage

sys.path.insert(0, str(REPO))  # run as a script: the tests' helpers live beside the package

from models import Role
from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE, shipped
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, sign_in

HERE = Path(__file__).resolve().parent
SIZES = {"desk": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
READER = PEOPLE[0]
ADMIN = next(person for person in PEOPLE if person.role is Role.ADMIN)
ADMIN_PAGES = {"insight": "/beheer/inzicht?weeks=4"}  # the console, seen by an administrator
CHAT_CIRCLE = shipped().chat.circle  # the circle whose chat the demo fills


def circle_url(page: Page, base: str, name: str) -> str:
    page.goto(f"{base}/circles")
    href = page.get_by_role("link", name=name, exact=True).first.get_attribute("href")
    return str(href)


def start_a_conversation(page: Page, base: str) -> None:
    """The demo has no direct messages: the reader writes one, so the Messages page shows one."""
    colleague = PEOPLE[1]
    page.goto(f"{base}/people")
    page.get_by_role("link", name=colleague.name, exact=True).first.click()
    page.get_by_role("button", name="Stuur een bericht").click()
    page.locator("#chat-body").fill("Hoi! Heb je vanmiddag even tijd om de casus van mevrouw Jansen door te nemen?")
    page.locator("[data-chat-form]").get_by_role("button", name="Versturen").click()
    page.locator("[data-chat-log] li").last.wait_for()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kring-screenshots-") as folder:
        tmp = Path(folder)
        env = {
            **os.environ,
            "KRING_DATABASE_URL": f"sqlite:///{tmp}/kring.db",
            "KRING_VAR_DIR": str(tmp / "var"),
            "KRING_MEDIA_DIR": str(tmp / "media"),
            "KRING_SECRET_KEY": "screenshots-only-secret-key-0123456789abcdefghij",
            "KRING_ORG_NAME": os.environ.get("KRING_ORG_NAME", "Welzijn Rivierenland"),
        }
        manage(env, "migrate")
        manage(env, "seed-demo")
        worker = Worker(env, tmp, name="screenshots").start()
        try:
            take(worker.url)
        finally:
            worker.terminate()


def take(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for size, viewport in SIZES.items():
                context = browser.new_context(locale="nl-NL", viewport=viewport, timezone_id="Europe/Amsterdam")
                page = context.new_page()
                page.set_default_timeout(20_000)
                sign_in(page, base, f"{READER.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
                if size == "desk":
                    start_a_conversation(page, base)
                pages = {
                    "home": "/",
                    "circle-chat": circle_url(page, base, CHAT_CIRCLE),
                    "messages": "/messages",
                    "knowledge": "/knowledge",
                    "search": "/search?q=verlof",
                    "notifications": "/notifications",
                }
                shoot(page, base, pages, size)
                context.close()
                context = browser.new_context(locale="nl-NL", viewport=viewport, timezone_id="Europe/Amsterdam")
                page = context.new_page()
                page.set_default_timeout(20_000)
                sign_in(page, base, f"{ADMIN.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
                page.locator("html[data-live]").wait_for()
                shoot(page, base, ADMIN_PAGES, size)
                context.close()
        finally:
            browser.close()


def shoot(page: Page, base: str, pages: dict[str, str], size: str) -> None:
    for name, path in pages.items():
        page.goto(f"{base}{path}")
        # The live socket never idles the network: wait for the page and its fonts.
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.evaluate("window.scrollTo(0, 0)")  # the chat scrolls to the first unread
        target = HERE / f"{name}-{size}.png"
        page.screenshot(path=str(target))
        print(f"wrote {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
