"""Circles over the JSON API and the pages: what each colleague may see and do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility
from tests.support import Visitor, add_member, make_circle, make_user


async def test_secret_circle_is_invisible_to_non_members_everywhere(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db, "Samira Geheim")
    outsider = await make_user(db, "Olaf Buiten")
    secret = await make_circle(db, owner, CircleVisibility.SECRET, name="Vertrouwenspersonen")
    member_view, outsider_view = await new_visitor(), await new_visitor()
    await member_view.sign_in(owner)
    await outsider_view.sign_in(outsider)

    # The member sees it: proof the URLs below are right.
    assert (await member_view.get(f"/api/v1/circles/{secret.id}")).status_code == 200
    assert "Vertrouwenspersonen" in (await member_view.get("/circles")).text

    listed = (await outsider_view.get("/api/v1/circles")).json()["items"]
    assert listed == []
    for url in (f"/api/v1/circles/{secret.id}", f"/api/v1/circles/{secret.id}/members"):
        response = await outsider_view.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    joined = await outsider_view.write("POST", f"/api/v1/circles/{secret.id}/join", json={})
    assert joined.status_code == 404
    page = await outsider_view.get(f"/circles/{secret.id}")
    assert page.status_code == 404
    assert "Vertrouwenspersonen" not in page.text
    assert "Vertrouwenspersonen" not in (await outsider_view.get("/circles")).text
    assert "Vertrouwenspersonen" not in (await outsider_view.get(f"/people/{owner.id}")).text
    # A missing circle and a secret one answer alike, so ids cannot be probed.
    missing = await outsider_view.get("/api/v1/circles/999999")
    assert missing.json() == (await outsider_view.get(f"/api/v1/circles/{secret.id}")).json()


async def test_closed_circle_members_list_needs_membership(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db, "Bart Beheer")
    member = await make_user(db, "Mila Lid")
    outsider = await make_user(db, "Noor Nieuw")
    closed = await make_circle(db, owner, CircleVisibility.CLOSED, name="Intervisie")
    await add_member(db, owner, closed, member)
    member_view, outsider_view = await new_visitor(), await new_visitor()
    await member_view.sign_in(member)
    await outsider_view.sign_in(outsider)

    refused = await outsider_view.get(f"/api/v1/circles/{closed.id}/members")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    circle = (await outsider_view.get(f"/api/v1/circles/{closed.id}")).json()
    assert circle["name"] == "Intervisie"
    assert circle["member_count"] == 2
    assert not circle["is_member"]
    page = await outsider_view.get(f"/circles/{closed.id}")
    assert page.status_code == 200
    assert "Mila Lid" not in page.text

    names = [m["user"]["name"] for m in (await member_view.get(f"/api/v1/circles/{closed.id}/members")).json()["items"]]
    assert names == ["Bart Beheer", "Mila Lid"]
    assert "Mila Lid" in (await member_view.get(f"/circles/{closed.id}")).text


async def test_request_and_approval_over_the_api(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db)
    joiner = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    admin_view, joiner_view = await new_visitor(), await new_visitor()
    await admin_view.sign_in(owner)
    await joiner_view.sign_in(joiner)

    asked = await joiner_view.write("POST", f"/api/v1/circles/{closed.id}/join", json={"message": "Graag!"})
    assert asked.json()["status"] == "requested"
    assert asked.json()["circle"]["join_requested"] is True
    refused = await joiner_view.get(f"/api/v1/circles/{closed.id}/requests")
    assert refused.status_code == 403

    requests = (await admin_view.get(f"/api/v1/circles/{closed.id}/requests")).json()["items"]
    assert [(r["user"]["id"], r["message"]) for r in requests] == [(joiner.id, "Graag!")]
    decided = await admin_view.write(
        "POST", f"/api/v1/circles/{closed.id}/requests/{requests[0]['id']}", json={"approve": True}
    )
    assert decided.status_code == 200
    assert (await joiner_view.get(f"/api/v1/circles/{closed.id}")).json()["is_member"] is True
    assert (await joiner_view.get(f"/api/v1/circles/{closed.id}/members")).status_code == 200


async def test_join_and_leave_an_open_circle(db: AsyncSession, visitor: Visitor) -> None:
    owner = await make_user(db)
    user = await make_user(db)
    circle = await make_circle(db, owner, name="Recepten")
    await visitor.sign_in(user)
    joined = await visitor.write("POST", f"/api/v1/circles/{circle.id}/join", json={})
    assert joined.json()["status"] == "joined"
    assert joined.json()["circle"]["member_count"] == 2
    mine = (await visitor.get("/api/v1/circles?mine=true")).json()["items"]
    assert [c["name"] for c in mine] == ["Recepten"]
    assert (await visitor.write("POST", f"/api/v1/circles/{circle.id}/leave")).status_code == 200
    assert (await visitor.get("/api/v1/circles?mine=true")).json()["items"] == []


async def test_circle_input_is_validated_with_clear_errors(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await visitor.sign_in(user)
    bad_kind = await visitor.write(
        "POST", "/api/v1/circles", json={"name": "X y", "kind": "club", "visibility": "open"}
    )
    assert bad_kind.status_code == 422
    assert bad_kind.json()["error"]["field"] == "kind"
    bad_color = await visitor.write(
        "POST", "/api/v1/circles", json={"name": "Kleur", "kind": "team", "visibility": "open", "color": "red"}
    )
    assert bad_color.status_code == 422
    assert bad_color.json()["error"]["field"] == "color"
    ok = await visitor.write("POST", "/api/v1/circles", json={"name": "Kleur", "kind": "team", "visibility": "open"})
    assert ok.status_code == 201
    duplicate = await visitor.write(
        "POST", "/api/v1/circles", json={"name": "kleur", "kind": "team", "visibility": "open"}
    )
    assert duplicate.status_code == 409
    assert (await visitor.get("/api/v1/circles?kind=club")).status_code == 422
    assert (await visitor.get("/api/v1/circles?limit=0")).status_code == 422
    assert (await visitor.get("/api/v1/circles?before=%%%")).status_code == 422


async def test_circle_list_pages_with_a_cursor(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    for name in ("Appel", "Banaan", "Citroen", "Dadel", "Eik"):
        await make_circle(db, user, name=name)
    await visitor.sign_in(user)
    seen: list[str] = []
    url = "/api/v1/circles?limit=2"
    while True:
        page = (await visitor.get(url)).json()
        seen += [c["name"] for c in page["items"]]
        if page["next"] is None:
            break
        url = f"/api/v1/circles?limit=2&before={page['next']}"
    assert seen == ["Appel", "Banaan", "Citroen", "Dadel", "Eik"]


async def test_forms_run_the_circle_from_the_pages(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db, "Eva Eigenaar")
    guest = await make_user(db, "Gijs Gast", email="gijs@kring.test")
    admin_view, guest_view = await new_visitor(), await new_visitor()
    await admin_view.sign_in(owner)
    await guest_view.sign_in(guest)

    created = await admin_view.submit(
        "/circles", {"name": "Buurtcoaches", "kind": "knowledge", "visibility": "secret", "color": "#aa3300"}
    )
    assert created.status_code == 303
    circle_url = created.headers["location"]
    circle_id = int(circle_url.rsplit("/", 1)[1])
    assert (await guest_view.get(circle_url)).status_code == 404

    invited = await admin_view.submit(f"{circle_url}/invite", {"email": "gijs@kring.test"}, page=circle_url)
    assert invited.status_code == 303
    home = await guest_view.get("/")
    assert "Buurtcoaches" in home.text
    accepted = await guest_view.submit(f"{circle_url}/join", {}, page=circle_url)
    assert accepted.status_code == 303
    members = (await guest_view.get(f"/api/v1/circles/{circle_id}/members")).json()["items"]
    assert {m["user"]["name"] for m in members} == {"Eva Eigenaar", "Gijs Gast"}

    removed = await admin_view.submit(f"{circle_url}/members/{guest.id}/remove", {}, page=circle_url)
    assert removed.status_code == 303
    assert (await guest_view.get(circle_url)).status_code == 404


async def test_form_errors_come_back_as_a_message_on_the_page(db: AsyncSession, visitor: Visitor) -> None:
    user = await make_user(db)
    await make_circle(db, user, name="Bestaat al")
    await visitor.sign_in(user)
    response = await visitor.submit(
        "/circles", {"name": "Bestaat al", "kind": "team", "visibility": "open"}, page="/circles"
    )
    assert response.status_code == 303
    page = await visitor.get(response.headers["location"])
    assert "Er bestaat al een kring met die naam." in page.text  # Dutch: the default language
    again = await visitor.get("/circles")
    assert "flash" not in again.text.split("<main")[0]  # shown once


async def test_a_name_probe_gets_the_same_answer_whether_or_not_a_secret_circle_has_it(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db, "Samira Geheim")
    outsider = await make_user(db, "Olaf Buiten")
    await make_circle(db, owner, CircleVisibility.SECRET, name="Vertrouwenspersonen")
    await make_circle(db, owner, CircleVisibility.SECRET, name="Klachtencommissie")
    prober, member = await new_visitor(), await new_visitor()
    await prober.sign_in(outsider)
    await member.sign_in(owner)

    def circle(name: str) -> dict[str, str]:
        return {"name": name, "kind": "interest", "visibility": "open"}

    async def answer(response: Awaitable[httpx.Response]) -> tuple[int, str | None]:
        given = await response
        return given.status_code, given.json().get("error", {}).get("code")

    # Creating: a name a secret circle has, and one nobody has, answer alike.
    taken = await answer(prober.write("POST", "/api/v1/circles", circle("vertrouwenspersonen")))
    free = await answer(prober.write("POST", "/api/v1/circles", circle("Niemands kring")))
    assert taken == free == (201, None)
    # Renaming too.
    mine = (await prober.write("POST", "/api/v1/circles", circle("Olafs kring"))).json()["id"]
    renamed_to_taken = await answer(prober.write("PATCH", f"/api/v1/circles/{mine}", {"name": "KLACHTENCOMMISSIE"}))
    renamed_to_free = await answer(prober.write("PATCH", f"/api/v1/circles/{mine}", {"name": "Nog een naam"}))
    assert renamed_to_taken == renamed_to_free == (200, None)
    # Among the circles one can see, a name is still one circle's: the secret circle's member
    # sees the outsider's open "vertrouwenspersonen" and may not make another.
    assert await answer(member.write("POST", "/api/v1/circles", circle("Vertrouwenspersonen"))) == (409, "conflict")
    # The lists tell the two apart by their visibility.
    listed = (await member.get("/circles")).text
    assert listed.count(">Vertrouwenspersonen<") == 1
    assert listed.count(">vertrouwenspersonen<") == 1
