"""Summarise py-spy's collapsed stacks (BENCH_PROFILE): the functions that take the most time.

python -m bench.profile_summary DIR/hot-kring-kring-a.txt [--top 30]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def summarise(text: str) -> tuple[int, Counter[str], Counter[str]]:
    """(samples, inclusive counts, self counts) per frame name of collapsed stacks."""
    total = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    return total, inclusive, own


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    for path in args.paths:
        total, inclusive, own = summarise(path.read_text())
        print(f"== {path} ({total} samples)")
        print("-- inclusive")
        for frame, n in inclusive.most_common(args.top):
            print(f"{100 * n / total:5.1f}%  {frame}")
        print("-- self")
        for frame, n in own.most_common(args.top):
            print(f"{100 * n / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
