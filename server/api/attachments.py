"""Photos and files over the API: upload a draft, then name it in a post's, comment's or chat
message's `attachments`; keep an attached file in the knowledge base."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from models.base import utcnow
from server.endpoints import Call, api_route, form_file, form_filename, json_response, multipart
from server.schemas import AttachmentOut, KeptDocumentOut
from server.uploads import attachment_limits
from services import attachments

_FILE = {"type": "string", "format": "binary"}
_UPLOAD = {"type": "object", "required": ["file"], "properties": {"file": _FILE}}
REVIEW_AFTER = timedelta(days=365)  # a document kept from a post is looked at again after a year


async def upload(call: Call) -> Response:
    settings = call.ctx.settings
    await multipart(call)
    attachment = await attachments.upload(
        call.db,
        call.user,
        await form_file(call, "file", settings.limit_attachment_bytes),
        form_filename(call, "file"),
        media_dir=settings.media_dir,
        limits=attachment_limits(settings),
        read_text=call.ctx.extractor.read,
    )
    return json_response(AttachmentOut.model_validate(attachments.attachment_data(attachment)), status=201)


async def get_attachment(call: Call) -> Response:
    found = await attachments.access_attachment(call.db, call.user, int(call.request.path_params["attachment_id"]))
    return json_response(AttachmentOut.model_validate(attachments.attachment_data(found)))


async def keep(call: Call) -> Response:
    document = await attachments.keep_in_knowledge_base(
        call.db,
        call.user,
        int(call.request.path_params["attachment_id"]),
        media_dir=call.ctx.settings.media_dir,
        max_bytes=call.ctx.settings.limit_document_bytes,
        review_by=(utcnow() + REVIEW_AFTER).date(),
    )
    assert document.id is not None
    return json_response(KeptDocumentOut(id=document.id, url=f"/knowledge/documents/{document.id}"), status=201)


def routes(settings: Settings) -> list[Route]:
    return [
        api_route(
            "/api/v1/attachments",
            upload,
            "POST",
            summary="Upload a photo or file (multipart/form-data, field `file`) as your draft; name its id in a "
            "post's, comment's or message's `attachments` within a day. A photo (JPEG, PNG, WebP, GIF or HEIC, told "
            "by its content) is turned upright and stored as JPEG (WebP with transparency) without its metadata.",
            returns=AttachmentOut,
            status=201,
            form=_UPLOAD,
            max_body_size=settings.limit_attachment_bytes + 65536,
        ),
        api_route(
            "/api/v1/attachments/{attachment_id:int}",
            get_attachment,
            "GET",
            summary="A photo or file you may see: on an item you may read, or your own draft.",
            returns=AttachmentOut,
        ),
        api_route(
            "/api/v1/attachments/{attachment_id:int}/keep",
            keep,
            "POST",
            summary="Keep an attached file in the knowledge base: a document of the item's circle with this file as "
            "its first version, you as its responsible colleague, to be reviewed in a year.",
            returns=KeptDocumentOut,
            status=201,
        ),
    ]
