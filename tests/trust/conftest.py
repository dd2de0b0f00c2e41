"""The trust tier (docs/reliability.md): fault, load and attack cases against real processes.

Every module here carries `pytestmark = pytest.mark.trust`; `pytest -m trust` runs the tier alone
(`make trust`). The realtime fixtures (a fresh database per test, real worker processes on the
shared or a private Redis) come from `tests/realtime/conftest.py`.
"""

from __future__ import annotations

from tests.realtime.conftest import collect_garbage_after, fresh_database, rt_backend, start_workers

__all__ = ["collect_garbage_after", "fresh_database", "rt_backend", "start_workers"]
