"""The pages behind the links in the mails: "Wachtwoord vergeten?", setting a new password
through a reset link, and accepting an invitation. Public: whoever holds the link is the one."""

from __future__ import annotations

from starlette.background import BackgroundTasks
from starlette.responses import Response

from server import account_mail
from server.account_mail import RESET_SUBJECT, LinkMail
from server.api.sessions import set_session_cookie, sign_in
from server.auth import client_address
from server.endpoints import Call, form_route, form_text, page_route
from services import credentials
from services.errors import N_, Invalid, RateLimited

_MISMATCH = N_("The two passwords are not the same.")


async def forgot_page(call: Call) -> Response:
    return call.render("password_forgot.html", sent=False, error=None, email="")


async def forgot(call: Call) -> Response:
    """The same answer for a known and an unknown address; the mail goes after the answer."""
    email = form_text(call, "email")[:254]
    try:
        found = await credentials.request_reset(
            call.db, email=email, address=client_address(call.request), minutes=call.ctx.settings.reset_minutes
        )
    except RateLimited as error:
        page = call.render("password_forgot.html", status=429, sent=False, error=error.text(call.gettext), email=email)
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    page = call.render("password_forgot.html", sent=True, error=None, email="")
    if found is not None:
        user = found.user
        mail = LinkMail(
            "password_reset",
            RESET_SUBJECT,
            user.name,
            user.email,
            user.locale,
            account_mail.reset_url(call.ctx, found.token),
            found.expires_at,
        )
        tasks = BackgroundTasks()
        tasks.add_task(account_mail.send, call.ctx, mail)
        page.background = tasks
    return page


async def reset_page(call: Call) -> Response:
    found = await credentials.valid_reset(call.db, call.request.path_params["token"])
    if found is None:
        return call.render("password_reset.html", status=410, valid=False, person=None)
    return call.render("password_reset.html", valid=True, person=found[1])


async def _sign_in_and_go(call: Call, email: str, password: str, message: str) -> Response:
    signed_in = await sign_in(call, email, password)
    response = call.redirect("/", message=message)
    set_session_cookie(response, call, signed_in)
    return response


async def reset(call: Call) -> Response:
    password = form_text(call, "password")
    if password != form_text(call, "repeat_password"):
        raise Invalid(_MISMATCH, field="repeat_password")
    user = await credentials.use_reset(
        call.db, call.request.path_params["token"], password, address=client_address(call.request)
    )
    return await _sign_in_and_go(call, user.email, password, N_("Your new password is set."))


async def invitation_page(call: Call) -> Response:
    invitation = await credentials.valid_invitation(call.db, call.request.path_params["token"])
    if invitation is None:
        return call.render("invitation.html", status=410, invitation=None)
    return call.render("invitation.html", invitation=invitation)


async def accept(call: Call) -> Response:
    password = form_text(call, "password")
    if password != form_text(call, "repeat_password"):
        raise Invalid(_MISMATCH, field="repeat_password")
    user = await credentials.accept(
        call.db, call.request.path_params["token"], password, address=client_address(call.request)
    )
    return await _sign_in_and_go(call, user.email, password, N_("Welcome! Your password is set."))


routes = [
    page_route("/password/forgot", forgot_page, name="password_forgot", public=True),
    form_route("/password/forgot", forgot, name="password_forgot_post", public=True),
    page_route("/password/reset/{token}", reset_page, name="password_reset", public=True),
    form_route("/password/reset/{token}", reset, name="password_reset_post", public=True),
    page_route("/invitation/{token}", invitation_page, name="invitation", public=True),
    form_route("/invitation/{token}", accept, name="invitation_post", public=True),
]
