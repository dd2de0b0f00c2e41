"""Tag names: tags replace folders, so "Personeelszaken" and "personeelszaken " are one tag."""

from __future__ import annotations

from collections.abc import Iterable

MAX_TAG = 60


def clean(name: str) -> str:
    """A tag as kept: lower case, single spaces, no leading '#', at most 60 characters."""
    return " ".join(name.replace("#", " ").split()).casefold()[:MAX_TAG].strip()


def clean_all(names: Iterable[str]) -> list[str]:
    """Cleaned, without empties and repeats, in the order given."""
    seen: dict[str, None] = {}
    for name in names:
        if tag := clean(name):
            seen.setdefault(tag, None)
    return list(seen)


def parse(value: str) -> list[str]:
    """Tags typed in one field, separated by commas."""
    return clean_all(value.split(","))
