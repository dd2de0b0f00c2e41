"""The shared Redis of the realtime tests; the processes themselves are started by `harness`."""

from __future__ import annotations

import os
import socket

import pytest

SHARED_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_shared_redis() -> str:
    host, port = "127.0.0.1", 6379
    try:
        with socket.create_connection((host, port), timeout=5):
            pass
    except OSError as exc:
        pytest.fail(
            f"Redis at {host}:{port} is not answering ({exc}); start it: "
            'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
            pytrace=False,
        )
    return SHARED_REDIS_URL
