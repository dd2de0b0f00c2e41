"""Ports on 127.0.0.1: one the kernel has just handed out, and waiting for one to listen."""

from __future__ import annotations

import socket
import time


class HarnessError(RuntimeError):
    """A process the harness started did not come up (its log's tail is in the message)."""


# Generous: on a shared two-core machine a Python process with Kring's imports can take many
# seconds to start while other test runs are busy, and a start that fails is a failed test.
STARTUP_SECONDS = 120.0


def free_port() -> int:
    """A port nothing listens on now. Another process may take it before the caller binds it,
    which the kernel makes unlikely: it hands ports out in turn, not the most recent again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, what: str, timeout: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise HarnessError(f"{what} did not listen on port {port} within {timeout:.0f} s")
