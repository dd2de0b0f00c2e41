"""The wire protocol as pure functions, without sockets."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from realtime.protocol import (
    ErrorCode,
    Ping,
    ProtocolError,
    Subscribe,
    Typing,
    Unsubscribe,
    event_frame,
    parse_broker_frame,
    parse_client_frame,
    subscribed_frame,
)

LIMIT = 1024


def parse(frame: object) -> object:
    return parse_client_frame(json.dumps(frame), max_bytes=LIMIT)


def test_valid_frames_become_commands() -> None:
    assert parse({"op": "subscribe", "topic": "circle:42"}) == Subscribe("circle:42")
    assert parse({"op": "subscribe", "topic": "circle:42", "since": 17, "epoch": "e1"}) == Subscribe(
        "circle:42", 17, "e1"
    )
    assert parse({"op": "unsubscribe", "topic": "org"}) == Unsubscribe("org")
    assert parse({"op": "typing", "topic": "circle:1"}) == Typing("circle:1")
    assert parse({"op": "ping"}) == Ping()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", ErrorCode.BAD_REQUEST),
        ("[1, 2]", ErrorCode.BAD_REQUEST),
        ('"subscribe"', ErrorCode.BAD_REQUEST),
        ('{"op": "dance"}', ErrorCode.BAD_REQUEST),
        ('{"op": ["ping"]}', ErrorCode.BAD_REQUEST),  # found by Hypothesis: unhashable, a TypeError
        ('{"op": {"x": 1}}', ErrorCode.BAD_REQUEST),
        ('{"op": "presence", "state": ["away"]}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe"}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe", "topic": 42}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe", "topic": ""}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe", "topic": "circle:1", "since": -1}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe", "topic": "circle:1", "since": "17"}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe", "topic": "circle:1", "since": true}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe", "topic": "circle:1", "epoch": 5}', ErrorCode.BAD_REQUEST),
        ('{"op": "subscribe", "topic": "' + "x" * 65 + '"}', ErrorCode.BAD_REQUEST),
        ('{"op": "ping", "pad": "' + "x" * LIMIT + '"}', ErrorCode.TOO_LARGE),
    ],
)
def test_bad_frames_say_what_is_wrong(raw: str, code: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_frame(raw, max_bytes=LIMIT)
    assert caught.value.code == code
    assert caught.value.message


def test_binary_frames_are_refused() -> None:
    with pytest.raises(ProtocolError, match="JSON text"):
        parse_client_frame(b'{"op": "ping"}', max_bytes=LIMIT)


def test_event_frames_round_trip_through_the_broker_encoding() -> None:
    at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    text = event_frame("circle:3", 24, "member.joined", {"user": {"id": 7, "name": "Eén"}}, at)
    assert json.loads(text) == {
        "type": "event",
        "topic": "circle:3",
        "seq": 24,
        "kind": "member.joined",
        "data": {"user": {"id": 7, "name": "Eén"}},
        "at": "2026-11-29T12:00:00+00:00",
    }
    incoming = parse_broker_frame(text.encode())
    assert incoming is not None
    assert (incoming.topic, incoming.seq, incoming.kind, incoming.text) == ("circle:3", 24, "member.joined", text)
    assert parse_broker_frame(b"garbage") is None
    assert parse_broker_frame(b'{"type": "event", "topic": "x", "kind": "k", "data": {}}') is None


def test_subscribed_frame_says_recovered_only_when_resuming() -> None:
    assert "recovered" not in json.loads(subscribed_frame("org", epoch="e", seq=3, recovered=None))
    assert json.loads(subscribed_frame("org", epoch="e", seq=3, recovered=False))["recovered"] is False
