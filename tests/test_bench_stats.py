"""The benchmark's arithmetic: what `make bench` reports is only as good as these functions."""

from __future__ import annotations

import os

import pytest

from bench.report import hot_summary
from bench.stats import (
    Step,
    cpu_seconds,
    knee,
    last_good,
    mark,
    parse_cpu_seconds,
    parse_rss_bytes,
    percentile,
    ratio,
    read_mark,
    read_seq,
    sequence_faults,
    summarise,
)


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([7.0], 99) == 7
    assert percentile([], 50) is None


def test_summary_does_not_depend_on_order() -> None:
    assert summarise([5.0, 1.0, 3.0]) == summarise([1.0, 3.0, 5.0])
    assert summarise([5.0, 1.0, 3.0]).max == 5
    assert summarise([]).as_dict() == {"count": 0, "p50": None, "p90": None, "p99": None, "max": None}


def test_the_knee_is_the_first_rate_with_a_slow_p99_or_a_loss() -> None:
    steps = [
        Step(50, 120.0, 0, 5000),  # out of order on purpose
        Step(10, 20.0, 0, 1000),
        Step(25, 40.0, 0, 2500),
        Step(100, 30.0, 3, 9000),
    ]
    assert knee(steps) == steps[0]
    assert last_good(steps) == steps[2]
    assert knee([Step(10, 20.0, 1, 999)]) == Step(10, 20.0, 1, 999)  # a loss alone is the knee
    assert last_good([Step(10, 20.0, 1, 999)]) is None
    assert knee([Step(10, 20.0, 0, 1000)]) is None  # never reached


def test_ratios_refuse_to_divide_by_nothing() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None
    assert ratio(3.0, 0) is None


def test_a_mark_survives_json_escaping_and_has_the_asked_size() -> None:
    body = mark(123, 1_700_000_000_000_000, 200)
    assert len(body) == 200
    frame = '{"type":"event","topic":"circle:7","seq":42,"kind":"message.created","data":{"body":"' + body + '"}}'
    assert read_mark(frame) == (123, 1_700_000_000_000_000)
    assert read_seq(frame) == ("circle:7", 42)
    assert read_mark('{"type":"pong"}') is None
    assert read_seq('{"type":"pong"}') is None


def test_sequence_faults_count_gaps_and_doubles_after_the_cursor() -> None:
    assert sequence_faults([4, 5, 6], after=3) == (0, 0)
    assert sequence_faults([4, 6, 6, 7], after=3) == (1, 1)
    assert sequence_faults([6], after=3) == (2, 0)
    assert sequence_faults([], after=3) == (0, 0)


def test_proc_readings_are_parsed_from_their_fields() -> None:
    # The command name may hold spaces and parentheses; utime and stime are fields 14 and 15.
    stat = "1234 (python (bench) x) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 1 0"
    assert parse_cpu_seconds(stat, ticks=100) == pytest.approx(4.0)
    assert parse_rss_bytes("Name:\tpython\nVmRSS:\t  2048 kB\nThreads:\t1\n") == 2 * 1024 * 1024
    assert cpu_seconds(os.getpid()) > 0


def test_the_hot_circle_summary_compares_at_the_knees() -> None:
    def run(rows: list[tuple[float, float, int, float, float]]) -> dict[str, object]:
        return {
            "connect": {"connected": 100},
            "steps": [
                {
                    "rate": rate,
                    "latency_ms": {"p99": p99},
                    "lost": lost,
                    "delivered_per_second": fps,
                    "delivered_frames": fps * 10,
                    "usage": {"server_cpu_s": cpu},
                }
                for rate, p99, lost, fps, cpu in rows
            ],
        }

    lean = run([(10, 5.0, 0, 1000, 0.1), (25, 8.0, 0, 2500, 0.25), (50, 150.0, 0, 4000, 0.5)])
    kring = run([(10, 6.0, 0, 1000, 0.2), (25, 140.0, 2, 2400, 0.6), (50, 900.0, 9, 3000, 1.0)])
    summary = hot_summary({"lean": lean, "kring": kring})
    assert summary["lean_knee"] == 50
    assert summary["kring_knee"] == 25
    assert summary["fps_ratio"] == pytest.approx(1000 / 2500)
    # CPU µs per frame: 20 vs 10 at 10/s, 25 vs 10 at 25/s, 33.3 vs 12.5 at 50/s: the worst counts.
    assert summary["cpu_ratio_max"] == pytest.approx(33.3 / 12.5)
    assert summary["p99_ratios_below_knee"] == {10: pytest.approx(1.2)}
    assert summary["lost_where_lean_clean"] == [25, 50]
