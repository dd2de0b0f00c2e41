"""Building test data the way users cause it: through the services and the HTTP API."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleKind, CircleVisibility, Role, User
from services import accounts, circles, passwords

BASE_URL = "http://kring.test"
PASSWORD = "correct horse battery staple"
# One argon2 hash for every test account: hashing is deliberately slow.
PASSWORD_HASH = passwords.hash_blocking(PASSWORD)
_numbers = itertools.count(1)


async def make_user(db: AsyncSession, name: str | None = None, *, role: Role = Role.MEMBER, **fields: Any) -> User:
    number = next(_numbers)
    name = name or f"Colleague {number}"
    email = fields.pop("email", f"{name.split()[0].lower()}.{number}@kring.test")
    return await accounts.create_user(db, email=email, name=name, password_hash=PASSWORD_HASH, role=role, **fields)


async def make_circle(
    db: AsyncSession,
    owner: User,
    visibility: CircleVisibility = CircleVisibility.OPEN,
    *,
    name: str | None = None,
    kind: CircleKind = CircleKind.KNOWLEDGE,
) -> Circle:
    name = name or f"{visibility.value.title()} circle {next(_numbers)}"
    return await circles.create_circle(db, owner, name=name, kind=kind, visibility=visibility)


async def add_member(db: AsyncSession, admin: User, circle: Circle, user: User) -> None:
    """Membership by invitation, which works for every visibility."""
    assert circle.id is not None
    assert user.id is not None
    await circles.invite(db, admin, circle.id, user.id)
    await circles.join_circle(db, user, circle.id)


class Visitor:
    """An HTTP client with its own cookie jar: one colleague's browser."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client
        self.csrf = ""

    async def sign_in(self, user: User, password: str = PASSWORD) -> httpx.Response:
        response = await self.http.post(
            "/api/v1/session", json={"email": user.email, "password": password}, headers={"Origin": BASE_URL}
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(url, **kwargs)

    async def write(self, method: str, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        """A same-origin write as the browser's JavaScript would send it."""
        headers = {"Origin": BASE_URL, "X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return await self.http.request(method, url, json=json, headers=headers, **kwargs)

    async def form_token(self, page: str = "/") -> str:
        """The CSRF token the forms on `page` carry."""
        html = (await self.http.get(page, follow_redirects=True)).text
        marker = 'name="csrf_token" value="'
        start = html.index(marker) + len(marker)
        return html[start : html.index('"', start)]

    async def submit(self, url: str, data: dict[str, str], *, page: str = "/") -> httpx.Response:
        """Post a form the way the page does, token included."""
        token = await self.form_token(page)
        return await self.http.post(url, data={"csrf_token": token, **data}, headers={"Origin": BASE_URL})


# A copy of the sample group drive (../shared/data/groepenschijf), kept in the project for the
# demo seed and the tests.
DEMO_DRIVE = Path(__file__).resolve().parent.parent / "server" / "demo_drive"
