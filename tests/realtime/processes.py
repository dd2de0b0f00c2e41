"""Real processes for the realtime tests: Redis servers of their own and Kring workers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_shared_redis() -> str:
    host, port = "127.0.0.1", 6379
    try:
        with socket.create_connection((host, port), timeout=2):
            pass
    except OSError as exc:
        pytest.fail(
            f"Redis at {host}:{port} is not answering ({exc}); start it: "
            'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
            pytrace=False,
        )
    return SHARED_REDIS_URL


class RedisProcess:
    """A redis-server of a test's own, so stopping or freezing it harms no one else."""

    def __init__(self, tmp_path: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: apt-get install -y redis-server", pytrace=False)
        self.binary = binary
        self.port = free_port()
        self.log = tmp_path / f"redis-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, what="redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


def wait_for_port(port: int, *, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{what} did not listen on port {port} within {timeout}s", pytrace=False)


class Worker:
    """One `python -m server serve` process: a uvicorn worker as production runs it."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str, command: list[str] | None = None) -> None:
        self.port = free_port()
        self.name = name
        # The public URL may name another host (`{port}` is filled in); clients still connect
        # to 127.0.0.1, and send `origin` as a browser on that host would.
        self.origin = env.get("KRING_BASE_URL", "http://127.0.0.1:{port}").format(port=self.port)
        self.env = {**env, "KRING_BASE_URL": self.origin}
        # What to run instead of `python -m server` (a fault-injecting wrapper, say).
        self.program = command or [sys.executable, "-m", "server"]
        self.log = log_dir / f"worker-{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def command(self) -> list[str]:
        """What runs the worker; the benchmark's lean baseline runs another server here."""
        return [*self.program, "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self) -> Worker:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"worker {self.name} exited:\n{self.tail()}", pytrace=False)
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.terminate()  # the caller never got it, so no one else would stop it
        pytest.fail(f"worker {self.name} did not answer /healthz within 30s:\n{self.tail()}", pytrace=False)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
