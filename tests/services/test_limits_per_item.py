"""What one post, comment, message or page may cost: mentions resolved in one query and at most
`MAX_MENTIONS` of them; at most `tags.MAX_PER_ITEM` tags on a document or page (issue 14, 12)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from services import knowledge_pages, markdown, posts
from services.errors import Invalid
from services.markdown import MAX_MENTIONS
from services.tags import MAX_PER_ITEM
from tests.support import make_circle, make_user


@contextmanager
def statements_on(db: AsyncSession) -> Iterator[list[str]]:
    """Every SQL statement the session's engine runs meanwhile."""
    seen: list[str] = []
    engine = db.get_bind()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_fifty_mentions_cost_one_query_and_link_exactly_the_colleagues(db: AsyncSession) -> None:
    jan = await make_user(db, "Jan de Boer", email="jan_de@kring.test")
    lookalike = await make_user(db, "Jan X", email="janxde@kring.test")  # `_` must not match it
    eva = await make_user(db, "Eva Smit")
    handles = ["jan_de", markdown.handle_of(eva)] + [f"niemand{number}" for number in range(MAX_MENTIONS - 2)]
    with statements_on(db) as statements:
        rendered = await markdown.render(db, " ".join(f"@{handle}" for handle in handles))
    assert rendered.mentions == (jan.id, eva.id)
    assert lookalike.id not in rendered.mentions
    assert len([sql for sql in statements if "FROM users" in sql]) == 1


async def test_a_post_with_three_thousand_mentions_is_refused_before_any_lookup(db: AsyncSession) -> None:
    author = await make_user(db)
    circle = await make_circle(db, author)
    body = " ".join(f"@collega{number}" for number in range(3000))
    with statements_on(db) as statements, pytest.raises(Invalid) as refused:
        await posts.create_post(db, author, circle.id or 0, body=body)
    assert refused.value.field == "body"
    assert not [sql for sql in statements if "FROM users" in sql]


async def test_a_page_takes_at_most_twenty_tags(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    many = [f"onderwerp {number}" for number in range(MAX_PER_ITEM + 1)]
    page = await knowledge_pages.create_page(db, editor, title="Genoeg tags", body="Tekst", tags=many[:MAX_PER_ITEM])
    assert len(await knowledge_pages.tags_of(db, page.id or 0)) == MAX_PER_ITEM
    with pytest.raises(Invalid) as refused:
        await knowledge_pages.create_page(db, editor, title="Te veel tags", body="Tekst", tags=many)
    assert refused.value.field == "tags"
