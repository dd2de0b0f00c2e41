"""Serving a document version's file: named by the document's own file name, downloaded as an
attachment (only pictures and PDFs are shown inline), never sniffed (`nosniff` is on every
response, see `server.security_headers`); and its preview's pictures, shown inline."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse

from models import DocumentVersion
from services import files, previews


def file_response(version: DocumentVersion, path: Path) -> FileResponse:
    kind = files.type_of(version.file)
    return FileResponse(
        path,
        media_type=kind.content_type,
        filename=version.filename,
        content_disposition_type="inline" if kind.inline else "attachment",
        headers={"Cache-Control": "private, max-age=3600"},
    )


def preview_response(path: Path) -> FileResponse:
    """A version's preview picture never changes (a version's file never does), but it is a
    reader's only: kept by their browser, never by a shared cache."""
    return FileResponse(
        path,
        media_type=previews.CONTENT_TYPE,
        content_disposition_type="inline",
        headers={"Cache-Control": "private, max-age=86400"},
    )
