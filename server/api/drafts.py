"""A colleague's drafts over the API: the editor saves what is typed in a form and finds it
again after a reload. Only one's own drafts; a key names a form (`services.drafts.KEY`)."""

from __future__ import annotations

from starlette.responses import Response

from server.endpoints import Call, api_route, json_response
from server.schemas import DraftIn, DraftOut, Ok
from services import drafts
from services.errors import N_, NotFound


def _key(call: Call) -> str:
    return str(call.request.path_params["form_key"])


async def get_draft(call: Call) -> Response:
    draft = await drafts.load(call.db, call.user, _key(call))
    if draft is None:
        raise NotFound(N_("No draft kept for this form."))
    return json_response(DraftOut(form_key=draft.form_key, body=draft.body, updated_at=draft.updated_at))


async def save_draft(call: Call) -> Response:
    given = await call.json_body(DraftIn)
    await drafts.save(call.db, call.user, _key(call), given.body)
    return json_response(Ok())


async def discard_draft(call: Call) -> Response:
    await drafts.discard(call.db, call.user, _key(call))
    return json_response(Ok())


_D = "/api/v1/drafts/{form_key:str}"
_KEY = {"form_key": {"type": "string", "pattern": f"^(?:{drafts.KEY.pattern})$"}}

routes = [
    api_route(_D, get_draft, "GET", summary="Your draft for a form.", returns=DraftOut, path_schemas=_KEY),
    api_route(
        _D,
        save_draft,
        "PUT",
        summary="Keep what you typed in a form (an empty text removes the draft).",
        body=DraftIn,
        returns=Ok,
        path_schemas=_KEY,
    ),
    api_route(_D, discard_draft, "DELETE", summary="Throw your draft for a form away.", returns=Ok, path_schemas=_KEY),
]
