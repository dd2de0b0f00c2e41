"""The one error tree of Kring's operations.

    KringError
    ├── Unauthenticated   no (valid) credentials
    ├── PermissionDenied  known user, not allowed
    ├── NotFound          does not exist, or is invisible to this user
    ├── Conflict          clashes with current state (duplicate, last admin leaving)
    ├── Invalid           the input is wrong; `field` names the culprit when there is one
    ├── TooLarge          the input is over a size limit
    └── RateLimited       too many attempts; `retry_after` in seconds

`server/` maps these to HTTP statuses and `realtime/` to error frames. Messages are English and
marked with `N_` so the web pages can show them translated.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class KringError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthenticated(KringError):
    code = "unauthenticated"


class PermissionDenied(KringError):
    code = "forbidden"


class NotFound(KringError):
    code = "not_found"


class Conflict(KringError):
    code = "conflict"


class Invalid(KringError):
    code = "invalid"


class TooLarge(KringError):
    code = "too_large"


class RateLimited(KringError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
