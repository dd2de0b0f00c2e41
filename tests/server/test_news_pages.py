"""News and blogs that stand out, and forms that keep what was typed (issue 16, problems 8 and 9)."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role, User
from models.base import utcnow
from services import comments, knowledge_pages, posts, stream
from tests.support import BASE_URL, Visitor, make_circle, make_user

# A long paste: a wall of words well over the 20,000 characters a post may have.
LONG_TEXT = ("Verslag van de wijkronde met alle details. " * 800)[:31_999] + "."


def _textarea(page: str, field_id: str) -> str:
    found = re.search(rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None, field_id
    return html.unescape(found.group(1))


async def test_a_post_over_the_limit_is_refused_with_the_limit_and_the_text_kept(
    db: AsyncSession, visitor: Visitor
) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    await visitor.sign_in(user)

    refused = await visitor.submit("/posts", {"circle": str(circle.id), "body": LONG_TEXT, "next": "/"})

    assert refused.status_code == 422
    assert "De tekst is te lang: 32000 tekens, er mogen er hoogstens 20000 zijn." in refused.text
    assert _textarea(refused.text, "write-body") == LONG_TEXT  # nothing typed is lost
    assert f'<option value="{circle.id}" selected>' in refused.text
    feed = (await visitor.get(f"/api/v1/feed?filter=circle&circle_id={circle.id}")).json()["items"]
    assert feed == []  # refused whole, never stored cut
    # No form cuts the paste in the browser either.
    for page in ("/", "/blog/new", f"/circles/{circle.id}"):
        assert 'maxlength="20000"' not in (await visitor.get(page)).text
    # From the circle's own composer too.
    again = await visitor.submit(f"/circles/{circle.id}/posts", {"body": LONG_TEXT, "next": f"/circles/{circle.id}"})
    assert again.status_code == 422
    assert _textarea(again.text, "write-body") == LONG_TEXT
    assert f'name="next" value="/circles/{circle.id}"' in again.text


async def test_a_blog_post_over_the_limit_keeps_its_title_and_text(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    refused = await visitor.submit("/blog", {"title": "Mijn lange verhaal", "body": LONG_TEXT}, page="/blog/new")
    assert refused.status_code == 422
    assert "hoogstens 20000" in refused.text
    assert 'value="Mijn lange verhaal"' in refused.text
    assert _textarea(refused.text, "write-body") == LONG_TEXT


async def test_the_api_refuses_a_text_over_the_limit_with_the_same_message(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    await visitor.sign_in(user)
    refused = await visitor.write("POST", f"/api/v1/circles/{circle.id}/posts", json={"body": LONG_TEXT})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "body"
    assert "32000 characters, at most 20000 are allowed" in error["message"]


async def test_the_readers_list_leaves_out_the_author(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    editor = await make_user(db, "Eva Redacteur", role=Role.EDITOR)
    reader = await make_user(db, "Rob Lezer")
    later = await make_user(db, "Lies Later")
    news = await posts.create_news(db, editor, title="Nieuw protocol", body="Lees het", must_read=True)
    assert news.id is not None
    await stream.confirm_read(db, reader, news.id)

    read, unread = await stream.readers(db, editor, news.id)
    assert [p.id for p in read] == [reader.id]
    assert [p.id for p in unread] == [later.id]

    view = await new_visitor()
    await view.sign_in(editor)
    page = (await view.get(f"/news/{news.id}/readers")).text
    assert "<li>Eva Redacteur</li>" not in page
    assert "<li>Lies Later</li>" in page
    api = (await view.get(f"/api/v1/news/{news.id}/readers")).json()
    assert editor.id not in [p["id"] for p in api["read"] + api["unread"]]


async def test_organisation_pages_offer_edit_and_delete_only_to_who_may(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    colleague = await make_user(db)
    admin = await make_user(db, role=Role.ADMIN)
    page = await knowledge_pages.create_page(db, editor, title="Verlofregeling", body="Zo vraag je verlof aan.")
    url = f"/knowledge/pages/{page.id}"

    plain = await new_visitor()
    await plain.sign_in(colleague)
    shown = (await plain.get(url)).text
    assert "Verlofregeling" in shown
    assert f'href="{url}/edit"' not in shown
    assert f'action="{url}/delete"' not in shown
    # What the page does not offer, the server refuses: one rule for both.
    assert not await knowledge_pages.may_edit(db, colleague, page)
    assert not await knowledge_pages.may_delete(db, colleague, page)

    for who, may_delete in ((editor, True), (admin, True)):
        view = await new_visitor()
        await view.sign_in(who)
        shown = (await view.get(url)).text
        assert f'href="{url}/edit"' in shown
        assert (f'action="{url}/delete"' in shown) is may_delete


async def test_the_news_hero_shows_the_newest_featured_item(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, "Eva Redacteur", role=Role.EDITOR)
    reader = await make_user(db)
    until = utcnow() + timedelta(days=3)
    await posts.create_news(db, editor, title="Oudere uitgelichte", body="Eerder", featured_until=until)
    await posts.create_news(
        db,
        editor,
        title="Zomerfeest op de dijk",
        lead="Iedereen is welkom op 4 juli.",
        body="Tekst",
        featured_until=until,
    )
    await posts.create_news(db, editor, title="Gewoon nieuws", body="Niet uitgelicht")
    await visitor.sign_in(reader)
    home = (await visitor.get("/")).text
    hero = re.search(r'<article class="news-hero.*?</article>', home, re.S)
    assert hero is not None
    assert "Zomerfeest op de dijk" in hero.group(0)
    assert "Iedereen is welkom op 4 juli." in hero.group(0)
    assert "Eva Redacteur" in hero.group(0)
    assert "<time datetime=" in hero.group(0)
    assert "Oudere uitgelichte" not in hero.group(0)


async def test_the_blog_overview_and_the_news_overview(db: AsyncSession, visitor: Visitor) -> None:
    director = await make_user(db, "Dirk Directeur")
    editor = await make_user(db, role=Role.EDITOR)
    reader = await make_user(db)
    await posts.create_blog_post(db, director, title="Over werkdruk", body="Jullie vroegen ...")
    await posts.create_blog_post(db, director, title="Thuiswerken", body="Waarom we niet teruggaan")
    await posts.create_news(db, editor, title="Jaarverslag", body="Ruim 6.000 inwoners")
    await visitor.sign_in(reader)

    home = (await visitor.get("/")).text
    assert 'href="/blog"' in home
    assert 'href="/news"' in home

    blog = await visitor.get("/blog")
    assert blog.status_code == 200
    assert "Van de directeur" in blog.text
    assert blog.text.index("Thuiswerken") < blog.text.index("Over werkdruk")  # newest first
    assert "Jaarverslag" not in blog.text

    news = (await visitor.get("/news")).text
    assert "Jaarverslag" in news
    assert "Over werkdruk" not in news

    # The "News" filter of the stream has the blog too.
    filtered = (await visitor.get("/?filter=news")).text
    assert "Jaarverslag" in filtered
    assert "Over werkdruk" in filtered


async def test_a_long_post_opens_with_its_first_paragraphs_and_a_read_more_link(
    db: AsyncSession, visitor: Visitor
) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    assert circle.id is not None
    paragraphs = [f"Alinea {n}: " + "woorden over de wijk " * 20 for n in range(1, 9)]
    post = await posts.create_post(db, user, circle.id, body="\n\n".join(paragraphs))
    short = await posts.create_post(db, user, circle.id, body="Kort bericht")
    await visitor.sign_in(user)
    home = (await visitor.get("/")).text
    card = re.search(rf'<article[^>]*id="post-{post.id}".*?</article>', home, re.S)
    assert card is not None
    assert "Alinea 1:" in card.group(0)
    assert "Alinea 8:" not in card.group(0)
    assert f'<a href="/posts/{post.id}">Lees meer' in card.group(0)
    short_card = re.search(rf'<article[^>]*id="post-{short.id}".*?</article>', home, re.S)
    assert short_card is not None
    assert "Lees meer" not in short_card.group(0)
    whole = (await visitor.get(f"/posts/{post.id}")).text
    assert "Alinea 8:" in whole


async def test_a_comment_from_the_card_in_the_stream_goes_back_to_the_card(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    assert circle.id is not None
    post = await posts.create_post(db, user, circle.id, body="Wie heeft de sleutel?")
    await visitor.sign_in(user)
    home = (await visitor.get("/")).text
    assert f'<label for="inline-comment-{post.id}" class="visually-hidden">Schrijf een reactie…</label>' in home
    sent = await visitor.submit(f"/posts/{post.id}/comments", {"body": "Ik!", "next": f"/#post-{post.id}"})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/#post-{post.id}"
    thread = await comments.list_comments(db, user, post.id or 0)
    assert [c.body for c, _ in thread] == ["Ik!"]


async def test_the_upload_form_offers_a_colleague_only_owners_they_may_use(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    colleague = await make_user(db)
    circle = await make_circle(db, colleague, name="Buurtteam Centrum")
    outsider_circle = await make_circle(db, await make_user(db), name="Andermans kring")
    view = await new_visitor()
    await view.sign_in(colleague)
    form = (await view.get("/knowledge/documents/new")).text
    assert "De organisatie (redacteuren)" not in form
    assert "Andermans kring" not in form
    assert f'<option value="{circle.id}" selected>Buurtteam Centrum</option>' in form
    assert outsider_circle.id is not None

    # The first upload with the default owner succeeds.
    token = await view.form_token("/knowledge/documents/new")
    made = await view.http.post(
        "/knowledge/documents",
        data={"csrf_token": token, "title": "Werkinstructie", "circle_id": str(circle.id)},
        files={"file": ("instructie.txt", b"Zo doen we dat.", "text/plain")},
        headers={"Origin": BASE_URL},
    )
    assert made.status_code == 303
    assert made.headers["location"].startswith("/knowledge/documents/")

    editor = await make_user(db, role=Role.EDITOR)
    editor_view = await new_visitor()
    await editor_view.sign_in(editor)
    assert "De organisatie (redacteuren)" in (await editor_view.get("/knowledge/documents/new")).text


async def test_a_refused_upload_keeps_what_was_entered_and_asks_for_the_file_again(
    db: AsyncSession, visitor: Visitor
) -> None:
    colleague = await make_user(db)
    circle = await make_circle(db, colleague, name="Buurtteam Centrum")
    await visitor.sign_in(colleague)
    token = await visitor.form_token("/knowledge/documents/new")
    fields = {
        "csrf_token": token,
        "title": "Werkinstructie",
        "description": "Voor nieuwe collega's",
        "tags": "inwerken, wijk",
        "circle_id": str(circle.id),
    }
    refused = await visitor.http.post(
        "/knowledge/documents",
        data=fields,
        files={"file": ("leeg.txt", b"", "text/plain")},
        headers={"Origin": BASE_URL},
    )
    assert refused.status_code == 422
    assert "Kies het bestand opnieuw." in refused.text
    assert 'value="Werkinstructie"' in refused.text
    assert "Voor nieuwe collega&#39;s</textarea>" in refused.text
    assert 'value="inwerken, wijk"' in refused.text
    assert f'<option value="{circle.id}" selected>Buurtteam Centrum</option>' in refused.text


async def test_the_post_page_offers_delete_on_a_comment_only_to_who_may_delete_it(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    author = await make_user(db)
    commenter = await make_user(db)
    admin = await make_user(db, role=Role.ADMIN)
    post = await posts.create_blog_post(db, author, title="Mijn week", body="Druk")
    assert post.id is not None
    comment = await comments.add_comment(db, commenter, post.id, body="Herkenbaar")
    delete_form = re.compile(rf'<form method="post" action="/comments/{comment.id}/delete" class="inline"([^>]*)>')

    async def offered_to(user: User) -> bool:
        view = await new_visitor()
        await view.sign_in(user)
        found = delete_form.search((await view.get(f"/posts/{post.id}")).text)
        assert found is not None
        return " hidden" not in found.group(1)

    # The post's author may not delete a colleague's comment (the server refuses), so is not offered it.
    assert not await offered_to(author)
    assert await offered_to(commenter)
    assert await offered_to(admin)


async def test_an_edit_over_the_limit_keeps_the_edited_text_in_the_open_form(
    db: AsyncSession, visitor: Visitor
) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    assert circle.id is not None
    post = await posts.create_post(db, user, circle.id, body="Eerste versie")
    await visitor.sign_in(user)
    refused = await visitor.submit(f"/posts/{post.id}/edit", {"body": LONG_TEXT}, page=f"/posts/{post.id}")
    assert refused.status_code == 422
    assert "hoogstens 20000" in refused.text
    assert _textarea(refused.text, "edit-body") == LONG_TEXT
    assert '<details class="card" open>' in refused.text
    assert (await visitor.get(f"/api/v1/posts/{post.id}")).json()["body"] == "Eerste versie"
