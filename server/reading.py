"""Reading documents' text and making their previews, set up from the settings: the sandbox's
limits, the text's and the previews'.

The web process (its lifespan owns the sandbox), the drive import and the demo share these."""

from __future__ import annotations

from config import Settings
from models.database import SessionMaker
from services import extraction
from services.document_preview import PreviewLimits
from services.document_text import TextLimits
from services.sandbox import Limits, Sandbox


def open_sandbox(settings: Settings) -> Sandbox:
    """Close it when done: `close()` stops the readers still running."""
    limits = Limits(
        cpu_seconds=settings.limit_extract_cpu_seconds,
        wall_seconds=settings.limit_extract_wall_seconds,
        memory_bytes=settings.limit_extract_memory_bytes,
        processes=settings.extract_processes,
    )
    return Sandbox(limits, preload=extraction.PRELOAD)


def text_limits(settings: Settings) -> TextLimits:
    return TextLimits(max_pages=settings.limit_extract_pages)


def preview_limits(settings: Settings) -> PreviewLimits:
    return PreviewLimits(max_pages=settings.limit_preview_pages)


async def read_all_pending(sessions: SessionMaker, settings: Settings, *, previews: bool = False) -> int:
    """Read every pending document's text now (the commands that import documents wait for it,
    so what they bring in is searchable when they return), and with `previews` make every
    pending preview too (`make-previews`; the importing commands leave them to the server's
    runner, which makes them in the background); returns how many versions it worked on."""
    sandbox = open_sandbox(settings)
    done = 0
    shown = preview_limits(settings) if previews else None
    try:
        while found := await extraction.extract_pending(
            sessions, settings.media_dir, sandbox, text_limits(settings), preview_limits=shown
        ):
            done += found
    finally:
        sandbox.close()
    return done
