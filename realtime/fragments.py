"""Server-rendered HTML in event frames: each event's item (a chat message, a comment, a member
row) as the pages render it, so no client builds that markup itself (docs/protocol.md, `html`).

The server app hands the hub a `FragmentRenderer`; realtime knows only this interface. A frame
is encoded once per language per event (and cached, so a burst of replays of the same events
renders nothing again), never once per socket: the fan-out stays one text per reader language.
"""

from __future__ import annotations

import collections
import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from realtime.protocol import Incoming

log = logging.getLogger("kring.realtime.fragments")
CACHED_EVENTS = 2_048


class FragmentRenderer(Protocol):
    locales: tuple[str, ...]

    def render(self, kind: str, data: Mapping[str, Any], locale: str) -> str | None:
        """The event's item as HTML in `locale`, or None for kinds that show no item."""
        ...


def with_html(text: str, html: str) -> str:
    """The frame `text` (a JSON object, as `protocol` encodes it) with an `html` member added."""
    return f'{text[:-1]},"html":{json.dumps(html, ensure_ascii=False)}}}'


class LocalisedFrames:
    """Each event's frame per language, for kinds that carry a fragment."""

    def __init__(self, renderer: FragmentRenderer | None = None, cached: int = CACHED_EVENTS) -> None:
        self.renderer = renderer
        self._cached = cached
        # Keyed by the frame itself: after a reset of the log a topic's seq names another event.
        self._texts: collections.OrderedDict[str, dict[str, str] | None] = collections.OrderedDict()

    def texts(self, incoming: Incoming) -> Mapping[str, str] | None:
        """The frame per language, or None when every socket gets `incoming.text` as it is."""
        if self.renderer is None or incoming.seq is None:
            return None
        key = incoming.text
        if key in self._texts:
            self._texts.move_to_end(key)
            return self._texts[key]
        texts = self._render(incoming)
        self._texts[key] = texts
        if len(self._texts) > self._cached:
            self._texts.popitem(last=False)
        return texts

    def _render(self, incoming: Incoming) -> dict[str, str] | None:
        assert self.renderer is not None
        texts: dict[str, str] = {}
        for locale in self.renderer.locales:
            try:
                html = self.renderer.render(incoming.kind, incoming.data, locale)
            except Exception:
                # The event still goes out, without its fragment: its `data` is complete, and the
                # page shows the item on its next load.
                log.exception("could not render %s %s", incoming.kind, incoming.topic)
                return None
            if html is None:
                return None
            texts[locale] = with_html(incoming.text, html)
        return texts
