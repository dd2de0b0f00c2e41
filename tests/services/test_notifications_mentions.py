"""Mentions as people type them: "@Anna de Vries" (and "@Anna" when only one Anna works here)
notifies Anna in posts, comments and chat, as the autocomplete's "@anna.devries" does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from models import NotificationKind, User
from services import chat, circles, comments, markdown, notifications, posts
from tests.support import make_circle, make_user


async def mentions_of(db: AsyncSession, user: User) -> set[str]:
    found = await notifications.inbox(db, user, unread_only=True)
    return {line.notification.subject for line in found if line.notification.kind is NotificationKind.MENTION}


@contextmanager
def statements_on(db: AsyncSession) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = db.get_bind()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_typing_a_display_name_notifies_in_posts_comments_and_chat(db: AsyncSession) -> None:
    author = await make_user(db, "Bram Bakker")
    anna = await make_user(db, "Anna de Vries")
    circle = await make_circle(db, author)
    assert circle.id is not None
    await circles.join_circle(db, anna, circle.id)

    post = await posts.create_post(db, author, circle.id, body="@Anna de Vries, kijk je even?")
    comment = await comments.add_comment(db, author, post.id or 0, body="En hier ook, @anna de vries.")
    message = await chat.post_message(db, author, circle.id, body="Bel je me, @Anna de Vries?")

    assert await mentions_of(db, anna) == {f"post:{post.id}", f"comment:{comment.id}", f"message:{message.id}"}
    assert f'<a href="/people/{anna.id}"' in post.html
    assert "@Anna de Vries</a>, kijk je even?" in post.html


async def test_the_longest_name_wins_and_a_name_ends_where_the_word_ends(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna de Vries")
    double = await make_user(db, "Anna de Vries-Jansen")
    await make_user(db, "Anna Bakker")  # two Annas: "@Anna" alone names nobody

    async def named(text: str) -> tuple[int, ...]:
        return (await markdown.render(db, text)).mentions

    assert await named("@Anna de Vries-Jansen, kom je?") == (double.id,)
    assert await named("Vraag het @Anna de Vries.") == (anna.id,)
    assert await named("(@Anna de Vries)") == (anna.id,)
    assert await named("@Anna de Vriesland") == ()
    assert await named("@Anna, kom je?") == ()
    assert await named("@ANNA DE VRIES-JANSEN en @anna de vries") == (double.id, anna.id)
    assert await named("mail anna@devries.nl") == ()


async def test_a_first_name_alone_names_the_only_colleague_who_has_it(db: AsyncSession) -> None:
    zoe = await make_user(db, "Zoë Jansen")
    gone = await make_user(db, "Piet Smit")
    piet = await make_user(db, "Piet Klaassen")
    gone.is_active = False
    db.add(gone)
    await db.commit()

    rendered = await markdown.render(db, "Dank je @zoe! En @Piet, jij ook.")
    # Accents and case aside; the other Piet left, so one active Piet is meant.
    assert rendered.mentions == (zoe.id, piet.id)
    assert (await markdown.render(db, "@Zoë Jansen")).mentions == (zoe.id,)


async def test_the_handle_still_works_and_text_without_an_at_asks_nobody(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna de Vries")
    assert (await markdown.render(db, f"@{markdown.handle_of(anna)} kijk je?")).mentions == (anna.id,)
    with statements_on(db) as statements:
        await markdown.render(db, "Geen enkele vermelding, wel een adres: info@kring.test")
    assert not [sql for sql in statements if "FROM users" in sql]


async def test_hyphenated_first_names_and_a_name_with_punctuation(db: AsyncSession) -> None:
    jan = await make_user(db, "Jan-Willem de Boer")
    smit = await make_user(db, "Jan Smit")
    assert (await markdown.render(db, "Zie je @Jan-Willem morgen?")).mentions == (jan.id,)
    assert (await markdown.render(db, "Vraag @jan-willem de boer!")).mentions == (jan.id,)
    assert (await markdown.render(db, "Vraag @Jan even")).mentions == (smit.id,)
