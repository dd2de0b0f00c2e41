"""Photos as colleagues send them, made safe to show: checked by content (JPEG, PNG, WebP, GIF,
and HEIC as iPhones take them, read through pillow-heif's libheif), decoded by Pillow within a
pixel limit (a decompression bomb is refused before its pixels are read), turned by their EXIF
orientation, and encoded anew without any metadata, so no location or camera data ever leaves
the server. Runs in the file-work pool (`services.blocking`), never on the event loop;
`process` is pure (bytes in, bytes out).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from services.errors import N_, Invalid

# HEIC becomes one more format Pillow opens; pillow-heif turns it upright by its orientation
# itself (and leaves the orientation 1), so `exif_transpose` below does nothing more to it.
pillow_heif.register_heif_opener()

FULL_SIZE = 2048  # the lightbox's picture, its longest side in pixels
THUMB_SIZE = 480  # the grid's tiles (shown at most 240 CSS pixels wide, so sharp at 2x)
_FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "HEIF"]
_QUALITY = 85
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
NOT_A_PHOTO = N_("A photo must be a JPEG, PNG, WebP, GIF or HEIC image.")
TOO_MANY_PIXELS = N_("This photo has too many pixels.")


@dataclass(frozen=True)
class Processed:
    full: bytes
    thumb: bytes
    extension: str  # "jpg", or "webp" for a picture with transparency
    width: int
    height: int


def is_photo(data: bytes) -> bool:
    """A photo by its first bytes (never by its name): JPEG, PNG, GIF, WebP or HEIC."""
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")):
        return True
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def process(data: bytes, *, max_pixels: int) -> Processed:
    """The photo re-encoded at two sizes, upright and without metadata; `Invalid` for anything
    that is not a readable JPEG, PNG, WebP, GIF or HEIC within `max_pixels`."""
    # Pillow's own guard, for every image it opens in this process: far past the limit it
    # refuses before decoding (DecompressionBombError); the check below refuses the rest.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as opened:
            width, height = opened.size  # from the header: nothing decoded yet
            if width * height > max_pixels:
                raise Invalid(TOO_MANY_PIXELS, field="file")
            opened.seek(0)  # an animation: its first frame
            upright = ImageOps.exif_transpose(opened)
            upright.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as refused:
        raise Invalid(TOO_MANY_PIXELS, field="file") from refused
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as refused:
        raise Invalid(NOT_A_PHOTO, field="file") from refused
    transparent = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
    picture = upright.convert("RGBA" if transparent else "RGB")
    extension = "webp" if transparent else "jpg"
    full = _encode(_fit(picture, FULL_SIZE), extension)
    thumb = _encode(_fit(picture, THUMB_SIZE), extension)
    shown = _fit(picture, FULL_SIZE)
    return Processed(full, thumb, extension, shown.width, shown.height)


def _fit(picture: Image.Image, size: int) -> Image.Image:
    if max(picture.size) <= size:
        return picture
    fitted = picture.copy()
    fitted.thumbnail((size, size), Image.Resampling.LANCZOS)
    return fitted


def _encode(picture: Image.Image, extension: str) -> bytes:
    out = io.BytesIO()
    # No `exif`, `icc_profile` or `comment` is passed on: the new file carries pixels only.
    if extension == "webp":
        picture.save(out, "WEBP", quality=_QUALITY, method=4)
    else:
        picture.save(out, "JPEG", quality=_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
