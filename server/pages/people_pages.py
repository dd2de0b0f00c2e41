"""The people directory, profiles, and editing your own profile, password and tokens."""

from __future__ import annotations

from datetime import date

from starlette.responses import FileResponse, Response
from starlette.routing import Route

from config import Settings
from server.endpoints import Call, form_file, form_route, form_text, page_route
from server.pagination import encode_cursor, name_id_cursor
from services import accounts, avatars, circles, data_export, images, sessions, stream
from services.errors import N_

_PAGE = 60


async def people(call: Call) -> Response:
    query = call.request.query_params.get("q", "")[:100]
    team = call.request.query_params.get("team", "")[:120]
    found = await accounts.list_people(call.db, query=query, team=team, after=name_id_cursor(call.request), limit=_PAGE)
    next_cursor = encode_cursor(found[-1].name, found[-1].id) if len(found) == _PAGE else None
    teams = await accounts.list_teams(call.db)
    return call.render("people.html", people=found, query=query, team=team, teams=teams, next=next_cursor)


async def person(call: Call) -> Response:
    # A former colleague's page stays, so the links beside what they wrote still lead somewhere.
    colleague = await accounts.any_user(call.db, int(call.request.path_params["user_id"]))
    # Only circles the viewer may see, so a profile never reveals a secret circle.
    theirs = await circles.list_circles(call.db, colleague, mine=True, limit=200)
    visible = {c.id for c in await circles.list_circles(call.db, call.user, limit=1000)}
    shown = [c for c in theirs if c.id in visible]
    blog = await stream.blog_of(call.db, call.user, colleague.id or 0)
    state = "active" if colleague.is_assistant else call.ctx.hub.presence_of([colleague.id or 0])[colleague.id or 0]
    return call.render("person.html", person=colleague, circles=shown, blog=blog, state=state)


async def profile(call: Call) -> Response:
    tokens = await sessions.list_api_tokens(call.db, call.user)
    return call.render("profile.html", tokens=tokens, new_token=None, export=await _export_state(call))


async def _export_state(call: Call) -> data_export.ExportView | None:
    return await data_export.view(call.db, call.user)


async def request_export(call: Call) -> Response:
    await data_export.request_export(call.db, call.user)
    return call.redirect(
        "/profile#my-data", message=N_("We are gathering your data. You will get a notification when it is ready.")
    )


async def download_export(call: Call) -> Response:
    path = await data_export.download_path(
        call.db, call.user, int(call.request.path_params["export_id"]), call.ctx.settings.media_dir
    )
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"kring-gegevens-{date.today().isoformat()}.zip",
        headers={"Cache-Control": "private, no-store"},
    )


async def save_profile(call: Call) -> Response:
    await accounts.update_profile(
        call.db,
        call.user,
        name=form_text(call, "name"),
        job_title=form_text(call, "job_title"),
        team=form_text(call, "team"),
        location=form_text(call, "location"),
        bio=form_text(call, "bio"),
        skills=form_text(call, "skills").split(","),
    )
    return call.redirect("/profile", message=N_("Your profile has been saved."))


async def upload_avatar(call: Call) -> Response:
    settings = call.ctx.settings
    data = await form_file(call, "avatar", settings.limit_avatar_bytes)
    await avatars.set_avatar(
        call.db, call.user, data, media_dir=settings.media_dir, max_bytes=settings.limit_avatar_bytes
    )
    return call.redirect("/profile", message=N_("Your picture has been saved."))


async def remove_avatar(call: Call) -> Response:
    await accounts.set_avatar(call.db, call.user, None)
    return call.redirect("/profile", message=N_("Your picture has been removed."))


async def media_file(call: Call) -> Response:
    """A stored picture. Behind sign-in: an intranet's pictures are not for the internet."""
    name = str(call.request.path_params["name"])
    path = images.path_of(call.ctx.settings.media_dir, str(call.request.path_params["folder"]), name)
    if path is None:
        return Response(status_code=404)
    content_type = images.CONTENT_TYPES[name.rsplit(".", 1)[1]]
    # Named by content hash, so a file never changes: cache it for long.
    return FileResponse(
        path, media_type=content_type, headers={"Cache-Control": "private, max-age=31536000, immutable"}
    )


def upload_routes(settings: Settings) -> list[Route]:
    """Routes whose body limit comes from the settings (multipart needs room around the file)."""
    return [
        form_route(
            "/profile/avatar",
            upload_avatar,
            name="avatar_upload",
            max_files=1,
            max_body_size=settings.limit_avatar_bytes + 65536,
        )
    ]


async def change_password(call: Call) -> Response:
    if form_text(call, "new_password") != form_text(call, "repeat_password"):
        return call.redirect("/profile", message=N_("The new passwords are not the same."), kind="error")
    await accounts.change_password(
        call.db, call.user, current=form_text(call, "current_password"), new=form_text(call, "new_password")
    )
    return call.redirect("/login", message=N_("Your password has been changed. Sign in again."))


async def create_token(call: Call) -> Response:
    _token, raw = await sessions.create_api_token(call.db, call.user, form_text(call, "name"))
    tokens = await sessions.list_api_tokens(call.db, call.user)
    # Shown once, in this answer; a redirect would have to carry the secret in a cookie.
    return call.render("profile.html", tokens=tokens, new_token=raw, export=await _export_state(call))


async def revoke_token(call: Call) -> Response:
    await sessions.revoke_api_token(call.db, call.user, int(call.request.path_params["token_id"]))
    return call.redirect("/profile", message=N_("The token has been revoked."))


routes: list[Route] = [
    page_route("/people", people, name="people"),
    page_route("/people/{user_id:int}", person, name="person"),
    page_route("/profile", profile, name="profile"),
    form_route("/profile", save_profile, name="profile_save"),
    form_route("/profile/avatar/remove", remove_avatar, name="avatar_remove"),
    page_route("/media/{folder:str}/{name:str}", media_file, name="media_file"),
    form_route("/profile/password", change_password, name="password_change"),
    form_route("/profile/export", request_export, name="export_request"),
    page_route("/profile/export/{export_id:int}/download", download_export, name="export_download"),
    form_route("/profile/tokens", create_token, name="token_create"),
    form_route("/profile/tokens/{token_id:int}/revoke", revoke_token, name="token_revoke"),
]
