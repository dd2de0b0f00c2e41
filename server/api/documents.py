"""Documents and their versions over the API; uploads are multipart/form-data."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from models import DocumentVersion, ItemKind
from server.downloads import file_response
from server.endpoints import (
    Call,
    api_route,
    form_file,
    form_filename,
    form_optional_date,
    form_optional_int,
    form_text,
    json_response,
    multipart,
)
from server.params import NO_NUL
from server.schemas import (
    CircleRef,
    DocumentList,
    DocumentOut,
    DocumentPatch,
    Ok,
    PersonRef,
    VersionList,
    VersionOut,
)
from server.search_params import ListQuery
from services import documents, search
from services import tags as tag_names


def version_out(document_id: int, version: DocumentVersion) -> VersionOut:
    return VersionOut(
        number=version.number,
        filename=version.filename,
        content_type=version.content_type,
        size=version.size,
        sha256=version.sha256,
        uploaded_by=version.uploaded_by,
        created_at=version.created_at,
        extraction=version.extraction.value,
        extraction_error=version.extraction_error,
        download_url=f"/api/v1/documents/{document_id}/versions/{version.number}/file",
    )


def document_out(details: documents.Details) -> DocumentOut:
    document = details.document
    assert document.id is not None
    return DocumentOut(
        id=document.id,
        title=document.title,
        description=document.description,
        tags=details.tags,
        circle=CircleRef(id=details.circle.id or 0, name=details.circle.name, color=details.circle.color)
        if details.circle
        else None,
        responsible=PersonRef(id=details.responsible.id or 0, name=details.responsible.name)
        if details.responsible
        else None,
        review_by=document.review_by,
        review_overdue=details.overdue,
        created_by=document.created_by,
        created_at=document.created_at,
        updated_at=document.updated_at,
        current_version=version_out(document.id, details.current) if details.current else None,
    )


def _id(call: Call) -> int:
    return int(call.request.path_params["document_id"])


async def _upload(call: Call) -> documents.Upload:
    limit = call.ctx.settings.limit_document_bytes
    await multipart(call)
    return documents.Upload(await form_file(call, "file", limit), form_filename(call, "file"))


async def list_documents(call: Call) -> Response:
    query = call.query(ListQuery)
    found = await search.search(
        call.db,
        call.user,
        search.Query(
            kinds=[ItemKind.DOCUMENT],
            tags=query.tags(),
            circle_id=query.circle,
            limit=query.limit,
            offset=query.offset,
        ),
    )
    items = await documents.list_documents(call.db, call.user, [hit.item.ref_id for hit in found.hits])
    return json_response(
        DocumentList(items=[document_out(await documents.details(call.db, d)) for d in items], more=found.more)
    )


async def create_document(call: Call) -> Response:
    upload = await _upload(call)
    settings = call.ctx.settings
    document = await documents.create_document(
        call.db,
        call.user,
        upload,
        media_dir=settings.media_dir,
        max_bytes=settings.limit_document_bytes,
        title=form_text(call, "title"),
        description=form_text(call, "description"),
        tags=tag_names.parse(form_text(call, "tags")),
        circle_id=form_optional_int(call, "circle_id"),
        responsible_id=form_optional_int(call, "responsible_id"),
        review_by=form_optional_date(call, "review_by"),
    )
    return json_response(document_out(await documents.details(call.db, document)), status=201)


async def get_document(call: Call) -> Response:
    document = await documents.access_document(call.db, call.user, _id(call))
    return json_response(document_out(await documents.details(call.db, document)))


async def update_document(call: Call) -> Response:
    patch = await call.json_body(DocumentPatch)
    given = patch.model_fields_set
    document = await documents.update_document(
        call.db,
        call.user,
        _id(call),
        title=patch.title,
        description=patch.description,
        tags=patch.tags,
        responsible_id=patch.responsible_id,
        clear_responsible="responsible_id" in given and patch.responsible_id is None,
        review_by=patch.review_by,
        clear_review_by="review_by" in given and patch.review_by is None,
    )
    return json_response(document_out(await documents.details(call.db, document)))


async def delete_document(call: Call) -> Response:
    await documents.delete_document(call.db, call.user, _id(call), media_dir=call.ctx.settings.media_dir)
    return json_response(Ok())


async def list_versions(call: Call) -> Response:
    document_id = _id(call)
    found = await documents.versions(call.db, call.user, document_id)
    return json_response(VersionList(items=[version_out(document_id, v) for v in found]))


async def add_version(call: Call) -> Response:
    upload = await _upload(call)
    settings = call.ctx.settings
    version = await documents.add_version(
        call.db, call.user, _id(call), upload, media_dir=settings.media_dir, max_bytes=settings.limit_document_bytes
    )
    return json_response(version_out(_id(call), version), status=201)


async def version_file(call: Call) -> Response:
    version, path = await documents.version_file(
        call.db, call.user, _id(call), int(call.request.path_params["number"]), call.ctx.settings.media_dir
    )
    return file_response(version, path)


_D = "/api/v1/documents/{document_id:int}"
_UPLOAD = "Multipart form: `file` (PDF, DOCX, ODT, text, Markdown, PNG, JPEG or WebP, checked by content), "
_FILE = {"type": "string", "format": "binary", "description": "Checked by its content, not its name or type."}
_TEXT = {"type": "string", "pattern": NO_NUL}
_NEW_DOCUMENT = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": _FILE,
        "title": _TEXT,
        "description": _TEXT,
        "tags": _TEXT,
        "circle_id": {"type": "string", "pattern": "^([1-9][0-9]{0,8})?$"},
        "responsible_id": {"type": "string", "pattern": "^([1-9][0-9]{0,8})?$"},
        "review_by": {"type": "string", "format": "date"},
    },
}
_NEW_VERSION = {"type": "object", "required": ["file"], "properties": {"file": _FILE}}


def routes(settings: Settings) -> list[Route]:
    upload_limit = settings.limit_document_bytes + 65536
    return [
        api_route(
            "/api/v1/documents",
            list_documents,
            "GET",
            summary="Documents you may read, newest first.",
            returns=DocumentList,
            query=ListQuery,
        ),
        api_route(
            "/api/v1/documents",
            create_document,
            "POST",
            summary=_UPLOAD + "`title`, `description`, `tags` (comma-separated), `circle_id` (empty: the "
            "organisation, for editors), `responsible_id`, `review_by` (YYYY-MM-DD). Answers at once; the text "
            "is extracted in the background.",
            returns=DocumentOut,
            status=201,
            form=_NEW_DOCUMENT,
            max_body_size=upload_limit,
        ),
        api_route(_D, get_document, "GET", summary="One document.", returns=DocumentOut),
        api_route(
            _D,
            update_document,
            "PATCH",
            summary="Change a document's details.",
            body=DocumentPatch,
            returns=DocumentOut,
        ),
        api_route(_D, delete_document, "DELETE", summary="Delete a document and its versions.", returns=Ok),
        api_route(f"{_D}/versions", list_versions, "GET", summary="Every version, newest first.", returns=VersionList),
        api_route(
            f"{_D}/versions",
            add_version,
            "POST",
            summary=_UPLOAD + "the document's new current version; older ones stay.",
            returns=VersionOut,
            status=201,
            form=_NEW_VERSION,
            max_body_size=upload_limit,
        ),
        api_route(
            f"{_D}/versions/{{number:int}}/file",
            version_file,
            "GET",
            summary="Download a version: an attachment, inline only for pictures and PDFs.",
        ),
    ]
