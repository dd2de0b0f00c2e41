"""Figures a trust case measured, for docs/reliability.md.

`TRUST_REPORT=/path/file.jsonl pytest -m trust` appends one JSON line per figure set;
without it the figures only go to the test's captured output.
"""

from __future__ import annotations

import json
import os
import statistics
from typing import Any


def report(case: str, **figures: Any) -> None:
    line = json.dumps({"case": case, **figures}, sort_keys=True)
    print(line)  # shown with -s, or with the output of a failed test
    path = os.environ.get("TRUST_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(98, max(0, int(fraction * 100) - 1))]
