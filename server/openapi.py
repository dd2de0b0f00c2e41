"""The OpenAPI document at /api/v1/openapi.json, built from the routes made by `api_route`."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from config import Settings
from models.base import MAX_ID
from server.context import app_context
from server.endpoints import ApiDoc
from server.params import NO_NUL, openapi_parameters
from server.schemas import ErrorOut, Strict

_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_ERRORS = {
    "401": "Not signed in, a bad token, or (signing in) a wrong password.",
    "403": "Not allowed, or a missing CSRF token.",
    "404": "Does not exist, or not visible to you.",
    "409": "Conflicts with the current state.",
    "422": "Invalid input.",
    "429": "Too many attempts.",
    "503": "The database is busy or away; try again after `Retry-After` seconds.",
}
_TOO_LARGE = "The body is larger than the server takes."
# An id in a path: a larger number names nothing (404), as does 0.
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class _RequestSchema(GenerateJsonSchema):
    """Request bodies' text refuses the NUL character (`schemas.Strict`); the document says so."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        json_schema = super().str_schema(schema)
        json_schema.setdefault("pattern", NO_NUL)
        return json_schema


def build_document(routes: list[BaseRoute], settings: Settings) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for route in routes:
        doc = getattr(route, "openapi", None)
        if not isinstance(route, Route) or not isinstance(doc, ApiDoc):
            continue
        path = _PARAM.sub(r"{\1}", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = _operation(route.path, doc, schemas)
    _add_schema(ErrorOut, schemas)
    for name in ("MessageIn", "MessagePatch"):  # a setting, not a constant: `server.api.chat` checks it
        schemas[name]["properties"]["body"]["maxLength"] = settings.limit_message_chars
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kring API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "kring_session"},
            },
        },
    }


def _operation(raw_path: str, doc: ApiDoc, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": doc.summary, "responses": {}}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": doc.path.get(name, _ID)}
        for name, _ in _PARAM.findall(raw_path)
    ]
    if doc.query is not None:
        parameters += openapi_parameters(doc.query)
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(_add_schema(doc.body, schemas))}
    elif doc.form is not None:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": doc.form}}}
    ok: dict[str, Any] = {"description": "OK"}
    if doc.returns is not None:
        ok["content"] = _json(_add_schema(doc.returns, schemas))
    operation["responses"][str(doc.status)] = ok
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    errors = _ERRORS | ({"413": _TOO_LARGE} if "requestBody" in operation else {})
    for status, text in sorted(errors.items()):
        operation["responses"][status] = {"description": text, "content": _json(error_ref)}
    if not doc.public:
        operation["security"] = [{"bearer": []}, {"session": []}]
    return operation


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _add_schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    generator = _RequestSchema if issubclass(model, Strict) else GenerateJsonSchema
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", schema_generator=generator)
    for name, definition in schema.pop("$defs", {}).items():
        schemas[name] = definition
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


async def openapi_json(request: Request) -> Response:
    return JSONResponse(build_document(request.app.routes, app_context(request).settings))


routes = [Route("/api/v1/openapi.json", openapi_json, methods=["GET"], include_in_schema=False)]
