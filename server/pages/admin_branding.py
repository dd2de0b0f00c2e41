"""The console's branding section at /beheer/branding: the organisation's name, colour (with a
live preview and its contrast against white text), logo, favicon, and its assistant's name and
picture. Saving applies at once: this worker takes the new branding, every other one reads it
on the `branding.changed` event, and open tabs apply that event (web/static/js/branding.js)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from server.auth import client_address
from server.endpoints import Call, form_file, form_text
from server.pages.admin_pages import SECTIONS, admin_form, admin_page
from services import branding
from services.errors import N_, Invalid, TooLarge

_URL = "/beheer/branding"
# The three pictures at their limits, and room for the rest of the form.
_BODY_BYTES = sum(branding.PICTURE_LIMITS.values()) + 65_536


def _page(call: Call, *, status: int = 200, error: str | None = None, **values: str) -> Response:
    brand = call.ctx.branding.current()
    defaults = branding.defaults(call.ctx.settings)
    form: dict[str, Any] = {"name": brand.name, "color": brand.color, "assistant_name": brand.assistant_name}
    form.update(values)
    return call.render(
        "admin/branding.html",
        status=status,
        sections=SECTIONS,
        current=brand,
        defaults=defaults,
        form=form,
        error=error,
        limits={which: branding.size_text(branding.PICTURE_LIMITS[which]) for which in branding.PICTURES},
        min_contrast=branding.MIN_CONTRAST,
        white=branding.WHITE,
        paper=branding.PAPER,
    )


async def show(call: Call) -> Response:
    return _page(call)


async def save(call: Call) -> Response:
    values = {key: form_text(call, key) for key in ("name", "color", "assistant_name")}
    pictures = {which: await form_file(call, which, branding.PICTURE_LIMITS[which]) for which in branding.PICTURES}
    remove = frozenset(which for which in branding.PICTURES if form_text(call, f"remove_{which}") == "on")
    try:
        brand = await branding.update(
            call.db,
            call.user,
            call.ctx.settings,
            name=values["name"],
            color=values["color"],
            assistant_name=values["assistant_name"],
            pictures=pictures,
            remove=remove,
            address=client_address(call.request),
        )
    except (Invalid, TooLarge) as refused:
        # The form again with what was typed; nothing was stored.
        return _page(call, status=400, error=refused.text(call.gettext), **values)
    call.ctx.branding.install(brand)
    return call.redirect(_URL, message=N_("The branding is saved; every open page shows it now."))


async def reset(call: Call) -> Response:
    brand = await branding.reset(call.db, call.user, call.ctx.settings, address=client_address(call.request))
    call.ctx.branding.install(brand)
    return call.redirect(_URL, message=N_("The branding follows the defaults again."))


routes = [
    admin_page(_URL, show, name="admin_branding"),
    admin_form(_URL, save, name="admin_branding_save", max_files=3, max_body_size=_BODY_BYTES),
    admin_form(f"{_URL}/reset", reset, name="admin_branding_reset"),
]
