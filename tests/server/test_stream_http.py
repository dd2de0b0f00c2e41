"""The stream over HTML and the JSON API: nothing of a closed or secret circle reaches outsiders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Role
from services import posts
from tests.support import BASE_URL, Visitor, add_member, make_circle, make_user


async def test_closed_and_secret_posts_never_reach_an_outsider_on_any_path(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db, "Olga Eigenaar")
    outsider = await make_user(db, "Otto Buiten")
    hidden = {}
    for visibility in (CircleVisibility.CLOSED, CircleVisibility.SECRET):
        circle = await make_circle(db, owner, visibility)
        assert circle.id is not None
        post = await posts.create_post(db, owner, circle.id, body=f"Vertrouwelijk-{visibility.value}")
        hidden[visibility] = (circle, post)
    member_view, outsider_view = await new_visitor(), await new_visitor()
    await member_view.sign_in(owner)
    await outsider_view.sign_in(outsider)

    for circle, post in hidden.values():
        secret_text = post.body
        # The member sees it on every path: the URLs below are right.
        assert secret_text in (await member_view.get("/")).text
        assert (await member_view.get(f"/api/v1/posts/{post.id}")).status_code == 200
        # The outsider sees nothing, anywhere.
        assert secret_text not in (await outsider_view.get("/")).text
        for filter in ("all", "news", "circles"):
            feed = (await outsider_view.get(f"/api/v1/feed?filter={filter}")).json()["items"]
            assert post.id not in [item["id"] for item in feed], filter
        assert secret_text not in (await outsider_view.get("/stream/items?after=0")).text
        assert secret_text not in (await outsider_view.get(f"/circles/{circle.id}")).text
        assert (await outsider_view.get(f"/posts/{post.id}")).status_code == 404
        for url in (
            f"/api/v1/posts/{post.id}",
            f"/api/v1/posts/{post.id}/comments",
            f"/api/v1/posts/{post.id}/reactions",
        ):
            assert (await outsider_view.get(url)).status_code == 404, url
        refused = await outsider_view.get(f"/api/v1/feed?filter=circle&circle_id={circle.id}")
        assert refused.status_code in {403, 404}
        comment = await outsider_view.write("POST", f"/api/v1/posts/{post.id}/comments", json={"body": "hoi"})
        assert comment.status_code == 404
        react = await outsider_view.write("PUT", f"/api/v1/posts/{post.id}/reactions/heart")
        assert react.status_code == 404


async def test_posting_commenting_and_reacting_over_the_api(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user, name="Recepten")
    await visitor.sign_in(user)
    made = await visitor.write(
        "POST", f"/api/v1/circles/{circle.id}/posts", json={"body": "Soep **van** de dag", "client_id": "k1"}
    )
    assert made.status_code == 201
    post = made.json()
    assert post["html"] == "<p>Soep <strong>van</strong> de dag</p>\n"
    assert post["circle"]["name"] == "Recepten"
    again = await visitor.write("POST", f"/api/v1/circles/{circle.id}/posts", json={"body": "Soep", "client_id": "k1"})
    assert again.json()["id"] == post["id"]

    comment = (await visitor.write("POST", f"/api/v1/posts/{post['id']}/comments", json={"body": "Lekker"})).json()
    reply = await visitor.write(
        "POST", f"/api/v1/posts/{post['id']}/comments", json={"body": "Zeker", "parent_id": comment["id"]}
    )
    assert reply.json()["parent_id"] == comment["id"]
    reacted = await visitor.write("PUT", f"/api/v1/posts/{post['id']}/reactions/tada")
    assert reacted.json() == {"counts": {"tada": 1}, "mine": ["tada"]}
    assert (await visitor.write("PUT", f"/api/v1/comments/{comment['id']}/reactions/bulb")).status_code == 200
    assert (await visitor.write("PUT", f"/api/v1/posts/{post['id']}/reactions/poop")).status_code == 422
    shown = (await visitor.get(f"/api/v1/posts/{post['id']}")).json()
    assert (shown["comment_count"], shown["reactions"]["counts"]) == (2, {"tada": 1})
    comments = (await visitor.get(f"/api/v1/posts/{post['id']}/comments")).json()["items"]
    assert [c["reactions"]["counts"] for c in comments] == [{"bulb": 1}, {}]

    edited = await visitor.write("PATCH", f"/api/v1/posts/{post['id']}", json={"body": "Soep van gisteren"})
    assert edited.json()["edited_at"] is not None
    assert (await visitor.write("DELETE", f"/api/v1/posts/{post['id']}")).status_code == 200
    assert (await visitor.get(f"/api/v1/posts/{post['id']}")).status_code == 404


async def test_news_is_for_editors_and_must_read_is_tracked(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    reader = await make_user(db)
    editor_view, reader_view = await new_visitor(), await new_visitor()
    await editor_view.sign_in(editor)
    await reader_view.sign_in(reader)
    body = {"title": "Nieuw protocol", "lead": "Lees het", "body": "Tekst", "must_read": True}
    assert (await reader_view.write("POST", "/api/v1/news", json=body)).status_code == 403
    news = (await editor_view.write("POST", "/api/v1/news", json=body)).json()
    assert (await reader_view.write("POST", f"/api/v1/news/{news['id']}/read")).status_code == 200
    readers = (await editor_view.get(f"/api/v1/news/{news['id']}/readers")).json()
    assert [p["id"] for p in readers["read"]] == [reader.id]
    assert (await reader_view.get(f"/api/v1/news/{news['id']}/readers")).status_code == 403
    page = await reader_view.get("/?filter=news")
    assert "Nieuw protocol" in page.text
    assert "Je hebt bevestigd dat je dit gelezen hebt." in page.text


async def test_a_double_submitted_form_stores_one_post(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    await visitor.sign_in(user)
    token = await visitor.form_token(f"/circles/{circle.id}")
    form = {"csrf_token": token, "body": "Dubbel geklikt", "client_id": "form-1"}
    for _ in range(2):
        response = await visitor.http.post(f"/circles/{circle.id}/posts", data=form, headers={"Origin": BASE_URL})
        assert response.status_code == 303
    feed = (await visitor.get(f"/api/v1/feed?filter=circle&circle_id={circle.id}")).json()["items"]
    assert [item["body"] for item in feed] == ["Dubbel geklikt"]


async def test_home_composer_posts_into_the_chosen_circle(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    first = await make_circle(db, user, name="Aaa")
    second = await make_circle(db, user, name="Bbb")
    other = await make_user(db)
    await add_member(db, user, second, other)
    await visitor.sign_in(user)
    token = await visitor.form_token("/")
    response = await visitor.http.post(
        "/posts",
        data={"csrf_token": token, "circle": str(second.id), "body": "Hier", "next": "/"},
        headers={"Origin": BASE_URL},
    )
    assert response.status_code == 303
    items = (await visitor.get(f"/api/v1/feed?filter=circle&circle_id={second.id}")).json()["items"]
    assert [i["body"] for i in items] == ["Hier"]
    assert response.headers["location"] == f"/#post-{items[0]['id']}"  # back home, at the new post
    assert (await visitor.get(f"/api/v1/feed?filter=circle&circle_id={first.id}")).json()["items"] == []


PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


async def test_news_with_a_cover_picture_from_the_form(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    token = await visitor.form_token("/news/new")
    fields = {"csrf_token": token, "title": "Open dag", "lead": "Kom langs", "body": "Zaterdag", "featured_days": "3"}

    refused = await visitor.http.post(
        "/news",
        data=fields,
        files={"cover": ("cover.png", b"<svg onload=alert(1)>", "image/png")},
        headers={"Origin": BASE_URL, "Referer": f"{BASE_URL}/news/new"},
    )
    # The form again, with what was typed, and the reason; the picture must be chosen again.
    assert refused.status_code == 422
    assert "PNG-, JPEG- of WebP-afbeelding" in refused.text
    assert "Kies de omslagfoto opnieuw." in refused.text
    assert 'value="Open dag"' in refused.text
    assert 'value="Kom langs"' in refused.text

    made = await visitor.http.post(
        "/news", data=fields, files={"cover": ("../../x.png", PNG, "image/png")}, headers={"Origin": BASE_URL}
    )
    assert made.status_code == 303
    post_id = int(made.headers["location"].rsplit("/", 1)[1])
    news = (await visitor.get(f"/api/v1/posts/{post_id}")).json()
    assert news["cover_url"].startswith("/media/covers/")
    assert news["featured_until"] is not None
    picture = await visitor.get(news["cover_url"])
    assert (picture.status_code, picture.content, picture.headers["content-type"]) == (200, PNG, "image/png")
    home = (await visitor.get("/")).text
    assert f'src="{news["cover_url"]}"' in home
    assert home.index("Open dag") < home.index("data-stream-items")  # featured: pinned on top


async def test_a_colleagues_blog_is_on_their_profile(db: AsyncSession, visitor: Visitor) -> None:
    author = await make_user(db, "Henk Jansen")
    reader = await make_user(db)
    await posts.create_blog_post(db, author, title="Over werkdruk", body="Jullie vroegen ...")
    await visitor.sign_in(reader)
    profile = await visitor.get(f"/people/{author.id}")
    assert "Over werkdruk" in profile.text


async def test_a_comment_is_edited_from_the_post_page(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    circle = await make_circle(db, user)
    assert circle.id is not None
    post = await posts.create_post(db, user, circle.id, body="Vraag")
    await visitor.sign_in(user)
    made = (await visitor.write("POST", f"/api/v1/posts/{post.id}/comments", json={"body": "Eerst"})).json()
    token = await visitor.form_token(f"/posts/{post.id}")
    edited = await visitor.http.post(
        f"/comments/{made['id']}/edit",
        data={"csrf_token": token, "body": "Daarna **beter**", "next": f"/posts/{post.id}"},
        headers={"Origin": BASE_URL},
    )
    assert edited.status_code == 303
    page = (await visitor.get(f"/posts/{post.id}")).text
    assert "Daarna <strong>beter</strong>" in page
    assert "bewerkt" in page
