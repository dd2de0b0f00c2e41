"""The opening of a long text for a card in the stream, so one long post does not fill a feed.

Works on the HTML the Markdown renderer made (already safe): whole top-level blocks (paragraphs,
lists, quotes) are kept until about `LIMIT` characters of text are shown, so nothing is cut inside
a list or a link. A first block longer than that on its own (a pasted wall of text) becomes a
plain-text paragraph cut at a word.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

LIMIT = 600
_VOID = frozenset({"br", "hr", "img", "input", "wbr", "source", "col", "area", "meta", "link"})


class _Blocks(HTMLParser):
    """Splits HTML into its top-level elements, with the text length of each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.ends: list[tuple[int, int, int]] = []  # (line, column, text length so far) after each block
        self.text = 0
        self.block_text: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.depth = max(self.depth - 1, 0)
        if self.depth == 0:
            line, column = self.getpos()
            self.ends.append((line, column + len(f"</{tag}>"), self.text))
            self.texts.append("".join(self.block_text))
            self.block_text = []

    def handle_data(self, data: str) -> None:
        self.text += len(data)
        self.block_text.append(data)


def _offset(source: str, line: int, column: int) -> int:
    """The index in `source` of a (1-based line, 0-based column) position."""
    lines = source.splitlines(keepends=True)
    return sum(len(text) for text in lines[: line - 1]) + column


def opening(rendered: str, limit: int = LIMIT) -> str | None:
    """The first blocks of `rendered` up to about `limit` characters of text, as HTML, or None
    when the whole text is short enough to show."""
    parser = _Blocks()
    parser.feed(rendered)
    parser.close()
    if parser.text <= limit or not parser.ends:
        return None
    kept = 0
    for line, column, text_so_far in parser.ends:
        if text_so_far > limit:
            break
        kept = _offset(rendered, line, column)
    if kept:
        return rendered[:kept]
    first = " ".join(parser.texts[0].split())
    cut = first[:limit].rsplit(" ", 1)[0] if " " in first[:limit] else first[:limit]
    return f"<p>{html.escape(cut)}…</p>"
