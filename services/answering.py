"""Ids answering: the background runner that claims each question and writes the answer.

A question (`services.assistant_questions`) is answered after the asker's item commits, by the
`Answerer` the web process's lifespan owns (woken by the unit of work's `Outbox`, and looking
once at start-up and every `LOOK_EVERY` seconds for questions left behind). The answer is
written by the assistant through the same operations as a colleague's words: a message in the
conversation, a reply in the circle's chat, a comment on the post, a reply to the comment; each
as the asker's delegate (`access.acting_for`), so it goes only where the asker may write, and
it says only what `services.answers` found among what the asker may read.

Guarantees: each question is answered once however many workers run (the claim in
`assistant_questions.claim`; the answer and the question's `answered` state commit together);
a question the asker may no longer be answered in (they left the circle, the post is gone) is
closed without an answer; a failure of Kring's own leaves the claim to go stale and be retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from urllib.parse import quote

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    AssistantQuestion,
    Circle,
    CircleKind,
    Comment,
    Membership,
    Message,
    QuestionSource,
    SearchItem,
    User,
)
from models.database import SessionMaker
from services import answers, assistant, assistant_care, assistant_questions, chat, comments, search_text
from services.access import outsiders_read
from services.errors import N_, KringError
from services.transactions import unit_of_work

log = logging.getLogger("kring.answering")

LOOK_EVERY = 30.0  # seconds: a question whose worker stopped mid-answer is found again
Translate = Callable[[str | None], Callable[[str], str]]  # a colleague's locale -> gettext
LinkOf = Callable[[SearchItem], str]  # where a found item is shown

HERE = N_("This is what I found:")
SOURCE = N_("Source:")
ALSO = N_("Also worth reading:")
UNKNOWN = N_("I don't know: I found nothing that answers this among what you may see.")
PERHAPS = N_("Perhaps one of these helps:")
ASK_THEM = N_("These colleagues may know:")
ASK = N_("ask %(name)s")
NOBODY = N_("Try asking in a circle about the subject.")
IN_A_CIRCLE = N_("Or ask it in one of your circles:")
ASK_CIRCLE = N_("ask it there")
_MENTION = re.compile(r"@[\w.\-]+")


def _label(body: str) -> str:
    """A title for a circle post, which has none: its first line, cut to a few words."""
    first = search_text.plain(body.strip().split("\n", 1)[0], markdown=True)
    return first if len(first) <= 60 else first[:57].rsplit(" ", 1)[0] + "…"


def compose(answer: answers.Answer, gettext: Callable[[str], str], link_of: LinkOf) -> str:
    """The answer as the Markdown message Ids sends."""

    def source(scored: answers.Scored) -> str:
        item = scored.passage.item
        return f"[{_escape(item.title or _label(item.body))}]({link_of(item)})"

    lines: list[str] = []
    if answer.best is not None:
        lines += [gettext(HERE), "", "> " + _escape(_quote(answer.best.passage.text)), ""]
        lines += [f"{gettext(SOURCE)} {source(answer.best)}"]
        if answer.others:
            lines += ["", gettext(ALSO), *(f"- {source(other)}" for other in answer.others)]
        return "\n".join(lines)
    lines += [gettext(UNKNOWN)]
    if answer.others:
        lines += ["", gettext(PERHAPS), *(f"- {source(other)}" for other in answer.others)]
    if answer.people:
        lines += ["", gettext(ASK_THEM)]
        for person in answer.people:
            ask = gettext(ASK) % {"name": _escape(person.name.split()[0])}
            about = f" ({_escape(', '.join(person.skills[:3]))})" if person.skills else ""
            url = f"/people/{person.id}/ask?q={quote(answer.question[:500])}"
            lines.append(f"- [{_escape(person.name)}](/people/{person.id}){about}: [{ask}]({url})")
    if answer.circles:
        # Without its mentions: posted in the circle, it should not call Ids or colleagues again.
        asked = quote(" ".join(_MENTION.sub(" ", answer.question).split())[:500])
        lines += ["", gettext(IN_A_CIRCLE)]
        for circle in answer.circles:
            url = f"/circles/{circle.id}?ask={asked}#composer-body"
            lines.append(f"- [{_escape(circle.name)}](/circles/{circle.id}): [{gettext(ASK_CIRCLE)}]({url})")
    else:
        lines += ["", gettext(NOBODY)]
    return "\n".join(lines)


def _quote(text: str) -> str:
    return text if len(text) <= answers.QUOTE_CHARS else text[: answers.QUOTE_CHARS - 1].rstrip() + "…"


def _escape(text: str) -> str:
    """Text as Markdown shows it literally (a title with `*` or `[` stays a title)."""
    return "".join("\\" + char if char in "\\`*_[]<>#|" else char for char in text)


async def answer_question(db: AsyncSession, question_id: int, translate: Translate, link_of: LinkOf) -> bool:
    """Claim and answer one question; False when another worker has it or it needs none."""
    question = await assistant_questions.claim(db, question_id)
    if question is None:
        return False
    asker = await db.get(User, question.asker_id)
    ids = await assistant.assistant_user(db)
    if asker is None or not asker.is_active:
        await assistant_questions.answered(db, question_id, known=False)
        return False
    place = answers.PRIVATE if await _private(db, question, ids) else question.circle_id
    found = await answers.find(db, asker, question.text, drop=[ids.name], place=place)
    body = compose(found, translate(asker.locale), link_of)
    try:
        async with unit_of_work(db):
            await _reply(db, ids, asker, question, body)
            await assistant_questions.answered(db, question_id, known=found.known)
            if not found.known and await _may_be_listed(db, question, ids):
                await assistant_care.note_unanswered(db, question.text, asker.id or 0)
    except KringError as refused:  # the asker may no longer be answered there
        log.info("question %s is closed unanswered: %s", question_id, refused.message)
        await assistant_questions.answered(db, question_id, known=False)
        return False
    return True


async def _reply(db: AsyncSession, ids: User, asker: User, question: AssistantQuestion, body: str) -> None:
    match question.source:
        case QuestionSource.MESSAGE:
            asked = await db.get(Message, question.source_id)
            in_circle = asked is not None and not await _is_conversation(db, question.circle_id or 0)
            await chat.post_message(
                db,
                ids,
                question.circle_id or 0,
                body=body,
                reply_to_id=question.source_id if in_circle else None,
                limits=assistant.LIMITS,
                on_behalf_of=asker,
            )
        case QuestionSource.POST:
            await comments.add_comment(db, ids, question.source_id, body=body, on_behalf_of=asker)
        case QuestionSource.COMMENT:
            comment = await db.get(Comment, question.source_id)
            if comment is None:
                return
            await comments.add_comment(db, ids, comment.post_id, body=body, parent_id=comment.id, on_behalf_of=asker)


async def _private(db: AsyncSession, question: AssistantQuestion, ids: User) -> bool:
    """Whether only the asker reads Ids' answer: a conversation of the two of them alone."""
    if question.source is not QuestionSource.MESSAGE or not await _is_conversation(db, question.circle_id or 0):
        return False
    members = await db.exec(select(Membership.user_id).where(Membership.circle_id == question.circle_id))
    return set(members.all()) == {question.asker_id, ids.id}


