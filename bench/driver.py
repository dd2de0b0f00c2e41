"""The load driver: thousands of `websockets` clients and an HTTP poster in one asyncio process.

    python -m bench.driver SPEC.json RESULT.json

The spec (written by `bench.run`) names the scenario, the target (Kring or the lean baseline),
the servers, the seeded organisation and the parameters. Every loop here is bounded in count and
in time; the driver connects to loopback only. It measures its own CPU: a run where it saturates
a core says more about the driver than about the server, and the report marks it invalid.
The driver prints `READY` on stdout once its clients are connected and subscribed, so the
orchestrator can time outside actions (the reconnect storm's restarts) against the load.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sys
import time
from array import array
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis
import websockets
from websockets.asyncio.client import ClientConnection, connect

from bench.seed import Organisation
from bench.stats import cpu_seconds, mark, read_mark, read_seq, rss_bytes, summarise

BODY_BYTES = 200
CONNECT_CONCURRENCY = 64
# Every scenario runs on the same database: client ids of one driver run must not repeat another's,
# or Kring rightly answers a repeated send with the message it already has.
RUN = f"bench-{os.getpid()}-{int(time.time())}"
POST_CONCURRENCY = 48


def now_us() -> int:
    return time.time_ns() // 1000


# -- measurements ------------------------------------------------------------------------------


class Usage:
    """CPU seconds and RSS of the servers and of this driver between two moments."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.pids = list(pids)

    def sample(self) -> dict[str, Any]:
        cpu, rss = 0.0, 0
        for pid in self.pids:
            with contextlib.suppress(OSError):
                cpu += cpu_seconds(pid)
                rss += rss_bytes(pid)
        return {"at": time.monotonic(), "server_cpu": cpu, "server_rss": rss, "driver_cpu": time.process_time()}

    @staticmethod
    def between(start: dict[str, Any], end: dict[str, Any]) -> dict[str, Any]:
        wall = end["at"] - start["at"]
        return {
            "wall_s": round(wall, 3),
            "server_cpu_s": round(end["server_cpu"] - start["server_cpu"], 3),
            "server_cpu_share": round((end["server_cpu"] - start["server_cpu"]) / wall, 3) if wall else None,
            "driver_cpu_share": round((end["driver_cpu"] - start["driver_cpu"]) / wall, 3) if wall else None,
            "server_rss_start": start["server_rss"],
            "server_rss_end": end["server_rss"],
        }


@dataclass
class Sink:
    """What the clients received: per message index, who got it and how late (sampled)."""

    latencies_ms: array[float] = field(default_factory=lambda: array("d"))
    latency_index: array[int] = field(default_factory=lambda: array("q"))
    duplicates: int = 0
    frames: int = 0


# -- clients -----------------------------------------------------------------------------------


