"""The HTML of an item as a live event carries it: rendered by the same Jinja macros as the
pages (web/templates/_items.html), once per language per event, and handed to the hub through
`realtime.fragments.FragmentRenderer` (realtime does not import server or templates).

Each fragment is the same for every reader of that language: what differs per viewer (their own
message's edit button, an admin's remove button) is left to data attributes and
web/static/js/items.js, so the hub encodes a frame once per language, not once per socket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from config.settings import SUPPORTED_LOCALES
from server.emoji import EMOJI as EMOJI  # where the pages have always found them
from server.templating import Templates

log = logging.getLogger("kring.fragments")

# The item each event kind shows, by the name `_fragment.html` knows it by.
ITEM_OF_KIND = {
    "message.created": "message",
    "message.updated": "message",
    "message.deleted": "message",
    "comment.created": "comment",
    "comment.updated": "comment",
    "member.joined": "member",
}


@dataclass(frozen=True)
class ItemViewer:
    """Who a page renders items for: their id (for "author") and their roles on the page."""

    id: int
    roles: list[str]


def item_viewer(user_id: int, **roles: bool) -> ItemViewer:
    return ItemViewer(user_id, [name for name, held in roles.items() if held])


class EventFragments:
    """Renders the item of an event in one language; `None` for kinds without one."""

    locales: tuple[str, ...] = tuple(SUPPORTED_LOCALES)

    def __init__(self, templates: Templates, presence_of: Callable[[Iterable[int]], Mapping[int, str]]) -> None:
        self._templates = templates
        self._presence_of = presence_of

    def render(self, kind: str, data: Mapping[str, Any], locale: str) -> str | None:
        item_kind = ITEM_OF_KIND.get(kind)
        if item_kind is None:
            return None
        state = "offline"
        if item_kind == "member":
            user_id = data["user"]["id"]
            state = self._presence_of([user_id]).get(user_id, "offline")
        context = {"item_kind": item_kind, "item": data, "state": state, "emoji": EMOJI, "csrf_token": ""}
        return self._templates.render(locale, "_fragment.html", context).strip()
