"""The SCIM endpoint through the real app: the console's tokens, SCIM's errors, filters, pages,
ETags, removal, and groups as teams. (The RFC checks and the socket: tests/realtime/test_scim_live.py.)"""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, Role, User
from services import search
from tests.support import Visitor, make_user

SCIM = "/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


async def make_token(visitor: Visitor, name: str = "Entra ID") -> str:
    page = await visitor.submit("/beheer/koppelingen/tokens", {"name": name}, page="/beheer/koppelingen")
    assert page.status_code == 200
    return page.text.split('id="new-scim-token">')[1].split("<")[0]


def person(user_name: str, email: str, name: str, **more: Any) -> dict[str, Any]:
    return {"schemas": [USER], "userName": user_name, "displayName": name, "emails": [{"value": email}], **more}


async def team_of(db: AsyncSession, user_id: int) -> str:
    """The team as the app last wrote it: a new read, not this session's older copy."""
    await db.rollback()
    user = await db.get(User, user_id, populate_existing=True)
    assert user is not None
    return user.team


def scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type


async def test_only_a_live_token_from_the_console_provisions_and_both_are_audited(
    db: AsyncSession, visitor: Visitor
) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    await visitor.sign_in(admin)
    token = await make_token(visitor)
    assert token.startswith("kring_scim_")
    assert token not in (await visitor.get("/beheer/koppelingen")).text  # shown once only

    # The signed-in admin's cookie is no credential here, nor a colleague's own API token.
    scim_error(await visitor.get(f"{SCIM}/Users"), 401)
    api_token = (await visitor.write("POST", "/api/v1/tokens", json={"name": "script"})).json()["token"]
    refused = await visitor.http.get(f"{SCIM}/Users", headers={"Authorization": f"Bearer {api_token}"})
    scim_error(refused, 401)
    assert refused.headers["www-authenticate"] == "Bearer"
    bearer = {"Authorization": f"Bearer {token}"}
    config = await visitor.http.get(f"{SCIM}/ServiceProviderConfig", headers=bearer)
    assert config.json()["patch"]["supported"] is True
    assert config.json()["bulk"]["supported"] is False
    scim_error(await visitor.http.get(f"{SCIM}/Nothing", headers=bearer), 404)
    scim_error(await visitor.http.delete(f"{SCIM}/Schemas", headers=bearer), 405)

    listed = (await visitor.get("/beheer/koppelingen")).text
    token_id = listed.split('action="/beheer/koppelingen/tokens/')[1].split("/")[0]
    revoked = await visitor.submit(f"/beheer/koppelingen/tokens/{token_id}/revoke", {}, page="/beheer/koppelingen")
    assert revoked.status_code == 303
    scim_error(await visitor.http.get(f"{SCIM}/Users", headers=bearer), 401)
    entries = (await db.exec(select(AuditEntry).where(AuditEntry.subject_type == "scim_token"))).all()
    assert [(entry.action, entry.actor_id) for entry in entries] == [
        ("scim.token_created", admin.id),
        ("scim.token_revoked", admin.id),
    ]


