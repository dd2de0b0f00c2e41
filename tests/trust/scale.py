"""How big the load cases run: `TRUST_SCALE=full` (make soak) runs the issue's figures, the
default a smaller version that fits CI's time on two cores."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    clients: int
    blackholed: int
    posts_per_second: float
    blackhole_seconds: float
    slow_case_readers: int  # case 8: the clients that read, beside the ten that stop
    slow_case_queue: int  # case 8: KRING_LIMIT_WS_QUEUE (the default is 1,000)
    slow_case_posts_per_second: float  # case 8: into the circle everyone follows


CI = Scale(
    "ci",
    clients=80,
    blackholed=16,
    posts_per_second=20,
    blackhole_seconds=8,
    slow_case_readers=120,
    slow_case_queue=200,
    slow_case_posts_per_second=20,
)
FULL = Scale(
    "full",
    clients=500,
    blackholed=100,
    posts_per_second=50,
    blackhole_seconds=30,
    slow_case_readers=500,
    slow_case_queue=1000,
    slow_case_posts_per_second=10,  # to 500 readers: as many frames as the test's own client reads
)
SCALE = FULL if os.environ.get("TRUST_SCALE") == "full" else CI


@dataclass(frozen=True)
class LeakScale:
    """Case 9: how many events the random run writes, by how many concurrent writers."""

    name: str
    events: int
    writers: int
    items_checked_per_user: int


LEAKS_CI = LeakScale("ci", events=1_000, writers=6, items_checked_per_user=16)
LEAKS_FULL = LeakScale("full", events=10_000, writers=8, items_checked_per_user=60)
LEAKS = LEAKS_FULL if os.environ.get("TRUST_SCALE") == "full" else LEAKS_CI
