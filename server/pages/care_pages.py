"""Ids's care on the pages: a review reminder's actions ("still right", "update", "archive"),
the welcome's one-click join of a suggested circle,
the home page checklist's dismissal, the editors' "for new colleagues" mark on documents and
knowledge pages, and a circle's weekly round-up switch. Each asks its service, which holds the
rule (`documents.confirm_current` and friends, `circles.set_weekly_roundup`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.responses import Response
from starlette.routing import Route

from server.endpoints import Call, form_route, form_text, page_route
from services import circles, documents, knowledge_pages, welcome
from services.access import access_circle
from services.errors import N_

_ACTIONS = {"ok", "archive"}


def _id(call: Call, name: str) -> int:
    return int(call.request.path_params[name])


@dataclass(frozen=True)
class _Reviewed:
    """What the review page shows of a document or a knowledge page."""

    title: str
    url: str  # the item's own page
    edit_url: str  # where "update" leads
    actions: str  # the base of the two POST actions
    review_by: date | None
    archived: bool
    overdue: bool
    may_change: bool


def _review(call: Call, reviewed: _Reviewed) -> Response:
    chosen = call.request.query_params.get("do", "")
    return call.render("care_review.html", item=reviewed, chosen=chosen if chosen in _ACTIONS else "")


async def review_page(call: Call) -> Response:
    """Where a review reminder's links lead: the document and the three answers, the chosen one
    first. A document the reader may not see does not exist here either."""
    document = await documents.access_document(call.db, call.user, _id(call, "document_id"))
    url = f"/knowledge/documents/{document.id}"
    return _review(
        call,
        _Reviewed(
            title=document.title,
            url=url,
            edit_url=f"{url}#edit",
            actions=f"/ids/review/{document.id}",
            review_by=document.review_by,
            archived=document.archived_at is not None,
            overdue=documents.is_overdue(document),
            may_change=await documents.may_change(call.db, call.user, document),
        ),
    )


async def still_right(call: Call) -> Response:
    document = await documents.confirm_current(call.db, call.user, _id(call, "document_id"))
    return call.redirect(f"/knowledge/documents/{document.id}", message=N_("Thank you: it is marked as reviewed."))


async def archive(call: Call) -> Response:
    document = await documents.archive_document(call.db, call.user, _id(call, "document_id"))
    return call.redirect(f"/knowledge/documents/{document.id}", message=N_("The document is archived."))


async def page_review_page(call: Call) -> Response:
    """The same for a knowledge page, whose author Ids reminds."""
    page = await knowledge_pages.access_page(call.db, call.user, _id(call, "page_id"))
    url = f"/knowledge/pages/{page.id}"
    return _review(
        call,
        _Reviewed(
            title=page.title,
            url=url,
            edit_url=f"{url}/edit",
            actions=f"/ids/review/pages/{page.id}",
            review_by=page.review_by,
            archived=page.archived_at is not None,
            overdue=knowledge_pages.is_overdue(page),
            may_change=await knowledge_pages.may_edit(call.db, call.user, page),
        ),
    )


async def page_still_right(call: Call) -> Response:
    page = await knowledge_pages.confirm_current(call.db, call.user, _id(call, "page_id"))
    return call.redirect(f"/knowledge/pages/{page.id}", message=N_("Thank you: it is marked as reviewed."))


async def page_archive(call: Call) -> Response:
    page = await knowledge_pages.archive_page(call.db, call.user, _id(call, "page_id"))
    return call.redirect(f"/knowledge/pages/{page.id}", message=N_("The page is archived."))


async def join_page(call: Call) -> Response:
    """Where a welcome's "join" link leads: the circle and one button, which posts to the
    circle's own join (`circles.join_circle`: an open circle joins, a closed one is asked). A
    circle the colleague may not see does not exist here either."""
    access = await access_circle(call.db, call.user, _id(call, "circle_id"))
    return call.render("care_join.html", access=access, circle=access.circle)


async def dismiss_checklist(call: Call) -> Response:
    await welcome.dismiss_checklist(call.db, call.user)
    return call.redirect("/")


def _newcomer_form(call: Call) -> tuple[bool, str]:
    return form_text(call, "for_newcomers") == "on", form_text(call, "newcomer_team")


async def mark_document(call: Call) -> Response:
    on, team = _newcomer_form(call)
    document = await documents.mark_for_newcomers(call.db, call.user, _id(call, "document_id"), on=on, team=team)
    return call.redirect(f"/knowledge/documents/{document.id}", message=N_("Saved."))


async def mark_page(call: Call) -> Response:
    on, team = _newcomer_form(call)
    page = await knowledge_pages.mark_for_newcomers(call.db, call.user, _id(call, "page_id"), on=on, team=team)
    return call.redirect(f"/knowledge/pages/{page.id}", message=N_("Saved."))


async def weekly_roundup(call: Call) -> Response:
    circle_id = _id(call, "circle_id")
    await circles.set_weekly_roundup(call.db, call.user, circle_id, on=form_text(call, "weekly_roundup") == "on")
    return call.redirect(f"/circles/{circle_id}", message=N_("Saved."))


routes: list[Route] = [
    page_route("/ids/review/{document_id:int}", review_page, name="care_review"),
    form_route("/ids/review/{document_id:int}/ok", still_right, name="care_review_ok"),
    form_route("/ids/review/{document_id:int}/archive", archive, name="care_review_archive"),
    page_route("/ids/review/pages/{page_id:int}", page_review_page, name="care_page_review"),
    form_route("/ids/review/pages/{page_id:int}/ok", page_still_right, name="care_page_review_ok"),
    form_route("/ids/review/pages/{page_id:int}/archive", page_archive, name="care_page_review_archive"),
    page_route("/ids/join/{circle_id:int}", join_page, name="care_join"),
    form_route("/ids/checklist/dismiss", dismiss_checklist, name="care_checklist_dismiss"),
    form_route("/knowledge/documents/{document_id:int}/newcomers", mark_document, name="document_newcomers"),
    form_route("/knowledge/pages/{page_id:int}/newcomers", mark_page, name="page_newcomers"),
    form_route("/circles/{circle_id:int}/weekly-roundup", weekly_roundup, name="circle_weekly_roundup"),
]
