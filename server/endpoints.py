"""Endpoint wrappers: authentication, CSRF, a database session and error mapping, once.

Every route is built with `api_route`, `page_route` or `form_route`; none resolves credentials or
checks CSRF on its own, so none can forget to. `tests/server/test_csrf.py` walks the router to
prove every state-changing route refuses a cookie request without the token.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from models import User
from models.base import MAX_ID
from server import csrf
from server.auth import Principal, Via, authenticate
from server.context import AppContext, app_context
from server.errors import json_error, json_from, status_of
from server.flash import FLASH_COOKIE, read_flash, set_flash
from server.i18n import choose_locale
from server.pagination import is_number
from server.params import QueryIn, read_query
from services import drafts, events, notifications
from services.errors import N_, Invalid, KringError, NotFound, TooLarge, Unauthenticated
from services.notifications import Badge
from services.transactions import begin_snapshot

DRAFT_FIELD = "draft_key"  # the hidden field naming a form's draft (`_editor.html`)
M = TypeVar("M", bound=BaseModel)
Q = TypeVar("Q", bound=QueryIn)
E = TypeVar("E", bound=enum.Enum)


@dataclass
class Call:
    """One request as the handler sees it."""

    request: Request
    ctx: AppContext
    db: AsyncSession
    principal: Principal | None
    locale: str
    form: FormData | None = None
    flash: tuple[str, str] | None = field(default=None)
    realtime: dict[str, Any] | None = None
    badge: Badge | None = None
    _anon: str | None = field(default=None, repr=False)

    @property
    def user(self) -> User:
        if self.principal is None:
            raise Unauthenticated(N_("Sign in first."))
        return self.principal.user

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def gettext(self, message: str) -> str:
        return self.ctx.catalogs.get(self.locale).gettext(message)

    async def json_body(self, model: type[M]) -> M:
        try:
            raw = await self.request.body()
        except ClientDisconnect:
            raise Invalid(N_("The request body did not arrive.")) from None
        except HTTPException as exc:  # the body limit
            raise TooLarge(N_("The request is too large.")) from exc
        if not raw.strip():
            # Not `{}`: a client that lost its body must not have a PATCH or a join succeed.
            raise Invalid(N_("Send the request body as JSON."))
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = ".".join(str(part) for part in error["loc"]) or None
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "string_pattern_mismatch" and isinstance(error["input"], str):
                # Say which rule of the pattern the text broke, not the pattern.
                if "\x00" in error["input"]:
                    message = "text may not contain the NUL character"
                elif not error["input"].strip():
                    message = "write something besides spaces"
            raise Invalid(f"{name}: {message}" if name else message, field=name) from None

    def query(self, model: type[Q]) -> Q:
        """The query string as the route declared it (`api_route(query=...)`)."""
        return read_query(model, self.request)

    async def watch(self, topic: str) -> None:
        """Make the page live on `topic`. Call it before loading what the page shows: the head
        read here is where the browser resumes, so events after it reach the page and events
        before it are in what it rendered."""
        if self.realtime is None:
            self.realtime = {"epoch": await events.epoch(self.db), "topics": {}}
        self.realtime["topics"][topic] = await events.head(self.db, topic)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        brand = self.ctx.branding.current()
        base: dict[str, Any] = {
            "request": self.request,
            "me": self.principal.user if self.principal else None,
            "csrf_token": self.csrf_token,
            "flash": self.flash,
            "org_name": brand.name,
            "brand": brand,
            "realtime": self.realtime,
            "badge": self.badge,
        }
        html = self.ctx.templates.render(self.locale, template, base | context)
        response = HTMLResponse(html, status_code=status)
        if self.principal is not None:
            response.headers["Cache-Control"] = "no-store"
        elif self._anon is not None and self._anon != self.request.cookies.get(csrf.ANON_COOKIE):
            response.set_cookie(
                csrf.ANON_COOKIE, self._anon, httponly=True, samesite="lax", secure=self.ctx.settings.secure_cookies
            )
        return response

    @property
    def csrf_token(self) -> str:
        """The token forms on this page carry: the session's, or before sign-in one bound to the
        anonymous cookie (`render` sets that cookie when it is new)."""
        if self.principal is not None:
            return self.principal.session.csrf_token if self.principal.session else ""
        if self._anon is None:
            self._anon = csrf.anon_id(self.request)[0]
        return csrf.anonymous_token(self.ctx.settings.secret, self._anon)

    def redirect(self, url: str, *, message: str | None = None, kind: str = "ok") -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        if message is not None:
            set_flash(response, self.ctx.settings.secret, kind, message, secure=self.ctx.settings.secure_cookies)
        return response


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class ApiDoc:
    """What `server.openapi` needs to describe an API route."""

    summary: str
    body: type[BaseModel] | None = None
    returns: type[BaseModel] | None = None
    status: int = 200
    public: bool = False
    query: type[QueryIn] | None = None
    path: dict[str, dict[str, Any]] = field(default_factory=dict)  # a path parameter's schema, if not an id
    form: dict[str, Any] | None = None  # the schema of a multipart/form-data body


def api_route(
    path: str,
    handler: Handler,
    method: str,
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    returns: type[BaseModel] | None = None,
    status: int = 200,
    public: bool = False,
    query: type[QueryIn] | None = None,
    path_schemas: dict[str, dict[str, Any]] | None = None,
    form: dict[str, Any] | None = None,
    max_body_size: int | None = None,
) -> Route:
    """A JSON API route. Errors answer `{"error": {"code", "message"}}` with the right status;
    cookie-authenticated writes need the `X-CSRF-Token` header. `max_body_size` raises the app's
    request limit for an upload route (which reads its body with `multipart`).

    What the OpenAPI document says comes from here: `body` is the model the handler reads with
    `call.json_body`, `query` the one it reads with `call.query`; `path_schemas` gives the schema of a
    path parameter that is not an id, `form` that of a multipart body."""

    async def endpoint(request: Request) -> Response:
        ctx = app_context(request)
        async with ctx.db() as db:
            principal = await authenticate(request, db)
            if principal is None and not public:
                return json_error("unauthenticated", "Sign in or send a valid Bearer token.", 401)
            if not _csrf_ok(request, principal, request.headers.get(csrf.CSRF_HEADER)):
                return json_error("csrf", "Missing or wrong X-CSRF-Token header.", 403)
            locale = (
                ctx.settings.locale
                if principal is None
                else choose_locale(request, principal.user.locale, ctx.settings.locale)
            )
            call = Call(request, ctx, db, principal, locale)
            try:
                check_request(request)
                response = await handler(call)
            except KringError as error:  # the unit of work has undone the refused operation
                response = json_from(error)
            finally:
                if call.form is not None:
                    await call.form.close()
            if principal is not None:
                # A colleague's data: never kept by a shared computer's browser or a proxy.
                response.headers["Cache-Control"] = "no-store"
            return response

    route = Route(path, endpoint, methods=[method], name=f"api:{method}:{path}", max_body_size=max_body_size)
    doc = ApiDoc(summary, body, returns, status, public, query, path_schemas or {}, form)
    route.openapi = doc  # type: ignore[attr-defined]
    return route


def page_route(path: str, handler: Handler, *, name: str, public: bool = False, fragment: bool = False) -> Route:
    """An HTML page (GET). Anonymous visitors of a private page are sent to the login page.
    A `fragment` is a piece a page fetches into itself: it has no title, badge or socket of its
    own, and leaves the page's flash message alone."""

    async def endpoint(request: Request) -> Response:
        ctx = app_context(request)
        async with ctx.db() as db:
            principal = await authenticate(request, db)
            if principal is None and not public:
                return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
            call = _call(request, ctx, db, principal)
            if not fragment:
                call.flash = read_flash(request, ctx.settings.secret)
            await begin_snapshot(db)
            try:
                if principal is not None and not fragment:
                    # Every signed-in page follows the user's own topic (a logout elsewhere
                    # ends this tab's session too) and the organisation's (its branding).
                    await call.watch(events.user_topic(principal.user_id))
                    await call.watch(events.ORG_TOPIC)  # a branding change reaches every tab
                    call.badge = await notifications.badge(db, principal.user)
                check_request(request)
                result = await handler(call)
            except KringError as error:
                result = call.render("error.html", status=status_of(error), message=error.text(call.gettext))
            if FLASH_COOKIE in request.cookies and not fragment:
                result.delete_cookie(FLASH_COOKIE)
            return result

    return Route(path, endpoint, methods=["GET"], name=name)


