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
marked with `N_` so the web pages can show them translated; a message with `%(name)s` places gets
their values in `params`, filled in by `text()` after translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class KringError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = dict(params or {})

    def text(self, gettext: Callable[[str], str] | None = None) -> str:
        """The message, translated by `gettext` when given, with its params filled in."""
        template = gettext(self.message) if gettext is not None else self.message
        return template % self.params if self.params else template


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

    def __init__(self, message: str, *, retry_after: int, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message, params=params)
        self.retry_after = retry_after
