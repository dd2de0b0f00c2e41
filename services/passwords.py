"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile: 64 MiB, t=3, p=4).

One hash or verification takes tens to hundreds of milliseconds and 64 MiB. It never runs on the
event loop: `hash_password` and `verify_password` hand it to a pool of `HASHING_THREADS` threads
(argon2-cffi releases the GIL while hashing), so a burst of sign-ins queues there while the loop
goes on answering every other request and socket, and a worker never holds more than
`HASHING_THREADS` × 64 MiB for hashing however many sign-ins arrive at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.errors import N_, Invalid

MIN_PASSWORD_LENGTH = 10
# Each hash already runs its four lanes in threads of its own; two at a time keep both cores of
# a small server busy during a burst, and bound the memory to 128 MiB.
HASHING_THREADS = 2
_hasher = PasswordHasher()
_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="kring-argon2")
# Verifying against this when the account does not exist costs the same time as a real check,
# so response times do not reveal which addresses have accounts. Written out rather than hashed
# at import, which cost every process a third of a second of CPU at start; it must carry the
# hasher's parameters (a test checks `needs_rehash` is false for it).
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$6KYsysxeGwnXuYY6HuNp5A$BNqEHsSWRjGG9QJmJrgBM55ZmU79+MtK0mdZJwoVwl0"
T = TypeVar("T")


async def hash_password(password: str) -> str:
    check_strength(password)
    return await _off_the_loop(_hasher.hash, password)


async def rehash(password: str) -> str:
    """A hash with today's parameters for a password that was accepted under older ones."""
    return await _off_the_loop(_hasher.hash, password)


def hash_blocking(password: str) -> str:
    """`hash_password` for commands and test fixtures that have no event loop to keep free."""
    check_strength(password)
    return _hasher.hash(password)


def check_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(N_("A password needs at least 10 characters."), field="password")


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (no such account) it costs the same and is False."""
    return await _off_the_loop(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def _off_the_loop(work: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool, work, *args)