def form_route(
    path: str,
    handler: Handler,
    *,
    name: str,
    public: bool = False,
    max_files: int = 0,
    max_body_size: int | None = None,
    refuse_early: Callable[[Call], Awaitable[Response | None]] | None = None,
) -> Route:
    """A form post. The hidden `csrf_token` field must match the session's; on a service error
    the visitor goes back where they came from with the message shown. Forms take no files
    unless `max_files` says so; `max_body_size` raises the app's request limit for uploads.
    `refuse_early` answers instead of the handler before the body is read (a role the route
    needs), so nobody else can make the worker spool a large upload to disk."""

    async def endpoint(request: Request) -> Response:
        ctx = app_context(request)
        async with ctx.db() as db:
            principal = await authenticate(request, db)
            if principal is None and not public:
                return RedirectResponse("/login", status_code=303)
            if refuse_early is not None and (refused := await refuse_early(_call(request, ctx, db, principal))):
                return refused
            try:
                form = await request.form(max_files=max_files)
            except HTTPException as exc:  # malformed (400) or over the size limit (413)
                message = "Too large." if exc.status_code == 413 else "Bad form data."
                return HTMLResponse(message, status_code=exc.status_code)
            token = form.get(csrf.CSRF_FIELD)
            given = token if isinstance(token, str) else None
            if not (_csrf_ok(request, principal, given) if principal else _anon_csrf_ok(request, ctx, given)):
                await form.close()
                return HTMLResponse("The form has expired. Go back, reload and try again.", status_code=403)
            call = _call(request, ctx, db, principal)
            call.form = form
            try:
                check_request(request)
                response = await handler(call)
                if response.status_code < 400:  # a form shown again with its refusal is still being written
                    await _discard_sent_draft(call)
                return response
            except KringError as error:  # the unit of work has undone the refused operation
                # Filled in here: a message with places (a limit, a length) reads whole on the next page.
                return call.redirect(_back(request), message=error.text(call.gettext), kind="error")
            finally:
                await form.close()

    return Route(path, endpoint, methods=["POST"], name=name, max_body_size=max_body_size)


