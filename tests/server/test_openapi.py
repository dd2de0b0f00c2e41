"""The OpenAPI document describes every API route and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import re

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
