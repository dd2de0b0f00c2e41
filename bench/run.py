"""`make bench`: start everything, run the scenarios against Kring and the lean baseline, report.

    python -m bench.run [--scale full|small] [--scenarios hot,idle,workday,storm,slow,http]

Starts a Redis of its own, a PostgreSQL database of its own on the local server (or SQLite with
`--database sqlite`), two Kring workers and two lean-baseline servers (never both at once), and a
load driver process per run; stops all of them, whatever happens. Writes
bench/results/<date>.json, a Markdown table beside it and PNG charts (bench/report.py).
Loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench import report
from bench.seed import Organisation, seed
from harness import REPO, RedisProcess, Worker

RESULTS = REPO / "bench" / "results"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-" + "k" * 32

HTTP_PATHS = {"home stream page": "/", "feed API": "/api/v1/feed"}
# Scenario sizes. `full` is the issue's. `medium` fits about 20 minutes on a shared 2-core machine
# where Kring accepts only some tens of sockets a second (docs/performance.md); `small` is for
# developing the harness.
SCALES: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "hot": {"clients": 2000, "rates": [10, 25, 50, 100, 200], "seconds": 10},
        "idle": {"clients": 10_000, "hold": 300, "settle": 10},
        "workday": {"clients": 5000, "messages_per_second": 200, "seconds": 30},
        "storm": {"clients": 5000, "messages_per_second": 100, "seconds": 40, "restart_after": 8},
        "slow": {"clients": 2000, "rate": 25, "seconds": 20, "slow_percent": 5},
        "http": {"seconds": 15, "concurrency": 16, "paths": HTTP_PATHS},
    },
    "medium": {
        "hot": {"clients": 2000, "rates": [10, 25, 50, 100, 200], "seconds": 10},
        "idle": {"clients": 1000, "hold": 60, "settle": 5},
        "workday": {"clients": 1000, "messages_per_second": 200, "seconds": 20},
        "storm": {"clients": 1000, "messages_per_second": 100, "seconds": 30, "restart_after": 5},
        "slow": {"clients": 1000, "rate": 25, "seconds": 20, "slow_percent": 5},
        "http": {"seconds": 10, "concurrency": 16, "paths": HTTP_PATHS},
    },
    "small": {
        "hot": {"clients": 200, "rates": [10, 25, 50, 100, 200], "seconds": 8},
        "idle": {"clients": 500, "hold": 20, "settle": 3},
        "workday": {"clients": 200, "messages_per_second": 20, "seconds": 10},
        "storm": {"clients": 200, "messages_per_second": 20, "seconds": 20, "restart_after": 4},
        "slow": {"clients": 200, "rate": 25, "seconds": 8, "slow_percent": 5},
        "http": {"seconds": 5, "concurrency": 8, "paths": HTTP_PATHS},
    },
}
TARGETS = {"hot": ("lean", "kring"), "idle": ("lean", "kring"), "workday": ("lean", "kring"), "slow": ("lean", "kring")}
# The reconnect storm needs a history to resume from and HTTP pages need Kring: no baseline.
TARGETS.update({"storm": ("kring",), "http": ("kring",)})


class LeanWorker(Worker):
    """One lean-baseline server process, started and watched like a Kring worker."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str, redis_url: str, channel: str) -> None:
        super().__init__(env, log_dir, name)
        self.redis_url = redis_url
        self.channel = channel

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "bench.baseline_server",
            "--port",
            str(self.port),
            "--redis",
            self.redis_url,
            "--channel",
            self.channel,
        ]


