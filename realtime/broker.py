"""The broker moves bytes between processes on named channels. It knows nothing of Kring.

Guarantees, the same for both implementations (tests/realtime/test_broker_contract.py):
- `publish` hands the payload to every process subscribed to the channel at that moment,
  including the publishing one, byte for byte; the callback runs later, never inside `publish`.
- Delivery is at most once: a payload published while a subscriber is disconnected is lost to
  it. After such a gap the broker calls `on_reconnect`, so the caller can fill it from storage.
- `publish` raises `BrokerUnavailable` instead of waiting indefinitely.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

MessageHandler = Callable[[str, bytes], None]
ReconnectHandler = Callable[[], None]


class BrokerUnavailable(Exception):
    """The broker cannot take the message now."""


class Broker(Protocol):
    async def start(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None: ...

    async def publish(self, channel: str, payload: bytes) -> None: ...

    async def subscribe(self, channel: str) -> None: ...

    async def unsubscribe(self, channel: str) -> None: ...

    async def close(self) -> None: ...

    def health(self) -> str | None:
        """None when healthy, else what is wrong (for /readyz)."""
        ...

    @property
    def reconnects(self) -> int: ...


class MemoryBroker:
    """The in-process broker: one worker, no Redis. Behaves as Redis pub/sub would."""

    def __init__(self) -> None:
        self._channels: set[str] = set()
        self._on_message: MessageHandler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        self._on_message = on_message
        self._loop = asyncio.get_running_loop()

    async def publish(self, channel: str, payload: bytes) -> None:
        if self._loop is None or self._on_message is None:
            raise BrokerUnavailable("the broker is not started")
        if channel in self._channels:
            self._loop.call_soon(self._on_message, channel, bytes(payload))

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def close(self) -> None:
        self._channels.clear()
        self._on_message = None

    def health(self) -> str | None:
        return None

    @property
    def reconnects(self) -> int:
        return 0
