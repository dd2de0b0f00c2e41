"""Pictures pasted or dropped into the text of news, a blog post or a knowledge page.

Each is checked by its content (PNG, JPEG or WebP by its first bytes, then decoded), drawn
again into a fresh file of the same type, so nothing but pixels survives: no EXIF (place, camera,
owner), no comments, no trailing bytes (a JPEG's orientation is applied to the pixels first, so
the picture still stands upright). The new file is kept through `services.images` under
"inline", named by its hash, and the Markdown that shows it is handed back.

Decoding is bounded: the picture's size is read from its header before any pixel is decoded,
and one over `MAX_PIXELS` is refused, so a small file that unpacks to gigabytes never does.
It runs in the file-work pool (`services.blocking`), never on the event loop.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from services import images
from services.blocking import run_blocking
from services.errors import N_, Invalid

FOLDER = "inline"
URL_PREFIX = f"/media/{FOLDER}/"
# The URLs the Markdown renderer lets through as images: ours, and only ours.
URL = re.compile(re.escape(URL_PREFIX) + images.NAME.pattern)
MAX_PIXELS = 40_000_000  # a 50-megapixel phone photo is refused; 40 MP is 8000x5000
_FORMATS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}


@dataclass(frozen=True)
class Stored:
    url: str
    markdown: str  # `![alt](url)`, to put in the text


async def store(data: bytes, *, alt: str, media_dir: Path, max_bytes: int) -> Stored:
    """Check, redraw and keep a picture; `Invalid` (field "picture") says why one is refused."""
    if not data:
        raise Invalid(N_("Choose a picture to upload."), field="picture")
    if len(data) > max_bytes:
        raise Invalid(N_("The picture is too large."), field="picture")
    kind = images.image_type(data)
    if kind is None:
        raise Invalid(N_("A picture must be a PNG, JPEG or WebP image."), field="picture")
    clean = await run_blocking(redraw, data, kind)
    # The redrawn file may be a little larger than the original; it is ours, so the limit is the upload's.
    name = await images.store(clean, media_dir=media_dir, folder=FOLDER, max_bytes=max(max_bytes, len(clean)))
    url = URL_PREFIX + name
    return Stored(url, f"![{_alt_text(alt)}]({url})")


def redraw(data: bytes, kind: str) -> bytes:
    """The picture's pixels in a new file of type `kind`, without its metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_FORMATS[kind]]) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise Invalid(N_("The picture has too many pixels."), field="picture")
                opened.load()
                upright = ImageOps.exif_transpose(opened)
                pixels = _without_metadata(upright)
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own bound, met first
        raise Invalid(N_("The picture has too many pixels."), field="picture") from None
    except (OSError, ValueError, SyntaxError):
        raise Invalid(N_("The picture could not be read."), field="picture") from None
    out = io.BytesIO()
    if kind == "jpg":
        pixels.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif kind == "webp":
        pixels.save(out, "WEBP", quality=88)
    else:
        pixels.save(out, "PNG", optimize=True)
    return out.getvalue()


def _without_metadata(picture: Image.Image) -> Image.Image:
    """A copy holding only pixels (and a palette): `info` (EXIF, XMP, ICC, text chunks) left behind."""
    if picture.mode not in {"1", "L", "LA", "P", "RGB", "RGBA"}:
        picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
    fresh = Image.new(picture.mode, picture.size)
    if picture.mode == "P" and (palette := picture.getpalette()) is not None:
        fresh.putpalette(palette)
        if "transparency" in picture.info:
            fresh.info["transparency"] = picture.info["transparency"]
    fresh.paste(picture)
    return fresh


def _alt_text(alt: str) -> str:
    """The description as Markdown's alt text: one line, no brackets that would end it. The
    editor sends the file's name or "picture" in the writer's language; the writer can change it
    in the text."""
    return " ".join(re.sub(r"[\[\]\\]", "", alt).split())[:200]
