"""Moderation's pages: the report form every colleague reaches from an item's menu, the queue at
/moderatie for whoever moderates something (editors, organisation and circle admins; the
service decides which reports each sees), and /moderatie/mine, where a reporter reads the
outcome. Not org-admin-only, so these are plain page and form routes; the admin console links
the queue from its navigation."""

from __future__ import annotations

from starlette.responses import Response

from models import ReportedKind, User
from server.auth import client_address
from server.endpoints import Call, form_route, form_text, page_route
from services import moderation
from services.errors import N_, NotFound

QUEUE = "/moderatie"


def _item(call: Call) -> tuple[ReportedKind, int]:
    return moderation.parse_kind(call.request.path_params["kind"]), int(call.request.path_params["item_id"])


async def report_form(call: Call) -> Response:
    kind, item_id = _item(call)
    found = await moderation.reportable(call.db, call.user, kind, item_id)
    return call.render("report.html", found=found, limit=moderation.MAX_REASON)


async def send_report(call: Call) -> Response:
    kind, item_id = _item(call)
    found = await moderation.reportable(call.db, call.user, kind, item_id)
    await moderation.report(call.db, call.user, kind, item_id, reason=form_text(call, "reason"))
    return call.redirect(found.url, message=N_("Thank you. A moderator will look at your report."))


async def _ensure_queue(call: Call) -> None:
    if not await moderation.moderates_somewhere(call.db, call.user):
        raise NotFound(N_("No such page."))


async def queue(call: Call) -> Response:
    await _ensure_queue(call)
    entries = await moderation.queue(call.db, call.user)
    hidden = await moderation.hidden_items(call.db, call.user)
    authors = {
        author.id: author
        for author in [await call.db.get(User, item.author_id) for item in hidden]
        if author is not None
    }
    return call.render("moderation.html", entries=entries, hidden=hidden, authors=authors)


async def hide(call: Call) -> Response:
    kind, item_id = _item(call)
    await moderation.hide(
        call.db, call.user, kind, item_id, reason=form_text(call, "reason"), address=client_address(call.request)
    )
    return call.redirect(QUEUE, message=N_("Hidden. The author and the reporters have been told."))


async def keep(call: Call) -> Response:
    kind, item_id = _item(call)
    await moderation.keep(call.db, call.user, kind, item_id, address=client_address(call.request))
    return call.redirect(QUEUE, message=N_("Left as it is. The reporters have been told."))


async def restore(call: Call) -> Response:
    kind, item_id = _item(call)
    await moderation.restore(call.db, call.user, kind, item_id, address=client_address(call.request))
    return call.redirect(QUEUE, message=N_("Shown again. The author has been told."))


async def my_reports(call: Call) -> Response:
    reports = await moderation.my_reports(call.db, call.user)
    items = {(r.item_kind, r.item_id): await moderation.load(call.db, r.item_kind, r.item_id) for r in reports}
    return call.render("my_reports.html", reports=reports, items=items)


_ITEM = "/moderatie/{kind}/{item_id:int}"
routes = [
    page_route(QUEUE, queue, name="moderation_queue"),
    page_route("/moderatie/mine", my_reports, name="moderation_mine"),
    page_route(f"{_ITEM}/report", report_form, name="moderation_report_form"),
    form_route(f"{_ITEM}/report", send_report, name="moderation_report"),
    form_route(f"{_ITEM}/hide", hide, name="moderation_hide"),
    form_route(f"{_ITEM}/keep", keep, name="moderation_keep"),
    form_route(f"{_ITEM}/restore", restore, name="moderation_restore"),
]
