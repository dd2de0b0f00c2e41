"""The trust tier (docs/reliability.md): fault, load and attack cases against real processes.

Every module here carries `pytestmark = pytest.mark.trust`; `pytest -m trust` runs the tier alone
(`make trust`). The realtime fixtures (a fresh database per test, real worker processes on the
shared or a private Redis) come from `tests/realtime/conftest.py`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tests.realtime.conftest import fresh_database, rt_backend, start_workers

__all__ = ["fresh_database", "rt_backend", "start_workers"]


@pytest.fixture(autouse=True)
def _collect_what_the_test_left() -> Iterator[None]:
    """A test that fails half-way leaves sockets open; collect them in its own teardown, so their
    ResourceWarnings are reported there and not in whichever test the collector next runs in."""
    yield
    gc.collect()
