"""Questions with an accepted answer: who marks and accepts, what search and the open list show,
what is recorded, and that a secret circle's questions stay with its members."""

from __future__ import annotations

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleVisibility, ItemKind, Notification, NotificationKind, QuestionState, Role, User
from services import answers, comments, events, knowledge_pages, moderation, posts, questions
from services.errors import Conflict, NotFound, PermissionDenied
from services.search import Query, search
from tests.support import add_member, make_circle, make_user


async def _circle(db: AsyncSession, visibility: CircleVisibility = CircleVisibility.OPEN) -> tuple[User, User, Circle]:
    admin = await make_user(db)
    asker = await make_user(db)
    circle = await make_circle(db, admin, visibility)
    await add_member(db, admin, circle, asker)
    return admin, asker, circle


async def _found(db: AsyncSession, user: User, text: str = "", **query: object) -> set[int]:
    hits = (await search(db, user, Query(text=text, kinds=[ItemKind.POST], **query))).hits  # type: ignore[arg-type]
    return {hit.item.ref_id for hit in hits}


async def test_an_accepted_answer_is_found_with_its_question_and_leaves_the_open_list(db: AsyncSession) -> None:
    admin, asker, circle = await _circle(db)
    helper = await make_user(db)
    assert circle.id is not None
    question = await posts.create_post(
        db, asker, circle.id, body="Hoe vraag ik bijzondere bijstand aan?", question=True
    )
    other = await posts.create_post(db, asker, circle.id, body="Wie heeft de sleutel van de fietsenstalling?")
    assert question.id is not None
    assert other.id is not None
    first = await comments.add_comment(db, helper, question.id, body="Geen idee, vraag het team.")
    answer = await comments.add_comment(
        db, admin, question.id, body="Via het formulier aanvraagformulier-kwijtschelding."
    )

    assert [p.id for p in await questions.open_questions(db, helper, circle.id)] == [question.id]
    assert await _found(db, helper, question=QuestionState.OPEN) == {question.id}
    assert question.id not in await _found(db, helper, "kwijtschelding")

    await questions.accept_answer(db, asker, question.id, answer.id)
    assert await questions.open_questions(db, helper, circle.id) == []
    assert await _found(db, helper, question=QuestionState.OPEN) == set()
    assert await _found(db, helper, "kwijtschelding") == {question.id}
    assert await _found(db, helper, "kwijtschelding", question=QuestionState.ANSWERED) == {question.id}

    # Changing the accepted answer moves what search finds; withdrawing it opens the question again.
    await questions.accept_answer(db, asker, question.id, first.id)
    assert await _found(db, helper, "kwijtschelding") == set()
    await questions.accept_answer(db, asker, question.id, None)
    assert [p.id for p in await questions.open_questions(db, helper, circle.id)] == [question.id]

    # Deleting the accepted answer opens the question again, and its words find nothing.
    await questions.accept_answer(db, admin, question.id, answer.id)
    await comments.delete_comment(db, admin, answer.id or 0)
    refreshed = await posts.access_post(db, helper, question.id)
    assert refreshed.accepted_comment_id is None
    assert await _found(db, helper, "kwijtschelding") == set()
    assert await _found(db, helper, question=QuestionState.OPEN) == {question.id}


async def test_the_asker_or_a_circle_admin_marks_and_accepts_and_nobody_else(db: AsyncSession) -> None:
    admin, asker, circle = await _circle(db)
    member = await make_user(db)
    await add_member(db, admin, circle, member)
    assert circle.id is not None
    post = await posts.create_post(db, asker, circle.id, body="Waar staat het protocol huiselijk geweld?")
    assert post.id is not None
    with pytest.raises(PermissionDenied):
        await questions.mark_question(db, member, post.id, question=True)
    with pytest.raises(Conflict):
        await questions.accept_answer(db, asker, post.id, None)
    assert (await questions.mark_question(db, asker, post.id, question=True)).question
    reply_to = await comments.add_comment(db, member, post.id, body="In de map Protocollen.")
    reply = await comments.add_comment(db, asker, post.id, body="Dank!", parent_id=reply_to.id)
    with pytest.raises(PermissionDenied):
        await questions.accept_answer(db, member, post.id, reply_to.id)
    with pytest.raises(Conflict):
        await questions.accept_answer(db, asker, post.id, reply.id)
    elsewhere = await posts.create_post(db, asker, circle.id, body="Iets anders")
    stray = await comments.add_comment(db, member, elsewhere.id or 0, body="Hier")
    with pytest.raises(NotFound):
        await questions.accept_answer(db, asker, post.id, stray.id)
    accepted = await questions.accept_answer(db, admin, post.id, reply_to.id)
    assert accepted.accepted_comment_id == reply_to.id
    # Unmarking withdraws the acceptance; news and blogs are never questions.
    unmarked = await questions.mark_question(db, admin, post.id, question=False)
    assert not unmarked.question
    assert unmarked.accepted_comment_id is None
    blog = await posts.create_blog_post(db, asker, title="Vraagje", body="Wie weet het?")
    with pytest.raises(Conflict):
        await questions.mark_question(db, asker, blog.id or 0, question=True)


