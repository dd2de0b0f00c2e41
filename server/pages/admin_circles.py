"""The console's circles section at /beheer/kringen: every open and closed circle with its
members, admins and activity; archiving, restoring and appointing an admin.

Built with the console's `admin_page`/`admin_form` (org admins only, 404 to anyone else); the
rules are `services.circle_admin`'s and `services.access`'s. A secret circle is only counted.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.auth import client_address
from server.endpoints import Call, form_text
from server.pages.admin_pages import SECTIONS, admin_form, admin_page
from services import circle_admin
from services.errors import N_, Invalid


def _circle_id(call: Call) -> int:
    return int(call.request.path_params["circle_id"])


def _back(call: Call) -> str:
    """Back to the circle's console page, or to the overview when the form came from there."""
    if form_text(call, "next") == "overview":
        return "/beheer/kringen"
    return f"/beheer/kringen/{_circle_id(call)}"


async def overview(call: Call) -> Response:
    found = await circle_admin.overview(call.db, call.user)
    return call.render("admin/circles.html", sections=SECTIONS, overview=found, recent_days=circle_admin.RECENT_DAYS)


async def circle(call: Call) -> Response:
    found, members = await circle_admin.circle_for_admin(call.db, call.user, _circle_id(call))
    return call.render("admin/circle.html", sections=SECTIONS, circle=found, members=members)


async def archive(call: Call) -> Response:
    await circle_admin.archive(call.db, call.user, _circle_id(call), address=client_address(call.request))
    return call.redirect(_back(call), message=N_("The circle is archived: it can be read, but not added to."))


async def restore(call: Call) -> Response:
    await circle_admin.restore(call.db, call.user, _circle_id(call), address=client_address(call.request))
    return call.redirect(_back(call), message=N_("The circle is back."))


async def appoint(call: Call) -> Response:
    raw = form_text(call, "user_id")
    if not raw.isdigit() or len(raw) > 9:
        raise Invalid(N_("Choose a member."), field="user_id")
    await circle_admin.appoint_admin(
        call.db, call.user, _circle_id(call), int(raw), address=client_address(call.request)
    )
    return call.redirect(_back(call), message=N_("The member is now an admin of the circle."))


_K = "/beheer/kringen/{circle_id:int}"
routes: list[Route] = [
    admin_page("/beheer/kringen", overview, name="admin_circles"),
    admin_page(_K, circle, name="admin_circle"),
    admin_form(f"{_K}/archive", archive, name="admin_circle_archive"),
    admin_form(f"{_K}/restore", restore, name="admin_circle_restore"),
    admin_form(f"{_K}/admins", appoint, name="admin_circle_appoint"),
]
