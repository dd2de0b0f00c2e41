"""The request body limit, answering like the rest of the API.

Starlette's own limit (`max_body_size`) answers an over-long body with `text/plain`, and replaces
whatever the route answered when the declared length was too large, so an API client got a body
it could not parse. This is the same middleware with its refusal turned into the API's JSON error
under `/api/`. Routes that take uploads raise the limit for themselves (`form_route`).
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api/"
_TOO_LARGE = json.dumps({"error": {"code": "too_large", "message": "The request is too large."}}).encode()


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body_size: int) -> None:
        self.limited = RequestBodyLimitMiddleware(app, max_body_size=max_body_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.limited(scope, receive, send)
            return
        rewriting = False

        async def send_json(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/plain"):
                    rewriting = True
                    headers["content-type"] = "application/json"
                    headers["content-length"] = str(len(_TOO_LARGE))
            elif message["type"] == "http.response.body" and rewriting:
                message = {**message, "body": _TOO_LARGE if not message.get("more_body") else b""}
                if not message.get("more_body"):
                    rewriting = False
            await send(message)

        await self.limited(scope, receive, send_json)
