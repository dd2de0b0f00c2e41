"""The home page: for now the colleague's circles and invitations; the stream comes with it."""

from __future__ import annotations

from starlette.responses import Response

from server.endpoints import Call, page_route
from services import circles


async def home(call: Call) -> Response:
    my_circles = await circles.list_circles(call.db, call.user, mine=True, limit=200)
    invitations = await circles.pending_invitations(call.db, call.user)
    return call.render("home.html", my_circles=my_circles, invitations=invitations)


routes = [page_route("/", home, name="home")]
