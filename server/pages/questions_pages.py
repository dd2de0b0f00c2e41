"""Questions on the pages: marking a post as a question, accepting (or withdrawing) its answer."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.endpoints import Call, form_route, form_text
from server.pagination import is_number
from services import questions
from services.errors import N_, Invalid


def _post_id(call: Call) -> int:
    return int(call.request.path_params["post_id"])


async def mark(call: Call) -> Response:
    post_id = _post_id(call)
    question = form_text(call, "question") == "on"
    await questions.mark_question(call.db, call.user, post_id, question=question)
    message = N_("Marked as a question.") if question else N_("This is no longer a question.")
    return call.redirect(f"/posts/{post_id}", message=message)


async def accept(call: Call) -> Response:
    post_id = _post_id(call)
    if form_text(call, "withdraw") == "on":
        await questions.accept_answer(call.db, call.user, post_id, None)
        return call.redirect(f"/posts/{post_id}#comments", message=N_("The answer is no longer accepted."))
    value = form_text(call, "comment_id")
    if not is_number(value):
        raise Invalid(N_("That is not a number."), field="comment_id")
    await questions.accept_answer(call.db, call.user, post_id, int(value))
    return call.redirect(f"/posts/{post_id}#comment-{value}", message=N_("The answer is accepted."))


routes: list[Route] = [
    form_route("/posts/{post_id:int}/question", mark, name="question_mark"),
    form_route("/posts/{post_id:int}/accepted-answer", accept, name="question_accept"),
]
