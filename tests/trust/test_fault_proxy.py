"""The fault proxy itself: closing it ends every connection it accepted, whatever state each
was in, so that no socket is left for the garbage collector to find during a later test (which
`filterwarnings = error` turns into that test's error)."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.trust.proxy import FaultProxy

pytestmark = pytest.mark.trust


@pytest.fixture
def unraisable() -> Iterator[list[Any]]:
    """What the interpreter could not raise (a socket's ResourceWarning from its finaliser)."""
    caught: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = caught.append
    try:
        yield caught
    finally:
        sys.unraisablehook = previous


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    finally:
        writer.transport.abort()


async def test_closing_the_proxy_ends_every_connection_it_accepted(unraisable: list[Any]) -> None:
    target = await asyncio.start_server(echo, "127.0.0.1", 0)
    proxy = await FaultProxy(int(target.sockets[0].getsockname()[1])).start()
    flowing = await asyncio.open_connection("127.0.0.1", proxy.port)
    flowing[1].write(b"ping")
    assert await flowing[0].readexactly(4) == b"ping"
    proxy.partition()
    hanging = [await asyncio.open_connection("127.0.0.1", proxy.port) for _ in range(3)]
    # Connected in the kernel, but not yet accepted by the proxy when it closes.
    just_now = [await asyncio.open_connection("127.0.0.1", proxy.port) for _ in range(3)]
    await proxy.close()
    for reader, writer in [flowing, *hanging, *just_now]:
        async with asyncio.timeout(60):
            assert await reader.read() == b""  # the proxy ended it: end of stream or reset
        writer.transport.abort()
    target.close()
    await target.wait_closed()
    del flowing, hanging, just_now
    gc.collect()
    assert [hook.exc_value for hook in unraisable] == []