def raise_file_limit() -> int:
    """As many descriptors as the hard limit allows: 10,000 sockets need 10,000 of them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by every child
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scale = SCALES[args.scale]
        self.tmp = Path(tempfile.mkdtemp(prefix="kring-bench-"))
        self.redis = RedisProcess(self.tmp)
        self.database_url = ""
        self.database_name: str | None = None
        self.workers: list[Worker] = []
        self.org_path = self.tmp / "org.json"
        self.org: Organisation | None = None

    # -- set-up and tear-down -------------------------------------------------------------------

    def setup(self) -> None:
        self.redis.start()
        if self.args.database == "postgresql":
            self.database_name = f"kring_bench_{secrets.token_hex(4)}"
            asyncio.run(self._postgres(f'CREATE DATABASE "{self.database_name}"'))
            self.database_url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{self.database_name}"
        else:
            self.database_url = f"sqlite:///{self.tmp / 'bench.db'}"
        env = {**self._kring_env(), "KRING_BASE_URL": "http://127.0.0.1:1"}
        subprocess.run([sys.executable, "-m", "server", "migrate"], cwd=REPO, env=env, check=True, timeout=300)
        users = max(200, *(params["clients"] for params in self.scale.values() if "clients" in params))
        started = time.monotonic()
        self.org = asyncio.run(
            seed(
                self.database_url,
                users=users,
                hot_members=max(self.scale["hot"]["clients"], self.scale["slow"]["clients"]),
                work_members=self.scale["workday"]["clients"],
                storm_members=self.scale["storm"]["clients"],
            )
        )
        self.org.save(self.org_path)
        log(f"seeded {users} colleagues in {time.monotonic() - started:.1f}s on {self.args.database}")

    def teardown(self) -> None:
        self.stop_workers()
        with contextlib.suppress(Exception):
            self.redis.stop()
        if self.database_name is not None:
            with contextlib.suppress(Exception):
                asyncio.run(self._postgres(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)'))
        shutil.rmtree(self.tmp, ignore_errors=True)

    async def _postgres(self, statement: str) -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    def _kring_env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("KRING_")},
            "KRING_DATABASE_URL": self.database_url,
            "KRING_REDIS_URL": self.redis.url,
            "KRING_REDIS_PREFIX": "bench",
            "KRING_SECRET_KEY": SECRET,
            "KRING_VAR_DIR": str(self.tmp / "var"),
            # The bench posts as few colleagues at rates no person reaches: lift the per-person
            # limits for these processes only (the defaults stay as they are).
            "KRING_LIMIT_MESSAGES_PER_MINUTE": "1000000",
        }

    def start_workers(self, target: str) -> list[Worker]:
        self.stop_workers()
        if target == "kring":
            self.workers = [Worker(self._kring_env(), self.tmp, name=f"kring-{n}") for n in "ab"]
        else:
            env = {k: v for k, v in os.environ.items() if not k.startswith("KRING_")}
            self.workers = [LeanWorker(env, self.tmp, f"lean-{n}", self.redis.url, "bench:lean") for n in "ab"]
        for worker in self.workers:
            worker.start()
        return self.workers

    def stop_workers(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.terminate()
        self.workers = []

    # -- runs -----------------------------------------------------------------------------------

    def run(self, scenario: str, target: str) -> dict[str, Any]:
        workers = self.start_workers(target)
        params = {**self.scale[scenario]}
        spec = {
            "scenario": scenario,
            "target": target,
            "ws_urls": [w.ws_url if target == "kring" else f"ws://127.0.0.1:{w.port}/" for w in workers],
            "http_urls": [w.url for w in workers],
            "redis_url": self.redis.url,
            "lean_channel": "bench:lean",
            "server_pids": [w.process.pid for w in workers if w.process is not None],
            "org": str(self.org_path),
            "params": params,
            "timeout": 1500,
        }
        spec_path = self.tmp / f"{scenario}-{target}.spec.json"
        out_path = self.tmp / f"{scenario}-{target}.result.json"
        spec_path.write_text(json.dumps(spec))
        log(f"{scenario} on {target}: {json.dumps(params)}")
        started = time.monotonic()
        profilers = self._profile(scenario, target)
        transactions_before = self._transactions()
        driver_log = self.tmp / f"{scenario}-{target}.driver.log"
        with driver_log.open("w") as errors:
            driver = subprocess.Popen(
                [sys.executable, "-m", "bench.driver", str(spec_path), str(out_path)],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        try:
            assert driver.stdout is not None
            for line in driver.stdout:
                if line.strip() == "READY" and scenario == "storm":
                    self._restart_all(params["restart_after"])
            driver.wait(timeout=1600)
        finally:
            if driver.poll() is None:
                driver.kill()
                driver.wait()
            for profiler in profilers:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
                try:
                    profiler.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    profiler.kill()
                    profiler.wait()
        if driver.returncode != 0 or not out_path.exists():
            tails = "\n".join(w.tail(15) for w in workers)
            driver_tail = "\n".join(driver_log.read_text(errors="replace").splitlines()[-30:])
            log(f"{scenario} on {target} failed:\n{driver_tail}")
            self.stop_workers()
            return {"error": f"driver exited with {driver.returncode}", "driver_log": driver_tail, "worker_logs": tails}
        result: dict[str, Any] = json.loads(out_path.read_text())
        result["wall_s"] = round(time.monotonic() - started, 1)
        transactions_after = self._transactions()
        if transactions_before is not None and transactions_after is not None:
            # Every database session of the run is a transaction: a bound on the queries of a
            # reconnect storm that reads the log per client per topic would show here.
            result["database_transactions"] = transactions_after - transactions_before
        self.stop_workers()
        return result

    def _transactions(self) -> int | None:
        """Transactions committed or rolled back in the bench database so far (PostgreSQL)."""
        if self.database_name is None:
            return None
        time.sleep(1.5)  # the statistics collector reports about once a second

        async def read() -> int:
            conn = await asyncpg.connect(POSTGRES_URL)
            try:
                value = await conn.fetchval(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", self.database_name
                )
                return int(value or 0)
            finally:
                await conn.close()

        return asyncio.run(read())

    def _profile(self, scenario: str, target: str) -> list[subprocess.Popen[bytes]]:
        """With BENCH_PROFILE=DIR: py-spy samples every server of the run into DIR (collapsed stacks)."""
        where = os.environ.get("BENCH_PROFILE")
        binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not where or not Path(binary).exists():
            return []
        Path(where).mkdir(parents=True, exist_ok=True)
        return [
            subprocess.Popen(
                [
                    binary,
                    "record",
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--pid",
                    str(w.process.pid),
                    "-o",
                    str(Path(where) / f"{scenario}-{target}-{w.name}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for w in self.workers
            if w.process is not None
        ]

    def _restart_all(self, after: float) -> None:
        """Every worker, one after the other, as a rolling deploy does: SIGTERM, then a new process."""
        time.sleep(after)
        for worker in self.workers:
            log(f"restarting {worker.name}")
            worker.terminate()
            worker.start()


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE") or "full")
    parser.add_argument("--scenarios", default=os.environ.get("BENCH_SCENARIOS") or "hot,idle,workday,storm,slow,http")
    parser.add_argument(
        "--database", choices=["postgresql", "sqlite"], default=os.environ.get("BENCH_DATABASE") or "postgresql"
    )
    parser.add_argument("--targets", default=os.environ.get("BENCH_TARGETS") or "lean,kring")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--budget",
        type=float,
        default=float(os.environ.get("BENCH_BUDGET_MINUTES") or 0) or 120,
        help="minutes after which no further scenario starts",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SCENARIO.KEY=JSON",
        help="override a parameter, e.g. hot.clients=500",
    )
    args = parser.parse_args()
    for override in args.set:
        name, _, value = override.partition("=")
        scenario_name, _, key = name.partition(".")
        SCALES[args.scale][scenario_name][key] = json.loads(value)
    limit = raise_file_limit()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(TARGETS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit.strip(),
        "scale": args.scale,
        "database": args.database,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "nofile": limit,
            "load_before": os.getloadavg(),
        },
        "scenarios": {},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") + ("" if args.scale == "full" else f"-{args.scale}")
    json_path = args.out / f"{stem}.json"
    deadline = time.monotonic() + args.budget * 60
    bench = Bench(args)
    try:
        bench.setup()
        for scenario in scenarios:
            if time.monotonic() > deadline:
                log(f"skipping {scenario}: the time budget of {args.budget:g} minutes is spent")
                results["scenarios"][scenario] = {"skipped": f"time budget of {args.budget:g} minutes spent"}
                continue
            targets = [t for t in TARGETS[scenario] if t in args.targets.split(",")]
            results["scenarios"][scenario] = {target: bench.run(scenario, target) for target in targets}
            json_path.write_text(json.dumps(results, indent=1))  # what is done survives an interruption
    finally:
        bench.teardown()
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results["machine"]["load_after"] = os.getloadavg()
    json_path.write_text(json.dumps(results, indent=1))
    markdown = report.write(results, args.out, stem)
    log(f"wrote {json_path} and {markdown}")
    print(markdown.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
