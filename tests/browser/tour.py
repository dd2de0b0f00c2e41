"""Every page of Kring, found the way a colleague finds them: by following links.

The layout and accessibility tests (and `make screenshots`) visit the same list, so a page added
here is checked by both. The ids differ per demo run, so they are read from the pages themselves.
"""

from __future__ import annotations

from playwright.sync_api import Page

from server.demo_data import DEMO_DOMAIN, PEOPLE

# An editor sees every control a colleague sees and more (publishing, who has read).
EDITOR = next(person for person in PEOPLE if person.role == "editor")
EDITOR_EMAIL = f"{EDITOR.local}@{DEMO_DOMAIN}"


def first_href(page: Page, url: str, selector: str) -> str:
    page.goto(url)
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no link {selector} on {url}"
    return href.split("#")[0]


def every_page(page: Page, base: str) -> list[tuple[str, str]]:
    """(name, path) of every page, for a signed-in editor; the login page comes last (it signs
    out), so the caller signs in again for anything after it."""
    circle = first_href(page, f"{base}/circles", "main a[href^='/circles/']")
    post = first_href(page, f"{base}/", "[data-stream-items] a.post-time[href^='/posts/']")
    person = first_href(page, f"{base}/people", "main a[href^='/people/']:not([href$='/people/'])")
    document = first_href(page, f"{base}/knowledge", "main a[href^='/knowledge/documents/']:not([href$='/new'])")
    knowledge_page = first_href(page, f"{base}/knowledge", "main a[href^='/knowledge/pages/']:not([href$='/new'])")
    must_read = first_href(page, f"{base}/", ".post-news:has([data-must-read]) a.post-time[href^='/posts/']")
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
        ("readers", f"/news/{news_id}/readers"),
        ("not-found", "/posts/999999999"),
        ("unknown-path", "/no-such-page"),
    ]
