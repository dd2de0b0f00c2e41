"""Ids answers where it was asked, after the question commits, once, and says honestly when it
does not know, naming colleagues who may."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AskState, AssistantQuestion, CircleVisibility, Comment, Message, Role, UnansweredQuestion
from server.context import AppContext
from server.search_params import url_of
from services import answering, assistant, chat, direct, knowledge_pages, posts
from tests.support import Visitor, make_circle, make_user

T = TypeVar("T")
SICK = "Meld je ziek **voor 8.30 uur** telefonisch bij je leidinggevende, niet per app of mail."


async def eventually(check: Callable[[], Awaitable[T | None]]) -> T:
    """What `check` finds once the background answerer has written it."""
    async with asyncio.timeout(60):  # a bound for a stuck runner, not a speed expectation
        while (found := await check()) is None:
            await asyncio.sleep(0.05)
    return found


async def ids_reply(context: AppContext, circle_id: int) -> Message | None:
    async with context.db() as session:
        ids_id = (await assistant.assistant_user(session)).id
        statement = select(Message).where(Message.circle_id == circle_id, Message.author_id == ids_id)
        return (await session.exec(statement)).first()


async def test_ids_answers_a_direct_message_a_chat_mention_and_a_post_where_it_was_asked(
    db: AsyncSession, context: AppContext
) -> None:
    editor = await make_user(db, "Eva Groen", role=Role.EDITOR)
    page = await knowledge_pages.create_page(db, editor, title="Ziek? Zo meld je je", body=SICK)
    anna = await make_user(db, "Anna de Vries")
    ids_user = await assistant.assistant_user(db)

    conversation = await direct.open_conversation(db, anna, [ids_user.id or 0])
    await chat.post_message(db, anna, conversation.id or 0, body="Hoe meld ik me ziek?")
    answer = await eventually(lambda: ids_reply(context, conversation.id or 0))
    assert "Dit heb ik gevonden:" in answer.body
    assert "niet per app of mail" in answer.body
    assert f'href="/knowledge/pages/{page.id}"' in answer.html

    team = await make_circle(db, anna, name="Wijkteam Noord")
    asked = await chat.post_message(db, anna, team.id or 0, body="@Ids voor hoe laat moet ik me ziekmelden?")
    reply = await eventually(lambda: ids_reply(context, team.id or 0))
    assert reply.reply_to_id == asked.id  # in the chat, as a reply to the question
    assert "8.30 uur" in reply.body

    post = await posts.create_post(db, anna, team.id or 0, body="Weet @Ids waar ik me ziek moet melden?")

    async def comment() -> Comment | None:
        async with context.db() as session:
            statement = select(Comment).where(Comment.post_id == post.id, Comment.author_id == ids_user.id)
            return (await session.exec(statement)).first()

    assert "leidinggevende" in (await eventually(comment)).body
    # Each question was answered once, and Ids' own words asked nothing.
    states = (await db.exec(select(AssistantQuestion.state).order_by(col(AssistantQuestion.id)))).all()
    assert states == [AskState.ANSWERED] * 3


async def test_it_says_it_does_not_know_names_who_may_and_answers_once(
    db: AsyncSession, context: AppContext, visitor: Visitor
) -> None:
    await make_user(db, "Orhan Aydin", skills=["salarisadministratie", "pensioen"])
    ilse = await make_user(db, "Ilse Koopman", role=Role.EDITOR)
    # Close to the question but no answer to it: who keeps it may know more.
    await knowledge_pages.create_page(db, ilse, title="Pensioenfonds", body="Deze pagina wordt nog aangevuld.")
    anna = await make_user(db, "Anna de Vries")
    ids_user = await assistant.assistant_user(db)
    conversation = await direct.open_conversation(db, anna, [ids_user.id or 0])
    await chat.post_message(db, anna, conversation.id or 0, body="Hoeveel pensioen bouw ik op?")
    answer = await eventually(lambda: ids_reply(context, conversation.id or 0))
    assert "Dat weet ik niet" in answer.body
    assert "Orhan Aydin" in answer.body
    assert "Ilse Koopman" in answer.body
    ask_link = answer.html.split("Orhan Aydin</a>", 1)[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert ask_link.startswith("/people/")
    assert "/ask?q=" in ask_link

    # "vraag het Orhan" opens the question ready to send; one click sends it to him.
    await visitor.sign_in(anna)
    page = await visitor.get(ask_link)
    assert page.status_code == 200
    assert "Hoeveel pensioen bouw ik op?" in page.text
    sent = await visitor.submit(ask_link.split("?")[0], {"question": "Hoeveel pensioen bouw ik op?"}, page=ask_link)
    assert sent.status_code == 303
    assert ["Orhan Aydin"] in [[p.name for p in people] for _, people in await direct.conversations(db, anna)]

    # Several workers looking at one question at once: it is answered once.
    question = await chat.post_message(db, anna, conversation.id or 0, body="Wat is de pincode van de kluis?")
    claimed = await asyncio.gather(
        *(_answer(context, question.id or 0) for _ in range(3)),
    )
    assert sum(claimed) <= 1
    await eventually(lambda: _answered(context, question.id or 0))
    async with context.db() as session:
        replies = (
            await session.exec(
                select(Message).where(
                    Message.circle_id == conversation.id,
                    Message.author_id == ids_user.id,
                    col(Message.id) > question.id,
                )
            )
        ).all()
    assert len(replies) == 1


async def _answer(context: AppContext, message_id: int) -> bool:
    async with context.db() as session:
        question = (
            await session.exec(select(AssistantQuestion.id).where(AssistantQuestion.source_id == message_id))
        ).one()
        return await answering.answer_question(session, question, lambda _: lambda text: text, url_of)


async def _answered(context: AppContext, message_id: int) -> bool | None:
    async with context.db() as session:
        state = (
            await session.exec(select(AssistantQuestion.state).where(AssistantQuestion.source_id == message_id))
        ).one()
        return True if state is AskState.ANSWERED else None


async def test_what_ids_could_not_answer_is_listed_for_editors_only_from_messages_and_open_circles(
    db: AsyncSession, context: AppContext
) -> None:
    anna = await make_user(db, "Anna de Vries")
    ids_user = await assistant.assistant_user(db)
    conversation = await direct.open_conversation(db, anna, [ids_user.id or 0])
    open_circle = await make_circle(db, anna, name="Koffiehoek")
    secret = await make_circle(db, anna, CircleVisibility.SECRET, name="Vertrouwenscommissie")
    asked = [
        (conversation.id or 0, "Wat is de pincode van de kluis?"),
        (open_circle.id or 0, "@Ids wie heeft de sleutel van het fietshok?"),
        (secret.id or 0, "@Ids hoe dien ik een klacht over mijn leidinggevende in?"),
    ]
    for circle_id, text in asked:
        await chat.post_message(db, anna, circle_id, body=text)
        await eventually(partial(ids_reply, context, circle_id))

    async with context.db() as session:
        listed = (await session.exec(select(UnansweredQuestion.question).order_by(col(UnansweredQuestion.id)))).all()
    # What was said in a secret circle never reaches the editors' list; the other two do.
    assert listed == [asked[0][1], asked[1][1]]


async def test_ids_tells_a_circle_only_what_everyone_reading_it_may_read(db: AsyncSession, context: AppContext) -> None:
    """The asker reads a secret circle's page; asked in an open circle's chat, where others read
    along, Ids does not quote it. Asked in a message to Ids alone, it does."""
    hr = await make_user(db, "Henk Roos")
    secret = await make_circle(db, hr, CircleVisibility.SECRET, name="Personeelszaken intern")
    await knowledge_pages.create_page(
        db, hr, title="Salarisschalen", body="De salarisschaal van een wijkcoach is schaal 8.", circle_id=secret.id
    )
    open_circle = await make_circle(db, hr, name="Koffiehoek")
    ids_user = await assistant.assistant_user(db)

    await chat.post_message(db, hr, open_circle.id or 0, body="@Ids welke salarisschaal heeft een wijkcoach?")
    in_the_open = await eventually(partial(ids_reply, context, open_circle.id or 0))
    assert "schaal 8" not in in_the_open.body
    assert "Salarisschalen" not in in_the_open.body

    conversation = await direct.open_conversation(db, hr, [ids_user.id or 0])
    await chat.post_message(db, hr, conversation.id or 0, body="Welke salarisschaal heeft een wijkcoach?")
    alone = await eventually(partial(ids_reply, context, conversation.id or 0))
    assert "schaal 8" in alone.body
