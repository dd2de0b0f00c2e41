"""Pictures and documents for the attachment tests, made here (no downloads): a JPEG with a GPS
position and an orientation in its EXIF, as a phone writes it, and a DOCX with known words."""

from __future__ import annotations

import io
import struct
import zlib

import pillow_heif
from docx import Document as DocxDocument
from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
RED = (220, 30, 30)
BLUE = (30, 30, 220)


def phone_photo(width: int = 60, height: int = 30, *, format: str = "JPEG") -> bytes:
    """A landscape JPEG (or HEIC, as an iPhone takes it) whose left half is red and right half
    blue, with EXIF orientation 6 (the camera was turned: show it rotated 90° clockwise) and a
    GPS position in Utrecht."""
    picture = Image.new("RGB", (width, height), BLUE)
    picture.paste(RED, (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Telefoonmerk"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 5.0, 30.0)
    gps[3] = "E"
    gps[4] = (5.0, 7.0, 10.0)
    out = io.BytesIO()
    if format == "HEIF":
        pillow_heif.register_heif_opener()
        picture.save(out, "HEIF", quality=95, exif=exif.tobytes())
    else:
        picture.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def png(width: int = 8, height: int = 8, colour: tuple[int, int, int] = (40, 160, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header declares far more pixels than any photo (the pixels themselves are
    never there: it is refused before they would be read)."""
    header = bytearray(png())
    struct.pack_into(">II", header, 16, width, height)  # IHDR's width and height
    struct.pack_into(">I", header, 29, zlib.crc32(bytes(header[12:29])))  # and its checksum, made anew
    return bytes(header)


def broken_heic() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def docx(*paragraphs: str) -> bytes:
    document = DocxDocument()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
