"""The admin console over HTTP: refused to everyone but organisation admins (a sweep of the
router), invitations and reset links end to end with a real SMTP server, no enumeration,
throttling, the lockout message and the audit log's filter and export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.routing import Route

from harness import free_port
from models import Role, User
from services import accounts, chat, circles, comments, credentials, posts, sessions
from tests.server.test_digest_mail import Inbox, parts
from tests.support import BASE_URL, PASSWORD, Visitor, make_circle, make_user

ADMIN_PREFIXES = ("/beheer", "/api/admin")
NEW_PASSWORD = "een nieuw lang wachtwoord"
LINK = re.compile(r"http://kring\.test/(?:invitation|password/reset)/[A-Za-z0-9_-]+")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def settings_overrides(inbox: Inbox) -> dict[str, Any]:
    return {"smtp_url": f"smtp://127.0.0.1:{inbox.port}", "mail_from": "Kring <kring@kring.test>"}


def admin_routes(app: Starlette) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith(ADMIN_PREFIXES):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, re.sub(r"{\w+(:\w+)?}", "1", route.path)))
    return found


async def signed_in(new_visitor: Callable[[], Awaitable[Visitor]], user: User) -> Visitor:
    visitor = await new_visitor()
    assert (await visitor.sign_in(user)).status_code == 200
    return visitor


def link_in(mail: EmailMessage) -> str:
    plain, html = parts(mail)
    [link] = set(LINK.findall(plain))
    assert link in html
    return link.removeprefix(BASE_URL)


async def test_every_admin_route_refuses_a_colleague_who_is_not_an_admin(
    db: AsyncSession, app: Starlette, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    routes = admin_routes(app)
    assert ("GET", "/beheer") in routes
    assert ("GET", "/beheer/audit") in routes
    assert len(routes) >= 12
    admin = await make_user(db, role=Role.ADMIN)
    editor = await make_user(db, role=Role.EDITOR)  # communications, not an administrator
    for refused in (await make_user(db), editor):
        visitor = await signed_in(new_visitor, refused)
        for method, path in routes:
            if method == "GET":
                response = await visitor.get(path)
            else:
                data = {"csrf_token": visitor.csrf, "email": "x@kring.test", "name": "X", "role": "admin"}
                response = await visitor.http.request(method, path, data=data, headers={"Origin": BASE_URL})
            assert response.status_code in (403, 404), (refused.role, method, path, response.status_code)
            if method == "POST":  # refused before the body is read: no spooling someone else's upload
                broken = {"Origin": BASE_URL, "Content-Type": "multipart/form-data; boundary=x"}
                early = await visitor.http.post(path, content=b"--x\r\nnot a form", headers=broken)
                assert early.status_code == 404, (refused.role, path, early.status_code)
    assert (await accounts.any_user(db, admin.id or 0)).role is Role.ADMIN
    assert await credentials.open_invitations(db) == []
    # An anonymous visitor is sent to sign in; an admin gets the console.
    anonymous = await new_visitor()
    assert (await anonymous.get("/beheer")).status_code == 303
    console = await (await signed_in(new_visitor, admin)).get("/beheer")
    assert console.status_code == 200
    assert 'href="/beheer/audit"' in console.text


async def test_an_invited_colleague_sets_a_password_once_and_lands_signed_in(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]], inbox: Inbox
) -> None:
    admin = await signed_in(new_visitor, await make_user(db, "Ada Admin", role=Role.ADMIN))
    sent = await admin.submit(
        "/beheer/invitations",
        {
            "name": "Nina Nieuw",
            "email": "nina@kring.test",
            "team": "Zuid",
            "location": "Tiel",
            "role": "member",
            "locale": "nl",
        },
        page="/beheer",
    )
    assert sent.status_code == 303
    [mail] = inbox.take()
    assert mail["To"] == "Nina Nieuw <nina@kring.test>"
    assert mail["Subject"] == "Je bent uitgenodigd voor Kring"
    link = link_in(mail)

    nina = await new_visitor()
    page = await nina.get(link)
    assert page.status_code == 200
    assert "Nina Nieuw" in page.text
    token = await nina.form_token(link)
    accepted = await nina.http.post(
        link, data={"csrf_token": token, "password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/"
    me = (await nina.get("/api/v1/me")).json()
    assert (me["name"], me["email"]) == ("Nina Nieuw", "nina@kring.test")
    # Once only.
    assert (await (await new_visitor()).get(link)).status_code == 410


async def test_an_admin_resends_and_withdraws_invitations_and_invites_from_a_csv(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]], inbox: Inbox
) -> None:
    admin = await signed_in(new_visitor, await make_user(db, "Ada Admin", role=Role.ADMIN))
    upload = "name,email,team,location,role\nNina Nieuw,nina@kring.test,Zuid,Tiel,member\nOtto,otto@kring.test,,,baas\n"
    token = await admin.form_token("/beheer")
    result = await admin.http.post(
        "/beheer/invitations/csv",
        data={"csrf_token": token},
        files={"file": ("mensen.csv", upload.encode(), "text/csv")},
        headers={"Origin": BASE_URL},
    )
    assert result.status_code == 200
    assert "Regel 3" in result.text
    [first] = inbox.take()
    [invitation] = await credentials.open_invitations(db)
    assert (await admin.submit(f"/beheer/invitations/{invitation.id}/resend", {}, page="/beheer")).status_code == 303
    [second] = inbox.take()
    assert (await (await new_visitor()).get(link_in(first))).status_code == 410  # the old link stopped
    assert (await admin.submit(f"/beheer/invitations/{invitation.id}/revoke", {}, page="/beheer")).status_code == 303
    assert (await (await new_visitor()).get(link_in(second))).status_code == 410


async def test_forgot_password_answers_alike_for_known_and_unknown_addresses(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]], inbox: Inbox
) -> None:
    user = await make_user(db, "Bram Bakker")
    visitor = await new_visitor()
    answers = []
    for email in (user.email, "niemand@kring.test"):
        response = await visitor.submit("/password/forgot", {"email": email}, page="/password/forgot")
        answers.append((response.status_code, response.text))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    [mail] = inbox.take()  # only the known address got a mail
    assert mail["To"] == f"Bram Bakker <{user.email}>"


async def test_a_reset_link_sets_the_password_signs_in_and_ends_the_other_sessions(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]], inbox: Inbox
) -> None:
    user = await make_user(db, "Bram Bakker")
    elsewhere = await signed_in(new_visitor, user)
    visitor = await new_visitor()
    await visitor.submit("/password/forgot", {"email": user.email}, page="/password/forgot")
    [mail] = inbox.take()
    link = link_in(mail)
    token = await visitor.form_token(link)
    done = await visitor.http.post(
        link, data={"csrf_token": token, "password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    )
    assert done.status_code == 303
    assert (await visitor.get("/api/v1/me")).status_code == 200
    assert (await elsewhere.get("/api/v1/me")).status_code == 401
    assert (await visitor.get(link)).status_code == 410  # used


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_forgot_password_is_throttled(
    db: AsyncSession, visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    user = await make_user(db)
    statuses = []
    for _ in range(4):
        response = await visitor.submit("/password/forgot", {"email": user.email}, page="/password/forgot")
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("settings_overrides", [{"limit_login_per_account": 2}])
async def test_the_login_page_offers_a_reset_and_says_at_what_time_to_try_again(
    db: AsyncSession, visitor: Visitor, settings_overrides: dict[str, Any]
) -> None:
    user = await make_user(db)
    page = await visitor.get("/login")
    assert 'href="/password/forgot"' in page.text
    assert "Wachtwoord vergeten?" in page.text
    token = await visitor.form_token("/login")
    for _ in range(2):
        await visitor.http.post("/login", data={"email": user.email, "password": "guess", "csrf_token": token})
    locked = await visitor.http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429
    assert re.search(r"Je kunt het om \d{1,2}:\d\d opnieuw proberen\.", locked.text)


async def test_an_admin_changes_a_colleague_deactivates_unlocks_and_reads_it_in_the_audit_log(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    ada = await make_user(db, "Ada Admin", role=Role.ADMIN)
    admin = await signed_in(new_visitor, ada)
    colleague = await make_user(db, "=Cees Collega", team="Centrum")
    theirs = await signed_in(new_visitor, colleague)
    path = f"/beheer/people/{colleague.id}"
    saved = await admin.submit(
        path, {"team": "Noord", "location": "Tiel", "job_title": "Buurtcoach", "role": "editor"}, page=path
    )
    assert saved.status_code == 303
    assert (await admin.submit(f"{path}/unlock", {}, page=path)).status_code == 303
    assert (await admin.submit(f"{path}/deactivate", {}, page=path)).status_code == 303
    assert (await theirs.get("/api/v1/me")).status_code == 401
    assert (await admin.submit(f"{path}/reactivate", {}, page=path)).status_code == 303
    changed = await accounts.any_user(db, colleague.id or 0)
    await db.refresh(changed)
    assert (changed.team, changed.role, changed.is_active) == ("Noord", Role.EDITOR, True)

    log = await admin.get("/beheer/audit", params={"actor": str(ada.id)})
    for action in (
        "user.profile_changed",
        "user.role_changed",
        "user.unlocked",
        "user.deactivated",
        "user.reactivated",
    ):
        assert f"<code>{action}</code>" in log.text
    only = await admin.get("/beheer/audit", params={"action": "user.role_changed"})
    assert "Rol gewijzigd <code>user.role_changed</code>" in only.text
    assert "<code>user.deactivated</code>" not in only.text
    export = await admin.get("/beheer/audit.csv", params={"action": "user.role_changed"})
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert [row[4] for row in rows[1:]] == ["user.role_changed"]
    assert rows[1][3] == "Ada Admin"
    assert rows[1][7] == "'" + colleague.email  # "=cees...": a spreadsheet must not run it
    # Nothing edits the log: no route takes another method on it.
    assert (await admin.write("DELETE", "/beheer/audit")).status_code == 405
    assert await sessions.last_sign_ins(db)  # the console shows last sign-ins


async def test_what_a_deactivated_colleague_wrote_stays_marked_as_a_former_colleagues(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    ada = await make_user(db, "Ada Admin", role=Role.ADMIN)
    anna, bram = await make_user(db, "Anna de Vries"), await make_user(db, "Bram Bakker")
    circle = await make_circle(db, anna, name="Recepten")
    assert circle.id is not None
    await circles.join_circle(db, bram, circle.id)
    post = await posts.create_post(db, bram, circle.id, body="Mijn laatste recept: stamppot.")
    await comments.add_comment(db, anna, post.id or 0, body="Dank je, Bram!")
    await comments.add_comment(db, bram, post.id or 0, body="Graag gedaan.")
    await chat.post_message(db, bram, circle.id, body="Tot ziens allemaal")
    reader = await signed_in(new_visitor, anna)
    assert "oud-collega" not in (await reader.get(f"/posts/{post.id}")).text

    await accounts.deactivate(db, ada, bram)

    former = re.compile(
        r"Bram Bakker</(?:a|span)>\s*<span class=\"tag former-mark\">oud-collega</span>|"
        r"Bram Bakker<span class=\"tag former-mark\">oud-collega</span>"
    )
    post_page = (await reader.get(f"/posts/{post.id}")).text
    assert "Mijn laatste recept" in post_page
    assert "Graag gedaan." in post_page
    assert len(former.findall(post_page)) >= 2  # the post's author and the comment's
    # Colleagues who stay are not marked (the mark follows the name after a space).
    assert not re.search(r'Anna de Vries</a>\s*<span class="tag former-mark">', post_page)
    assert "Anna de Vries</a>" in post_page
    circle_page = (await reader.get(f"/circles/{circle.id}")).text
    assert "Tot ziens allemaal" in circle_page
    assert former.search(circle_page)
    profile = await reader.get(f"/people/{bram.id}")
    assert profile.status_code == 200
    assert "Bram Bakker werkt hier niet meer." in profile.text
    assert bram.email not in profile.text
    assert f"/people/{bram.id}/message" not in profile.text
