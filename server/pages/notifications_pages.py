"""The notifications inbox, the header's drop-down, notification settings and unsubscribing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from models import DigestFrequency, NotificationKind, NotifyLevel
from server.context import app_context
from server.digest_mail import token_matches
from server.endpoints import Call, form_route, form_text, page_route, parse_enum
from server.notification_texts import NAMES_ITS_SUBJECT, kind_names
from server.pagination import is_number
from services import circles, notification_settings, notifications
from services import digest as digests
from services.errors import N_, NotFound

_PAGE = 30
_MENU = 8


def _before(call: Call) -> int | None:
    raw = call.request.query_params.get("before", "")
    return int(raw) if is_number(raw) else None


async def inbox(call: Call) -> Response:
    before = _before(call)
    found = await notifications.inbox(call.db, call.user, before=before, limit=_PAGE)
    older = found[-1].notification.id if len(found) == _PAGE else None
    return call.render(
        "notifications.html", lines=found, older=older, first_page=before is None, names_its_subject=NAMES_ITS_SUBJECT
    )


async def menu(call: Call) -> Response:
    """The header's drop-down: the newest few, fetched when it opens."""
    raw = call.request.query_params.get("limit", "")
    limit = min(int(raw), _PAGE) if is_number(raw) and raw != "0" else _MENU
    found = await notifications.inbox(call.db, call.user, limit=limit)
    return call.render("_notifications.html", lines=found, names_its_subject=NAMES_ITS_SUBJECT)


async def open_one(call: Call) -> Response:
    url = await notifications.open_notification(call.db, call.user, int(call.request.path_params["notification_id"]))
    return call.redirect(url)


async def read_all(call: Call) -> Response:
    await notifications.mark_read(call.db, call.user)
    return call.redirect("/notifications", message=N_("All notifications are marked as read."))


async def settings_page(call: Call) -> Response:
    choices = await notification_settings.preferences(call.db, call.user)
    levels = await notification_settings.circle_levels(call.db, call.user)
    mine = await circles.list_circles(call.db, call.user, mine=True, limit=500)
    return call.render(
        "notification_settings.html",
        choices=choices,
        kinds=kind_names(call.ctx.catalogs.get(call.locale)),
        circles=[(c, levels.get(c.id or 0, NotifyLevel.ALL)) for c in mine],
        levels=list(NotifyLevel),
        frequencies=list(DigestFrequency),
        title_parts=notifications.TITLE_PARTS,
    )


async def save_settings(call: Call) -> Response:
    assert call.form is not None
    wanted = set(call.form.getlist("kind"))
    muted = [kind for kind in NotificationKind if kind.value not in wanted]
    digest = parse_enum(DigestFrequency, form_text(call, "digest"), field="digest", message=N_("Choose how often."))
    # Unticked boxes are not sent: the form says it showed them, so a form without them (an older
    # page, a script) leaves the title's choice as it was.
    counted = None
    if call.form.get("title_counts_shown"):
        chosen_parts = {str(part) for part in call.form.getlist("title_count")}
        counted = [part for part in notifications.TITLE_PARTS if part in chosen_parts]
    await notification_settings.save_preferences(
        call.db, call.user, muted_kinds=muted, digest=digest, title_counts=counted
    )
    for circle_id, level in (await notification_settings.circle_levels(call.db, call.user)).items():
        chosen = form_text(call, f"circle-{circle_id}", level.value)
        new = _level(chosen)
        if new is not level:
            await notification_settings.set_circle_level(call.db, call.user, circle_id, new)
    return call.redirect("/notifications/settings", message=N_("Your notification settings are saved."))


def _level(value: str) -> NotifyLevel:
    return parse_enum(NotifyLevel, value, field="level", message=N_("Choose all, mentions or muted."))


async def save_circle_level(call: Call) -> Response:
    circle_id = int(call.request.path_params["circle_id"])
    level = parse_enum(
        NotifyLevel, form_text(call, "level"), field="level", message=N_("Choose all, mentions or muted.")
    )
    await notification_settings.set_circle_level(call.db, call.user, circle_id, level)
    return call.redirect(f"/circles/{circle_id}", message=N_("Your notification settings are saved."))


async def unsubscribe_page(call: Call) -> Response:
    user_id = int(call.request.path_params["user_id"])
    if not token_matches(call.ctx.settings, user_id, call.request.path_params["token"]):
        raise NotFound(N_("This link is not valid (any more)."))
    return call.render("unsubscribe.html", done=call.request.query_params.get("done") == "1")


async def unsubscribe(request: Request) -> Response:
    """The link's confirmation, and mail programs' one-click unsubscribe (RFC 8058): the token
    in the address is the proof, so no sign-in and no CSRF token are needed."""
    ctx = app_context(request)
    user_id = int(request.path_params["user_id"])
    if not token_matches(ctx.settings, user_id, request.path_params["token"]):
        return Response("This link is not valid.", status_code=404)
    async with ctx.db() as db:
        await digests.unsubscribe(db, user_id)
    return RedirectResponse(f"{request.url.path}?done=1", status_code=303)


_U = "/unsubscribe/{user_id:int}/{token:str}"
routes = [
    page_route("/notifications", inbox, name="notifications"),
    page_route("/notifications/menu", menu, name="notifications_menu", fragment=True),
    page_route("/notifications/settings", settings_page, name="notification_settings"),
    form_route("/notifications/settings", save_settings, name="notification_settings_save"),
    form_route("/notifications/read", read_all, name="notifications_read"),
    form_route("/notifications/{notification_id:int}/open", open_one, name="notification_open"),
    form_route("/circles/{circle_id:int}/notifications", save_circle_level, name="circle_notify"),
    page_route(_U, unsubscribe_page, name="unsubscribe", public=True),
    Route(_U, unsubscribe, methods=["POST"], name="unsubscribe_post"),
]
