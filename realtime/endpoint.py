"""`GET /ws`: the handshake, then a reader and a writer per socket (docs/protocol.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from realtime.connection import Connection, RateLimiter, Viewer
from realtime.hub import Hub
from realtime.protocol import (
    PONG,
    CloseCode,
    ErrorCode,
    Ping,
    PresenceState,
    ProtocolError,
    Subscribe,
    Typing,
    Unsubscribe,
    ephemeral_frame,
    error_frame,
    parse_client_frame,
)

log = logging.getLogger("kring.realtime")
TYPING_EVERY_SECONDS = 2.0


@dataclass(frozen=True)
class RealtimeContext:
    hub: Hub
    authenticate: Callable[[WebSocket], Awaitable[Viewer | None]]
    trusted_origins: frozenset[str]
    max_frame_bytes: int
    queue_size: int
    ops_per_second: float
    sockets_per_user: int
    slow_close_seconds: float  # how long a socket closed as too slow has to take its close frame


def realtime_context(websocket: WebSocket) -> RealtimeContext:
    context = websocket.state.kring_realtime
    assert isinstance(context, RealtimeContext)
    return context


async def websocket_endpoint(websocket: WebSocket) -> None:
    rt = realtime_context(websocket)
    viewer = await rt.authenticate(websocket)
    if viewer is None:
        await websocket.close(code=CloseCode.POLICY)  # before accept: the client sees HTTP 403
        return
    if viewer.token_id is None and websocket.headers.get("origin") not in rt.trusted_origins:
        # A cookie travels with any page's request: without this, any site could open a socket
        # as the signed-in colleague (cross-site WebSocket hijacking).
        await websocket.close(code=CloseCode.POLICY)
        return
    await websocket.accept()
    if rt.hub.sockets_of(viewer.user_id) >= rt.sockets_per_user:
        await websocket.send_text(error_frame(ErrorCode.RATE_LIMITED, "Too many open connections for this account."))
        await websocket.close(code=CloseCode.POLICY)
        return
    connection = Connection(websocket, viewer, queue_size=rt.queue_size, ops_per_second=rt.ops_per_second)
    connection.on_slow(rt.hub.metrics.slow_closed.inc)
    tasks: list[asyncio.Task[None]] = []
    try:
        await rt.hub.attach(connection)
        # The session may have ended between the handshake and the watch on the user's topic
        # (its session.ended would then be missed): check once more, now that the watch is on.
        if await rt.authenticate(websocket) is None:
            connection.close(CloseCode.SESSION_ENDED)
            return
        tasks = [
            asyncio.create_task(connection.write_forever(websocket.send_text)),
            asyncio.create_task(_read(websocket, connection, rt)),
            asyncio.create_task(_wait_for_stop(connection)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        await rt.hub.detach(connection)
        if connection.close_code is not None:
            # The close frame waits behind whatever the socket's buffers still hold. A client
            # closed as too slow gets as long to read its way to it as a peer gets to answer a
            # ping, so that once it catches up it learns why (4008) and resumes; its queue is
            # already freed, only the buffers are held meanwhile.
            grace = rt.slow_close_seconds if connection.close_code == CloseCode.TOO_SLOW else 1
            with contextlib.suppress(Exception):
                async with asyncio.timeout(grace):
                    await websocket.close(code=connection.close_code)


async def _wait_for_stop(connection: Connection) -> None:
    await connection.stop.wait()


async def _read(websocket: WebSocket, connection: Connection, rt: RealtimeContext) -> None:
    typing = RateLimiter(1 / TYPING_EVERY_SECONDS, 1)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if not connection.ops.allow():
            connection.send(error_frame(ErrorCode.RATE_LIMITED, "Too many frames; slow down."))
            continue
        text = message.get("text")
        raw: str | bytes = text if isinstance(text, str) else bytes(message.get("bytes") or b"")
        try:
            command = parse_client_frame(raw, max_bytes=rt.max_frame_bytes)
        except ProtocolError as error:
            connection.send(error_frame(error.code, error.message))
            continue
        if isinstance(command, Ping):
            connection.send(PONG)
        elif isinstance(command, Subscribe):
            try:
                await rt.hub.subscribe(connection, command)
            except Exception:
                log.exception("subscribe to %s failed", command.topic)
                connection.send(
                    error_frame("unavailable", "The server cannot subscribe now; try again.", topic=command.topic)
                )
        elif isinstance(command, PresenceState):
            if connection.presence != command.state:
                connection.presence = command.state
                rt.hub.presence_changed()
        elif isinstance(command, Unsubscribe):
            await rt.hub.unsubscribe(connection, command.topic)
        elif isinstance(command, Typing):
            if command.topic not in connection.topics:
                connection.send(error_frame(ErrorCode.FORBIDDEN, "Subscribe to a topic before typing in it."))
            elif not rt.hub.may_write(connection, command.topic):
                connection.send(error_frame(ErrorCode.FORBIDDEN, "Only the circle's members may type in it."))
            elif typing.allow():
                user = connection.viewer.user
                frame = ephemeral_frame(command.topic, "typing", {"user": {"id": user.id, "name": user.name}})
                await rt.hub.publish_ephemeral(command.topic, frame)


routes = [WebSocketRoute("/ws", websocket_endpoint)]
