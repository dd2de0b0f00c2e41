"""Photos and files as the pages show them: each served to the readers of its item only (the
rule of `services.attachments.access_attachment`; anyone else gets the 404 page), with its own
type, `nosniff` and a private cache; the item an attachment is on; keeping a file in the
knowledge base; a circle's gallery."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from models import AttachmentKind
from models.base import utcnow
from server.endpoints import Call, form_route, form_text, page_route
from services import attachments
from services.access import readable_circle
from services.errors import N_, NotFound

REVIEW_AFTER = timedelta(days=365)
# The bytes behind an id never change; who may fetch them may, so only the colleague's own
# browser keeps them, and for a day.
_CACHE = "private, max-age=86400"


def _id(call: Call) -> int:
    return int(call.request.path_params["attachment_id"])


async def _served(call: Call, variant: str) -> Response:
    found = await attachments.access_attachment(call.db, call.user, _id(call))
    is_photo = found.kind is AttachmentKind.PHOTO
    if variant != "file" and not is_photo:
        raise NotFound(N_("No such file."))
    name = attachments.thumb_name(found) if variant == "thumb" else found.file
    path = attachments.path_of(call.ctx.settings.media_dir, name)
    if path is None:
        raise NotFound(N_("No such file."))
    # A photo is shown; anything else is downloaded under its own name, never opened in the page.
    return FileResponse(
        path,
        media_type=found.content_type,
        filename=found.filename,
        content_disposition_type="inline" if is_photo else "attachment",
        headers={"Cache-Control": _CACHE, "X-Content-Type-Options": "nosniff"},
    )


async def photo(call: Call) -> Response:
    return await _served(call, "photo")


async def thumb(call: Call) -> Response:
    return await _served(call, "thumb")


async def file(call: Call) -> Response:
    return await _served(call, "file")


async def item(call: Call) -> Response:
    """Where a search hit on an attached file leads: the item it is on."""
    found = await attachments.access_attachment(call.db, call.user, _id(call))
    if found.target is None:
        raise NotFound(N_("No such file."))
    return RedirectResponse(await attachments.item_url(call.db, call.user, found), status_code=303)


async def keep(call: Call) -> Response:
    settings = call.ctx.settings
    document = await attachments.keep_in_knowledge_base(
        call.db,
        call.user,
        _id(call),
        media_dir=settings.media_dir,
        max_bytes=settings.limit_document_bytes,
        review_by=(utcnow() + REVIEW_AFTER).date(),
    )
    return call.redirect(f"/knowledge/documents/{document.id}", message=N_("Kept in the knowledge base."))


async def gallery(call: Call) -> Response:
    access = await readable_circle(call.db, call.user, int(call.request.path_params["circle_id"]))
    if not access.circle.gallery:  # the circle's admins chose no gallery
        raise NotFound(N_("No such page."))
    shown = await attachments.circle_photos(call.db, call.user, access.circle_id)
    return call.render("gallery.html", circle=access.circle, photos=[attachments.attachment_data(a) for a in shown])


async def choose_gallery(call: Call) -> Response:
    circle_id = int(call.request.path_params["circle_id"])
    on = form_text(call, "gallery") == "on"
    await attachments.set_gallery(call.db, call.user, circle_id, on=on)
    return call.redirect(f"/circles/{circle_id}", message=N_("Saved."))


routes: list[Route] = [
    page_route("/attachments/{attachment_id:int}", item, name="attachment"),
    page_route("/attachments/{attachment_id:int}/photo", photo, name="attachment_photo"),
    page_route("/attachments/{attachment_id:int}/thumb", thumb, name="attachment_thumb"),
    page_route("/attachments/{attachment_id:int}/file", file, name="attachment_file"),
    form_route("/attachments/{attachment_id:int}/keep", keep, name="attachment_keep"),
    page_route("/circles/{circle_id:int}/photos", gallery, name="circle_gallery"),
    form_route("/circles/{circle_id:int}/gallery", choose_gallery, name="circle_gallery_choice"),
]