class Client:
    """One socket with a handful of topics. Reads until told to stop; never parses JSON per
    frame: the mark of a message and the seq of an event are found with a regex."""

    def __init__(
        self,
        number: int,
        url: str,
        topics: list[str],
        sink: Sink,
        *,
        headers: dict[str, str],
        messages: int,
        sample: bool,
        track_seq: bool = False,
        urls: Sequence[str] = (),
    ) -> None:
        self.number = number
        self.url = url
        self.urls = list(urls) or [url]
        self.topics = topics
        self.sink = sink
        self.headers = headers
        self.got = bytearray(messages) if messages else None
        self.sample = sample
        self.track_seq = track_seq
        self.ws: ClientConnection | None = None
        self.subscribed: dict[str, tuple[str, int, bool | None]] = {}
        self.last: dict[str, int] = {}
        self.missing = 0
        self.dup_events = 0
        self.not_recovered = 0
        self.recovered = 0
        self.closed_with: int | None = None
        self.closed_at: float | None = None
        self.resumed_after: list[float] = []
        self.paused = False
        self._all_subscribed = asyncio.Event()
        self._waiting: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        self.reconnect = False
        self.stopping = False
        # One reconnect loop at a time: a second one would hold a second socket for the same
        # client, whose frames would count as duplicates and move `last` under the first.
        self._reconnecting = False

    async def open(self) -> None:
        self.ws = await connect(
            self.url,
            additional_headers=self.headers,
            compression=None,
            open_timeout=30,
            max_size=65_536,
            ping_interval=None,  # the server pings, as browsers leave it to the server
        )
        self._all_subscribed.clear()
        self._waiting = set(self.topics)
        self._reader = asyncio.create_task(self._read(self.ws))
        for topic in self.topics:
            frame: dict[str, Any] = {"op": "subscribe", "topic": topic}
            if self.track_seq and topic in self.subscribed:
                epoch, _, _ = self.subscribed[topic]
                frame.update(since=self.last.get(topic, 0), epoch=epoch)
            await self.ws.send(json.dumps(frame))

    async def wait_subscribed(self, timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                await self._all_subscribed.wait()
        except TimeoutError:
            return False
        return True

    def _on_subscribed(self, text: str) -> None:
        frame = json.loads(text)
        topic = frame["topic"]
        recovered = frame.get("recovered")
        if self.track_seq:
            if recovered is False:
                self.not_recovered += 1
                self.last[topic] = int(frame["seq"])  # reload: continue from the head
            elif recovered is True:
                self.recovered += 1
            else:
                self.last.setdefault(topic, int(frame["seq"]))
        self.subscribed[topic] = (str(frame.get("epoch", "")), int(frame["seq"]), recovered)
        self._waiting.discard(topic)
        if not self._waiting and not self._all_subscribed.is_set():
            self._all_subscribed.set()
            if self.closed_at is not None:
                self.resumed_after.append(time.monotonic() - self.closed_at)
                self.closed_at = None

    async def _read(self, ws: ClientConnection) -> None:
        sink = self.sink
        try:
            async for message in ws:
                if self.paused:
                    # A consumer that stopped reading: nothing more is taken from the socket,
                    # so the server's send buffer and queue fill up.
                    await asyncio.Event().wait()
                text = message if isinstance(message, str) else message.decode()
                sink.frames += 1
                if text.startswith('{"type":"event"'):
                    if self.track_seq:
                        self._check_seq(text)
                    if self.got is not None:
                        found = read_mark(text)
                        if found is not None:
                            index, sent = found
                            if index < len(self.got):
                                if self.got[index]:
                                    sink.duplicates += 1
                                else:
                                    self.got[index] = 1
                                if self.sample:
                                    sink.latencies_ms.append((now_us() - sent) / 1000)
                                    sink.latency_index.append(index)
                elif text.startswith('{"type":"subscribed"'):
                    self._on_subscribed(text)
        except websockets.ConnectionClosed:
            pass
        finally:
            code = ws.close_code
            self.closed_with = code if code is not None else 1006
            if self.reconnect and not self.stopping:
                if self.closed_at is None:  # resume time counts from the first drop
                    self.closed_at = time.monotonic()
                if not self._reconnecting:
                    self._reconnecting = True
                    asyncio.get_running_loop().create_task(self._reconnect())

    def _check_seq(self, text: str) -> None:
        found = read_seq(text)
        if found is None:
            return
        topic, seq = found
        last = self.last.get(topic)
        if last is None:
            self.last[topic] = seq
            return
        if seq <= last:
            self.dup_events += 1
            return
        if seq > last + 1:
            self.missing += seq - last - 1
        self.last[topic] = seq

    async def _reconnect(self) -> None:
        """As realtime.js does: jittered exponential backoff, another worker first."""
        delay = 0.5
        try:
            for attempt in range(30):
                if self.stopping:
                    return
                await asyncio.sleep(delay * (0.5 + random.random()))
                self.url = self.urls[(self.urls.index(self.url) + 1 + attempt) % len(self.urls)]
                try:
                    await self.open()
                except (OSError, websockets.WebSocketException, TimeoutError):
                    if self.ws is not None:
                        self.ws.transport.abort()  # half-opened: its reader ends without a new loop
                    delay = min(delay * 2, 30)
                    continue
                self._reconnecting = False
                if self._reader is None or not self._reader.done():
                    return
                # Closed before this loop let go: its reader left the reconnect to us.
                self._reconnecting = True
        finally:
            self._reconnecting = False

    async def close(self) -> None:
        self.stopping = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await self.ws.close()
            self.ws.transport.abort()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader


async def open_all(clients: Sequence[Client], *, timeout: float) -> dict[str, Any]:
    """Connect and subscribe every client, a bounded number at a time."""
    started = time.monotonic()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures: list[str] = []

    async def one(client: Client) -> None:
        async with gate:
            try:
                await client.open()
                if not await client.wait_subscribed(30):
                    failures.append(f"client {client.number}: not subscribed in 30 s")
            except Exception as exc:
                failures.append(f"client {client.number}: {type(exc).__name__}: {exc}")

    tasks = [asyncio.create_task(one(c)) for c in clients]
    _done, late = await asyncio.wait(tasks, timeout=timeout)
    for task in late:  # bounded: the run goes on with the clients that made it in time
        task.cancel()
    if late:
        failures.append(f"{len(late)} clients not connected within {timeout:g} s")
        await asyncio.wait(late, timeout=10)
    return {
        "connected": sum(1 for c in clients if c._all_subscribed.is_set()),
        "failed": len(failures),
        "first_failures": failures[:5],
        "connect_s": round(time.monotonic() - started, 2),
    }


async def close_all(clients: Sequence[Client]) -> None:
    for start in range(0, len(clients), 500):
        await asyncio.gather(*(c.close() for c in clients[start : start + 500]))


# -- posting -----------------------------------------------------------------------------------


class Poster:
    """Sends messages at an offered rate, open loop, with a bound on requests in flight.

    Kring: `POST /api/v1/circles/{id}/messages` as members of the circle, alternating workers.
    Lean: `PUBLISH` of a frame shaped like Kring's event to the baseline's one channel.
    """

    def __init__(self, spec: dict[str, Any], org: Organisation) -> None:
        self.spec = spec
        self.org = org
        self.kring = spec["target"] == "kring"
        self.next_index = 0
        self.errors = 0
        self.retries = 0
        self.error_samples: list[str] = []
        self.sent = 0
        self.durations_ms: list[tuple[int, float]] = []  # (index, how long the POST or PUBLISH took)
        self.last_message: dict[int, int] = {}
        self._http: list[httpx.AsyncClient] = []
        self._redis: redis.Redis | None = None
        self._gate = asyncio.Semaphore(POST_CONCURRENCY)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self.kring:
            limits = httpx.Limits(max_connections=POST_CONCURRENCY, max_keepalive_connections=POST_CONCURRENCY)
            self._http = [httpx.AsyncClient(base_url=u, timeout=30, limits=limits) for u in self.spec["http_urls"]]
        else:
            self._redis = redis.Redis.from_url(self.spec["redis_url"])

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)
        for client in self._http:
            await client.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    def _token(self, user_index: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.org.tokens[user_index]}"}

    async def run(
        self, rate: float, seconds: float, make: Callable[[int], Callable[[], Awaitable[None]]]
    ) -> dict[str, Any]:
        """Call `make(i)()` `rate` times a second for `seconds`; returns what was achieved."""
        total = int(rate * seconds)
        started = time.monotonic()
        for i in range(total):
            due = started + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._gate.acquire()
            task = asyncio.create_task(self._guarded(make(i)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elapsed = time.monotonic() - started
        return {
            "offered": rate,
            "count": total,
            "seconds": round(elapsed, 3),
            "achieved": round(total / elapsed, 2) if elapsed else None,
        }

    async def _guarded(self, action: Callable[[], Awaitable[None]]) -> None:
        try:
            await action()
        except Exception as exc:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{type(exc).__name__}: {exc}")
        finally:
            self._gate.release()

    def message(self, circle: int, author: int) -> Callable[[], Awaitable[None]]:
        """A chat message to a circle, by the author (an index into the organisation)."""
        index = self.next_index
        self.next_index += 1

        async def send() -> None:
            started = time.perf_counter()
            body = mark(index, now_us(), BODY_BYTES)
            if self.kring:
                response = await self._post_anywhere(
                    index,
                    f"/api/v1/circles/{circle}/messages",
                    {"body": body, "client_id": f"{RUN}-{index}"},
                    self._token(author),
                )
                if response.status_code != 201:
                    raise RuntimeError(f"POST message: {response.status_code} {response.text[:200]}")
                self.last_message[circle] = int(response.json()["id"])
            else:
                assert self._redis is not None
                await self._redis.publish(self.spec["lean_channel"], lean_message(circle, index, body))
                self.last_message[circle] = index
            self.durations_ms.append((index, (time.perf_counter() - started) * 1000))
            self.sent += 1

        return send

    async def _post_anywhere(self, index: int, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
        """POST to one worker, or to the next while one is down (a restart): as a load balancer
        would. The same client_id makes a retry of a post that did arrive harmless."""
        for attempt in range(40):
            http = self._http[(index + attempt) % len(self._http)]
            try:
                return await http.post(path, json=body, headers=headers)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                self.retries += 1
                await asyncio.sleep(0.25)
        raise RuntimeError("no worker took the post within 10 s")

    def reaction(self, circle: int, user: int) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            target = self.last_message.get(circle)
            if target is None:
                return
            emoji = random.choice(["thumbsup", "heart", "tada", "laugh", "bulb", "pray"])
            if self.kring:
                http = self._http[user % len(self._http)]
                response = await http.put(f"/api/v1/messages/{target}/reactions/{emoji}", headers=self._token(user))
                if response.status_code != 200:
                    raise RuntimeError(f"PUT reaction: {response.status_code} {response.text[:200]}")
            else:
                assert self._redis is not None
                await self._redis.publish(self.spec["lean_channel"], lean_reaction(circle, target, emoji, user))

        return send

    def read_marker(self, circle: int, user: int) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            target = self.last_message.get(circle)
            if target is None:
                return
            if self.kring:
                http = self._http[user % len(self._http)]
                response = await http.post(
                    f"/api/v1/circles/{circle}/read", json={"message_id": target}, headers=self._token(user)
                )
                if response.status_code != 200:
                    raise RuntimeError(f"POST read: {response.status_code} {response.text[:200]}")
            else:
                assert self._redis is not None
                user_id = self.org.user_ids[user]
                for topic in (f"circle:{circle}", f"user:{user_id}"):
                    await self._redis.publish(self.spec["lean_channel"], lean_read(topic, circle, target, user_id))

        return send


def _event(topic: str, kind: str, data: dict[str, Any]) -> str:
    at = "2026-11-29T20:00:00.000000+00:00"
    frame = {"type": "event", "topic": topic, "seq": 0, "kind": kind, "data": data, "at": at}
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def lean_message(circle: int, index: int, body: str) -> str:
    """A frame the size and shape of Kring's `message.created`."""
    data = {
        "id": index,
        "circle_id": circle,
        "author": {"id": 1, "name": "Bench Colleague 1"},
        "body": body,
        "html": f"<p>{body}</p>",
        "reply_to": None,
        "client_id": f"bench-{index}",
        "created_at": "2026-11-29T20:00:00.000000+00:00",
        "edited_at": None,
        "deleted": False,
    }
    return _event(f"circle:{circle}", "message.created", data)


def lean_reaction(circle: int, target: int, emoji: str, user: int) -> str:
    data = {"target": f"message:{target}", "counts": {emoji: 1}, "user_id": user, "emoji": emoji, "on": True}
    return _event(f"circle:{circle}", "reaction.updated", data)


def lean_read(topic: str, circle: int, target: int, user_id: int) -> str:
    data = {"circle_id": circle, "message_id": target, "user": {"id": user_id, "name": f"Bench Colleague {user_id}"}}
    return _event(topic, "chat.read", data)


# -- scenarios ---------------------------------------------------------------------------------


def headers_for(spec: dict[str, Any], org: Organisation, user: int) -> dict[str, str]:
    if spec["target"] == "kring":
        return {"Authorization": f"Bearer {org.tokens[user]}"}
    return {}


def ws_url(spec: dict[str, Any], i: int) -> str:
    urls: list[str] = spec["ws_urls"]
    return urls[i % len(urls)]


def step_result(clients: Sequence[Client], sink: Sink, first: int, last: int, seconds: float) -> dict[str, Any]:
    """Delivery of messages first..last-1 to every client, and the sampled latencies."""
    expected = len(clients) * (last - first)
    received = 0
    for client in clients:
        assert client.got is not None
        received += sum(client.got[first:last])
    latencies = [sink.latencies_ms[k] for k in range(len(sink.latencies_ms)) if first <= sink.latency_index[k] < last]
    return {
        "messages": last - first,
        "expected_frames": expected,
        "delivered_frames": received,
        "lost": expected - received,
        "delivered_per_second": round(received / seconds, 1) if seconds else None,
        "latency_ms": summarise(latencies).as_dict(),
    }


async def hot_circle(spec: dict[str, Any], org: Organisation, usage: Usage) -> dict[str, Any]:
    params = spec["params"]
    clients_n: int = params["clients"]
    rates: list[float] = params["rates"]
    seconds: float = params["seconds"]
    pause: float = params.get("pause", 3.0)
    total = int(sum(r * seconds for r in rates)) + 1
    sink = Sink()
    every = max(1, clients_n // params.get("sampled", 200))
    topic = f"circle:{org.hot_circle}"
    clients = [
        Client(
            i,
            ws_url(spec, i),
            [topic],
            sink,
            headers=headers_for(spec, org, i),
            messages=total,
            sample=i % every == 0,
        )
        for i in range(clients_n)
    ]
    result: dict[str, Any] = {"connect": await open_all(clients, timeout=params.get("connect_timeout", 900))}
    print("READY", flush=True)
    poster = Poster(spec, org)
    await poster.start()
    posters = min(50, clients_n)
    steps = []
    try:
        for rate in rates:
            first = poster.next_index
            before = usage.sample()
            achieved = await poster.run(rate, seconds, lambda i: poster.message(org.hot_circle, i % posters))
            await asyncio.sleep(pause)  # drain: late frames count for their step, not the next
            after = usage.sample()
            steps.append(
                {"rate": rate, "first": first, "last": poster.next_index, "post": achieved, "usage": (before, after)}
            )
        await asyncio.sleep(params.get("drain", 2.0))
    finally:
        await poster.close()
        await close_all(clients)
    result["steps"] = [
        {
            "rate": s["rate"],
            "post": s["post"],
            **step_result(clients, sink, s["first"], s["last"], s["post"]["seconds"]),
            "post_ms": summarise([ms for i, ms in poster.durations_ms if s["first"] <= i < s["last"]]).as_dict(),
            "usage": Usage.between(*s["usage"]),
        }
        for s in steps
    ]
    result["duplicates"] = sink.duplicates
    result["post_errors"] = poster.errors
    result["post_error_samples"] = poster.error_samples
    return result


async def idle(spec: dict[str, Any], org: Organisation, usage: Usage) -> dict[str, Any]:
    params = spec["params"]
    clients_n: int = params["clients"]
    sink = Sink()
    await asyncio.sleep(2)
    before = usage.sample()
    clients = []
    for i in range(clients_n):
        topics = [
            f"user:{org.user_ids[i]}",
            "org",
            f"circle:{org.hot_circle}",
            f"circle:{org.work_circles[(i // 10) % len(org.work_circles)]}",
            f"circle:{org.storm_circles[i % len(org.storm_circles)]}",
        ]
        clients.append(
            Client(i, ws_url(spec, i), topics, sink, headers=headers_for(spec, org, i), messages=0, sample=False)
        )
    result: dict[str, Any] = {"connect": await open_all(clients, timeout=params.get("connect_timeout", 900))}
    print("READY", flush=True)
    connected = usage.sample()
    await asyncio.sleep(params.get("settle", 10))
    hold_start = usage.sample()
    await asyncio.sleep(params["hold"])
    hold_end = usage.sample()
    await close_all(clients)
    n = result["connect"]["connected"]
    result["clients"] = n
    result["connect_usage"] = Usage.between(before, connected)
    result["hold"] = Usage.between(hold_start, hold_end)
    result["rss_per_connection"] = round((hold_end["server_rss"] - before["server_rss"]) / n) if n else None
    result["cpu_share_per_10k"] = (
        round(result["hold"]["server_cpu_share"] * 10_000 / n, 4) if n and result["hold"]["server_cpu_share"] else 0
    )
    result["frames_during_hold"] = sink.frames
    return result


async def workday(spec: dict[str, Any], org: Organisation, usage: Usage) -> dict[str, Any]:
    params = spec["params"]
    clients_n: int = params["clients"]
    seconds: float = params["seconds"]
    circles = org.work_circles[: clients_n // 10]
    total = int(params["messages_per_second"] * seconds) + 1
    sink = Sink()
    every = max(1, clients_n // params.get("sampled", 500))
    clients = [
        Client(
            i,
            ws_url(spec, i),
            [f"user:{org.user_ids[i]}", f"circle:{circles[i // 10]}"],
            sink,
            headers=headers_for(spec, org, i),
            messages=total,
            sample=i % every == 0,
        )
        for i in range(len(circles) * 10)
    ]
    result: dict[str, Any] = {"connect": await open_all(clients, timeout=params.get("connect_timeout", 900))}
    print("READY", flush=True)
    poster = Poster(spec, org)
    await poster.start()

    def member(j: int) -> int:
        return (j % len(circles)) * 10 + random.randrange(10)

    def any_action(i: int) -> Callable[[], Awaitable[None]]:
        # Per 7 actions: 2 messages, 4 reactions, 1 read marker (200 + 400 + 100 per second).
        j = random.randrange(len(circles))
        kind = i % 7
        if kind < 2:
            return poster.message(circles[j], member(j))
        if kind < 6:
            return poster.reaction(circles[j], member(j))
        return poster.read_marker(circles[j], member(j))

    rate = params["messages_per_second"] * 3.5
    try:
        before = usage.sample()
        frames_before = sink.frames  # presence and subscribe frames of the connect phase do not count
        achieved = await poster.run(rate, seconds, any_action)
        await asyncio.sleep(params.get("drain", 3.0))
        after = usage.sample()
    finally:
        await poster.close()
        await close_all(clients)
    messages = poster.next_index
    expected = messages * 10
    received = sum(sum(c.got[:messages]) for c in clients if c.got is not None)
    result.update(
        actions=achieved,
        messages=messages,
        expected_message_frames=expected,
        delivered_message_frames=received,
        lost=expected - received,
        duplicates=sink.duplicates,
        frames=sink.frames - frames_before,
        latency_ms=summarise(list(sink.latencies_ms)).as_dict(),
        usage=Usage.between(before, after),
        post_errors=poster.errors,
        post_error_samples=poster.error_samples,
    )
    cpu = result["usage"]["server_cpu_s"]
    result["server_cpu_us_per_frame"] = round(cpu / result["frames"] * 1e6, 1) if result["frames"] else None
    return result


async def storm(spec: dict[str, Any], org: Organisation, usage: Usage) -> dict[str, Any]:
    """Clients follow their user topic and a storm circle; the orchestrator restarts every
    worker while messages keep coming; each client resumes with `since` and checks its seqs."""
    params = spec["params"]
    clients_n: int = params["clients"]
    sink = Sink()
    circles = org.storm_circles
    urls = spec["ws_urls"]
    clients = [
        Client(
            i,
            ws_url(spec, i),
            [f"user:{org.user_ids[i]}", f"circle:{circles[i % len(circles)]}"],
            sink,
            headers=headers_for(spec, org, i),
            messages=0,
            sample=False,
            track_seq=True,
            urls=urls,
        )
        for i in range(clients_n)
    ]
    result: dict[str, Any] = {"connect": await open_all(clients, timeout=params.get("connect_timeout", 900))}
    for client in clients:
        client.reconnect = True
    poster = Poster(spec, org)
    await poster.start()
    print("READY", flush=True)
    started = time.monotonic()
    try:
        achieved = await poster.run(
            params["messages_per_second"],
            params["seconds"],
            lambda i: poster.message(circles[i % len(circles)], i % len(circles)),
        )
        # Every client should be back: wait for the stragglers, bounded.
        deadline = time.monotonic() + params.get("settle", 180)
        while time.monotonic() < deadline and any(c.closed_at is not None for c in clients):
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)
    finally:
        await poster.close()
    # The head of each topic now, from a fresh socket per topic.
    heads: dict[str, int] = {}
    probe_topics = sorted({t for c in clients for t in c.topics if t.startswith("circle:")})
    probe = Client(-1, urls[0], probe_topics, Sink(), headers=headers_for(spec, org, 0), messages=0, sample=False)
    with contextlib.suppress(Exception):
        await probe.open()
        await probe.wait_subscribed(30)
        heads = {t: s[1] for t, s in probe.subscribed.items()}
    await probe.close()

    def behind(client: Client) -> int:
        return sum(max(0, heads[t] - client.last.get(t, 0)) for t in client.topics if t in heads)

    back = [c for c in clients if c.closed_at is None]
    away = [c for c in clients if c.closed_at is not None]
    resumed = [d for c in clients for d in c.resumed_after]
    result.update(
        posts=achieved,
        post_errors=poster.errors,
        post_retries=poster.retries,
        post_error_samples=poster.error_samples,
        reconnections=len(resumed),
        never_back=len(away),
        resume_s=summarise(resumed).as_dict(),
        subscriptions_recovered=sum(c.recovered for c in clients),
        subscriptions_not_recovered=sum(c.not_recovered for c in clients),
        # Lost: a gap in what a client received, or a client that is back but behind the head.
        lost=sum(c.missing for c in clients) + sum(behind(c) for c in back),
        lost_at_end=sum(behind(c) for c in back),
        # Not lost yet: what the clients still away will replay from history when they are back.
        awaited_by_those_away=sum(behind(c) for c in away),
        heads_checked=len(heads),  # 0: the final check against the topics' heads could not run
        duplicated=sum(c.dup_events for c in clients),
        wall_s=round(time.monotonic() - started, 1),
    )
    await close_all(clients)
    return result


async def slow(spec: dict[str, Any], org: Organisation, usage: Usage) -> dict[str, Any]:
    """The hot circle at one rate, first with every client reading, then with 5 % stopped."""
    params = spec["params"]
    clients_n: int = params["clients"]
    rate: float = params["rate"]
    seconds: float = params["seconds"]
    total = int(rate * seconds * 2) + 1
    sink = Sink()
    every = max(1, clients_n // params.get("sampled", 200))
    slow_every = round(100 / params.get("slow_percent", 5))
    topic = f"circle:{org.hot_circle}"
    clients = [
        Client(
            i, ws_url(spec, i), [topic], sink, headers=headers_for(spec, org, i), messages=total, sample=i % every == 0
        )
        for i in range(clients_n)
    ]
    slow_ones = [c for c in clients if c.number % slow_every == slow_every // 2]
    others = [c for c in clients if c not in slow_ones]
    result: dict[str, Any] = {"connect": await open_all(clients, timeout=params.get("connect_timeout", 900))}
    print("READY", flush=True)
    poster = Poster(spec, org)
    await poster.start()
    phases = []
    try:
        for phase in ("all_reading", "with_slow"):
            if phase == "with_slow":
                for client in slow_ones:
                    client.paused = True
            first = poster.next_index
            before = usage.sample()
            achieved = await poster.run(rate, seconds, lambda i: poster.message(org.hot_circle, i % 50))
            await asyncio.sleep(params.get("pause", 3.0))
            after = usage.sample()
            phases.append((phase, first, poster.next_index, achieved, before, after))
    finally:
        await poster.close()
    closed_slow = sum(1 for c in slow_ones if c.closed_with is not None)
    await close_all(clients)
    sampled_others = {c.number for c in others if c.sample}
    for phase, first, last, achieved, before, after in phases:
        # Latencies of the clients that kept reading only.
        latencies = []
        for k in range(len(sink.latencies_ms)):
            if first <= sink.latency_index[k] < last:
                latencies.append(sink.latencies_ms[k])
        received = sum(sum(c.got[first:last]) for c in others if c.got is not None)
        result[phase] = {
            "post": achieved,
            "others_expected": len(others) * (last - first),
            "others_delivered": received,
            "others_lost": len(others) * (last - first) - received,
            "latency_ms": summarise(latencies).as_dict(),
            "usage": Usage.between(before, after),
        }
    result["slow_clients"] = len(slow_ones)
    result["slow_clients_closed_by_server"] = closed_slow
    result["sampled_others"] = len(sampled_others)
    result["post_errors"] = poster.errors
    return result


async def http_load(spec: dict[str, Any], org: Organisation, usage: Usage) -> dict[str, Any]:
    """Keep-alive HTTP clients hammering one path for a while: requests per second, latency."""
    params = spec["params"]
    result: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {org.tokens[0]}"}
    for name, path in params["paths"].items():
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        deadline = time.monotonic() + params["seconds"]
        limits = httpx.Limits(max_connections=params["concurrency"])
        clients = [httpx.AsyncClient(base_url=u, timeout=30, limits=limits) for u in spec["http_urls"]]

        async def worker(
            n: int,
            path: str = path,
            clients: list[httpx.AsyncClient] = clients,
            deadline: float = deadline,
            latencies: list[float] = latencies,
            statuses: dict[int, int] = statuses,
        ) -> None:
            client = clients[n % len(clients)]
            for _ in range(100_000):
                if time.monotonic() > deadline:
                    return
                t0 = time.perf_counter()
                response = await client.get(path, headers=headers)
                await response.aread()
                latencies.append((time.perf_counter() - t0) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        before = usage.sample()
        await asyncio.gather(*(worker(n) for n in range(params["concurrency"])))
        after = usage.sample()
        for client in clients:
            await client.aclose()
        used = Usage.between(before, after)
        result[name] = {
            "path": path,
            "requests": len(latencies),
            "per_second": round(len(latencies) / used["wall_s"], 1),
            "statuses": statuses,
            "latency_ms": summarise(latencies).as_dict(),
            "usage": used,
        }
    return result


SCENARIOS = {"hot": hot_circle, "idle": idle, "workday": workday, "storm": storm, "slow": slow, "http": http_load}


async def main(spec: dict[str, Any], org: Organisation) -> dict[str, Any]:
    usage = Usage(spec["server_pids"])
    started = usage.sample()
    async with asyncio.timeout(spec.get("timeout", 1800)):
        result = await SCENARIOS[spec["scenario"]](spec, org, usage)
    result["driver"] = Usage.between(started, usage.sample())
    return result


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(main(spec, Organisation.load(Path(spec["org"]))))
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1))
