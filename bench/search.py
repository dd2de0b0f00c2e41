"""`make bench`, scenario 6b: search latency over 50,000 catalogued items, SQLite and PostgreSQL.

    python -m bench.search [--items 50000] [--queries 300]

For each database it makes a fresh one (a temporary SQLite file, or a PostgreSQL database of its
own that it drops again), migrates it, catalogues `--items` items through
`services.search.bulk_index` (Dutch text built from the sample group drive's words, a fifth of it
in circles and half of those circles the searcher's), and times `services.search.search` for
the searcher: one-word, compound-start ("verlof" for "verlofregeling"), two-word and no-match
queries, each with its permission condition and snippets, as the search page runs it. Writes
bench/results/<date>-search.json and prints a Markdown table. The target (docs/performance.md):
p99 under 100 ms at 50,000 items.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.cost import POSTGRES_URL, postgres
from models import CircleKind, CircleVisibility
from models.database import make_engine, make_sessionmaker
from models.search import Audience, ItemKind
from services import accounts, circles, search
from services.search import Entry, Query

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DRIVE = REPO / "server" / "demo_drive"
NO_SIGN_IN = "!"  # not an argon2 hash: nobody signs in as the searcher
QUERIES = ["verlof", "ziekmelding", "protocol", "cliënt", "client", "buurt", "regeling", "jongeren", "soep"]
QUERIES += ["verlof aanvragen", "melding ziekte", "statushouders begeleiding", "xyzzyplugh"]


def vocabulary() -> list[str]:
    """Words of the sample drive's text files, plus compounds of them, as a Dutch intranet has."""
    words: set[str] = set()
    for path in DRIVE.rglob("*"):
        if path.suffix.lower() in {".txt", ".md"}:
            words.update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", path.read_text(errors="ignore")))
    base = sorted(words) or ["verlof", "regeling", "melding", "ziekte", "cliënt", "buurt"]
    rng = random.Random(7)
    compounds = {rng.choice(base) + rng.choice(base) for _ in range(len(base) * 2)}
    return base + sorted(compounds)


async def fill(url: str, items: int) -> tuple[Any, Any, float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    rng = random.Random(42)
    words = vocabulary()
    async with sessions() as db:
        me = await accounts.create_user(db, email="zoeker@bench.test", name="Zoeker", password_hash=NO_SIGN_IN)
        other = await accounts.create_user(db, email="ander@bench.test", name="Ander", password_hash=NO_SIGN_IN)
        circle_ids = []
        for number in range(40):
            owner = me if number % 2 == 0 else other
            made = await circles.create_circle(
                db, owner, name=f"Kring {number}", kind=CircleKind.KNOWLEDGE, visibility=CircleVisibility.CLOSED
            )
            circle_ids.append(made.id or 0)
        kinds = [ItemKind.DOCUMENT, ItemKind.PAGE, ItemKind.POST, ItemKind.NEWS, ItemKind.MESSAGE]
        started = time.perf_counter()

        def entries() -> Any:
            for number in range(items):
                body = " ".join(rng.choices(words, k=rng.randint(30, 150)))
                in_circle = rng.random() < 0.2
                yield Entry(
                    kind=kinds[number % len(kinds)],
                    ref_id=number + 1,
                    title=" ".join(rng.choices(words, k=rng.randint(2, 6))),
                    body=body,
                    circle_id=rng.choice(circle_ids) if in_circle else None,
                    audience=Audience.CIRCLE if in_circle else Audience.ORG,
                    tags=rng.sample(["beleid", "protocollen", "recepten", "regelingen", "ziekte"], k=rng.randint(0, 2)),
                )

        await search.bulk_index(db, entries())
        await db.commit()
        seconds = time.perf_counter() - started
    return engine, me, seconds


async def measure(url: str, items: int, rounds: int) -> dict[str, Any]:
    engine, me, seconds = await fill(url, items)
    sessions = make_sessionmaker(engine)
    timings: dict[str, list[float]] = {q: [] for q in QUERIES}
    hits: dict[str, int] = {}
    try:
        async with sessions() as db:
            for query in QUERIES:  # warm the caches once, as a running server has them
                hits[query] = len((await search.search(db, me, Query(text=query))).hits)
            for _ in range(rounds // len(QUERIES) + 1):
                for query in QUERIES:
                    started = time.perf_counter()
                    await search.search(db, me, Query(text=query))
                    timings[query].append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    every = sorted(t for ts in timings.values() for t in ts)
    return {
        "items": items,
        "fill_seconds": round(seconds, 1),
        "queries": len(every),
        "p50_ms": round(statistics.median(every), 1),
        "p99_ms": round(every[int(len(every) * 0.99) - 1], 1),
        "max_ms": round(every[-1], 1),
        "per_query": {
            q: {"hits_on_first_page": hits[q], "p50_ms": round(statistics.median(ts), 1)} for q, ts in timings.items()
        },
    }


def migrate(url: str) -> None:
    env = {**os.environ, "KRING_DATABASE_URL": url, "KRING_SECRET_KEY": "bench-secret-" + "k" * 32}
    subprocess.run([sys.executable, "-m", "server", "migrate"], env=env, check=True, cwd=REPO, timeout=300)


SECTION = "## 7. Search"


def table_of(results: dict[str, Any]) -> list[str]:
    lines = [
        f"`python -m bench.search` on commit {results['commit']}: `services.search.search` as the search page "
        f"calls it, over {results['sqlite']['items']:,} catalogued items per database.",
        "",
        "| database | items | fill | p50 | p99 | max | target p99 < 100 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for db in ("sqlite", "postgresql"):
        r = results[db]
        met = "met" if r["p99_ms"] < 100 else "**missed**"
        times = [f"{r[k]} ms" for k in ("p50_ms", "p99_ms", "max_ms")]
        cells = [db, f"{r['items']:,}", f"{r['fill_seconds']} s", *times]
        lines.append("| " + " | ".join([*cells, met]) + " |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--items", type=int, default=int(os.environ.get("BENCH_SEARCH_ITEMS", "50000")))
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    results: dict[str, Any] = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="kring-search-bench-") as tmp:
        sqlite_url = f"sqlite:///{tmp}/search.db"
        migrate(sqlite_url)
        results["sqlite"] = asyncio.run(
            measure(sqlite_url.replace("sqlite://", "sqlite+aiosqlite://"), args.items, args.queries)
        )
    name = f"kring_bench_search_{os.getpid()}"
    asyncio.run(postgres(f'CREATE DATABASE "{name}"'))
    try:
        pg_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        migrate(pg_url)
        async_url = pg_url.replace("postgresql://", "postgresql+asyncpg://")
        results["postgresql"] = asyncio.run(measure(async_url, args.items, args.queries))
    finally:
        asyncio.run(postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    results["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    RESULTS.mkdir(parents=True, exist_ok=True)
    # The stem of bench.run's report of the same `make bench`, so the table joins that report.
    scale = os.environ.get("BENCH_SCALE") or "full"
    stem = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") + ("" if scale == "full" else f"-{scale}")
    out = RESULTS / f"{stem}-search.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = table_of(results)
    print("\n".join(table))
    print(f"written to {out.relative_to(REPO)}")
    report = RESULTS / f"{stem}.md"
    if report.exists():  # `make bench` ran the other scenarios first: one file holds them all
        text = report.read_text()
        text = text.split(SECTION)[0].rstrip("\n") + "\n\n"
        report.write_text(text + "\n".join([SECTION, "", *table, ""]) + "\n")
        print(f"appended to {report.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
