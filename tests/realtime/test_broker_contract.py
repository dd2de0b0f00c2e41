"""One contract, two brokers: the in-memory one behaves as Redis pub/sub does (realtime.broker)."""

from __future__ import annotations

import asyncio
import gc
import secrets
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from harness import RedisProcess
from realtime.broker import Broker, BrokerUnavailable, MemoryBroker
from realtime.redis_broker import RedisBroker
from tests.realtime.processes import require_shared_redis


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.reconnects = 0
        self._arrived = asyncio.Event()

    def on_message(self, channel: str, payload: bytes) -> None:
        self.messages.append((channel, payload))
        self._arrived.set()

    def on_reconnect(self) -> None:
        self.reconnects += 1

    async def wait(self, count: int, timeout: float = 60) -> list[tuple[str, bytes]]:
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.messages


@pytest.fixture(autouse=True)
def collect_abandoned_connections() -> Iterator[None]:
    """redis-py connections to a server these tests killed or froze cannot always be closed
    politely; collect them here, so their ResourceWarnings do not surface in some later,
    unrelated test of the same process."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture(params=["memory", "redis"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Broker, Inbox]]:
    inbox = Inbox()
    chosen: Broker = (
        MemoryBroker() if request.param == "memory" else RedisBroker(require_shared_redis(), prefix="test-contract")
    )
    await chosen.start(inbox.on_message, inbox.on_reconnect)
    yield chosen, inbox
    await chosen.close()


def channel() -> str:
    return f"test-contract:{secrets.token_hex(6)}"


async def test_published_bytes_arrive_unchanged_at_the_subscriber_itself(broker: tuple[Broker, Inbox]) -> None:
    chosen, inbox = broker
    name = channel()
    await chosen.subscribe(name)
    payload = '{"topic": "circle:1", "naam": "Eén ü"}'.encode() + bytes(range(256))
    await chosen.publish(name, payload)
    assert await inbox.wait(1) == [(name, payload)]


async def test_delivery_happens_after_publish_returns(broker: tuple[Broker, Inbox]) -> None:
    chosen, inbox = broker
    name = channel()
    await chosen.subscribe(name)
    await chosen.publish(name, b"later")
    assert inbox.messages == []  # never inside publish: callers may hold state while publishing
    await inbox.wait(1)


async def test_order_is_kept_on_one_channel(broker: tuple[Broker, Inbox]) -> None:
    chosen, inbox = broker
    name = channel()
    await chosen.subscribe(name)
    for number in range(200):
        await chosen.publish(name, str(number).encode())
    received = await inbox.wait(200)
    assert [int(payload) for _, payload in received] == list(range(200))


async def test_only_subscribed_channels_are_delivered(broker: tuple[Broker, Inbox]) -> None:
    chosen, inbox = broker
    wanted, other, dropped = channel(), channel(), channel()
    await chosen.subscribe(wanted)
    await chosen.subscribe(dropped)
    await chosen.unsubscribe(dropped)
    await chosen.publish(other, b"no")
    await chosen.publish(dropped, b"no")
    await chosen.publish(wanted, b"yes")
    await chosen.publish(wanted, b"end")  # one publisher's messages arrive in order: a barrier
    await inbox.wait(2)
    assert inbox.messages == [(wanted, b"yes"), (wanted, b"end")]
    assert chosen.health() is None


async def test_redis_broker_fails_fast_and_reconnects(tmp_path: Path) -> None:
    server = RedisProcess(tmp_path)
    server.start()
    inbox = Inbox()
    chosen = RedisBroker(server.url, prefix="test-contract", publish_timeout=1.0)
    await chosen.start(inbox.on_message, inbox.on_reconnect)
    try:
        name = channel()
        await chosen.subscribe(name)
        await chosen.publish(name, b"before")
        await inbox.wait(1)

        server.stop()
        with pytest.raises(BrokerUnavailable):
            await chosen.publish(name, b"while down")
        async with asyncio.timeout(60):
            while chosen.health() is None:
                await asyncio.sleep(0.05)

        server.start()
        async with asyncio.timeout(60):
            while inbox.reconnects == 0 or chosen.health() is not None:
                await asyncio.sleep(0.05)
        await chosen.publish(name, b"after")
        assert [payload for _, payload in await inbox.wait(2)] == [b"before", b"after"]
    finally:
        await chosen.close()
        server.stop()


async def test_redis_broker_detects_a_frozen_server(tmp_path: Path) -> None:
    server = RedisProcess(tmp_path)
    server.start()
    inbox = Inbox()
    chosen = RedisBroker(server.url, prefix="test-contract", publish_timeout=0.5, probe_interval=0.5, probe_timeout=2)
    await chosen.start(inbox.on_message, inbox.on_reconnect)
    try:
        assert chosen.health() is None
        server.freeze()
        async with asyncio.timeout(10):  # the acceptance: detected within 10 s
            while chosen.health() is None:
                await asyncio.sleep(0.1)
        assert "probe" in (chosen.health() or "") or "redis" in (chosen.health() or "")
        server.thaw()
        async with asyncio.timeout(60):
            while chosen.health() is not None:
                await asyncio.sleep(0.1)
        assert inbox.reconnects >= 1
    finally:
        server.thaw()
        await chosen.close()
        server.stop()