async def _may_be_listed(db: AsyncSession, question: AssistantQuestion, ids: User) -> bool:
    """Whether a question Ids could not answer may go on the editors' weekly list (its text,
    never who asked): asked of Ids alone in a message, or in an open circle; never what was
    said in a group conversation, a closed or a secret circle, which the editors may not read."""
    circle = await db.get(Circle, question.circle_id or 0)
    if circle is None:
        return False
    return (outsiders_read(circle.visibility) and circle.kind is not CircleKind.DIRECT) or (
        await _private(db, question, ids)
    )


async def _is_conversation(db: AsyncSession, circle_id: int) -> bool:
    circle = await db.get(Circle, circle_id)
    return circle is not None and circle.kind is CircleKind.DIRECT


class Answerer:
    """The runner (see the module docstring): one task looks for questions, each question is
    answered in a task of its own; `idle` is set while none waits or is being answered."""

    def __init__(
        self,
        sessions: SessionMaker,
        translate: Translate,
        link_of: LinkOf,
        *,
        on_assistant: Callable[[int], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._on_assistant = on_assistant
        self._translate = translate
        self._link_of = link_of
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._answering: dict[int, asyncio.Task[None]] = {}
        self._closing = False
        self.idle = asyncio.Event()

    def start(self) -> None:
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="kring-answerer")

    def wake(self) -> None:
        self.idle.clear()
        self._wake.set()

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        tasks = [*self._answering.values(), *([self._task] if self._task is not None else [])]
        if tasks:
            await asyncio.wait(tasks, timeout=10.0)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await self._meet_assistant()
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=LOOK_EVERY)
            self._wake.clear()
            if self._closing:
                return
            try:
                async with self._sessions() as db:
                    found = await assistant_questions.waiting(db)
            except Exception:
                log.exception("looking for questions failed")
                continue
            for question_id in found:
                if question_id not in self._answering:
                    self._answering[question_id] = asyncio.create_task(
                        self._answer(question_id), name=f"kring-answer-{question_id}"
                    )
            if not self._answering and not self._wake.is_set():
                self.idle.set()

    async def _meet_assistant(self) -> None:
        """Make the assistant's account if it is not there yet, and tell the app its id (for its
        presence); in the runner's task, so the worker starts without waiting for it."""
        while not self._closing:
            try:
                async with self._sessions() as db:
                    ids = await assistant.assistant_user(db)
            except Exception:
                log.exception("the assistant's account could not be read or made; trying again")
                await asyncio.sleep(LOOK_EVERY)
                continue
            if self._on_assistant is not None:
                self._on_assistant(ids.id or 0)
            return

    async def _answer(self, question_id: int) -> None:
        try:
            async with self._sessions() as db:
                await answer_question(db, question_id, self._translate, self._link_of)
        except Exception:
            log.exception("answering question %s failed; it is tried again once its claim is stale", question_id)
        finally:
            del self._answering[question_id]
            self._wake.set()
