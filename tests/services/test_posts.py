"""Posts, news, blogs, comments and reactions: who reads and writes what, and what it records."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Role
from services import comments, events, posts, reactions, stream
from services.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.support import add_member, make_circle, make_user


async def test_posts_of_closed_and_secret_circles_reach_members_only(db: AsyncSession) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    outsider = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    open_circle = await make_circle(db, owner, CircleVisibility.OPEN)
    for circle in (closed, secret):
        await add_member(db, owner, circle, member)
    made = {}
    for circle in (closed, secret, open_circle):
        assert circle.id is not None
        made[circle.visibility] = await posts.create_post(db, owner, circle.id, body=f"In {circle.visibility}")

    member_feed = {p.id for p in await stream.feed(db, member)}
    assert {made[CircleVisibility.CLOSED].id, made[CircleVisibility.SECRET].id} <= member_feed
    for filter in stream.Filter:
        if filter is stream.Filter.CIRCLE:
            continue
        seen = {p.id for p in await stream.feed(db, outsider, filter=filter)}
        assert made[CircleVisibility.CLOSED].id not in seen, filter
        assert made[CircleVisibility.SECRET].id not in seen, filter
    for hidden in (CircleVisibility.CLOSED, CircleVisibility.SECRET):
        with pytest.raises(NotFound):
            await posts.access_post(db, outsider, made[hidden].id or 0)
        with pytest.raises(NotFound):
            await comments.add_comment(db, outsider, made[hidden].id or 0, body="hallo?")
        with pytest.raises(NotFound):
            await reactions.set_reaction(db, outsider, "post", made[hidden].id or 0, "heart", on=True)
    with pytest.raises(PermissionDenied):
        await stream.feed(db, outsider, filter=stream.Filter.CIRCLE, circle_id=closed.id)
    with pytest.raises(NotFound):
        await stream.feed(db, outsider, filter=stream.Filter.CIRCLE, circle_id=secret.id)
    # An open circle's post is readable by anyone, but reaches a stream only by joining or following.
    assert (await posts.access_post(db, outsider, made[CircleVisibility.OPEN].id or 0)).id is not None
    assert made[CircleVisibility.OPEN].id not in {p.id for p in await stream.feed(db, outsider)}
    await stream.follow(db, outsider, open_circle.id or 0, on=True)
    assert made[CircleVisibility.OPEN].id in {p.id for p in await stream.feed(db, outsider)}


async def test_a_retried_submit_with_the_same_client_id_is_stored_once(db: AsyncSession) -> None:
    author = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    first = await posts.create_post(db, author, circle.id, body="Een keer", client_id="abc-123")
    again = await posts.create_post(db, author, circle.id, body="Een keer", client_id="abc-123")
    assert again.id == first.id
    assert len(await stream.feed(db, author, filter=stream.Filter.CIRCLE, circle_id=circle.id)) == 1
    assert await events.head(db, events.circle_topic(circle.id)) == 1
    comment = await comments.add_comment(db, author, first.id or 0, body="Ja", client_id="c-1")
    assert (await comments.add_comment(db, author, first.id or 0, body="Ja", client_id="c-1")).id == comment.id


async def test_only_members_post_and_only_editors_publish_news(db: AsyncSession) -> None:
    owner = await make_user(db)
    outsider = await make_user(db)
    editor = await make_user(db, role=Role.EDITOR)
    circle = await make_circle(db, owner)
    assert circle.id is not None
    with pytest.raises(PermissionDenied):
        await posts.create_post(db, outsider, circle.id, body="Mag ik?")
    with pytest.raises(PermissionDenied):
        await posts.create_news(db, outsider, title="Nieuws", body="Niet van mij")
    with pytest.raises(Invalid):
        await posts.create_post(db, owner, circle.id, body="   ")
    news = await posts.create_news(db, editor, title="Nieuwe locatie", body="We openen", must_read=True)
    blog = await posts.create_blog_post(db, outsider, title="Mijn week", body="Druk!")
    outsider_feed = [p.id for p in await stream.feed(db, outsider)]
    assert outsider_feed == [blog.id, news.id]
    # "News" has the blogs too: a director's blog is news to the reader.
    assert [p.id for p in await stream.feed(db, outsider, filter=stream.Filter.NEWS)] == [blog.id, news.id]


async def test_edit_and_delete_are_for_the_author_and_admins_and_are_announced(db: AsyncSession) -> None:
    author = await make_user(db)
    other = await make_user(db)
    admin = await make_user(db, role=Role.ADMIN)
    circle = await make_circle(db, author)
    assert circle.id is not None
    await add_member(db, author, circle, other)
    post = await posts.create_post(db, author, circle.id, body="Eerste versie")
    assert post.id is not None
    with pytest.raises(PermissionDenied):
        await posts.edit_post(db, other, post.id, body="Gekaapt")
    edited = await posts.edit_post(db, author, post.id, body="Tweede **versie**")
    assert edited.html == "<p>Tweede <strong>versie</strong></p>\n"
    assert edited.edited_at is not None
    await posts.delete_post(db, admin, post.id)
    replay = await events.list_since(db, events.circle_topic(circle.id), 0)
    assert [e.kind for e in replay.events] == ["member.joined", "post.created", "post.updated", "post.deleted"]
    assert replay.events[2].data["html"] == edited.html
    assert replay.events[3].data == {"id": post.id, "kind": "post", "circle_id": circle.id}
    with pytest.raises(NotFound):
        await posts.access_post(db, author, post.id)


async def test_comments_have_one_level_of_replies(db: AsyncSession) -> None:
    author = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    post = await posts.create_post(db, author, circle.id, body="Vraag")
    first = await comments.add_comment(db, author, post.id or 0, body="Antwoord")
    reply = await comments.add_comment(db, author, post.id or 0, body="Reactie", parent_id=first.id)
    deeper = await comments.add_comment(db, author, post.id or 0, body="Nog dieper", parent_id=reply.id)
    assert reply.parent_id == first.id
    assert deeper.parent_id == first.id  # a reply to a reply joins the same thread
    await comments.delete_comment(db, author, first.id or 0)
    assert await comments.list_comments(db, author, post.id or 0) == []


async def test_reactions_toggle_once_per_emoji_with_counts(db: AsyncSession) -> None:
    author = await make_user(db)
    fan = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    await add_member(db, author, circle, fan)
    post = await posts.create_post(db, author, circle.id, body="Taart!")
    assert post.id is not None
    await reactions.set_reaction(db, author, "post", post.id, "heart", on=True)
    twice = await reactions.set_reaction(db, fan, "post", post.id, "heart", on=True)
    again = await reactions.set_reaction(db, fan, "post", post.id, "heart", on=True)
    assert twice.counts == again.counts == {"heart": 2}
    assert again.mine == {"heart"}
    after = await reactions.set_reaction(db, fan, "post", post.id, "heart", on=False)
    assert after.counts == {"heart": 1}
    with pytest.raises(Invalid):
        await reactions.set_reaction(db, fan, "post", post.id, "poop", on=True)
    kinds = [e.kind for e in (await events.list_since(db, events.circle_topic(circle.id), 1)).events]
    assert kinds == ["post.created", "reaction.updated", "reaction.updated", "reaction.updated"]


async def test_mentions_link_to_colleagues(db: AsyncSession) -> None:
    author = await make_user(db)
    anna = await make_user(db, "Anna de Vries", email="anna.devries@kring.test")
    circle = await make_circle(db, author)
    assert circle.id is not None
    post = await posts.create_post(db, author, circle.id, body="Vraag het @anna.devries, niet @niemand.")
    assert f'<a href="/people/{anna.id}" rel="noopener noreferrer nofollow">@Anna de Vries</a>' in post.html
    assert "@niemand" in post.html


async def test_must_read_news_knows_who_read_it(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    reader = await make_user(db)
    news = await posts.create_news(db, editor, title="Protocol", body="Lees dit", must_read=True)
    assert news.id is not None
    await stream.confirm_read(db, reader, news.id)
    await stream.confirm_read(db, reader, news.id)
    read, unread = await stream.readers(db, editor, news.id)
    assert [u.id for u in read] == [reader.id]
    assert editor.id not in {u.id for u in unread}  # the author has nothing left to read
    with pytest.raises(PermissionDenied):
        await stream.readers(db, reader, news.id)
    plain = await posts.create_news(db, editor, title="Feest", body="Taart")
    with pytest.raises(Conflict):
        await stream.confirm_read(db, reader, plain.id or 0)
    await stream.record_view(db, reader, news.id)
    await stream.record_view(db, reader, news.id)
    (card,) = await stream.cards(db, reader, [news])
    assert (card.views, card.read_by_me) == (1, True)
