"""Photos and files over HTTP: uploaded through the API, shown on the pages and in the API's
items, and every URL of a secret circle's photo (the photo, its thumbnail, the file, the item
link, the API) a 404 to whoever is not a member."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility
from tests.photo_files import GPS_IFD, docx, phone_photo
from tests.support import Visitor, make_circle, make_user


async def test_a_secret_circles_photo_is_not_found_by_an_outsider_on_any_url(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner, outsider = await make_user(db), await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    member, stranger = await new_visitor(), await new_visitor()
    await member.sign_in(owner)
    await stranger.sign_in(outsider)

    uploaded = await member.write(
        "POST", "/api/v1/attachments", files={"file": ("../IMG_0001.jpg", phone_photo(), "image/heic")}
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    assert (photo["kind"], photo["name"], photo["content_type"]) == ("photo", "IMG_0001.jpg", "image/jpeg")
    draft_urls = [photo["photo_url"], photo["thumb_url"], f"/api/v1/attachments/{photo['id']}"]
    for url in draft_urls:  # a draft is its uploader's alone
        assert (await stranger.get(url)).status_code == 404, url

    sent = await member.write("POST", f"/api/v1/circles/{secret.id}/messages", json={"attachments": [photo["id"]]})
    assert sent.status_code == 201, sent.text
    assert [a["id"] for a in sent.json()["attachments"]] == [photo["id"]]

    for url in (photo["photo_url"], photo["thumb_url"]):
        shown = await member.get(url)
        assert shown.status_code == 200
        assert shown.headers["content-type"] == "image/jpeg"
        assert shown.headers["x-content-type-options"] == "nosniff"
        assert shown.headers["cache-control"].startswith("private")
        with Image.open(io.BytesIO(shown.content)) as served:
            assert not served.getexif().get_ifd(GPS_IFD)
    for url in (*draft_urls, photo["file_url"], f"/attachments/{photo['id']}", f"/circles/{secret.id}/photos"):
        refused = await stranger.get(url)
        assert refused.status_code == 404, url
        assert b"\xff\xd8" not in refused.content
    history = (await member.get(f"/api/v1/circles/{secret.id}/messages")).json()["items"]
    assert history[0]["attachments"][0]["thumb_url"] == photo["thumb_url"]
    page = await member.get(f"/circles/{secret.id}")
    assert f'src="/attachments/{photo["id"]}/thumb"' in page.text
    # Its admin shows the circle's gallery, which lists the photo for members only.
    assert f'href="/circles/{secret.id}/photos"' not in page.text
    chosen = await member.submit(f"/circles/{secret.id}/gallery", {"gallery": "on"}, page=f"/circles/{secret.id}")
    assert chosen.status_code == 303
    assert f'href="/circles/{secret.id}/photos"' in (await member.get(f"/circles/{secret.id}")).text
    gallery = await member.get(f"/circles/{secret.id}/photos")
    assert f'src="/attachments/{photo["id"]}/thumb"' in gallery.text
    assert (await stranger.get(f"/circles/{secret.id}/photos")).status_code == 404


async def test_a_post_with_a_document_by_form_and_its_search_hit(db: AsyncSession, visitor: Visitor) -> None:
    colleague = await make_user(db)
    circle = await make_circle(db, colleague)
    await visitor.sign_in(colleague)
    data = docx("Boodschappenlijst voor de koffieochtend", "Kardemomkoekjes van de bakker op de hoek.")
    uploaded = await visitor.write(
        "POST", "/api/v1/attachments", files={"file": ("koffie.docx", data, "application/octet-stream")}
    )
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert (document["kind"], document["photo_url"]) == ("file", None)

    token = await visitor.form_token(f"/circles/{circle.id}")
    posted = await visitor.http.post(
        f"/circles/{circle.id}/posts",
        data={"csrf_token": token, "body": "", "attachments": str(document["id"])},
        headers={"Origin": "http://kring.test"},
    )
    assert posted.status_code == 303, posted.text
    page = (await visitor.get(f"/circles/{circle.id}")).text
    assert "koffie.docx" in page
    assert f'action="/attachments/{document["id"]}/keep"' in page

    download = await visitor.get(document["file_url"])
    assert download.content == data
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"

    found = (await visitor.get("/api/v1/search?q=kardemomkoekjes")).json()["items"]
    assert [(hit["type"], hit["url"]) for hit in found] == [("attachment", f"/attachments/{document['id']}")]
    leads = await visitor.get(found[0]["url"])
    assert leads.status_code == 303
    assert leads.headers["location"].startswith("/posts/")