async def test_a_directory_finds_pages_changes_and_removes_colleagues_and_keeps_teams(
    db: AsyncSession, visitor: Visitor
) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    invited = await make_user(db, "Bram Jansen", email="bram@rivierenland.nl")
    invited_id, admin_id = invited.id or 0, admin.id or 0
    await visitor.sign_in(admin)
    visitor.http.headers["Authorization"] = f"Bearer {await make_token(visitor)}"
    http = visitor.http

    # A colleague the directory did not make is found by their address as userName, any case.
    found = await http.get(f"{SCIM}/Users", params={"filter": 'userName eq "BRAM@rivierenland.nl"'})
    assert [user["id"] for user in found.json()["Resources"]] == [str(invited_id)]

    made = []
    for number in range(3):
        answer = await http.post(
            f"{SCIM}/Users",
            json=person(f"p{number}@rivierenland.nl", f"p{number}@rivierenland.nl", f"Persoon {number}"),
        )
        assert answer.status_code == 201
        assert answer.headers["etag"] == answer.json()["meta"]["version"]
        made.append(answer.json())
    scim_error(await http.post(f"{SCIM}/Users", json=person("P0@rivierenland.nl", "x@y.nl", "X")), 409, "uniqueness")
    scim_error(await http.post(f"{SCIM}/Users", json=person("bram@rivierenland.nl", "z@y.nl", "Z")), 409, "uniqueness")
    everyone = (await http.get(f"{SCIM}/Users")).json()
    page = (await http.get(f"{SCIM}/Users", params={"startIndex": 2, "count": 2})).json()
    assert page["totalResults"] == everyone["totalResults"] == 5  # the admin, Bram and three made
    assert [user["id"] for user in page["Resources"]] == [user["id"] for user in everyone["Resources"][1:3]]
    scim_error(await http.get(f"{SCIM}/Users", params={"filter": 'displayName co "P"'}), 400, "invalidFilter")

    # PATCH with the version read: applied; with a stale one: refused, nothing changed.
    first = made[0]
    change = {"schemas": [PATCH], "Operations": [{"op": "add", "path": "externalId", "value": "hr-17"}]}
    patched = await http.patch(
        f"{SCIM}/Users/{first['id']}", json=change, headers={"If-Match": first["meta"]["version"]}
    )
    assert patched.status_code == 200
    assert patched.json()["meta"]["version"] != first["meta"]["version"]
    stale = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "Coach"}]}
    refused = await http.patch(
        f"{SCIM}/Users/{first['id']}", json=stale, headers={"If-Match": first["meta"]["version"]}
    )
    scim_error(refused, 412)
    by_external = await http.get(f"{SCIM}/Users", params={"filter": 'externalId eq "hr-17"'})
    assert [(user["id"], user.get("title")) for user in by_external.json()["Resources"]] == [(first["id"], None)]
    unchanged = await http.get(
        f"{SCIM}/Users/{first['id']}", headers={"If-None-Match": patched.json()["meta"]["version"]}
    )
    assert unchanged.status_code == 304

    # A group is a team: members get its name, a rename follows them, leaving clears it.
    group = await http.post(
        f"{SCIM}/Groups",
        json={"schemas": [GROUP], "displayName": "Buurtteam Noord", "members": [{"value": first["id"]}]},
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    rename = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "replace", "path": "displayName", "value": "Buurtteam Zuid"},
            {"op": "add", "path": "members", "value": [{"value": str(invited_id)}]},
        ],
    }
    assert (await http.patch(f"{SCIM}/Groups/{group_id}", json=rename)).status_code == 200
    assert await team_of(db, int(first["id"])) == await team_of(db, invited_id) == "Buurtteam Zuid"
    leave = {"schemas": [PATCH], "Operations": [{"op": "remove", "path": f'members[value eq "{invited_id}"]'}]}
    assert (await http.patch(f"{SCIM}/Groups/{group_id}", json=leave)).status_code == 200
    assert await team_of(db, invited_id) == ""
    user_groups = (await http.get(f"{SCIM}/Users/{first['id']}")).json()["groups"]
    assert [(entry["value"], entry["display"]) for entry in user_groups] == [(group_id, "Buurtteam Zuid")]

    # DELETE removes: deactivated, personal fields gone, no longer a SCIM user, not findable.
    assert (await http.delete(f"{SCIM}/Users/{first['id']}")).status_code == 204
    scim_error(await http.get(f"{SCIM}/Users/{first['id']}"), 404)
    await db.rollback()
    removed = await db.get(User, int(first["id"]), populate_existing=True)
    assert removed is not None
    assert (removed.name, removed.is_active, removed.team, removed.job_title) == ("Oud-collega", False, "", "")
    assert "p0@" not in removed.email
    reader = await db.get(User, admin_id)
    assert reader is not None
    assert (await search.search(db, reader, search.Query(text="Persoon 0"))).hits == []
    again = await http.post(f"{SCIM}/Users", json=person("p0@rivierenland.nl", "p0@rivierenland.nl", "Persoon 0"))
    assert again.status_code == 201  # the userName and the address are free again
    actions = (
        await db.exec(
            select(AuditEntry.action, AuditEntry.actor_name).where(
                AuditEntry.subject_id == int(first["id"]), AuditEntry.subject_type == "user"
            )
        )
    ).all()
    assert [action for action, _ in actions] == [
        "scim.user_created",
        "scim.user_changed",
        "user.deactivated",
        "scim.user_removed",
    ]
    assert {name for _, name in actions} == {"SCIM: Entra ID"}
