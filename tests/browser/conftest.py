"""Real-browser fixtures: a live Kring server with the demo organisation, and Debian's Chromium.

The server runs as a subprocess on SQLite (`python -m server migrate`, `seed-demo`, `serve`), one
per test session; under xdist every worker starts its own on a port of its own. These tests use
none of the database fixtures of `tests/conftest.py`: they see the app only through the browser.

Seeding the demo costs some twenty seconds of a core, and a dozen servers here need it: the first
server of a run seeds a template (database, media) that every other server of the run copies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from harness import HarnessError, Worker, manage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ORG_NAME = "Welzijn Rivierenland"
SECRET_KEY = "browser-test-secret-key-0123456789abcdefghijklmn"  # 48 characters
DEFAULT_TIMEOUT_MS = 10_000

# Records every CSP violation of every document the page shows: `window.__csp` (as the brief
# for these tests asks) lives only as long as its document, so each one is also reported to the
# test through a binding, which survives navigation.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', e => {
  window.__csp = (window.__csp || []).concat(e.violatedDirective);
  if (typeof window.__kringCsp === 'function') {
    window.__kringCsp(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + location.pathname);
  }
});
"""


class LiveServer:
    """A running Kring with the demo organisation on its own SQLite file; it can be restarted
    on the same port and database, as an operator's deploy would."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.worker = Worker(
            {
                **os.environ,
                "KRING_DATABASE_URL": f"sqlite:///{tmp}/kring.db",
                "KRING_VAR_DIR": str(tmp / "var"),
                "KRING_MEDIA_DIR": str(tmp / "media"),
                "KRING_SECRET_KEY": SECRET_KEY,
                "KRING_ORG_NAME": ORG_NAME,
            },
            tmp,
            name="live",
        )
        self.base = self.worker.url
        self.env = self.worker.env  # a test may change it before `prepare` and `start`

    def prepare(self) -> LiveServer:
        """The demo organisation in this server's database and media folder, copied from the run's
        template for these settings (seeded first if this is the first server to ask)."""
        template = _seeded_template(self.env)
        source = sqlite3.connect(template / "kring.db")
        target = sqlite3.connect(self.tmp / "kring.db")
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        shutil.copytree(template / "media", self.tmp / "media", dirs_exist_ok=True)
        return self

    def start(self) -> LiveServer:
        try:
            self.worker.start()
        except HarnessError as exc:
            pytest.fail(str(exc), pytrace=False)
        return self

    def stop(self) -> None:
        self.worker.terminate()
        self.worker.process = None


# Settings a test may change that do not change what the demo seeds; any other difference
# (the organisation's name, say) gets a template of its own.
RUNTIME_ONLY = {"KRING_SMTP_URL", "KRING_MAIL_FROM", "KRING_LIMIT_MESSAGES_PER_MINUTE"}
PER_SERVER = {"KRING_DATABASE_URL", "KRING_VAR_DIR", "KRING_MEDIA_DIR"}


def _seeded_template(env: dict[str, str]) -> Path:
    """The folder holding a migrated, seeded demo for `env`'s settings, made once per test run and
    shared by the run's xdist workers (under a file lock, so it is seeded once)."""
    seeding = sorted((k, v) for k, v in env.items() if k.startswith("KRING_") and k not in RUNTIME_ONLY | PER_SERVER)
    key = hashlib.sha256(repr(seeding).encode()).hexdigest()[:16]
    assert _templates is not None, "the templates fixture has not run"
    folder = _templates / f"demo-template-{key}"
    folder.mkdir(exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "seeded").exists():
            seed_env = {
                **env,
                "KRING_DATABASE_URL": f"sqlite:///{folder}/kring.db",
                "KRING_VAR_DIR": str(folder / "var"),
                "KRING_MEDIA_DIR": str(folder / "media"),
            }
            for command in ("migrate", "seed-demo"):
                try:
                    manage(seed_env, command)
                except HarnessError as exc:
                    pytest.fail(str(exc), pytrace=False)
            (folder / "media").mkdir(exist_ok=True)
            (folder / "seeded").touch()
    return folder


_templates: Path | None = None


@pytest.fixture(scope="session", autouse=True)
def templates(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The run's folder for templates: under xdist, the folder all workers' temporary folders share
    (pytest removes it with the run's other old folders)."""
    global _templates
    base = tmp_path_factory.getbasetemp()
    _templates = base.parent if "PYTEST_XDIST_WORKER" in os.environ else base


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running Kring with the demo organisation, shared by a worker's tests."""
    server = LiveServer(tmp_path_factory.mktemp("live-server")).prepare()
    try:
        yield server.start().base
    finally:
        server.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of this test alone, for tests that restart it."""
    server = LiveServer(tmp_path).prepare().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium", pytrace=False)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class BrowserLog:
    """What went wrong in the page while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(chromium: Browser, browser_log: BrowserLog) -> Iterator[Page]:
    """A fresh page in a Dutch browser context of its own; fails the test on a script error or a
    Content-Security-Policy violation (console errors are kept in `browser_log` for the message)."""
    yield from _checked_page(chromium, browser_log)


@pytest.fixture
def other_page(chromium: Browser) -> Iterator[Page]:
    """A second colleague's page, in a browser context of its own, with the same checks."""
    yield from _checked_page(chromium, BrowserLog())


def _checked_page(chromium: Browser, browser_log: BrowserLog) -> Iterator[Page]:

    def on_csp_violation(report: str) -> None:
        browser_log.csp_violations.append(report)

    context = chromium.new_context(locale="nl-NL")
    try:
        context.expose_function("__kringCsp", on_csp_violation)
        context.add_init_script(CSP_LISTENER)
        tab = context.new_page()
        tab.set_default_timeout(DEFAULT_TIMEOUT_MS)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                browser_log.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

        def on_page_error(error: Error) -> None:
            browser_log.page_errors.append(str(error))

        tab.on("console", on_console)
        tab.on("pageerror", on_page_error)
        yield tab

        # The violations of the document still shown, in case the binding missed any.
        if not tab.is_closed():
            for directive in tab.evaluate("window.__csp || []"):
                if not any(seen.startswith(f"{directive} ") for seen in browser_log.csp_violations):
                    browser_log.csp_violations.append(directive)
        # Chromium also reports violations on the console, with the offending directive spelt out.
        csp_console = [text for text in browser_log.console_errors if "Content Security Policy" in text]
        context_note = f"\nconsole errors: {browser_log.console_errors}"
        assert not browser_log.page_errors, f"uncaught errors in the page: {browser_log.page_errors}{context_note}"
        assert not browser_log.csp_violations, f"CSP violations: {browser_log.csp_violations}{context_note}"
        assert not csp_console, f"CSP violations on the console: {csp_console}"
    finally:
        context.close()


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    """Sign in through the login form, the way a colleague does."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mailadres", exact=True).fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()
