"""What the editor asks while a colleague writes: the preview of their Markdown, rendered by the
renderer that renders it once sent, and the pictures they paste into a text."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from server.endpoints import Call, api_route, form_file, form_text, json_response, multipart
from server.schemas import InlineImageOut, MarkdownIn, MarkdownOut
from services import inline_images, knowledge_pages, markdown


async def preview(call: Call) -> Response:
    given = await call.json_body(MarkdownIn)
    if given.kind == "page":
        html = await knowledge_pages.render(call.db, call.user, given.body)
    else:
        html = (await markdown.render(call.db, given.body)).html
    return json_response(MarkdownOut(html=html))


async def upload_image(call: Call) -> Response:
    limit = call.ctx.settings.limit_inline_image_bytes
    await multipart(call)
    stored = await inline_images.store(
        await form_file(call, "picture", limit),
        alt=form_text(call, "alt"),
        media_dir=call.ctx.settings.media_dir,
        max_bytes=limit,
    )
    return json_response(InlineImageOut(url=stored.url, markdown=stored.markdown), status=201)


_IMAGE_FORM = {
    "type": "object",
    "required": ["picture"],
    "properties": {
        "picture": {"type": "string", "format": "binary", "description": "PNG, JPEG or WebP, checked by content."},
        "alt": {"type": "string", "pattern": r"^[^\x00]*$", "description": "What the picture shows."},
    },
}


def routes(settings: Settings) -> list[Route]:
    return [
        api_route(
            "/api/v1/markdown/preview",
            preview,
            "POST",
            summary="Markdown as it will show once sent (mentions linked; `kind: page` also links [[Title]]).",
            body=MarkdownIn,
            returns=MarkdownOut,
        ),
        api_route(
            "/api/v1/markdown/images",
            upload_image,
            "POST",
            summary="Keep a picture for the text of news, a blog post or a knowledge page: checked by its "
            "content, drawn again without its metadata (EXIF). Answers the Markdown that shows it.",
            returns=InlineImageOut,
            status=201,
            form=_IMAGE_FORM,
            max_body_size=settings.limit_inline_image_bytes + 65536,
        ),
    ]
