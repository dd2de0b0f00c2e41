"""The knowledge base's pages: the overview, documents (upload, versions, download), knowledge
pages (write, edit, history) and tags instead of folders."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from models import ItemKind
from server.downloads import file_response, preview_response
from server.endpoints import (
    Call,
    form_file,
    form_filename,
    form_optional_date,
    form_optional_int,
    form_route,
    form_text,
    page_route,
)
from server.errors import status_of
from services import accounts, circles, documents, extraction, knowledge_pages, previews, search
from services import tags as tag_names
from services.errors import N_, KringError


def _int(call: Call, name: str) -> int:
    return int(call.request.path_params[name])


async def _recent(call: Call, kind: ItemKind, limit: int = 10) -> list[search.Hit]:
    return (await search.search(call.db, call.user, search.Query(kinds=[kind], limit=limit))).hits


async def overview(call: Call) -> Response:
    return call.render(
        "knowledge.html",
        documents=await _recent(call, ItemKind.DOCUMENT),
        pages=await _recent(call, ItemKind.PAGE),
        tags=await search.tag_counts(call.db, call.user),
        due=await documents.due_for_review(call.db, call.user),
    )


async def tags_page(call: Call) -> Response:
    """Tags instead of folders: pick one, then narrow down with more."""
    chosen = tag_names.clean_all(call.request.query_params.getlist("tag"))[:10]
    found = await search.search(call.db, call.user, search.Query(tags=chosen, limit=100)) if chosen else None
    counts = await search.tag_counts(call.db, call.user, within=chosen)
    return call.render("tags.html", chosen=chosen, counts=counts, found=found)


async def _writable_circles(call: Call) -> list[object]:
    return list(await circles.list_circles(call.db, call.user, mine=True, limit=200))


async def _document_form(
    call: Call, *, draft: dict[str, str], status: int = 200, flash: tuple[str, str] | None = None
) -> Response:
    """The upload form offering only owners the colleague may add to (`documents.owners_for`),
    the one asked for selected, else the first allowed."""
    owners = await documents.owners_for(call.db, call.user)
    allowed = [str(c.id) for c in owners.circles] + ([""] if owners.organisation else [])
    chosen = draft.get("circle_id")
    if chosen not in allowed:
        chosen = "" if owners.organisation else (allowed[0] if allowed else None)
    extra = {"flash": flash} if flash is not None else {}
    return call.render(
        "document_form.html",
        status=status,
        owners=owners,
        chosen_circle=chosen,
        draft=draft,
        people=await accounts.list_people(call.db, limit=500),
        **extra,
    )


async def new_document(call: Call) -> Response:
    return await _document_form(call, draft={"circle_id": call.request.query_params.get("circle", "")})


async def create_document(call: Call) -> Response:
    settings = call.ctx.settings
    data = await form_file(call, "file", settings.limit_document_bytes)
    try:
        document = await documents.create_document(
            call.db,
            call.user,
            documents.Upload(data, form_filename(call, "file")),
            media_dir=settings.media_dir,
            max_bytes=settings.limit_document_bytes,
            title=form_text(call, "title"),
            description=form_text(call, "description"),
            tags=tag_names.parse(form_text(call, "tags")),
            circle_id=form_optional_int(call, "circle_id"),
            responsible_id=form_optional_int(call, "responsible_id"),
            review_by=form_optional_date(call, "review_by"),
        )
    except KringError as refused:
        # The form again with what was entered; a browser cannot put a chosen file back, so say so.
        fields = ("title", "description", "tags", "circle_id", "responsible_id", "review_by")
        draft = {name: form_text(call, name) for name in fields}
        message = refused.text(call.gettext) + " " + call.gettext(N_("Choose the file again, please."))
        return await _document_form(call, draft=draft, status=status_of(refused), flash=("error", message))
    return call.redirect(f"/knowledge/documents/{document.id}", message=N_("The document has been added."))


async def document_page(call: Call) -> Response:
    document_id = _int(call, "document_id")
    document = await documents.access_document(call.db, call.user, document_id)
    shown = await documents.details(call.db, document)
    return call.render(
        "document.html",
        d=shown,
        versions=await documents.versions(call.db, call.user, document_id),
        related=await search.related(call.db, call.user, ItemKind.DOCUMENT, document_id),
        people=await accounts.list_people(call.db, limit=500),
        unreadable_reasons=extraction.SHOWN_REASONS,
        preview_html=await previews.html_of(call.ctx.settings.media_dir, shown.current) if shown.current else None,
        preview_reasons=previews.SHOWN_REASONS,
        preview_unreadable=previews.UNREADABLE,
        preview_widths=previews.WIDTHS,
    )


async def update_document(call: Call) -> Response:
    document_id = _int(call, "document_id")
    responsible = form_optional_int(call, "responsible_id")
    review_by = form_optional_date(call, "review_by")
    await documents.update_document(
        call.db,
        call.user,
        document_id,
        title=form_text(call, "title"),
        description=form_text(call, "description"),
        tags=tag_names.parse(form_text(call, "tags")),
        responsible_id=responsible,
        clear_responsible=responsible is None,
        review_by=review_by,
        clear_review_by=review_by is None,
    )
    return call.redirect(f"/knowledge/documents/{document_id}", message=N_("The document has been saved."))


async def add_version(call: Call) -> Response:
    settings = call.ctx.settings
    document_id = _int(call, "document_id")
    data = await form_file(call, "file", settings.limit_document_bytes)
    await documents.add_version(
        call.db,
        call.user,
        document_id,
        documents.Upload(data, form_filename(call, "file")),
        media_dir=settings.media_dir,
        max_bytes=settings.limit_document_bytes,
    )
    return call.redirect(f"/knowledge/documents/{document_id}", message=N_("The new version has been added."))


async def delete_document(call: Call) -> Response:
    await documents.delete_document(
        call.db, call.user, _int(call, "document_id"), media_dir=call.ctx.settings.media_dir
    )
    return call.redirect("/knowledge", message=N_("The document has been deleted."))


async def download(call: Call) -> Response:
    version, path = await documents.version_file(
        call.db, call.user, _int(call, "document_id"), _int(call, "number"), call.ctx.settings.media_dir
    )
    return file_response(version, path)


async def preview_picture(call: Call) -> Response:
    params = call.request.path_params
    _, path = await previews.picture(
        call.db,
        call.user,
        _int(call, "document_id"),
        _int(call, "number"),
        str(params["name"]),
        call.ctx.settings.media_dir,
    )
    return preview_response(path)


async def new_page(call: Call) -> Response:
    return call.render(
        "page_form.html",
        page=None,
        tags="",
        my_circles=await _writable_circles(call),
        chosen_circle=call.request.query_params.get("circle", ""),
    )


async def create_page(call: Call) -> Response:
    page = await knowledge_pages.create_page(
        call.db,
        call.user,
        title=form_text(call, "title"),
        body=form_text(call, "body"),
        tags=tag_names.parse(form_text(call, "tags")),
        circle_id=form_optional_int(call, "circle_id"),
        review_by=form_optional_date(call, "review_by"),
    )
    return call.redirect(f"/knowledge/pages/{page.id}", message=N_("The page has been saved."))


async def page_page(call: Call) -> Response:
    page_id = _int(call, "page_id")
    page = await knowledge_pages.access_page(call.db, call.user, page_id)
    editor = await accounts.get_user(call.db, page.updated_by)
    return call.render(
        "knowledge_page.html",
        page=page,
        editor=editor,
        tags=await knowledge_pages.tags_of(call.db, page_id),
        linking=await knowledge_pages.linking_here(call.db, call.user, page),
        related=await search.related(call.db, call.user, ItemKind.PAGE, page_id),
        # The service's own rules, the ones its save and delete enforce: offer only what works.
        may_edit=await knowledge_pages.may_edit(call.db, call.user, page),
        may_delete=await knowledge_pages.may_delete(call.db, call.user, page),
        overdue=knowledge_pages.is_overdue(page),
    )


async def edit_page_form(call: Call) -> Response:
    page_id = _int(call, "page_id")
    page = await knowledge_pages.access_page(call.db, call.user, page_id)
    tags = ", ".join(await knowledge_pages.tags_of(call.db, page_id))
    return call.render("page_form.html", page=page, tags=tags, my_circles=[], chosen_circle="")


async def save_page(call: Call) -> Response:
    page_id = _int(call, "page_id")
    review_by = form_optional_date(call, "review_by")
    await knowledge_pages.edit_page(
        call.db,
        call.user,
        page_id,
        title=form_text(call, "title"),
        body=form_text(call, "body"),
        tags=tag_names.parse(form_text(call, "tags")),
        base_revision=form_optional_int(call, "base_revision"),
        review_by=review_by,
        clear_review_by=review_by is None,
    )
    return call.redirect(f"/knowledge/pages/{page_id}", message=N_("The page has been saved."))


async def delete_page(call: Call) -> Response:
    await knowledge_pages.delete_page(call.db, call.user, _int(call, "page_id"))
    return call.redirect("/knowledge", message=N_("The page has been deleted."))


async def page_history(call: Call) -> Response:
    page_id = _int(call, "page_id")
    page = await knowledge_pages.access_page(call.db, call.user, page_id)
    found = await knowledge_pages.revisions(call.db, call.user, page_id)
    editors = {r.editor_id: await accounts.get_user(call.db, r.editor_id) for r in found}
    return call.render("page_history.html", page=page, revisions=found, editors=editors, shown=None)


async def page_revision(call: Call) -> Response:
    page_id = _int(call, "page_id")
    page = await knowledge_pages.access_page(call.db, call.user, page_id)
    shown = await knowledge_pages.revision(call.db, call.user, page_id, _int(call, "number"))
    found = await knowledge_pages.revisions(call.db, call.user, page_id)
    editors = {r.editor_id: await accounts.get_user(call.db, r.editor_id) for r in found}
    return call.render("page_history.html", page=page, revisions=found, editors=editors, shown=shown)


_D = "/knowledge/documents/{document_id:int}"
_P = "/knowledge/pages/{page_id:int}"

routes: list[Route] = [
    page_route("/knowledge", overview, name="knowledge"),
    page_route("/knowledge/tags", tags_page, name="knowledge_tags"),
    page_route("/knowledge/documents/new", new_document, name="document_new"),
    page_route(_D, document_page, name="document"),
    form_route(_D, update_document, name="document_save"),
    form_route(f"{_D}/delete", delete_document, name="document_delete"),
    page_route(f"{_D}/versions/{{number:int}}/file", download, name="document_download"),
    page_route(f"{_D}/versions/{{number:int}}/preview/{{name}}", preview_picture, name="document_preview"),
    page_route("/knowledge/pages/new", new_page, name="knowledge_page_new"),
    form_route("/knowledge/pages", create_page, name="knowledge_page_create"),
    page_route(_P, page_page, name="knowledge_page"),
    page_route(f"{_P}/edit", edit_page_form, name="knowledge_page_edit"),
    form_route(_P, save_page, name="knowledge_page_save"),
    form_route(f"{_P}/delete", delete_page, name="knowledge_page_delete"),
    page_route(f"{_P}/history", page_history, name="knowledge_page_history"),
    page_route(f"{_P}/history/{{number:int}}", page_revision, name="knowledge_page_revision"),
]


def upload_routes(settings: Settings) -> list[Route]:
    """Routes whose body limit comes from the settings (multipart needs room around the file)."""
    limit = settings.limit_document_bytes + 65536
    return [
        form_route("/knowledge/documents", create_document, name="document_create", max_files=1, max_body_size=limit),
        form_route(f"{_D}/versions", add_version, name="document_version", max_files=1, max_body_size=limit),
    ]
