"""The admin console at /beheer: people, invitations and the audit log.

Every route here is built with `admin_page` or `admin_form`, which ask `access.ensure_org_admin`
before the handler runs and answer 404 to anyone else (the console does not exist for them);
the services ask again. `tests/server/test_admin_routes.py` walks the router to prove it for every
/beheer route. Later parts of the console (circles, branding, moderation, import, insight) add
their sections to `SECTIONS` and their routes with the same two wrappers.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.background import BackgroundTasks
from starlette.responses import Response
from starlette.routing import Route

from models import AccountInvitation, Role
from server import account_mail
from server.account_mail import INVITATION_SUBJECT, LinkMail
from server.auth import client_address
from server.endpoints import Call, Handler, form_file, form_route, form_text, page_route, parse_enum
from services import access, accounts, audit, credentials, sessions, throttle
from services.errors import N_, KringError, NotFound

# The console's sections, in the order of its navigation: (path, msgid).
SECTIONS = [
    ("/beheer", N_("People")),
    ("/beheer/kringen", N_("Circles")),  # server/pages/admin_circles.py
    ("/moderatie", N_("Moderation")),  # server/pages/moderation_pages.py
    ("/beheer/inzicht", N_("Insight")),  # server/pages/admin_insight.py
    ("/beheer/import", N_("Drive import")),  # server/pages/admin_import.py
    ("/beheer/branding", N_("Branding")),  # server/pages/admin_branding.py
    ("/beheer/koppelingen", N_("Provisioning")),  # server/pages/admin_provisioning.py
    ("/beheer/audit", N_("Audit log")),
]
_CSV_BYTES = 1_048_576
# What each audit action is called on the page (the CSV keeps the codes).
ACTION_LABELS = {
    audit.Action.INVITATION_SENT: N_("Invitation sent"),
    audit.Action.INVITATION_RESENT: N_("Invitation sent again"),
    audit.Action.INVITATION_REVOKED: N_("Invitation withdrawn"),
    audit.Action.INVITATION_ACCEPTED: N_("Invitation accepted"),
    audit.Action.ROLE_CHANGED: N_("Role changed"),
    audit.Action.PROFILE_CHANGED: N_("Details changed by an administrator"),
    audit.Action.DEACTIVATED: N_("Account deactivated"),
    audit.Action.REACTIVATED: N_("Account reactivated"),
    audit.Action.UNLOCKED: N_("Account unlocked"),
    audit.Action.RESET_REQUESTED: N_("Password reset requested"),
    audit.Action.RESET_USED: N_("Password reset through a link"),
    audit.Action.TOKEN_REVOKED: N_("API token revoked"),
    audit.Action.SIGN_IN_FAILURES: N_("Many failed sign-ins"),
    audit.Action.SIGN_ON: N_("Signed in through the organisation's account"),
    audit.Action.SIGN_ON_LINKED: N_("Organisation account linked on first sign-in"),
    audit.Action.SIGN_ON_CREATED: N_("Account created on first sign-in through the organisation"),
    audit.Action.DRIVE_IMPORTED: N_("Group drive imported"),
    audit.Action.DRIVE_IMPORT_REFUSED: N_("Group drive import refused"),
    audit.Action.NEWS_PROPOSAL_PUBLISHED: N_("Proposed news published"),
    audit.Action.NEWS_PROPOSAL_SENT_BACK: N_("Proposed news sent back"),
    audit.Action.CIRCLE_ARCHIVED: N_("Circle archived"),
    audit.Action.CIRCLE_RESTORED: N_("Circle restored"),
    audit.Action.CIRCLE_ADMIN_APPOINTED: N_("Circle admin appointed"),
    audit.Action.CIRCLE_ADMIN_HANDED_OVER: N_("Circle administration passed on when its last admin left"),
    audit.Action.BRANDING_CHANGED: N_("Branding changed"),
    audit.Action.BRANDING_RESET: N_("Branding reset to the defaults"),
    audit.Action.ITEM_HIDDEN: N_("Hidden by a moderator"),
    audit.Action.ITEM_RESTORED: N_("Shown again by a moderator"),
    audit.Action.REPORT_KEPT: N_("Reports decided: left as it is"),
    audit.Action.SCIM_TOKEN_CREATED: N_("Provisioning token made"),
    audit.Action.SCIM_TOKEN_REVOKED: N_("Provisioning token revoked"),
    audit.Action.SCIM_USER_CREATED: N_("Account created by the directory"),
    audit.Action.SCIM_USER_CHANGED: N_("Account changed by the directory"),
    audit.Action.SCIM_USER_REMOVED: N_("Account removed by the directory (details wiped)"),
    audit.Action.SCIM_GROUP_CREATED: N_("Team created by the directory"),
    audit.Action.SCIM_GROUP_CHANGED: N_("Team changed by the directory"),
    audit.Action.SCIM_GROUP_DELETED: N_("Team deleted by the directory"),
}
_INVALID_ROLE = N_("Choose member, editor or administrator.")


async def _refusal(call: Call) -> Response | None:
    """The page a colleague who is no organisation admin gets instead, or None for an admin."""
    try:
        access.ensure_org_admin(call.principal.user if call.principal else None)
    except NotFound as error:
        return call.render("error.html", status=404, message=error.text(call.gettext))
    return None


def _guarded(handler: Handler) -> Handler:
    async def guarded(call: Call) -> Response:
        return await _refusal(call) or await handler(call)

    return guarded


def admin_page(path: str, handler: Handler, *, name: str) -> Route:
    return page_route(path, _guarded(handler), name=name)


def admin_form(
    path: str, handler: Handler, *, name: str, max_files: int = 0, max_body_size: int | None = None
) -> Route:
    # Refused before the body is read too: an upload route's large limit is for admins only.
    return form_route(
        path, _guarded(handler), name=name, max_files=max_files, max_body_size=max_body_size, refuse_early=_refusal
    )


def _render(call: Call, template: str, **context: Any) -> Response:
    return call.render(template, sections=SECTIONS, **context)


async def people(call: Call) -> Response:
    everyone = await accounts.list_everyone(call.db)
    locked = await throttle.locked_emails(call.db, call.ctx.login_limits, [user.email for user in everyone])
    invitations = await credentials.open_invitations(call.db)
    return _render(
        call,
        "admin/people.html",
        people=everyone,
        locked=locked,
        invitations=invitations,
        roles=list(Role),
        last_sign_ins=await sessions.last_sign_ins(call.db),
        sign_on=call.ctx.settings if call.ctx.settings.sign_on_enabled else None,
    )


def _mail_invitation(call: Call, tasks: BackgroundTasks, invitation: AccountInvitation, raw: str) -> None:
    mail = LinkMail(
        "invitation",
        INVITATION_SUBJECT,
        invitation.name,
        invitation.email,
        invitation.locale,
        account_mail.invitation_url(call.ctx, raw),
        invitation.expires_at,
        inviter=call.user.name,
    )
    tasks.add_task(account_mail.send, call.ctx, mail)


async def invite(call: Call) -> Response:
    role = parse_enum(Role, form_text(call, "role", "member"), field="role", message=_INVALID_ROLE)
    invitation, raw = await credentials.invite(
        call.db,
        call.user,
        email=form_text(call, "email"),
        name=form_text(call, "name"),
        team=form_text(call, "team"),
        location=form_text(call, "location"),
        job_title=form_text(call, "job_title"),
        role=role,
        locale=form_text(call, "locale") or None,
        days=call.ctx.settings.invitation_days,
        address=client_address(call.request),
    )
    response = call.redirect("/beheer", message=N_("The invitation is on its way."))
    tasks = BackgroundTasks()
    _mail_invitation(call, tasks, invitation, raw)
    response.background = tasks
    return response


async def invite_csv(call: Call) -> Response:
    data = await form_file(call, "file", _CSV_BYTES)
    if len(data) > _CSV_BYTES:
        return call.redirect("/beheer", message=N_("The file is too large."), kind="error")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # as an older spreadsheet saves it
    rows, problems = credentials.read_csv(text)
    tasks = BackgroundTasks()
    sent: list[str] = []
    failed = [(problem.line, call.gettext(problem.message) % problem.params) for problem in problems]
    for row in rows:
        try:
            invitation, raw = await credentials.invite(
                call.db,
                call.user,
                email=row.email,
                name=row.name,
                team=row.team,
                location=row.location,
                role=row.role,
                days=call.ctx.settings.invitation_days,
                address=client_address(call.request),
            )
        except KringError as error:
            failed.append((row.line, error.text(call.gettext)))
            continue
        sent.append(invitation.email)
        _mail_invitation(call, tasks, invitation, raw)
    response = _render(call, "admin/csv_result.html", sent=sent, failed=sorted(failed))
    response.background = tasks
    return response


async def resend(call: Call) -> Response:
    invitation, raw = await credentials.resend(
        call.db,
        call.user,
        int(call.request.path_params["invitation_id"]),
        days=call.ctx.settings.invitation_days,
        address=client_address(call.request),
    )
    response = call.redirect("/beheer", message=N_("The invitation has been sent again."))
    tasks = BackgroundTasks()
    _mail_invitation(call, tasks, invitation, raw)
    response.background = tasks
    return response


async def revoke(call: Call) -> Response:
    await credentials.revoke(
        call.db, call.user, int(call.request.path_params["invitation_id"]), address=client_address(call.request)
    )
    return call.redirect("/beheer", message=N_("The invitation has been withdrawn."))


async def person(call: Call) -> Response:
    colleague = await accounts.any_user(call.db, int(call.request.path_params["user_id"]))
    locked = colleague.email in await throttle.locked_emails(call.db, call.ctx.login_limits, [colleague.email])
    last_sign_in = (await sessions.last_sign_ins(call.db)).get(colleague.id or 0)
    return _render(
        call, "admin/person.html", person=colleague, locked=locked, roles=list(Role), last_sign_in=last_sign_in
    )


def _person_url(call: Call) -> str:
    return f"/beheer/people/{int(call.request.path_params['user_id'])}"


async def save_person(call: Call) -> Response:
    colleague = await accounts.any_user(call.db, int(call.request.path_params["user_id"]))
    address = client_address(call.request)
    await accounts.update_by_admin(
        call.db,
        call.user,
        colleague,
        team=form_text(call, "team"),
        location=form_text(call, "location"),
        job_title=form_text(call, "job_title"),
        address=address,
    )
    role = parse_enum(Role, form_text(call, "role", colleague.role.value), field="role", message=_INVALID_ROLE)
    if role is not colleague.role:
        await accounts.set_role(call.db, call.user, colleague, role, address=address)
    return call.redirect(_person_url(call), message=N_("Saved."))


async def deactivate(call: Call) -> Response:
    colleague = await accounts.any_user(call.db, int(call.request.path_params["user_id"]))
    await accounts.deactivate(call.db, call.user, colleague, address=client_address(call.request))
    return call.redirect(_person_url(call), message=N_("The account is deactivated; every session has ended."))


async def reactivate(call: Call) -> Response:
    colleague = await accounts.any_user(call.db, int(call.request.path_params["user_id"]))
    await accounts.reactivate(call.db, call.user, colleague, address=client_address(call.request))
    return call.redirect(_person_url(call), message=N_("The account is active again."))


async def unlock(call: Call) -> Response:
    colleague = await accounts.any_user(call.db, int(call.request.path_params["user_id"]))
    await accounts.unlock(call.db, call.user, colleague, address=client_address(call.request))
    return call.redirect(_person_url(call), message=N_("The account is unlocked."))


def _audit_filter(call: Call) -> audit.AuditFilter:
    params = call.request.query_params
    zone = ZoneInfo(call.ctx.settings.timezone)

    def day(name: str) -> datetime | None:
        raw = params.get(name, "").strip()
        try:
            return datetime.combine(datetime.strptime(raw, "%Y-%m-%d").date(), time(), zone) if raw else None
        except ValueError:
            return None

    actor = params.get("actor", "").strip()
    until = day("until")
    return audit.AuditFilter(
        action=params.get("action", "").strip()[:40],
        actor_id=int(actor) if actor.isdigit() and len(actor) < 10 else None,
        since=day("since"),
        until=until + timedelta(days=1) if until is not None else None,
    )


async def audit_log(call: Call) -> Response:
    where = _audit_filter(call)
    found = await audit.entries(call.db, where, limit=500)
    return _render(
        call,
        "admin/audit.html",
        entries=found,
        actions=[(action.value, ACTION_LABELS.get(action, action.value)) for action in audit.Action],
        labels={action.value: label for action, label in ACTION_LABELS.items()},
        actors=await audit.actors(call.db),
        query=call.request.query_params,
        export_query=str(call.request.query_params),
    )


async def audit_csv(call: Call) -> Response:
    found = await audit.entries(call.db, _audit_filter(call), limit=100_000)
    return Response(
        audit.to_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kring-audit.csv"', "Cache-Control": "no-store"},
    )


_P = "/beheer/people/{user_id:int}"
_I = "/beheer/invitations/{invitation_id:int}"
routes = [
    admin_page("/beheer", people, name="admin_people"),
    admin_form("/beheer/invitations", invite, name="admin_invite"),
    admin_form("/beheer/invitations/csv", invite_csv, name="admin_invite_csv", max_files=1),
    admin_form(f"{_I}/resend", resend, name="admin_invitation_resend"),
    admin_form(f"{_I}/revoke", revoke, name="admin_invitation_revoke"),
    admin_page(_P, person, name="admin_person"),
    admin_form(_P, save_person, name="admin_person_save"),
    admin_form(f"{_P}/deactivate", deactivate, name="admin_deactivate"),
    admin_form(f"{_P}/reactivate", reactivate, name="admin_reactivate"),
    admin_form(f"{_P}/unlock", unlock, name="admin_unlock"),
    admin_page("/beheer/audit", audit_log, name="admin_audit"),
    admin_page("/beheer/audit.csv", audit_csv, name="admin_audit_csv"),
]
