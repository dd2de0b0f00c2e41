"""Events that show an item carry its HTML per language, rendered once per event and language."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from realtime.fragments import LocalisedFrames
from realtime.protocol import Incoming, event_frame


class Renderer:
    locales = ("nl", "en")

    def __init__(self, *, fails: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fails = fails

    def render(self, kind: str, data: Mapping[str, Any], locale: str) -> str | None:
        self.calls.append((kind, locale))
        if self.fails:
            raise RuntimeError("a template broke")
        if kind != "message.created":
            return None
        return f'<li data-lang="{locale}">{data["body"]} "quoted" \u00e9</li>'


AT = datetime(2026, 12, 7, 8, 1, tzinfo=UTC)


def _incoming(kind: str, seq: int = 1) -> Incoming:
    data = {"id": 7, "body": "Koffie?"}
    return Incoming("circle:1", seq, kind, data, event_frame("circle:1", seq, kind, data, AT))


def test_each_language_gets_the_frame_with_its_own_html_and_the_data_unchanged() -> None:
    incoming = _incoming("message.created")
    texts = LocalisedFrames(Renderer()).texts(incoming)
    assert texts is not None
    for locale in ("nl", "en"):
        frame = json.loads(texts[locale])
        assert frame["html"] == f'<li data-lang="{locale}">Koffie? "quoted" \u00e9</li>'
        assert {key: value for key, value in frame.items() if key != "html"} == json.loads(incoming.text)


def test_an_event_is_rendered_once_per_language_however_many_times_it_is_sent() -> None:
    renderer = Renderer()
    frames = LocalisedFrames(renderer)
    incoming = _incoming("message.created")
    for _ in range(3):
        frames.texts(incoming)
        frames.texts(_incoming("message.created"))  # the same event read again from the log
    assert renderer.calls == [("message.created", "nl"), ("message.created", "en")]


def test_kinds_without_an_item_and_failed_renders_go_out_as_they_are() -> None:
    assert LocalisedFrames(Renderer()).texts(_incoming("chat.read")) is None
    assert LocalisedFrames(Renderer(fails=True)).texts(_incoming("message.created")) is None
    assert LocalisedFrames().texts(_incoming("message.created")) is None
