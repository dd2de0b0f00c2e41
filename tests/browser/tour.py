"""Every page of Kring, found the way a colleague finds them: by following links.

The layout and accessibility tests (and `make screenshots`) visit the same list, so a page added
here is checked by both. The ids differ per demo run, so they are read from the pages themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

from playwright.sync_api import Page

from server.demo_data import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

# An editor sees every control a colleague sees and more (publishing, who has read).
EDITOR = next(person for person in PEOPLE if person.role == "editor")
EDITOR_EMAIL = f"{EDITOR.local}@{DEMO_DOMAIN}"
# The organisation's administrator has the console (/beheer) and the search synonyms.
ADMIN = next(person for person in PEOPLE if person.role == "admin")
ADMIN_EMAIL = f"{ADMIN.local}@{DEMO_DOMAIN}"


def first_href(page: Page, url: str, selector: str) -> str:
    page.goto(url)
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no link {selector} on {url}"
    return href.split("#")[0]


def every_page(page: Page, base: str) -> list[tuple[str, str]]:
    """(name, path) of every page a signed-in editor sees."""
    circle = first_href(page, f"{base}/circles", "main a[href^='/circles/']")
    post = first_href(page, f"{base}/", "[data-stream-items] a.post-time[href^='/posts/']")
    person = first_href(page, f"{base}/people", "main a[href^='/people/']:not([href$='/people/'])")
    document = first_href(page, f"{base}/knowledge", "main a[href^='/knowledge/documents/']:not([href$='/new'])")
    knowledge_page = first_href(page, f"{base}/knowledge", "main a[href^='/knowledge/pages/']:not([href$='/new'])")
    # Must-read news: the newest pinned item is the home page's hero, so it is found in the news overview.
    must_read = first_href(page, f"{base}/news", ".post-news:has([data-must-read]) a.post-time[href^='/posts/']")
    news_id = must_read.rsplit("/", 1)[1]
    # A conversation: started from a colleague's page, as a colleague does.
    page.goto(f"{base}{person}")
    page.locator(f"form[action='{person}/message'] button[type=submit]").click()
    page.wait_for_url(lambda url: "/circles/" in url or "/messages/" in url)
    conversation = page.url.removeprefix(base).split("#")[0]
    return [
        ("home", "/"),
        ("circles", "/circles"),
        ("circle", circle),
        ("post", post),
        ("people", "/people"),
        ("person", person),
        ("profile", "/profile"),
        ("messages", "/messages"),
        ("conversation", conversation),
        ("knowledge", "/knowledge"),
        ("document", document),
        ("knowledge-page", knowledge_page),
        ("page-form", "/knowledge/pages/new"),
        ("search", "/search?q=verlof"),
        ("tags", "/knowledge/tags"),
        ("notifications", "/notifications"),
        ("notification-settings", "/notifications/settings"),
        ("write", "/blog/new"),
        ("write-news", "/news/new"),
        ("news", "/news"),
        ("blog", "/blog"),
        ("upload-document", "/knowledge/documents/new"),
        ("readers", f"/news/{news_id}/readers"),
        ("insight", "/inzicht"),
        ("not-found", "/posts/999999999"),
        ("unknown-path", "/no-such-page"),
    ]


def admin_pages(page: Page, base: str) -> list[tuple[str, str]]:
    """(name, path) of the pages only an organisation admin sees."""
    person = first_href(page, f"{base}/beheer", "main a[href^='/beheer/people/']")
    return [
        ("admin-people", "/beheer"),
        ("admin-person", person),
        ("admin-audit", "/beheer/audit"),
        ("admin-import", "/beheer/import"),
        ("admin-insight", "/beheer/inzicht"),
        ("search-synonyms", "/search/synonyms"),
    ]


def tour(page: Page, base: str) -> Iterator[tuple[str, str]]:
    """Every page as its visitor sees it: a colleague's pages signed in as the editor, the
    console as the admin, then the signed-out pages. The caller visits each path it is given
    before asking for the next."""
    sign_in(page, base, EDITOR_EMAIL, DEMO_PASSWORD)
    yield from every_page(page, base)
    page.context.clear_cookies()
    sign_in(page, base, ADMIN_EMAIL, DEMO_PASSWORD)
    yield from admin_pages(page, base)
    page.context.clear_cookies()
    yield ("login", "/login")
    yield ("forgot-password", "/password/forgot")