async def _discard_sent_draft(call: Call) -> None:
    """A form written with the editor names its draft (`draft_key`); once the form is taken, the
    draft is done with. Not after a refusal: then the text is still being written."""
    with contextlib.suppress(Invalid):  # a key no form has (or a NUL in it): the form itself was taken
        key = form_text(call, DRAFT_FIELD)
        if key and call.principal is not None:
            await drafts.discard(call.db, call.user, key)


def _call(request: Request, ctx: AppContext, db: AsyncSession, principal: Principal | None) -> Call:
    user_locale = principal.user.locale if principal else None
    return Call(request, ctx, db, principal, choose_locale(request, user_locale, ctx.settings.locale))


def _csrf_ok(request: Request, principal: Principal | None, given: str | None) -> bool:
    if request.method in csrf.SAFE_METHODS or principal is None or principal.via is Via.TOKEN:
        return True
    expected = principal.session.csrf_token if principal.session else None
    return csrf.tokens_match(expected, given)


def _anon_csrf_ok(request: Request, ctx: AppContext, given: str | None) -> bool:
    anon = request.cookies.get(csrf.ANON_COOKIE)
    if not anon:
        return False
    return csrf.tokens_match(csrf.anonymous_token(ctx.settings.secret, anon), given)


def _back(request: Request) -> str:
    """The same-site page the form was posted from, or home."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.url.netloc:
        return "/"
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def check_request(request: Request) -> None:
    """Refuse what no route can mean, before it reaches a service or the database: an id in the
    path larger than an id column holds (`NotFound`: it names nothing), and the NUL character in
    a query parameter (`Invalid`: PostgreSQL cannot compare text holding it)."""
    if any(isinstance(value, int) and value > MAX_ID for value in request.path_params.values()):
        raise NotFound(N_("No such item."))
    if any("\x00" in value for value in request.query_params.values()):
        raise Invalid(N_("Text may not contain the NUL character."))


def form_text(call: Call, name: str, default: str = "") -> str:
    assert call.form is not None
    value = call.form.get(name, default)
    if not isinstance(value, str):
        return default
    if "\x00" in value:
        raise Invalid(N_("Text may not contain the NUL character."), field=name)
    return value


def form_optional_int(call: Call, name: str) -> int | None:
    """A whole number from a form field, None when left empty."""
    raw = form_text(call, name).strip()
    if not raw:
        return None
    if not is_number(raw):
        raise Invalid(N_("Give a number."), field=name)
    return int(raw)


def form_optional_date(call: Call, name: str) -> date | None:
    """A date (YYYY-MM-DD, as date inputs send it) from a form field, None when left empty."""
    raw = form_text(call, name).strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(N_("Give dates as YYYY-MM-DD."), field=name) from None


def json_response(model: BaseModel | dict[str, Any], status: int = 200) -> JSONResponse:
    content = model.model_dump(mode="json") if isinstance(model, BaseModel) else model
    return JSONResponse(content, status_code=status)


def parse_enum(enum_type: type[E], value: str, *, field: str, message: str) -> E:
    """`value` as a member of `enum_type`, or `Invalid` naming the field."""
    try:
        return enum_type(value)
    except ValueError:
        raise Invalid(message, field=field) from None


async def multipart(call: Call, max_files: int = 1) -> None:
    """Read a `multipart/form-data` body into `call.form` (for API uploads)."""
    try:
        call.form = await call.request.form(max_files=max_files)
    except HTTPException as exc:
        if exc.status_code == 413:
            raise TooLarge(N_("The request is too large.")) from exc
        raise Invalid(N_("Send the file as multipart/form-data.")) from exc
    except ClientDisconnect:
        raise Invalid(N_("The request body did not arrive.")) from None


def form_filename(call: Call, name: str) -> str:
    """The name the browser gave an uploaded file (to show, never to store by)."""
    assert call.form is not None
    upload = call.form.get(name)
    return (upload.filename or "") if isinstance(upload, UploadFile) else ""


async def form_file(call: Call, name: str, max_bytes: int) -> bytes:
    """The bytes of an uploaded file field (empty when none was chosen); reads at most one byte
    past `max_bytes`, enough for the service to refuse it."""
    assert call.form is not None
    upload = call.form.get(name)
    if not isinstance(upload, UploadFile):
        return b""
    return await upload.read(max_bytes + 1)
