"""The knowledge base over HTML and the JSON API: uploads, downloads, search and tags; nothing of
a secret circle reaches an outsider on any path."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Role
from server.context import AppContext
from services import knowledge_pages
from tests.support import BASE_URL, DEMO_DRIVE, Visitor, add_member, make_circle, make_user

PDF = (DEMO_DRIVE / "02 Personeelszaken/Regelingen/Declaratieregeling reiskosten.pdf").read_bytes()


async def _wait_for_extraction(context: AppContext) -> None:
    async with asyncio.timeout(90):  # the first reading also starts the sandbox's fork server
        while not context.extractor.idle.is_set():
            await asyncio.sleep(0.02)


async def test_upload_answers_at_once_and_the_text_becomes_searchable(
    db: AsyncSession, visitor: Visitor, context: AppContext
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    made = await visitor.write(
        "POST",
        "/api/v1/documents",
        data={"title": "Reiskosten", "tags": "Personeelszaken, regelingen", "review_by": "2020-01-01"},
        files={"file": ("../../declaratie.pdf", PDF, "application/octet-stream")},
    )
    assert made.status_code == 201, made.text
    document = made.json()
    assert document["tags"] == ["personeelszaken", "regelingen"]
    assert document["review_overdue"] is True
    assert document["current_version"]["filename"] == "declaratie.pdf"
    assert document["current_version"]["content_type"] == "application/pdf"

    await _wait_for_extraction(context)
    found = (await visitor.get("/api/v1/search?q=kilometer&type=document")).json()["items"]
    assert [(hit["type"], hit["id"], hit["url"]) for hit in found] == [
        ("document", document["id"], f"/knowledge/documents/{document['id']}")
    ]
    assert "<mark>" in found[0]["snippet_html"]
    page = await visitor.get("/search?q=kilometer")
    assert page.status_code == 200
    assert "Reiskosten" in page.text
    assert "<mark>" in page.text

    download = await visitor.get(document["current_version"]["download_url"])
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("inline")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in download.headers["content-security-policy"]


async def test_text_files_download_as_attachments_and_bad_files_are_refused(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    html = b"<html><script>alert(1)</script></html>"
    made = await visitor.write("POST", "/api/v1/documents", files={"file": ("page.html", html, "text/html")})
    assert made.status_code == 201
    version = made.json()["current_version"]
    assert version["content_type"] == "text/plain; charset=utf-8"
    download = await visitor.get(version["download_url"])
    assert download.headers["content-type"].startswith("text/plain")
    assert download.headers["content-disposition"].startswith("attachment")
    refused = await visitor.write(
        "POST", "/api/v1/documents", files={"file": ("tool.pdf", b"MZ\x90\x00\x00\xff\xfe", "application/pdf")}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "file"


async def test_versions_over_the_api_and_the_pages(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    made = (await visitor.write("POST", "/api/v1/documents", files={"file": ("a.txt", b"eerste", "text/plain")})).json()
    second = await visitor.write(
        "POST", f"/api/v1/documents/{made['id']}/versions", files={"file": ("b.txt", b"tweede", "text/plain")}
    )
    assert second.status_code == 201
    versions = (await visitor.get(f"/api/v1/documents/{made['id']}/versions")).json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    assert (await visitor.get(versions[1]["download_url"])).content == b"eerste"
    html = (await visitor.get(f"/knowledge/documents/{made['id']}")).text
    assert "b.txt" in html
    assert "a.txt" in html
    assert (await visitor.get(f"/knowledge/documents/{made['id']}/versions/1/file")).content == b"eerste"


async def test_a_form_upload_from_the_page(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    token = await visitor.form_token("/knowledge/documents/new")
    response = await visitor.http.post(
        "/knowledge/documents",
        data={"csrf_token": token, "title": "Notulen", "tags": "overleg", "circle_id": "", "responsible_id": ""},
        files={"file": ("notulen.txt", "Afspraken over de cliënt.".encode(), "text/plain")},
        headers={"Origin": BASE_URL},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/knowledge/documents/")
    page = await visitor.get(response.headers["location"])
    assert "Notulen" in page.text
    tags = await visitor.get("/knowledge/tags?tag=overleg")
    assert "Notulen" in tags.text


async def test_secret_circle_documents_and_pages_never_reach_an_outsider(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner = await make_user(db, "Olga Eigenaar")
    outsider = await make_user(db, "Otto Buiten", role=Role.ADMIN)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    await add_member(db, owner, secret, await make_user(db))
    member_view, outsider_view = await new_visitor(), await new_visitor()
    await member_view.sign_in(owner)
    await outsider_view.sign_in(outsider)
    made = await member_view.write(
        "POST",
        "/api/v1/documents",
        data={"title": "Geheimhoudingsplan", "tags": "zwijgplicht", "circle_id": str(secret.id)},
        files={"file": ("plan.txt", b"Vertrouwelijk plan", "text/plain")},
    )
    assert made.status_code == 201, made.text
    document_id = made.json()["id"]
    page = await knowledge_pages.create_page(
        db, owner, title="Geheimhoudingswerkwijze", body="Alleen voor ons.", tags=["zwijgplicht"], circle_id=secret.id
    )

    member_urls = [
        f"/api/v1/documents/{document_id}",
        f"/api/v1/documents/{document_id}/versions",
        f"/api/v1/documents/{document_id}/versions/1/file",
        f"/knowledge/documents/{document_id}",
        f"/knowledge/documents/{document_id}/versions/1/file",
        f"/api/v1/pages/{page.id}",
        f"/api/v1/pages/{page.id}/revisions",
        f"/knowledge/pages/{page.id}",
        f"/knowledge/pages/{page.id}/history",
        f"/knowledge/pages/{page.id}/history/1",
        f"/knowledge/pages/{page.id}/edit",
    ]
    for url in member_urls:
        assert (await member_view.get(url)).status_code == 200, url
        assert (await outsider_view.get(url)).status_code == 404, url
    for url in (
        "/api/v1/search?q=geheimhouding",
        "/search?q=geheimhouding",
        "/api/v1/search?tag=zwijgplicht",
        "/knowledge/tags?tag=zwijgplicht",
        "/knowledge/tags",
        "/knowledge",
        "/api/v1/tags",
        "/api/v1/documents",
        "/api/v1/pages",
    ):
        shown = (await member_view.get(url)).text
        assert "Geheimhouding" in shown or "zwijgplicht" in shown, url
        seen = (await outsider_view.get(url)).text
        assert "Geheimhouding" not in seen, url
        if "zwijgplicht" not in url:  # a page may echo the tag asked for, but never reveal it
            assert "zwijgplicht" not in seen, url
    for method, url in (
        ("PATCH", f"/api/v1/documents/{document_id}"),
        ("DELETE", f"/api/v1/documents/{document_id}"),
        ("PATCH", f"/api/v1/pages/{page.id}"),
        ("DELETE", f"/api/v1/pages/{page.id}"),
    ):
        assert (await outsider_view.write(method, url, json={})).status_code == 404, url


async def test_pages_over_the_api_keep_history_and_refuse_a_stale_save(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    made = await visitor.write(
        "POST", "/api/v1/pages", json={"title": "Sleutels", "body": "Bij de receptie.", "tags": ["Facilitair"]}
    )
    assert made.status_code == 201
    page = made.json()
    assert page["tags"] == ["facilitair"]
    saved = await visitor.write(
        "PATCH", f"/api/v1/pages/{page['id']}", json={"body": "In de kluis.", "base_revision": 1}
    )
    assert saved.json()["revision"] == 2
    stale = await visitor.write("PATCH", f"/api/v1/pages/{page['id']}", json={"body": "Thuis.", "base_revision": 1})
    assert stale.status_code == 409
    history = (await visitor.get(f"/api/v1/pages/{page['id']}/revisions")).json()["items"]
    assert [r["body"] for r in history] == ["In de kluis.", "Bij de receptie."]
    tags = (await visitor.get("/api/v1/tags")).json()["items"]
    assert tags == [{"name": "facilitair", "count": 1}]


async def test_the_header_has_a_search_box_and_the_search_page_filters(db: AsyncSession, visitor: Visitor) -> None:
    await make_user(db, "Zoë Zoeker", job_title="Jongerencoach", skills=["voetbal"])
    await visitor.sign_in(await make_user(db, "Vera Vinder"))
    home = (await visitor.get("/")).text
    assert 'action="/search"' in home
    people = (await visitor.get("/search?q=jongerencoach&type=person")).text
    assert "Zoë Zoeker" in people
    assert "Zoë Zoeker" not in (await visitor.get("/search?q=jongerencoach&type=document")).text
    assert (await visitor.get("/api/v1/search?type=nonsense")).status_code == 422
    assert (await visitor.get("/api/v1/search?from=gisteren")).status_code == 422
    assert (await visitor.get("/api/v1/search?q=voetbal")).json()["items"][0]["type"] == "person"


async def test_search_filters_by_several_tags_at_once(db: AsyncSession, visitor: Visitor) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    for title, tags in (("Beide", ["verlof", "regels"]), ("Alleen verlof", ["verlof"])):
        made = await visitor.write("POST", "/api/v1/pages", json={"title": title, "body": "Tekst.", "tags": tags})
        assert made.status_code == 201
    for url in ("/api/v1/search?tag=verlof&tag=regels", "/api/v1/search?tag=verlof,%20regels"):
        assert [hit["title"] for hit in (await visitor.get(url)).json()["items"]] == ["Beide"], url
    page = (await visitor.get("/search?tag=verlof,regels")).text
    assert "Beide" in page
    assert "Alleen verlof" not in page


async def test_a_deleted_documents_files_go_once_no_version_refers_to_them(
    db: AsyncSession, visitor: Visitor, context: AppContext
) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    await visitor.sign_in(editor)
    folder = context.settings.media_dir / "documents"

    async def upload(name: str, data: bytes, document_id: int | None = None) -> dict[str, Any]:
        url = "/api/v1/documents" if document_id is None else f"/api/v1/documents/{document_id}/versions"
        made = await visitor.write("POST", url, files={"file": (name, data, "text/plain")})
        assert made.status_code == 201, made.text
        answer: dict[str, Any] = made.json()
        return answer

    def stored() -> list[bytes]:
        return sorted(path.read_bytes() for path in folder.iterdir())

    first = await upload("a.txt", b"Gedeelde tekst.")
    copy = await upload("kopie.txt", b"Gedeelde tekst.")  # the same content: one file for both
    own = await upload("b.txt", b"Eigen tekst.")
    await upload("b2.txt", b"Eigen tekst, herzien.", own["id"])
    assert stored() == [b"Eigen tekst, herzien.", b"Eigen tekst.", b"Gedeelde tekst."]

    assert (await visitor.write("DELETE", f"/api/v1/documents/{own['id']}")).status_code == 200
    assert stored() == [b"Gedeelde tekst."]  # both versions' files are gone
    assert (await visitor.write("DELETE", f"/api/v1/documents/{first['id']}")).status_code == 200
    assert stored() == [b"Gedeelde tekst."]  # the copy still refers to it
    download = await visitor.get(copy["current_version"]["download_url"])
    assert download.content == b"Gedeelde tekst."
    assert (await visitor.write("DELETE", f"/api/v1/documents/{copy['id']}")).status_code == 200
    assert stored() == []
