"""Real processes: Kring workers (`python -m server serve`, as production runs them), and a
redis-server of one's own, so stopping or freezing it harms no one else."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from harness.ports import STARTUP_SECONDS, HarnessError, free_port, wait_for_port

REPO = Path(__file__).resolve().parents[1]


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def manage(env: Mapping[str, str], *command: str, timeout: float = 300) -> None:
    """Run `python -m server <command>` (migrate, seed-demo) to its end, or say why it failed."""
    done = subprocess.run(
        [sys.executable, "-m", "server", *command],
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise HarnessError(f"`python -m server {' '.join(command)}` failed:\n{done.stdout}\n{done.stderr}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own http URL)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class RedisProcess:
    def __init__(self, tmp_path: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise HarnessError("redis-server is not installed: apt-get install -y redis-server")
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
        try:
            wait_for_port(self.port, what="redis-server")
        except HarnessError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


class Worker:
    """One `python -m server serve` process on a port of its own, which it keeps across restarts
    (`terminate`, then `start` again), as an operator's deploy would."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, name: str, command: list[str] | None = None) -> None:
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

    def start(self, timeout: float = STARTUP_SECONDS) -> Worker:
        """Start the process and return once its /healthz answers 200."""
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting for it: several workers then start side by side."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> Worker:
        """Return once the launched process's /healthz answers 200."""
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while not _healthy(f"{self.url}/healthz"):
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise HarnessError(f"worker {self.name} exited with {code}:\n{self.tail()}")
            if time.monotonic() > deadline:
                self.terminate()  # the caller never got it, so no one else would stop it
                raise HarnessError(f"worker {self.name} did not answer /healthz within {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.05)
        return self

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def tail(self, lines: int = 40) -> str:
        return tail(self.log, lines)
