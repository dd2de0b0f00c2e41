"""Notifications over the JSON API and the pages: the inbox, the badge, settings, and nothing
about a circle the reader may not see."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, User
from services import chat, circles, comments, posts, reactions
from tests.support import Visitor, add_member, make_circle, make_user

NewVisitor = Callable[[], Awaitable[Visitor]]
EVERY_PART = ["notifications", "direct", "chat"]  # what the tab title counts unless chosen otherwise


async def test_the_api_lists_counts_and_marks_read(db: AsyncSession, visitor: Visitor) -> None:
    bram = await make_user(db, "Bram Bakker")
    anna = await make_user(db, "Anna de Vries")
    carl = await make_user(db, "Carl Smit")
    circle = await make_circle(db, bram, name="Recepten")
    assert circle.id is not None
    for colleague in (anna, carl):
        await circles.join_circle(db, colleague, circle.id)
    post = await posts.create_post(db, bram, circle.id, body="Erwtensoep")
    for colleague in (anna, carl):
        await reactions.set_reaction(db, colleague, "post", post.id or 0, "heart", on=True)
    await comments.add_comment(db, anna, post.id or 0, body="Heerlijk")
    await visitor.sign_in(bram)

    assert (await visitor.get("/api/v1/notifications/unread-count")).json() == {
        "count": 2,
        "notifications": 2,
        "direct": 0,
        "chat": 0,
        "counted": EVERY_PART,
    }
    listed = (await visitor.get("/api/v1/notifications")).json()["items"]
    assert [(n["kind"], n["text"], n["read"]) for n in listed] == [
        ("comment", "Anna de Vries schreef een reactie op je bericht", False),
        ("reaction", "Carl Smit (❤️) en 1 ander reageerden op je bericht", False),
    ]
    assert listed[1]["actors"] == [{"id": carl.id, "name": "Carl Smit"}, {"id": anna.id, "name": "Anna de Vries"}]

    read = await visitor.write("POST", "/api/v1/notifications/read", {"ids": [listed[1]["id"]]})
    assert read.json() == {"count": 1, "notifications": 1, "direct": 0, "chat": 0, "counted": EVERY_PART}
    unread_only = (await visitor.get("/api/v1/notifications?unread=1")).json()["items"]
    assert [n["kind"] for n in unread_only] == ["comment"]
    both = await visitor.write("POST", "/api/v1/notifications/read", {"ids": [1], "all": True})
    assert both.status_code == 422
    assert (await visitor.write("POST", "/api/v1/notifications/read", {"all": True})).json()["count"] == 0
    no_csrf = await visitor.http.post("/api/v1/notifications/read", json={"all": True})
    assert no_csrf.status_code == 403
    page = (await visitor.get("/api/v1/notifications?limit=1")).json()
    older = (await visitor.get(f"/api/v1/notifications?limit=1&before={page['next']}")).json()
    assert [n["kind"] for n in page["items"] + older["items"]] == ["comment", "reaction"]


async def test_settings_over_the_api(db: AsyncSession, visitor: Visitor) -> None:
    bram = await make_user(db)
    circle = await make_circle(db, bram)
    await visitor.sign_in(bram)
    saved = await visitor.write(
        "PATCH", "/api/v1/notifications/settings", {"muted_kinds": ["reaction"], "digest": "weekly"}
    )
    assert saved.json() == {"muted_kinds": ["reaction"], "digest": "weekly", "circles": {str(circle.id): "all"}}
    level = await visitor.write("PUT", f"/api/v1/circles/{circle.id}/notifications", {"level": "muted"})
    assert level.json() == {"circle_id": circle.id, "level": "muted"}
    assert (await visitor.get("/api/v1/notifications/settings")).json()["circles"] == {str(circle.id): "muted"}
    wrong = await visitor.write("PATCH", "/api/v1/notifications/settings", {"digest": "hourly"})
    assert wrong.status_code == 422
    other = await make_circle(db, await make_user(db), CircleVisibility.SECRET)
    hidden = await visitor.write("PUT", f"/api/v1/circles/{other.id}/notifications", {"level": "all"})
    assert hidden.status_code == 404


async def test_a_left_secret_circle_leaves_no_trace_on_any_path(db: AsyncSession, new_visitor: NewVisitor) -> None:
    owner = await make_user(db)
    leaver = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET, name="Vertrouwenspersonen")
    assert secret.id is not None
    await add_member(db, owner, secret, leaver)
    post = await posts.create_post(db, leaver, secret.id, body="Casus mevrouw J.")
    await reactions.set_reaction(db, owner, "post", post.id or 0, "heart", on=True)
    view = await new_visitor()
    await view.sign_in(leaver)
    [line] = [n for n in (await view.get("/api/v1/notifications")).json()["items"] if n["kind"] == "reaction"]
    await circles.leave_circle(db, leaver, secret.id)

    items = (await view.get("/api/v1/notifications")).json()["items"]
    assert [n for n in items if n["kind"] == "reaction"] == []
    assert (await view.get("/api/v1/notifications/unread-count")).json()["notifications"] == 0
    for page in ("/notifications", "/notifications/menu", "/"):
        assert "Casus mevrouw J." not in (await view.get(page)).text, page
    opened = await view.submit(f"/notifications/{line['id']}/open", {}, page="/notifications")
    assert opened.status_code == 303
    assert opened.headers["location"] != f"/posts/{post.id}"


async def test_the_pages_show_the_badge_and_opening_a_line_reads_it(db: AsyncSession, visitor: Visitor) -> None:
    bram = await make_user(db, "Bram Bakker")
    anna = await make_user(db, "Anna de Vries")
    circle = await make_circle(db, bram)
    assert circle.id is not None
    await circles.join_circle(db, anna, circle.id)
    post = await posts.create_post(db, bram, circle.id, body="Wie helpt er zaterdag?")
    await reactions.set_reaction(db, anna, "post", post.id or 0, "pray", on=True)
    await visitor.sign_in(bram)

    home = (await visitor.get("/")).text
    assert "<title>(1) " in home
    assert 'data-notifications="1"' in home
    inbox = (await visitor.get("/notifications")).text
    assert "Anna de Vries reageerde met 🙏 op je bericht" in inbox
    assert "Wie helpt er zaterdag?" in inbox
    menu = (await visitor.get("/notifications/menu")).text
    line_id = menu.split('data-notification-id="')[1].split('"')[0]
    opened = await visitor.submit(f"/notifications/{line_id}/open", {}, page="/notifications")
    assert (opened.status_code, opened.headers["location"]) == (303, f"/posts/{post.id}")
    assert "<title>(1) " not in (await visitor.get("/")).text
    refused = await visitor.http.post(f"/notifications/{line_id}/open", data={})
    assert refused.status_code == 403

    settings = await visitor.submit(
        "/notifications/settings",
        {"kind": "mention", "digest": "never", f"circle-{circle.id}": "mentions"},
        page="/notifications/settings",
    )
    assert settings.status_code == 303
    api = (await visitor.get("/api/v1/notifications/settings")).json()
    assert api["digest"] == "never"
    assert "mention" not in api["muted_kinds"]
    assert "reaction" in api["muted_kinds"]
    assert api["circles"] == {str(circle.id): "mentions"}


async def test_a_member_sets_a_circles_level_on_its_page(db: AsyncSession, visitor: Visitor) -> None:
    owner = await make_user(db)
    circle = await make_circle(db, owner, name="Hardlopen")
    await visitor.sign_in(owner)
    page = (await visitor.get(f"/circles/{circle.id}")).text
    assert '<option value="all" selected>Alle activiteit</option>' in page
    here = f"/circles/{circle.id}"
    saved = await visitor.submit(f"{here}/notifications", {"level": "muted"}, page=here)
    assert saved.headers["location"] == f"/circles/{circle.id}"
    assert '<option value="muted" selected>Gedempt</option>' in (await visitor.get(f"/circles/{circle.id}")).text


async def test_having_the_post_open_reads_its_notification_and_the_page_shows_the_new_badge(
    db: AsyncSession, visitor: Visitor
) -> None:
    bram = await make_user(db, "Bram Bakker")
    anna = await make_user(db, "Anna de Vries")
    circle = await make_circle(db, bram)
    assert circle.id is not None
    await circles.join_circle(db, anna, circle.id)
    post = await posts.create_post(db, bram, circle.id, body="Wie helpt er zaterdag?")
    await comments.add_comment(db, anna, post.id or 0, body="Ik kom helpen")
    await visitor.sign_in(bram)
    assert (await visitor.get("/api/v1/notifications/unread-count")).json()["notifications"] == 1

    # Opening the page reads nothing by itself (a GET changes nothing); the page then tells the
    # server the post is in front of the colleague, as stream.js does.
    page = (await visitor.get(f"/posts/{post.id}")).text
    assert 'data-notifications="1"' in page
    assert (await visitor.write("POST", f"/api/v1/posts/{post.id}/views")).status_code == 200
    assert (await visitor.get("/api/v1/notifications/unread-count")).json()["notifications"] == 0
    assert 'data-notifications="0"' in (await visitor.get(f"/posts/{post.id}")).text


async def test_in_dutch_an_emoji_reacts_a_comment_is_written_and_a_chat_message_is_answered(
    db: AsyncSession, new_visitor: NewVisitor
) -> None:
    bram = await make_user(db, "Bram Bakker")
    anna = await make_user(db, "Anna de Vries")
    carl = await make_user(db, "Carl Smit")
    circle = await make_circle(db, bram, name="Buurtwerk")
    assert circle.id is not None
    for colleague in (anna, carl):
        await circles.join_circle(db, colleague, circle.id)
    post = await posts.create_post(db, bram, circle.id, body="Wie helpt er zaterdag?")
    mine = await comments.add_comment(db, bram, post.id or 0, body="Ik neem koffie mee")
    question = await chat.post_message(db, bram, circle.id, body="Wie heeft de sleutel?")
    await reactions.set_reaction(db, anna, "post", post.id or 0, "thumbsup", on=True)
    await reactions.set_reaction(db, anna, "comment", mine.id or 0, "heart", on=True)
    await reactions.set_reaction(db, anna, "message", question.id or 0, "tada", on=True)
    await comments.add_comment(db, carl, post.id or 0, body="Ik kom helpen", parent_id=mine.id)
    await comments.add_comment(db, anna, post.id or 0, body="Ik ook, @Bram Bakker")
    await chat.post_message(db, anna, circle.id, body="Ik!", reply_to_id=question.id)
    await chat.post_message(db, carl, circle.id, body="@Bram Bakker bel je even?")

    async def texts(user: User) -> set[str]:
        visitor = await new_visitor()
        await visitor.sign_in(user)
        return {n["text"] for n in (await visitor.get("/api/v1/notifications")).json()["items"]}

    assert await texts(bram) == {
        "Anna de Vries reageerde met 👍 op je bericht",
        "Anna de Vries reageerde met ❤️ op je reactie",
        "Anna de Vries reageerde met 🎉 op je chatbericht",
        "Carl Smit antwoordde op je reactie",
        "Anna de Vries noemde je in een reactie",
        "Anna de Vries antwoordde op je chatbericht",
        "Carl Smit noemde je in een chatbericht",
    }
    # Carl's comment was a reply to Bram, so Bram heard of it as that; Carl hears of Anna's.
    assert "Anna de Vries schreef ook een reactie in een gesprek waar je aan meedoet" in await texts(carl)
    await comments.add_comment(db, carl, post.id or 0, body="Tot zaterdag")
    assert "Carl Smit schreef een reactie op je bericht" in await texts(bram)