async def test_marking_and_accepting_are_recorded_and_the_answerer_is_told(db: AsyncSession) -> None:
    admin, asker, circle = await _circle(db)
    assert circle.id is not None
    post = await posts.create_post(db, asker, circle.id, body="Wie kent een goede tolk Tigrinya?")
    answer = await comments.add_comment(db, admin, post.id or 0, body="Bel het tolkencentrum.")
    topic = events.circle_topic(circle.id)
    start = await events.head(db, topic)
    await questions.mark_question(db, asker, post.id or 0, question=True)
    await questions.accept_answer(db, asker, post.id or 0, answer.id)
    await questions.accept_answer(db, asker, post.id or 0, answer.id)  # again: nothing changes
    await questions.accept_answer(db, asker, post.id or 0, None)
    recorded = [(e.kind, e.data) for e in (await events.list_since(db, topic, start)).events]
    assert recorded == [
        ("question.marked", {"post_id": post.id, "question": True, "accepted_comment_id": None}),
        ("answer.accepted", {"post_id": post.id, "comment_id": answer.id, "previous_id": None}),
        ("answer.accepted", {"post_id": post.id, "comment_id": None, "previous_id": answer.id}),
    ]
    told = await db.exec(
        select(Notification).where(
            Notification.user_id == admin.id, Notification.kind == NotificationKind.ANSWER_ACCEPTED
        )
    )
    assert [n.subject for n in told.all()] == [f"comment:{answer.id}"]


async def test_a_secret_circles_questions_never_reach_outsiders(db: AsyncSession) -> None:
    admin, asker, secret = await _circle(db, CircleVisibility.SECRET)
    outsider = await make_user(db)
    assert secret.id is not None
    post = await posts.create_post(db, asker, secret.id, body="Geheime vraag over dossier Jansen?", question=True)
    answer = await comments.add_comment(db, admin, post.id or 0, body="Antwoord met zaaknummer 4711.")
    assert await _found(db, outsider, question=QuestionState.OPEN) == set()
    with pytest.raises(NotFound):
        await questions.open_questions(db, outsider, secret.id)
    for attempt in (
        questions.mark_question(db, outsider, post.id or 0, question=False),
        questions.accept_answer(db, outsider, post.id or 0, answer.id),
    ):
        with pytest.raises(NotFound):
            await attempt
    await questions.accept_answer(db, asker, post.id or 0, answer.id)
    assert await _found(db, outsider, "zaaknummer") == set()
    assert await questions.accepted_answers(db, outsider, "zaaknummer") == []
    assert await questions.accepted_answers(db, outsider) == []
    [found] = await questions.accepted_answers(db, asker, "zaaknummer")
    assert (found.post_id, found.answer, found.circle_id) == (post.id, answer.body, secret.id)
    assert found.url == f"/posts/{post.id}#comment-{answer.id}"


async def test_accepted_answers_for_the_assistant_leave_out_hidden_answers(db: AsyncSession) -> None:
    admin, asker, circle = await _circle(db)
    reader = await make_user(db)
    assert circle.id is not None
    post = await posts.create_post(
        db, asker, circle.id, body="Hoe declareer ik reiskosten?\nMet bonnetjes?", question=True
    )
    answer = await comments.add_comment(db, admin, post.id or 0, body="Met het declaratieformulier in het portaal.")
    await questions.accept_answer(db, asker, post.id or 0, answer.id)
    [found] = await questions.accepted_answers(db, reader, "declaratieformulier")
    assert found.title == "Hoe declareer ik reiskosten?"
    assert [a.post_id for a in await questions.accepted_answers(db, reader, circle_id=circle.id)] == [post.id]
    await moderation.hide(db, admin, moderation.ReportedKind.COMMENT, answer.id or 0, reason="Persoonsgegevens")
    assert await questions.accepted_answers(db, reader, "declaratieformulier") == []
    assert await questions.accepted_answers(db, reader) == []


async def test_ids_answers_the_next_asker_with_what_a_circle_accepted_and_never_an_outsider(
    db: AsyncSession,
) -> None:
    admin, asker, circle = await _circle(db, CircleVisibility.SECRET)
    assert circle.id is not None
    # A knowledge page says something near it, so the circle's settled answer must win on merit.
    editor = await make_user(db, role=Role.EDITOR)
    await knowledge_pages.create_page(
        db, editor, title="Kwijtschelding", body="Over kwijtschelding van gemeentelijke belastingen lees je hier meer."
    )
    question = await posts.create_post(
        db, asker, circle.id, body="Hoe vraag ik kwijtschelding van de waterschapsbelasting aan?", question=True
    )
    assert question.id is not None
    answer = await comments.add_comment(
        db, admin, question.id, body="Met het formulier op de site van het waterschap; wij helpen bij het invullen."
    )
    next_asker = await make_user(db)
    await add_member(db, admin, circle, next_asker)
    outsider = await make_user(db)
    ask = "Hoe vraag ik kwijtschelding aan voor de waterschapsbelasting?"

    assert ItemKind.POST not in await _kinds_found(db, next_asker, ask)  # an open question is no answer
    await questions.accept_answer(db, asker, question.id, answer.id)

    found = await answers.find(db, next_asker, ask)
    assert found.best is not None
    assert (found.best.passage.item.kind, found.best.passage.item.ref_id) == (ItemKind.POST, question.id)
    # Ids quotes the answer the circle accepted, not the question back, titled by the question.
    assert "formulier op de site" in found.best.passage.text
    assert found.best.passage.item.title == "Hoe vraag ik kwijtschelding van de waterschapsbelasting aan?"
    assert ItemKind.POST not in await _kinds_found(db, outsider, ask)


async def _kinds_found(db: AsyncSession, asker: User, question: str) -> set[ItemKind]:
    """The kinds of every source Ids would give `asker`: its answer and the others it lists."""
    found = await answers.find(db, asker, question)
    given = ([found.best] if found.best else []) + list(found.others)
    return {scored.passage.item.kind for scored in given}
