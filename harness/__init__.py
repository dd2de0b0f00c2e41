"""Starting Kring for the tests and the benchmark: one launcher for worker processes, a Redis
of one's own, and free ports. The product never imports it (the import contracts in
pyproject.toml forbid it); `tests/` and `bench/` both start their servers through it."""

from harness.ports import HarnessError, free_port, wait_for_port
from harness.processes import REPO, RedisProcess, Worker, manage

__all__ = ["REPO", "HarnessError", "RedisProcess", "Worker", "free_port", "manage", "wait_for_port"]
