"""Seeing the item reads its notifications: opening a post, confirming must-read news, reading
a chat up to a message. Each moves the badge on the colleague's own topic, so every tab follows."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from models import NotificationKind, Role, User
from services import chat, circles, comments, events, notifications, posts, reactions, stream
from services.markdown import handle_of
from tests.support import make_circle, make_user


async def unread(db: AsyncSession, user: User) -> set[tuple[NotificationKind, str]]:
    found = await notifications.inbox(db, user, unread_only=True)
    return {(line.notification.kind, line.notification.subject) for line in found}


async def last_badge(db: AsyncSession, user: User) -> dict[str, int] | None:
    """The badge as the colleague's other tabs last heard it, from the event log alone."""
    replay = await events.list_since(db, events.user_topic(user.id or 0), 0)
    found = [e.data for e in replay.events if e.kind == notifications.BADGE_EVENT]
    return found[-1] if found else None


async def test_opening_a_post_reads_what_was_about_it_and_its_comments(db: AsyncSession) -> None:
    author = await make_user(db)
    anna = await make_user(db, "Anna de Vries")
    circle = await make_circle(db, author)
    assert circle.id is not None
    await circles.join_circle(db, anna, circle.id)
    post = await posts.create_post(db, author, circle.id, body="Wie lust er soep?")
    other = await posts.create_post(db, author, circle.id, body="En wie neemt brood mee?")
    mine = await comments.add_comment(db, author, post.id or 0, body="Ik maak erwtensoep")
    await reactions.set_reaction(db, anna, "post", post.id or 0, "heart", on=True)
    await reactions.set_reaction(db, anna, "comment", mine.id or 0, "thumbsup", on=True)
    await comments.add_comment(db, anna, post.id or 0, body="Ik!", parent_id=mine.id)
    await reactions.set_reaction(db, anna, "post", other.id or 0, "tada", on=True)
    assert len(await unread(db, author)) == 4

    assert await notifications.see_post(db, author, post.id or 0)

    assert await unread(db, author) == {(NotificationKind.REACTION, f"post:{other.id}")}
    assert await last_badge(db, author) == {
        "count": 1,
        "notifications": 1,
        "direct": 0,
        "chat": 0,
        "counted": ["notifications", "direct", "chat"],
    }
    # Nothing left to read: the page stays a read.
    assert not await notifications.see_post(db, author, post.id or 0)


async def test_must_read_news_is_read_when_confirmed_not_when_merely_opened(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    reader = await make_user(db)
    news = await posts.create_news(db, editor, title="Nieuw verlofbeleid", body="Lees dit", must_read=True)
    assert await unread(db, reader) == {(NotificationKind.NEWS, f"post:{news.id}")}

    assert not await notifications.see_post(db, reader, news.id or 0)
    assert await unread(db, reader) == {(NotificationKind.NEWS, f"post:{news.id}")}

    await stream.confirm_read(db, reader, news.id or 0)
    assert await unread(db, reader) == set()
    assert await last_badge(db, reader) == {
        "count": 0,
        "notifications": 0,
        "direct": 0,
        "chat": 0,
        "counted": ["notifications", "direct", "chat"],
    }


async def test_reading_the_chat_reads_the_mentions_and_replies_it_moved_past(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna de Vries")
    bram = await make_user(db)
    circle = await make_circle(db, anna)
    assert circle.id is not None
    await circles.join_circle(db, bram, circle.id)
    question = await chat.post_message(db, anna, circle.id, body="Wie heeft de sleutel?")
    first = await chat.post_message(db, bram, circle.id, body=f"@{handle_of(anna)} ik niet")
    answer = await chat.post_message(db, bram, circle.id, body="Wel Carl", reply_to_id=question.id)
    later = await chat.post_message(db, bram, circle.id, body=f"@{handle_of(anna)} en jij?")
    assert len(await unread(db, anna)) == 3

    await chat.mark_read(db, anna, circle.id, first.id or 0)
    # The reply came after the marker: still unread, as is the later mention.
    assert await unread(db, anna) == {
        (NotificationKind.REPLY, f"message:{question.id}"),
        (NotificationKind.MENTION, f"message:{later.id}"),
    }
    await chat.mark_read(db, anna, circle.id, answer.id or 0)
    assert await unread(db, anna) == {(NotificationKind.MENTION, f"message:{later.id}")}
    await chat.mark_read(db, anna, circle.id, later.id or 0)
    assert await unread(db, anna) == set()
    assert await last_badge(db, anna) == {
        "count": 0,
        "notifications": 0,
        "direct": 0,
        "chat": 0,
        "counted": ["notifications", "direct", "chat"],
    }
