"""Pure statistics of the benchmark: percentiles, the knee, ratios, frame parsing, /proc readings.

No I/O beyond reading /proc, so tests/test_bench_stats.py checks all of it without load.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# What the poster writes into every message body, found again in every frame that carries it:
# `#B<index>:<unix time in microseconds>#`. Searching the text is far cheaper than parsing JSON
# for each of hundreds of thousands of frames, which keeps the driver's own CPU low.
MARK = re.compile(r"#B(\d+):(\d+)#")
SEQ = re.compile(r'"seq":(\d+)')
TOPIC = re.compile(r'"topic":"([^"]+)"')


def mark(index: int, micros: int, size: int) -> str:
    """A message body of exactly `size` characters carrying the index and the send time."""
    head = f"#B{index}:{micros}#"
    return head + "x" * max(0, size - len(head))


def read_mark(text: str) -> tuple[int, int] | None:
    """(index, send time in microseconds) of the first mark in a frame, or None."""
    found = MARK.search(text)
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2))


def read_seq(text: str) -> tuple[str, int] | None:
    """(topic, seq) of an event frame, or None for any other frame."""
    seq = SEQ.search(text)
    topic = TOPIC.search(text)
    if seq is None or topic is None:
        return None
    return topic.group(1), int(seq.group(1))


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "p50": self.p50, "p90": self.p90, "p99": self.p99, "max": self.max}


def summarise(values: Sequence[float]) -> Summary:
    ordered = sorted(values)
    return Summary(
        count=len(ordered),
        p50=percentile(ordered, 50),
        p90=percentile(ordered, 90),
        p99=percentile(ordered, 99),
        max=float(ordered[-1]) if ordered else None,
    )


@dataclass(frozen=True)
class Step:
    """One offered rate of a load run, as the driver measured it."""

    rate: float
    p99_ms: float | None
    lost: int
    delivered_per_second: float


def knee(steps: Iterable[Step], *, p99_limit_ms: float = 100.0) -> Step | None:
    """The first step (by rising rate) where p99 passes the limit or anything is lost."""
    for step in sorted(steps, key=lambda s: s.rate):
        if step.lost > 0 or step.p99_ms is None or step.p99_ms > p99_limit_ms:
            return step
    return None


def last_good(steps: Iterable[Step], *, p99_limit_ms: float = 100.0) -> Step | None:
    """The highest step below the knee: the best the server did within the limits."""
    best: Step | None = None
    for step in sorted(steps, key=lambda s: s.rate):
        if step.lost > 0 or step.p99_ms is None or step.p99_ms > p99_limit_ms:
            break
        best = step
    return best


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


def sequence_faults(seqs: Sequence[int], *, after: int) -> tuple[int, int]:
    """(missing, duplicated) events in the seqs one socket received on one topic, after `after`."""
    seen: set[int] = set()
    duplicated = 0
    for seq in seqs:
        if seq in seen:
            duplicated += 1
        seen.add(seq)
    if not seen:
        return 0, duplicated
    expected = set(range(after + 1, max(seen) + 1))
    return len(expected - seen), duplicated


# -- /proc -------------------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        return parse_cpu_seconds(stat.read())


def parse_cpu_seconds(stat: str, ticks: int = _TICKS) -> float:
    # The command name may hold spaces and parentheses: split after its closing one.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / ticks


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return parse_rss_bytes(status.read())


def parse_rss_bytes(status: str) -> int:
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
