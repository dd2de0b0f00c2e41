"""The OpenAPI document describes every API route and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import re
from typing import Any, cast

from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Route

from tests.support import Visitor


async def test_openapi_document_is_valid_and_complete(visitor: Visitor, app: Starlette) -> None:
    response = await visitor.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)

    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routed = {
        (re.sub(r"{(\w+)(:\w+)?}", r"{\1}", route.path), method)
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/v1/") and route.path != "/api/v1/openapi.json"
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert documented == routed
    create = document["paths"]["/api/v1/circles"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CircleIn"}
    assert "201" in create["responses"]
    assert "security" not in document["paths"]["/api/v1/session"]["post"]


async def test_the_document_states_the_limits_the_server_enforces(visitor: Visitor) -> None:
    document = (await visitor.get("/api/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]

    def query(path: str, name: str) -> dict[str, Any]:
        (parameter,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
        return cast(dict[str, Any], parameter)

    assert query("/api/v1/feed", "limit")["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}
    assert query("/api/v1/feed", "filter")["schema"]["enum"] == ["all", "news", "circles", "circle"]
    to = query("/api/v1/search", "to")["schema"]
    assert to["format"] == "date"
    assert "pattern" in to
    assert query("/api/v1/search", "type") | {"schema": None} == {
        "name": "type",
        "in": "query",
        "required": False,
        "description": "Only items of this kind (repeatable).",
        "style": "form",
        "explode": True,
        "schema": None,
    }
    reaction = document["paths"]["/api/v1/posts/{target_id}/reactions/{emoji}"]["put"]["parameters"]
    assert reaction[1]["schema"]["enum"] == ["thumbsup", "heart", "tada", "laugh", "bulb", "pray"]
    assert schemas["CircleIn"]["properties"]["kind"]["enum"] == ["knowledge", "team", "interest"]
    assert schemas["MessageIn"]["properties"]["body"]["maxLength"] == 4000  # the setting's default
    assert schemas["PostIn"]["properties"]["body"]["pattern"]  # something besides spaces, and no NUL
    assert "413" in document["paths"]["/api/v1/circles"]["post"]["responses"]
    assert document["paths"]["/api/v1/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]
