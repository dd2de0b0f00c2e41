"""Questions on the pages and the JSON API: the accepted answer first and marked, the open list
and search follow it, and a secret circle's questions never reach an outsider on any path."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Post
from services import comments, posts, questions
from tests.support import Visitor, add_member, make_circle, make_user


def _comment_order(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', html)]


async def test_the_accepted_answer_is_shown_first_and_the_question_leaves_the_open_lists(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    admin = await make_user(db, "Anke Beheer")
    asker = await make_user(db, "Vera Vraag")
    helper = await make_user(db, "Henk Helpt")
    circle = await make_circle(db, admin, name="Schuldhulp")
    await add_member(db, admin, circle, asker)
    asker_view, helper_view = await new_visitor(), await new_visitor()
    await asker_view.sign_in(asker)
    await helper_view.sign_in(helper)

    written = await asker_view.submit(
        f"/circles/{circle.id}/posts",
        {"body": "Wie weet hoe de vroegsignalering werkt?", "question": "on"},
        page=f"/circles/{circle.id}",
    )
    assert written.status_code == 303
    question_id = int(written.headers["location"].rsplit("#post-", 1)[1])
    first = await comments.add_comment(db, helper, question_id, body="Geen idee eigenlijk.")
    best = await comments.add_comment(db, admin, question_id, body="Signalen komen via het inlichtingenbureau.")
    reply = await comments.add_comment(db, asker, question_id, body="Dank je!", parent_id=best.id)

    listed = (await helper_view.get(f"/circles/{circle.id}?show=questions")).text
    assert f'id="post-{question_id}"' in listed
    assert "Open vraag" in listed
    assert question_id in await _search_ids(helper_view, "question=open")
    page = (await helper_view.get(f"/posts/{question_id}")).text
    assert _comment_order(page) == [first.id, best.id, reply.id]

    accepted = await asker_view.submit(
        f"/posts/{question_id}/accepted-answer", {"comment_id": str(best.id)}, page=f"/posts/{question_id}"
    )
    assert accepted.status_code == 303

    page = (await helper_view.get(f"/posts/{question_id}")).text
    assert _comment_order(page) == [best.id, reply.id, first.id]  # the answer first, with its replies
    assert f'<li class="comment accepted" id="comment-{best.id}"' in page
    assert "Geaccepteerd antwoord" in page
    assert re.search(r'class="tag question-badge answered"[^>]*>Beantwoord<', page)
    listed = (await helper_view.get(f"/circles/{circle.id}?show=questions")).text
    assert f'id="post-{question_id}"' not in listed
    assert "Geen open vragen." in listed
    assert question_id not in await _search_ids(helper_view, "question=open")
    assert question_id in await _search_ids(helper_view, "q=inlichtingenbureau")
    found = (await helper_view.get("/search?q=inlichtingenbureau")).text
    assert f'href="/posts/{question_id}"' in found
    assert "Beantwoord" in found


async def _search_ids(view: Visitor, query: str) -> set[int]:
    hits = (await view.get(f"/api/v1/search?type=post&{query}")).json()["items"]
    return {hit["id"] for hit in hits}


async def test_marking_and_accepting_over_the_api(db: AsyncSession, visitor: Visitor) -> None:
    asker = await make_user(db)
    helper = await make_user(db)
    circle = await make_circle(db, asker)
    await visitor.sign_in(asker)
    made = await visitor.write("POST", f"/api/v1/circles/{circle.id}/posts", json={"body": "Waar is de beamer?"})
    post = made.json()
    assert (post["question"], post["accepted_comment_id"]) == (False, None)
    marked = await visitor.write("PUT", f"/api/v1/posts/{post['id']}/question")
    assert marked.json()["question"] is True
    early = await comments.add_comment(db, helper, post["id"], body="In kast 2?")
    answer = await comments.add_comment(db, helper, post["id"], body="Bij de receptie.")
    refused = await visitor.write("PUT", f"/api/v1/posts/{post['id']}/accepted-answer", json={"comment_id": 0})
    assert refused.status_code == 422
    accepted = await visitor.write("PUT", f"/api/v1/posts/{post['id']}/accepted-answer", json={"comment_id": answer.id})
    assert accepted.json()["accepted_comment_id"] == answer.id
    listed = (await visitor.get(f"/api/v1/posts/{post['id']}/comments")).json()["items"]
    assert [(c["id"], c["accepted"]) for c in listed] == [(answer.id, True), (early.id, False)]
    withdrawn = await visitor.write("DELETE", f"/api/v1/posts/{post['id']}/accepted-answer")
    assert withdrawn.json()["accepted_comment_id"] is None
    unmarked = await visitor.write("DELETE", f"/api/v1/posts/{post['id']}/question")
    assert unmarked.json()["question"] is False
    asked = await visitor.write(
        "POST", f"/api/v1/circles/{circle.id}/posts", json={"body": "Wie heeft er koffie?", "question": True}
    )
    assert asked.json()["question"] is True


async def test_a_secret_circles_questions_never_reach_an_outsider(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db)
    outsider = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    assert secret.id is not None
    post = await posts.create_post(db, owner, secret.id, body="Geheim-vraagstuk over Jansen?", question=True)
    answer = await comments.add_comment(db, owner, post.id or 0, body="Geheim-antwoord zaak 4711")
    view = await new_visitor()
    await view.sign_in(outsider)
    for method, url, body in (
        ("PUT", f"/api/v1/posts/{post.id}/question", None),
        ("DELETE", f"/api/v1/posts/{post.id}/question", None),
        ("PUT", f"/api/v1/posts/{post.id}/accepted-answer", {"comment_id": answer.id}),
        ("DELETE", f"/api/v1/posts/{post.id}/accepted-answer", None),
    ):
        assert (await view.write(method, url, json=body)).status_code == 404, (method, url)
    for url, data in (
        (f"/posts/{post.id}/question", {"question": ""}),
        (f"/posts/{post.id}/accepted-answer", {"comment_id": str(answer.id)}),
    ):
        await view.submit(url, data)  # refused: a form goes back with the message
    unchanged = await db.get(Post, post.id, populate_existing=True)
    assert unchanged is not None
    assert (unchanged.question, unchanged.accepted_comment_id) == (True, None)
    assert (await view.get(f"/circles/{secret.id}?show=questions")).status_code == 404
    assert post.id not in await _search_ids(view, "question=open")
    assert "Geheim" not in (await view.get("/search?question=open")).text
    await comments.edit_comment(db, owner, answer.id or 0, body="Geheim-antwoord zaak 4711 (bijgewerkt)")
    await questions.accept_answer(db, owner, post.id or 0, answer.id)
    assert post.id not in await _search_ids(view, "q=4711")
    assert post.id not in await _search_ids(view, "question=answered")
