"""A document file's preview, for its page: a PDF's first pages as WebP pictures (pypdfium2,
Pillow), a DOCX as clean HTML (mammoth), an ODT as clean HTML built from its headings,
paragraphs and lists (odfpy), a text file as escaped preformatted text.

This runs on untrusted files, so only inside the sandbox (`services.sandbox`), which bounds its
time and memory; it bounds what it makes itself: at most `max_pages` pictures, each drawn at a
width for a desk and a narrower one for a phone, never taller than `_MAX_ASPECT` widths (a page
of absurd size is drawn at the scale that fits, never at its own), and at most `max_chars` of
HTML. Pictures inside a DOCX or ODT are dropped. All HTML is cleaned by nh3 (the tags of the
Markdown renderer's kind), so nothing a file holds runs in a reader's browser. A file it
cannot show raises, with a short reason.
"""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Imported here, so the sandbox's fork server holds them once and each job starts at once.
import mammoth
import nh3
import pypdfium2
from odf.namespaces import TEXTNS
from odf.opendocument import load as load_odf
from PIL import Image

from services.document_text import Unreadable

WIDTHS = (1200, 600)  # pixels: a desk's column at double density, and a phone's
_MAX_ASPECT = 3  # a page is drawn at most three widths tall
_QUALITY = 80
_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "blockquote", "pre", "code", "table", "thead", "tbody", "tr", "th", "td", "a", "hr",
}  # fmt: skip


@dataclass(frozen=True)
class PreviewLimits:
    max_pages: int = 5
    max_chars: int = 500_000  # of HTML


@dataclass
class Preview:
    """Either `pages` (per page, its WebP pictures by width) or `html`."""

    pages: list[dict[int, bytes]] = field(default_factory=list)
    html: str = ""


def make_preview(path: Path, extension: str, limits: PreviewLimits) -> Preview:
    if extension == "pdf":
        return Preview(pages=list(_pdf_pages(path, limits.max_pages)))
    if extension == "docx":
        raw = _docx(path)
    elif extension == "odt":
        raw = "".join(_odt(path))
    elif extension in {"txt", "md"}:
        with path.open("rb") as file:  # at most four bytes a character
            text = file.read(limits.max_chars).decode("utf-8", errors="replace")
        raw = f"<pre>{html.escape(text.replace(chr(0), ''))}</pre>"
    else:
        raise Unreadable("this kind of file has no preview")
    return Preview(html=clean(raw[: limits.max_chars]))


def clean(raw: str) -> str:
    """Only harmless markup: nh3 drops every other tag and attribute (and closes what a cut left
    open); links open elsewhere, without the page as referrer."""
    return nh3.clean(
        raw,
        tags=_TAGS,
        attributes={"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def _pdf_pages(path: Path, max_pages: int) -> Iterator[dict[int, bytes]]:
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise Unreadable(f"not a readable PDF: {exc}"[:300]) from exc
    try:
        for number in range(min(len(document), max_pages)):
            page = document[number]
            width, height = page.get_size()  # points
            if width <= 0 or height <= 0:
                raise Unreadable("a page of the PDF has no size")
            largest = WIDTHS[0]
            scale = min(largest / width, _MAX_ASPECT * largest / height)
            drawn = page.render(scale=scale).to_pil()
            yield {wanted: _webp(drawn, wanted) for wanted in WIDTHS}
    finally:
        document.close()


def _webp(image: Image.Image, width: int) -> bytes:
    if image.width > width:
        image = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, "WEBP", quality=_QUALITY)
    return out.getvalue()


def _no_image(image: Any) -> list[Any]:
    return []  # a picture inside the document is left out, never inlined


def _docx(path: Path) -> str:
    try:
        with path.open("rb") as file:
            result = mammoth.convert_to_html(file, convert_image=_no_image)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise Unreadable(f"not a readable DOCX file: {exc}"[:300]) from exc
    return str(result.value)


def _odt(path: Path) -> Iterator[str]:
    """Headings, paragraphs and lists in document order, their text escaped."""
    try:
        document = load_odf(str(path))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise Unreadable(f"not a readable ODT file: {exc}"[:300]) from exc

    def text_of(node: Any) -> str:
        if node.nodeType == node.TEXT_NODE:
            return str(node.data)
        if getattr(node, "qname", None) == (TEXTNS, "line-break"):
            return "\n"
        if getattr(node, "qname", None) == (TEXTNS, "s"):
            return " "
        if getattr(node, "qname", None) == (TEXTNS, "tab"):
            return "\t"
        return "".join(text_of(child) for child in getattr(node, "childNodes", ()))

    def walk(node: Any) -> Iterator[str]:
        for child in getattr(node, "childNodes", ()):
            kind = getattr(child, "qname", None)
            if kind == (TEXTNS, "h"):
                level = min(6, max(2, int(child.getAttribute("outlinelevel") or 1) + 1))
                yield f"<h{level}>{html.escape(text_of(child))}</h{level}>"
            elif kind == (TEXTNS, "p"):
                yield f"<p>{html.escape(text_of(child)).replace(chr(10), '<br>')}</p>"
            elif kind == (TEXTNS, "list"):
                yield "<ul>"
                yield from walk(child)
                yield "</ul>"
            elif kind == (TEXTNS, "list-item"):
                yield "<li>"
                yield from walk(child)
                yield "</li>"
            else:
                yield from walk(child)

    yield from walk(document.text)
