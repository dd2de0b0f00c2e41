"""The OpenAPI document at /api/v1/openapi.json, built from the routes made by `api_route`."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.endpoints import ApiDoc
from server.schemas import ErrorOut

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
_ERRORS = {
    "401": "Not signed in, or a bad token.",
    "403": "Not allowed, or a missing CSRF token.",
    "404": "Does not exist, or not visible to you.",
    "409": "Conflicts with the current state.",
    "422": "Invalid input.",
    "429": "Too many attempts.",
}


def build_document(routes: list[BaseRoute]) -> dict[str, Any]:
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
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
        for name in _PARAM.findall(raw_path)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
        for name, text in doc.query
    ]
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(_add_schema(doc.body, schemas))}
    ok: dict[str, Any] = {"description": "OK"}
    if doc.returns is not None:
        ok["content"] = _json(_add_schema(doc.returns, schemas))
    operation["responses"][str(doc.status)] = ok
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for status, text in _ERRORS.items():
        if status == "401" and doc.public:
            continue
        operation["responses"][status] = {"description": text, "content": _json(error_ref)}
    if not doc.public:
        operation["security"] = [{"bearer": []}, {"session": []}]
    return operation


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _add_schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas[name] = definition
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


async def openapi_json(request: Request) -> Response:
    return JSONResponse(build_document(request.app.routes))


routes = [Route("/api/v1/openapi.json", openapi_json, methods=["GET"], include_in_schema=False)]
