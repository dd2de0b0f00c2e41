"""The console's provisioning section at /beheer/koppelingen: the address of the SCIM endpoint
and the tokens the organisation's directory (Entra ID, Keycloak) uses, made and revoked here.
A new token is shown once, on the answer to the form that made it, and never again."""

from __future__ import annotations

from starlette.responses import Response

from server.auth import client_address
from server.endpoints import Call, form_text
from server.pages.admin_pages import SECTIONS, admin_form, admin_page
from server.scim.endpoint import PREFIX
from services import provisioning_tokens
from services.errors import N_

_URL = "/beheer/koppelingen"


async def _page(call: Call, *, new_token: str | None = None, status: int = 200) -> Response:
    return call.render(
        "admin/provisioning.html",
        status=status,
        sections=SECTIONS,
        endpoint=call.ctx.settings.base_url.rstrip("/") + PREFIX,
        tokens=await provisioning_tokens.list_tokens(call.db),
        new_token=new_token,
    )


async def show(call: Call) -> Response:
    return await _page(call)


async def create(call: Call) -> Response:
    _, raw = await provisioning_tokens.create_token(
        call.db, call.user, form_text(call, "name"), address=client_address(call.request)
    )
    # Shown in this answer only: a redirect would have to carry it in a cookie or an address.
    return await _page(call, new_token=raw)


async def revoke(call: Call) -> Response:
    await provisioning_tokens.revoke_token(
        call.db, call.user, int(call.request.path_params["token_id"]), address=client_address(call.request)
    )
    return call.redirect(_URL, message=N_("The token is revoked; the directory can no longer use it."))


routes = [
    admin_page(_URL, show, name="admin_provisioning"),
    admin_form(f"{_URL}/tokens", create, name="admin_provisioning_create"),
    admin_form(f"{_URL}/tokens/{{token_id:int}}/revoke", revoke, name="admin_provisioning_revoke"),
]
