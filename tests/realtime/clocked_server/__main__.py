"""`python -m tests.realtime.clocked_server serve ...`: a Kring worker whose Ids care and chat retention run by a
clock the test sets: the ISO time in the file `TEST_CLOCK_FILE` (the real time while it is
empty). Each reading appends the worker's pid to `<file>.reads`, so a test can wait until every
worker has begun a run after a change, which is how it knows a run saw it. A package with a
`__main__`, so the sandbox's processes do not run this module again."""

import os
from datetime import datetime
from pathlib import Path

from models.base import utcnow
from server.cli import main
from services import care_schedule, chat_retention

_FILE = Path(os.environ["TEST_CLOCK_FILE"])


def _test_clock() -> datetime:
    text = _FILE.read_text().strip() if _FILE.exists() else ""
    with _FILE.with_name(_FILE.name + ".reads").open("a") as reads:
        reads.write(f"{os.getpid()}\n")
    return datetime.fromisoformat(text) if text else utcnow()


care_schedule.clock = _test_clock
chat_retention.clock = _test_clock
raise SystemExit(main())
