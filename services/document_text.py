"""The text of a document file, for search: PDF (pypdf), DOCX (python-docx), ODT (odfpy), text.

This runs on untrusted files, so only inside the sandbox (`services.sandbox`), which bounds its
time and memory; it bounds what it reads itself: at most `max_pages` pages of a PDF, and it stops
once it holds `max_chars` characters (the text is cut there). A file it cannot read raises, with
a short reason.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Imported here, so the sandbox's fork server holds them once and each reader starts at once.
import docx
from docx.table import Table
from odf import teletype
from odf.namespaces import TEXTNS
from odf.opendocument import load as load_odf
from pypdf import PdfReader


class Unreadable(Exception):
    pass


@dataclass(frozen=True)
class TextLimits:
    max_pages: int = 1000
    max_chars: int = 1_000_000


def read_text(path: Path, extension: str, limits: TextLimits) -> str:
    """The text of one file, at most `limits.max_chars` characters (without NUL)."""
    if extension == "pdf":
        parts = _pdf(path, limits.max_pages)
    elif extension == "docx":
        parts = _docx(path)
    elif extension == "odt":
        parts = _odt(path)
    elif extension in {"txt", "md"}:
        with path.open("rb") as file:  # at most four bytes a character
            parts = iter([file.read(4 * limits.max_chars).decode("utf-8", errors="replace")])
    else:
        return ""
    return _joined(parts, limits.max_chars)


def _joined(parts: Iterable[str], max_chars: int) -> str:
    """The parts one to a line, empty ones left out, until `max_chars` is reached: later parts
    are never read."""
    kept: list[str] = []
    size = 0
    for part in parts:
        part = part.replace("\x00", "")
        if not part.strip():
            continue
        kept.append(part[: max_chars - size])
        size += len(kept[-1]) + 1
        if size >= max_chars:
            break
    return "\n".join(kept)[:max_chars]


def _pdf(path: Path, max_pages: int) -> Iterator[str]:
    reader = PdfReader(path)
    if reader.is_encrypted:
        raise Unreadable("the PDF is encrypted")
    for number, page in enumerate(reader.pages):
        if number >= max_pages:
            return
        yield page.extract_text() or ""


def _docx(path: Path) -> Iterator[str]:
    document = docx.Document(str(path))
    for block in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Table):
            for row in block.rows:
                yield from (cell.text for cell in row.cells)
        else:
            yield block.text


def _odt(path: Path) -> Iterator[str]:
    try:
        document = load_odf(str(path))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise Unreadable(f"not a readable ODT file: {exc}"[:300]) from exc
    wanted = {(TEXTNS, "h"), (TEXTNS, "p")}

    def walk(node: Any) -> Iterator[str]:  # headings and paragraphs in document order
        for child in getattr(node, "childNodes", ()):
            if getattr(child, "qname", None) in wanted:
                yield teletype.extractText(child)
            else:
                yield from walk(child)

    yield from walk(document.text)
