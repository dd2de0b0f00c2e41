"""What a found item's text reads as: Markdown and HTML made plain for a snippet."""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

# Raw HTML stays text (as everywhere Markdown is rendered here); nh3 then drops every tag.
_renderer = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])
# What could be Markdown or a tag at all; most chat messages and posts have none of it, and
# rendering costs some milliseconds per 10,000 characters.
_MARKUP = re.compile(r"[*_`#\[\]<>|~&\\]|^\s*(?:[-+>]|\d+[.)])\s", re.MULTILINE)
_PAGE_LINK = re.compile(r"\[\[([^\[\]\n]+)\]\]")  # [[Title]] links a knowledge page


def plain(text: str, *, markdown: bool) -> str:
    """`text` as a reader sees it, without `*`, `#`, `[…](…)` or tags; white space kept."""
    if not markdown or not _MARKUP.search(text):
        return text
    text = _PAGE_LINK.sub(r"\1", text)
    return html.unescape(nh3.clean(_renderer.render(text), tags=set()))
