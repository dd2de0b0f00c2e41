"""News that stands out and forms that offer only what is allowed, in a real Chromium at a desk's
and a phone's size (issue 16, problems 6, 8 and 9)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from models import Role
from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE, shipped
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])

# Plain colleagues (no editor, no admin of any circle) who belong to a circle; taken from the end
# of the list, away from the colleagues other browser tests sign in as.
_ADMINS = {local for circle in CIRCLES for local in circle.admins}
PLAIN = [
    person
    for person in reversed(PEOPLE)
    if person.role is Role.MEMBER
    and person.local not in _ADMINS
    and any(person.local in circle.members for circle in CIRCLES)
]


def _shot(page: Page, name: str, size: dict[str, int]) -> None:
    page.screenshot(path=f"/tmp/news-{name}-{size['width']}.png", full_page=False)


@SIZES
def test_a_colleagues_first_upload_succeeds_with_the_default_owner(
    page: Page, live_server: str, tmp_path: Path, size: dict[str, int]
) -> None:
    colleague = PLAIN[0] if size is DESK else PLAIN[1]
    page.set_viewport_size(size)
    sign_in(page, live_server, f"{colleague.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/knowledge/documents/new")
    owner = page.get_by_label("Eigenaar")
    expect(owner.locator("option", has_text="De organisatie (redacteuren)")).to_have_count(0)
    mine = [circle.name for circle in CIRCLES if colleague.local in circle.members]
    expect(owner.locator("option:checked")).to_have_text(sorted(mine)[0])
    _shot(page, "upload-form", size)

    upload = tmp_path / "werkafspraken.md"
    upload.write_text("# Werkafspraken\n\nWe bellen terug binnen een werkdag.\n")
    page.locator("#document-file").set_input_files(str(upload))
    page.get_by_label("Tags, gescheiden door komma’s").fill("afspraken")
    page.get_by_role("button", name="Uploaden").click()

    expect(page.locator('.flash[role="status"]')).to_have_text("Het document is toegevoegd.")
    expect(page.get_by_role("heading", level=1, name="werkafspraken")).to_be_visible()


@SIZES
def test_an_organisation_page_offers_no_edit_or_delete_to_a_plain_colleague(
    page: Page, live_server: str, size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    sign_in(page, live_server, f"{PLAIN[2].local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    title = shipped().pages[0].title
    page.goto(f"{live_server}/knowledge")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.get_by_role("link", name="Geschiedenis")).to_be_visible()
    expect(page.get_by_role("link", name="Bewerken", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Deze pagina verwijderen")).to_have_count(0)
    _shot(page, "org-page", size)


@SIZES
def test_the_home_page_shows_the_newest_featured_news_large_on_top(
    page: Page, live_server: str, size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    sign_in(page, live_server, f"{PLAIN[3].local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/")
    featured = [news.title for news in shipped().news if news.featured_days]
    hero = page.locator(".news-hero")
    expect(hero).to_be_visible()
    expect(hero.get_by_role("heading", level=2)).to_have_text(re.compile("|".join(map(re.escape, featured))))
    expect(hero.locator("time[datetime]")).to_have_count(1)
    expect(hero).to_be_in_viewport()
    _shot(page, "home", size)

    page.get_by_role("link", name="Van de directeur").first.click()
    expect(page.get_by_role("heading", level=1, name="Van de directeur")).to_be_visible()
    for post in shipped().blog:
        expect(page.get_by_role("link", name=post.title)).to_be_visible()
    _shot(page, "blog", size)


def test_a_long_paste_is_refused_with_the_limit_and_kept(page: Page, live_server: str) -> None:
    page.set_viewport_size(DESK)
    sign_in(page, live_server, f"{PLAIN[4].local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/blog/new")
    text = ("Een heel lang verhaal over de wijk. " * 1000)[:32_000]
    page.get_by_label("Titel").fill("Lang verhaal")
    page.get_by_label("Tekst (Markdown)").fill(text)
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("alert")).to_contain_text("hoogstens 20000")
    expect(page.get_by_label("Tekst (Markdown)")).to_have_value(text.strip())
    expect(page.get_by_label("Titel")).to_have_value("Lang verhaal")
    _shot(page, "too-long", DESK)


@SIZES
def test_a_comment_written_on_a_card_appears_under_it_without_leaving_the_stream(
    page: Page, live_server: str, size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    colleague = PLAIN[5] if size is DESK else PLAIN[6]
    sign_in(page, live_server, f"{colleague.local}@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{live_server}/?filter=circles")
    card = page.locator("article.post-post").first
    count = card.locator("[data-comment-count]")
    before = int(count.inner_text())
    text = f"Goed idee, ik doe mee ({size['width']})"
    box = card.get_by_role("textbox", name="Schrijf een reactie…")
    box.fill(text)
    card.get_by_role("button", name="Reageren").click()

    expect(card.locator("[data-card-comments]")).to_contain_text(text)
    expect(count).to_have_text(str(before + 1))
    expect(box).to_have_value("")
    expect(page).to_have_url(f"{live_server}/?filter=circles")  # still in the stream
    card.scroll_into_view_if_needed()
    _shot(page, "inline-comment", size)
