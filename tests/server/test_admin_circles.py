"""The console's circles page over HTTP: an admin sees open and closed circles with their figures
and only the number of secret ones, archives a circle from it, and its page then says so."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Role
from services import chat, posts
from tests.support import BASE_URL, Visitor, make_circle, make_user


async def test_the_circles_console_names_no_secret_circle_and_archives(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    admin = await make_user(db, "Ada Beheer", role=Role.ADMIN)
    bram = await make_user(db, "Bram Beheerder")
    open_circle = await make_circle(db, bram, name="Fietsclub")
    await make_circle(db, bram, CircleVisibility.CLOSED, name="Bestuur")
    await make_circle(db, bram, CircleVisibility.SECRET, name="Geheime Santa")
    await posts.create_post(db, bram, open_circle.id or 0, body="Rondje IJsselmeer?")
    await chat.post_message(db, bram, open_circle.id or 0, body="Zondag?")

    visitor = await new_visitor()
    assert (await visitor.sign_in(admin)).status_code == 200
    page = await visitor.get("/beheer/kringen")
    assert page.status_code == 200
    assert 'href="/beheer/kringen" aria-current="page"' in page.text
    assert "Fietsclub" in page.text
    assert "Bestuur" in page.text
    assert "Bram Beheerder" in page.text
    assert "Geheime Santa" not in page.text
    assert "1 geheime kring" in page.text  # the admin's language is Dutch, the default

    archived = await visitor.http.post(
        f"/beheer/kringen/{open_circle.id}/archive",
        data={"csrf_token": visitor.csrf, "next": "overview"},
        headers={"Origin": BASE_URL},
    )
    assert archived.status_code == 303
    assert archived.headers["location"] == "/beheer/kringen"
    row = (await visitor.get("/beheer/kringen")).text.split(f'data-circle-row="{open_circle.id}"')[1].split("</tr>")[0]
    assert "Gearchiveerd" in row
    assert "Terugzetten" in row
    circle_page = (await visitor.get(f"/circles/{open_circle.id}")).text
    banner = circle_page.split("data-archived-banner")[1].split("</p>")[0]
    assert "hidden" not in banner.split(">")[0]
    assert "Gearchiveerd" in banner
