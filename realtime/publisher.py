"""Hands committed events to the broker: the `EventSink` of every database session.

Guarantees: events go out in commit order per process (so in `seq` order per topic). A publish
that fails (Redis down or frozen) is retried, oldest first, with backoff: this is the relay.
A process that dies with events still queued loses only the fast path; the hubs find those
events in the log by their periodic head check.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable, Sequence

from realtime.broker import Broker, BrokerUnavailable
from realtime.metrics import Metrics
from realtime.protocol import event_frame
from services.events import CommittedEvent

log = logging.getLogger("kring.realtime.publisher")
MAX_QUEUED = 100_000


class Publisher:
    def __init__(self, broker: Broker, channel: Callable[[str], str], metrics: Metrics) -> None:
        self._broker = broker
        self._channel = channel
        self._metrics = metrics
        self._queue: collections.deque[tuple[str, bytes]] = collections.deque()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._task: asyncio.Task[None] | None = None

    def committed(self, events: Sequence[CommittedEvent]) -> None:
        for event in events:
            if len(self._queue) >= MAX_QUEUED:
                # Memory stays bounded; the hubs' head check delivers what is dropped here.
                self._queue.popleft()
            frame = event_frame(event.topic, event.seq, event.kind, event.data, event.at)
            self._queue.append((self._channel(event.topic), frame.encode()))
        self._drained.clear()
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self, *, drain_seconds: float = 2.0) -> None:
        """Give queued events a moment to go out, then stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_seconds):
                await self._drained.wait()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=2)

    @property
    def backlog(self) -> int:
        return len(self._queue)

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                channel, payload = self._queue[0]
                try:
                    await self._broker.publish(channel, payload)
                except Exception as exc:  # BrokerUnavailable, or anything else: never die
                    self._metrics.publish_failures.inc()
                    if not isinstance(exc, BrokerUnavailable):
                        log.exception("unexpected publish failure")
                    log.warning("publish failed (%s); retrying in %.2fs", exc, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
                    continue
                backoff = 0.05
                self._queue.popleft()
                self._metrics.published.inc()
            self._drained.set()
