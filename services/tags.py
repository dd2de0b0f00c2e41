"""Tag names: tags replace folders, so "Personeelszaken" and "personeelszaken " are one tag."""

from __future__ import annotations

from collections.abc import Iterable

from services.errors import N_, Invalid

MAX_TAG = 60
MAX_PER_ITEM = 20  # tags on one document or page: past that they stop helping anyone find it


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


def for_item(names: Iterable[str]) -> list[str]:
    """`clean_all` for the tags of one document or page; more than `MAX_PER_ITEM` is `Invalid`."""
    cleaned = clean_all(names)
    if len(cleaned) > MAX_PER_ITEM:
        raise Invalid(N_("Give an item at most 20 tags."), field="tags")
    return cleaned


def parse(value: str) -> list[str]:
    """Tags typed in one field, separated by commas."""
    return clean_all(value.split(","))
