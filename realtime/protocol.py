"""The wire protocol as pure functions: client frames in, server frames out (docs/protocol.md).

No sockets here, so every rule is tested without a server.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services import event_types

MAX_TOPIC_LENGTH = 64


class ErrorCode:
    FORBIDDEN = "forbidden"
    BAD_REQUEST = "bad_request"
    UNKNOWN_TOPIC = "unknown_topic"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"


class CloseCode:
    """WebSocket close codes the server uses; 4000-4999 are ours."""

    NORMAL = 1000
    POLICY = 1008  # refused before or at the handshake
    TOO_BIG = 1009
    FAILED = 1011  # the server failed half-way through a replay: reconnect and resume with `since`
    RESTART = 1012  # the server is restarting: reconnect elsewhere
    SESSION_ENDED = 4001  # logout, password change, deactivation, token revoked: do not reconnect
    TOO_SLOW = 4008  # the send queue overflowed: reconnect and resume with `since`
    RESYNC = 4009  # the server lost events it cannot replay: reconnect and reload


class ProtocolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Subscribe:
    topic: str
    since: int | None = None
    epoch: str | None = None


@dataclass(frozen=True)
class Unsubscribe:
    topic: str


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class Typing:
    topic: str


@dataclass(frozen=True)
class PresenceState:
    state: str  # "active" or "away"


Command = Subscribe | Unsubscribe | Ping | Typing | PresenceState


def parse_client_frame(text: str | bytes, *, max_bytes: int) -> Command:
    """One client frame as a command, or `ProtocolError` saying what is wrong with it."""
    if isinstance(text, bytes):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "Frames are JSON text, not binary.")
    if len(text.encode()) > max_bytes:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"Frames are limited to {max_bytes} bytes.")
    try:
        frame = json.loads(text)
    except ValueError:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "A frame is a JSON object.")
    op = frame.get("op")
    if not isinstance(op, str):  # a list or an object is not hashable: `in` a set would raise
        raise ProtocolError(ErrorCode.BAD_REQUEST, "op is a string such as subscribe or ping.")
    if op == "ping":
        return Ping()
    if op == "presence":
        state = frame.get("state")
        if not isinstance(state, str) or state not in {"active", "away"}:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "state is active or away.")
        return PresenceState(str(state))
    if op not in {"subscribe", "unsubscribe", "typing"}:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST, "Unknown op; expected subscribe, unsubscribe, typing, presence or ping."
        )
    topic = frame.get("topic")
    if not isinstance(topic, str) or not 0 < len(topic) <= MAX_TOPIC_LENGTH:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "A topic is a string such as circle:42.")
    if op == "unsubscribe":
        return Unsubscribe(topic)
    if op == "typing":
        return Typing(topic)
    since = frame.get("since")
    if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "since is the last seq you saw, a whole number from 0.")
    epoch = frame.get("epoch")
    if epoch is not None and (not isinstance(epoch, str) or len(epoch) > 64):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "epoch is the string the server sent with subscribed.")
    return Subscribe(topic, since, epoch)


def _dump(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def event_frame(topic: str, seq: int, kind: str, data: dict[str, Any], at: datetime) -> str:
    return _dump({"type": "event", "topic": topic, "seq": seq, "kind": kind, "data": data, "at": at.isoformat()})


def ephemeral_frame(topic: str, kind: str, data: dict[str, Any]) -> str:
    return _dump({"type": "ephemeral", "topic": topic, "kind": kind, "data": data})


def subscribed_frame(topic: str, *, epoch: str, seq: int, recovered: bool | None) -> str:
    frame: dict[str, Any] = {"type": "subscribed", "topic": topic, "epoch": epoch, "seq": seq}
    if recovered is not None:
        frame["recovered"] = recovered
    return _dump(frame)


def unsubscribed_frame(topic: str, reason: str) -> str:
    return _dump({"type": "unsubscribed", "topic": topic, "reason": reason})


def error_frame(code: str, message: str, *, topic: str | None = None) -> str:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if topic is not None:
        frame["topic"] = topic
    return _dump(frame)


PONG = _dump({"type": "pong"})


@dataclass(frozen=True)
class Incoming:
    """A frame that came through the broker, with what the hub needs to route it."""

    topic: str
    seq: int | None  # None for ephemeral frames
    kind: str
    data: dict[str, Any]
    text: str  # the frame exactly as clients receive it: encoded once, sent to many

    @property
    def event_type(self) -> type[event_types.Event]:
        """The event's class, whose declarations say how it is routed."""
        return event_types.type_of(self.kind)

    @functools.cached_property
    def event(self) -> event_types.Event:
        """The typed event, read once per frame however many sockets it is routed for."""
        return event_types.parse(self.kind, self.data)


def parse_broker_frame(payload: bytes) -> Incoming | None:
    """A frame from the broker, or None for one that is not ours."""
    try:
        frame = json.loads(payload)
        topic, kind, data = frame["topic"], frame["kind"], frame["data"]
        seq = frame.get("seq") if frame["type"] == "event" else None
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(topic, str) or not isinstance(kind, str) or not isinstance(data, dict):
        return None
    if frame["type"] == "event" and not isinstance(seq, int):
        return None
    return Incoming(topic, seq, kind, data, payload.decode())
