"""What the API takes and how it refuses (issue 14, findings 8, 13 and 14): dates are typed and
bounded, every 405 names the methods the path takes, and request bodies are parsed strictly, so
a client's mistake is a 422 and never a 500 or a guess."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Invitation, Role
from services import posts
from tests.support import BASE_URL, Visitor, make_circle, make_user


async def test_out_of_range_and_malformed_dates_are_a_422_not_a_server_error(
    db: AsyncSession, visitor: Visitor
) -> None:
    await visitor.sign_in(await make_user(db))
    for query in ("to=9999-12-31", "from=0001-01-01", "to=2024-02-30", "from=20240101", "to=2024-W01-1", "from="):
        refused = await visitor.get(f"/api/v1/search?{query}")
        assert refused.status_code == 422, query
        assert refused.json()["error"]["field"] == query.split("=")[0]
    assert (await visitor.get("/api/v1/search?from=2024-01-01&to=2999-12-31")).status_code == 200

    # The page says what is wrong, in a page; its form's empty fields mean "any date".
    page = await visitor.get("/search?q=plan&to=9999-12-31")
    assert page.status_code == 422
    assert "1900" in page.text
    assert "2999" in page.text
    assert (await visitor.get("/search?q=plan&from=&to=&circle=&type=")).status_code == 200

    # The document list has no date filter: a date there is left alone, as any unknown parameter.
    assert (await visitor.get("/api/v1/documents?to=9999-12-31")).status_code == 200


async def test_a_document_review_date_is_bounded_like_every_date(db: AsyncSession, visitor: Visitor) -> None:
    await visitor.sign_in(await make_user(db, role=Role.ADMIN))
    files = {"file": ("plan.txt", b"Het plan.", "text/plain")}
    headers = {"Origin": BASE_URL, "X-CSRF-Token": visitor.csrf}
    created = await visitor.http.post(
        "/api/v1/documents", files=files, data={"title": "Plan", "review_by": "2030-01-01"}, headers=headers
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/documents/{created.json()['id']}"
    for day in ("9999-12-31", "2024-02-30", "tomorrow"):
        refused = await visitor.write("PATCH", url, {"review_by": day})
        assert refused.status_code == 422, day
        assert refused.json()["error"]["field"] == "review_by"
    assert (await visitor.write("PATCH", url, {"review_by": "2031-06-30"})).json()["review_by"] == "2031-06-30"


async def test_every_405_names_the_methods_the_path_takes(db: AsyncSession, visitor: Visitor) -> None:
    await visitor.sign_in(await make_user(db))
    for method, url, allowed in (
        ("DELETE", "/api/v1/circles", "GET, HEAD, POST"),
        ("PUT", "/api/v1/circles/1", "GET, HEAD, PATCH"),
        ("GET", "/api/v1/session", "DELETE, POST"),
        ("DELETE", "/search", "GET, HEAD"),
    ):
        response = await visitor.http.request(method, url, headers={"Origin": BASE_URL})
        assert response.status_code == 405, url
        assert response.headers["allow"] == allowed, url
    assert (await visitor.http.delete("/api/v1/circles")).json()["error"]["code"] == "method_not_allowed"


async def test_json_bodies_are_parsed_strictly(db: AsyncSession, visitor: Visitor) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    colleague = await make_user(db)
    circle = await make_circle(db, admin, CircleVisibility.CLOSED)
    await visitor.sign_in(admin)
    base = f"/api/v1/circles/{circle.id}"

    # `true` is not the id 1: nobody is invited by it.
    refused = await visitor.write("POST", f"{base}/invitations", {"user_id": True})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "user_id"
    assert (await db.exec(select(Invitation))).all() == []
    # A whole number written as 2.0 is one (JSON does not tell them apart); 2.5 and "2" are not.
    for wrong in (2.5, "2"):
        assert (await visitor.write("POST", f"{base}/invitations", {"user_id": wrong})).status_code == 422
    invited = await visitor.write("POST", f"{base}/invitations", {"user_id": float(colleague.id or 0)})
    assert invited.status_code == 201

    # `0` is not false.
    news = await posts.create_news(db, admin, title="Nieuws", body="Tekst")
    refused = await visitor.write("PATCH", f"/api/v1/posts/{news.id}", {"must_read": 0})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "must_read"

    # A moment is RFC 3339 with its offset, within the years a date may name.
    for moment in ("2030-01-31T09:00:00", "2030-01-31 09:00:00Z", "9999-12-31T23:59:59-14:00"):
        refused = await visitor.write("PATCH", f"/api/v1/posts/{news.id}", {"featured_until": moment})
        assert refused.status_code == 422, moment
        assert refused.json()["error"]["field"] == "featured_until"
    featured = await visitor.write("PATCH", f"/api/v1/posts/{news.id}", {"featured_until": "2030-01-31T09:00:00+01:00"})
    assert featured.status_code == 200

    # No body is not `{}`: a client that lost its body does not get a change it did not ask for.
    for method, url in (("PATCH", base), ("POST", f"{base}/join"), ("PATCH", f"/api/v1/posts/{news.id}")):
        missing = await visitor.write(method, url)
        assert missing.status_code == 422, url
        assert missing.json()["error"]["code"] == "invalid"

    # Text a service would trim to nothing, or that holds NUL, is refused by the schema it publishes.
    for body in ({"body": "   "}, {"body": "a\x00b"}):
        assert (await visitor.write("POST", f"{base}/posts", body)).status_code == 422
