"""The data exports' runner: the lifespan's background task that makes each asked-for zip.

Woken after a request commits (`Outbox.wake_exporter`), and looking every `LOOK_EVERY` seconds
for exports left behind by a stopped worker and for zips whose time is up (`data_export`).
Each export is made in this task, one after another: a zip is file work, and one worker making
several at once would only share the same disk. Several workers may run it; the claim in
`data_export.claim` lets one make each export.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from models.database import SessionMaker
from services import data_export

log = logging.getLogger("kring.exporting")

LOOK_EVERY = 300.0  # seconds


class Exporter:
    def __init__(self, sessions: SessionMaker, media_dir: Path) -> None:
        self._sessions = sessions
        self._media_dir = media_dir
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="kring-exporter")

    def wake(self) -> None:
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> int:
        """Make every waiting export and delete the expired zips; how many this worker made."""
        made = 0
        async with self._sessions() as db:
            await data_export.expire_due(db, self._media_dir)
            for export_id in await data_export.waiting(db):
                try:
                    made += await data_export.prepare(db, export_id, self._media_dir)
                except Exception:
                    log.exception("export %s failed; it is tried again once its claim is stale", export_id)
                    await db.rollback()
        return made

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=LOOK_EVERY)
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("looking for data exports failed")
