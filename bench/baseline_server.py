"""The lean baseline: the least a Python server must do to fan out what Redis brings.

A `websockets` server with `broadcast()`, one Redis subscription per process, no database, no
auth. A client subscribes to topics with the same frames as Kring's; each frame published on the
one channel names its topic and goes, byte for byte, to that topic's sockets. Two of these, one
per core, are the practical limit every Kring figure is compared with.

    python -m bench.baseline_server --port 9001 --redis redis://127.0.0.1:6379/0 --channel bench:lean
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections import defaultdict

import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.stats import TOPIC

subscribers: dict[str, set[ServerConnection]] = defaultdict(set)


async def handler(connection: ServerConnection) -> None:
    topics: set[str] = set()
    try:
        async for message in connection:
            try:
                frame = json.loads(message)
                topic = str(frame["topic"])
            except (ValueError, KeyError, TypeError):
                continue
            if frame.get("op") == "subscribe":
                subscribers[topic].add(connection)
                topics.add(topic)
                reply = {"type": "subscribed", "topic": topic, "epoch": "lean", "seq": 0}
                await connection.send(json.dumps(reply, separators=(",", ":")))
    finally:
        for topic in topics:
            subscribers[topic].discard(connection)


async def relay(url: str, channel: str) -> None:
    client = redis.Redis.from_url(url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    async for message in pubsub.listen():
        if message["type"] != "message":
            continue
        text = message["data"].decode()
        found = TOPIC.search(text)
        if found is not None:
            broadcast(subscribers.get(found.group(1), ()), text)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--channel", required=True)
    args = parser.parse_args()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handler,
        "127.0.0.1",
        args.port,
        compression=None,
        max_size=65_536,
        ping_interval=20,
        ping_timeout=20,
        backlog=4096,
        process_request=_health,
    ):
        task = asyncio.create_task(relay(args.redis, args.channel))
        await stop
        task.cancel()


def _health(connection: ServerConnection, request: object) -> object:
    path = getattr(request, "path", "")
    if path == "/healthz":
        return connection.respond(200, "ok\n")
    return None


if __name__ == "__main__":
    asyncio.run(main())
