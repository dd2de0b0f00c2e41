"""Sign-in under hostile load (issue 14, findings 2 and 4): a burst of sign-ins leaves the
worker's event loop free, and concurrent wrong passwords check no more than the limits allow."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from harness import Worker
from models import LoginFailure
from server.context import AppContext
from services import passwords, sessions
from services.errors import RateLimited, Unauthenticated
from services.throttle import LoginLimits
from tests.realtime.support import Colleague, Socket, database
from tests.support import make_user
from tests.trust.report import report

pytestmark = pytest.mark.trust

StartWorkers = Callable[..., list[Worker]]
BURST = 16
STALL_BOUND_MS = 100


async def _ping_until(socket: Socket, stop: asyncio.Event, round_trips: list[float]) -> None:
    while not stop.is_set():
        start, sent = len(socket.frames), time.monotonic()
        await socket.send({"op": "ping"})
        await socket.wait_for(lambda frame: frame.get("type") == "pong", start=start, timeout=30)
        round_trips.append(time.monotonic() - sent)
        await asyncio.sleep(0.1)  # ten a second: under the socket's frame limit (KRING_LIMIT_WS_OPS_PER_SECOND)


async def test_sixteen_sign_ins_at_once_leave_the_loop_free(fresh_database: str, start_workers: StartWorkers) -> None:
    """Sixteen strangers sign in at once with unknown addresses (each costs a full argon2
    verification, 64 MiB), three times, while a colleague's socket on the same worker pings.

    The bound is on the worker's own loop stall as its probe measures it (`loop_probe.py`: how late
    a 5 ms timer fires, less the time the loop thread, and the Python threads whose GIL it may
    wait for, spent waiting for a core), not on the ping's round trip, which on a shared two-core
    machine also carries everyone else's load. A verification on the loop stalls it for the whole
    verification in every burst (650 to 780 ms a burst at a load of 17); the machine's own hiccups
    that the correction cannot see (a virtual CPU taken away by the host) come at random, so the
    bound must hold in at least one burst of three."""
    url = fresh_database
    async with database(url) as db:
        colleague_user = await make_user(db)
    [worker] = start_workers(
        url, 1, command=[sys.executable, "-m", "tests.trust.loop_probe"], KRING_LIMIT_LOGIN_PER_ADDRESS="1000"
    )
    colleague = await Colleague(worker, colleague_user).sign_in()
    socket = await Socket.open(worker, cookie=colleague.cookie)
    bursts: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=worker.url, timeout=120) as strangers:
        for burst in range(3):
            await strangers.post("/_probe/loop")  # starts the probe, or resets it
            round_trips: list[float] = []
            stop = asyncio.Event()
            pinger = asyncio.create_task(_ping_until(socket, stop, round_trips))
            started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    strangers.post(
                        "/api/v1/session",
                        json={"email": f"niemand.{burst}.{number}@kring.test", "password": "geen wachtwoord"},
                        headers={"Origin": worker.origin},
                    )
                    for number in range(BURST)
                )
            )
            took = time.monotonic() - started
            stop.set()
            await pinger
            assert [answer.status_code for answer in answers] == [401] * BURST  # each one checked
            probe = (await strangers.get("/_probe/loop")).json()
            assert probe["ticks"] > 0
            bursts.append(
                {
                    "stall_ms": probe["worst_ms"],
                    "stall_on_a_core_ms": probe["ran_ms"],
                    "ping_max_ms": round(max(round_trips) * 1000, 1),
                    "ping_median_ms": round(statistics.median(round_trips) * 1000, 1),
                    "pings": len(round_trips),
                    "burst_s": round(took, 2),
                }
            )
    await socket.close()
    await colleague.close()
    report("16-sign-in-burst", bursts=bursts)
    assert socket.closed_with == 1000, "the colleague's socket stayed open throughout"
    # The worker's log holds where the loop thread was at each stall the probe's watchdog saw.
    assert min(burst["stall_ms"] for burst in bursts) < STALL_BOUND_MS, (bursts, worker.tail(200))


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password checked against a hash, counted where the check happens."""
    calls: list[str] = []
    verify = passwords._verify

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "_verify", counting)
    return calls


async def _attempt(context: AppContext, limits: LoginLimits, email: str, address: str) -> str:
    """One sign-in on a connection of its own, as concurrent requests have."""
    async with context.db() as db:
        try:
            await sessions.sign_in(db, limits, email=email, password="wrong password", address=address)
        except RateLimited:
            return "limited"
        except Unauthenticated:
            return "wrong"
    return "signed in"


async def test_forty_concurrent_wrong_passwords_check_at_most_the_account_limit(
    context: AppContext, checked: list[str]
) -> None:
    async with context.db() as db:
        user = await make_user(db)
    limits = LoginLimits(per_account=5, per_address=1000, window_seconds=900)
    outcomes = await asyncio.gather(
        *(_attempt(context, limits, user.email, f"198.51.100.{number}") for number in range(40))
    )
    async with context.db() as db:
        recorded = (await db.exec(select(func.count()).where(col(LoginFailure.email) == user.email))).one()
    report("16-account-limit", attempts=40, checked=len(checked), recorded=recorded)
    assert len(checked) <= limits.per_account
    assert outcomes.count("wrong") == len(checked) == recorded
    assert outcomes.count("limited") == 40 - len(checked)


async def test_forty_five_concurrent_attempts_from_one_address_record_at_most_its_limit(
    context: AppContext, checked: list[str]
) -> None:
    limits = LoginLimits(per_account=5, per_address=30, window_seconds=900)
    outcomes = await asyncio.gather(
        *(_attempt(context, limits, f"onbekend.{number}@kring.test", "203.0.113.9") for number in range(45))
    )
    async with context.db() as db:
        recorded = (await db.exec(select(func.count()).where(col(LoginFailure.address) == "203.0.113.9"))).one()
    report("16-address-limit", attempts=45, checked=len(checked), recorded=recorded)
    assert recorded <= limits.per_address
    assert len(checked) == recorded == outcomes.count("wrong")
    assert outcomes.count("limited") == 45 - recorded
