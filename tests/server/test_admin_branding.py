"""The branding section of the console over HTTP: a wrong colour is refused with what was typed
kept, a saved branding is what every page, /theme.css and the pictures serve at once, and a reset
brings the environment's defaults back."""

from __future__ import annotations

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from services.branding import contrast
from tests.support import BASE_URL, Visitor, make_user

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


async def test_an_admin_brands_the_organisation_and_resets_it(db: AsyncSession, visitor: Visitor) -> None:
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN)
    assert (await visitor.sign_in(admin)).status_code == 200
    page = await visitor.get("/beheer/branding")
    assert page.status_code == 200
    assert "Huisstijl" in page.text
    token = await visitor.form_token("/beheer/branding")
    form = {"csrf_token": token, "name": "Welzijn Noord", "assistant_name": "Ids"}
    headers = {"Origin": BASE_URL}

    refused = await visitor.http.post("/beheer/branding", data=form | {"color": "geel"}, headers=headers)
    assert refused.status_code == 400
    assert "Kies een kleur als # met zes hexadecimale tekens" in refused.text
    assert 'value="Welzijn Noord"' in refused.text  # what was typed is kept
    assert 'value="geel"' in refused.text
    assert "<title>Huisstijl · Beheer · Kring</title>" in refused.text  # and nothing was stored

    too_light = {**form, "color": "#ffcc00"}
    saved = await visitor.http.post(
        "/beheer/branding", data=too_light, files={"logo": ("logo.png", PNG, "image/png")}, headers=headers
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/beheer/branding")
    home = (await visitor.get("/")).text
    assert "· Welzijn Noord</title>" in home
    assert '<span class="brand-name" data-org-name>Welzijn Noord</span>' in home
    assert '<img src="/brand/logo?v=1"' in home
    console = (await visitor.get("/beheer/branding")).text
    assert "tonen een donkerdere tint" in console  # says the colour is darkened, not refused
    theme = await visitor.get("/theme.css?v=1")
    shade = re.search(r"--brand: (#[0-9a-f]{6});", theme.text)
    assert shade is not None
    assert contrast(shade.group(1), "#ffffff") >= 4.5
    assert "--brand-configured: #ffcc00" in theme.text
    ahead = await visitor.get("/theme.css?v=2")  # a revision this worker has not read: not kept
    assert ahead.headers["cache-control"] == "no-store"
    logo = await visitor.get("/brand/logo?v=1")
    assert (logo.status_code, logo.headers["content-type"], logo.content) == (200, "image/png", PNG)
    favicon = await visitor.get("/favicon.ico")
    assert favicon.headers["location"] == "/brand/favicon?v=1"
    assert (await visitor.get("/brand/favicon?v=1")).content == PNG

    reset = await visitor.http.post("/beheer/branding/reset", data={"csrf_token": token}, headers=headers)
    assert reset.status_code == 303
    home = (await visitor.get("/")).text
    assert "· Kring</title>" in home
    assert '<img src="/static/img/kring.svg"' in home
    assert (await visitor.get("/brand/logo")).status_code == 404
