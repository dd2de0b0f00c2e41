"""Redis pub/sub as the broker between worker processes (see `realtime.broker` for guarantees).

One connection publishes; one pub/sub connection per process receives. When that connection
breaks, the reader reconnects with jittered backoff, subscribes again to every channel, and
calls `on_reconnect`. A Redis that stops answering while its TCP connection looks fine (a frozen
server) is caught by a probe: the process publishes to its own probe channel every
`probe_interval` seconds, and a probe not received within `probe_timeout` marks the broker
unhealthy and forces a reconnect.

The reader task alone opens and closes the subscriber connection; other tasks only ask it to
reconnect. redis-py reconnects a failed connection on its own before it raises, so a connection
closed under a reader (or a subscribe) in flight comes back to life outside any pool and stays
open until the garbage collector finds it. For the same reason the subscriber does no retries of
its own: a silent reconnect and resubscribe inside redis-py would skip `on_reconnect`, and with it
the refill of the messages published while it was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from realtime.broker import BrokerUnavailable, MessageHandler, ReconnectHandler

log = logging.getLogger("kring.realtime.redis")


class RedisBroker:
    def __init__(
        self,
        url: str,
        *,
        prefix: str = "kring",
        publish_timeout: float = 2.0,
        probe_interval: float = 2.0,
        probe_timeout: float = 6.0,
    ) -> None:
        self._url = url
        self._publish_timeout = publish_timeout
        self._probe_interval = probe_interval
        self._probe_timeout = probe_timeout
        self._probe_channel = f"{prefix}:probe:{secrets.token_hex(6)}"
        self._channels: set[str] = set()
        self._publisher: Redis | None = None
        self._pubsub: PubSub | None = None
        self._subscriber: Redis | None = None
        self._on_message: MessageHandler | None = None
        self._on_reconnect: ReconnectHandler | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._connected = asyncio.Event()
        self._last_probe_seen = time.monotonic()
        self._problem: str | None = "not connected yet"
        self._reconnects = 0
        self._reconnect_now = asyncio.Event()
        # Held by subscribe and unsubscribe while they use the connection, and by the reader
        # while it closes it.
        self._subscriber_lock = asyncio.Lock()

    async def start(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        self._on_message = on_message
        self._on_reconnect = on_reconnect
        self._publisher = Redis.from_url(self._url, socket_timeout=self._publish_timeout, socket_connect_timeout=2)
        self._tasks = [asyncio.create_task(self._read_forever()), asyncio.create_task(self._probe_forever())]
        # Wait briefly for the first connection so early subscriptions are live; if Redis is
        # down, start anyway: the reader keeps trying and the relay keeps the events.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout=5)

    async def publish(self, channel: str, payload: bytes) -> None:
        assert self._publisher is not None
        try:
            async with asyncio.timeout(self._publish_timeout):
                await self._publisher.publish(channel, payload)
        except (RedisError, OSError, TimeoutError) as exc:
            raise BrokerUnavailable(f"publish failed: {type(exc).__name__}") from exc

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        async with self._subscriber_lock:
            if self._pubsub is None or not self._connected.is_set():
                return
            try:
                async with asyncio.timeout(self._publish_timeout):
                    await self._pubsub.subscribe(channel)
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning("subscribe %s failed (%r); the reconnect will apply it", channel, exc)
                self._reconnect_now.set()

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        async with self._subscriber_lock:
            if self._pubsub is None or not self._connected.is_set():
                return
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                async with asyncio.timeout(self._publish_timeout):
                    await self._pubsub.unsubscribe(channel)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drop_subscriber()
        if self._publisher is not None:
            await self._publisher.aclose()

    def health(self) -> str | None:
        return self._problem

    @property
    def reconnects(self) -> int:
        return self._reconnects

    async def _read_forever(self) -> None:
        backoff = 0.1
        first = True
        while True:
            try:
                await self._connect()
                backoff = 0.1
                if not first:
                    self._reconnects += 1
                    log.warning("reconnected to Redis; filling gaps from the event log")
                    if self._on_reconnect is not None:
                        self._on_reconnect()
                first = False
                await self._pump()
            except Exception as exc:
                self._problem = f"redis: {type(exc).__name__}"
                log.warning("Redis subscription lost (%r); reconnecting", exc)
            self._connected.clear()
            await self._drop_subscriber()
            await asyncio.sleep(backoff * (0.5 + random.random()))  # noqa: S311  (jitter, not security)
            backoff = min(backoff * 2, 5.0)

    async def _connect(self) -> None:
        self._subscriber = Redis.from_url(
            self._url, socket_connect_timeout=2, socket_timeout=None, retry=Retry(NoBackoff(), 0)
        )
        self._pubsub = self._subscriber.pubsub(ignore_subscribe_messages=True)
        subscribed = {*self._channels}
        async with asyncio.timeout(5):
            await self._pubsub.subscribe(self._probe_channel, *subscribed)
            self._last_probe_seen = time.monotonic()
            self._reconnect_now.clear()
            self._connected.set()
            # Channels added while the subscribe above was under way were skipped by
            # `subscribe` (not connected yet): take them now.
            missing = self._channels - subscribed
            if missing:
                await self._pubsub.subscribe(*missing)
        self._problem = None

    async def _pump(self) -> None:
        assert self._pubsub is not None
        while not self._reconnect_now.is_set():
            # The outer bound is for a read stuck half-way through a reply from a frozen server.
            async with asyncio.timeout(self._probe_timeout):
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is None or message["type"] != "message":
                continue
            channel = message["channel"].decode()
            if channel == self._probe_channel:
                self._last_probe_seen = time.monotonic()
                continue
            if self._on_message is not None:
                self._on_message(channel, message["data"])
        raise TimeoutError("probe not answered: Redis looks frozen")

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self._probe_interval)
            if not self._connected.is_set():
                continue
            with contextlib.suppress(BrokerUnavailable):
                await self.publish(self._probe_channel, b"probe")
            silent_for = time.monotonic() - self._last_probe_seen
            if silent_for > self._probe_timeout:
                self._problem = f"redis: no probe answer for {silent_for:.0f}s"
                log.warning("Redis probe unanswered for %.1fs; forcing a reconnect", silent_for)
                self._reconnect_now.set()  # the reader sees it within half a second

    async def _drop_subscriber(self) -> None:
        async with self._subscriber_lock:
            pubsub, subscriber = self._pubsub, self._subscriber
            self._pubsub = self._subscriber = None
        if pubsub is not None:
            connection = pubsub.connection
            try:
                async with asyncio.timeout(1):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            except Exception:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.disconnect(nowait=True)
        if subscriber is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await subscriber.aclose()
