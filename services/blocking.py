"""Blocking file work off the event loop: hashing, type detection and writing of uploads.

A small pool of threads of its own, so a burst of large uploads waits here, two at a time,
rather than in the event loop (which would stall every socket of the worker) or in the loop's
default pool (which others use too). What runs here is bounded work on the bytes of one upload;
parsing a file's contents is the sandbox's (`services.sandbox`), in processes of its own.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
THREADS = 2
_pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="kring-files")


async def run_blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` in the file-work pool; its exceptions are raised here."""
    return await asyncio.get_running_loop().run_in_executor(_pool, functools.partial(function, *args, **kwargs))
