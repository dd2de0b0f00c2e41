"""`python -m tests.trust.faulty_server serve ...`: Kring with fault hooks, for case 5.

The hooks fire only on changes whose event data carries a marker, so everything else behaves as
in production:
- `CRASH-AFTER-COMMIT`: the process dies (`os._exit`, no clean-up, like `kill -9`) the moment
  the change is committed, before its event reaches the publisher;
- `FAIL-AFTER-RECORD`: the operation fails (`Invalid`) after recording its event, inside its
  transaction, which the route then rolls back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from realtime.publisher import Publisher
from server.cli import main
from services import events
from services.errors import Invalid
from services.event_types import Event
from services.events import CommittedEvent

CRASH_AFTER_COMMIT = "CRASH-AFTER-COMMIT"
FAIL_AFTER_RECORD = "FAIL-AFTER-RECORD"

_committed = Publisher.committed
_record = events.record


def _marked(data: dict[str, Any], marker: str) -> bool:
    return marker in json.dumps(data)


def committed(self: Publisher, batch: Sequence[CommittedEvent]) -> None:
    if any(_marked(event.data, CRASH_AFTER_COMMIT) for event in batch):
        os._exit(137)
    _committed(self, batch)


async def record(db: Any, topic: str, typed: Event) -> CommittedEvent:
    event = await _record(db, topic, typed)
    if _marked(event.data, FAIL_AFTER_RECORD):
        # As a check that comes late in an operation would: the route rolls the transaction back.
        raise Invalid("fault hook: the operation fails after recording its event")
    return event


Publisher.committed = committed  # type: ignore[method-assign]
events.record = record

if __name__ == "__main__":
    raise SystemExit(main())
