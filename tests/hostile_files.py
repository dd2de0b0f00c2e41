"""Hostile files, made small and fast by the tests that need them (none is kept in the repository).

The shapes are the ones the outside test of issue 14 sent: a zip whose `mimetype` member unpacks
to a gigabyte of zeros, a DOCX of a million empty paragraphs, a PDF whose twenty pages share one
content stream of a megabyte, and a text whose words make a `tsvector` over PostgreSQL's 1 MiB.
"""

from __future__ import annotations

import io
import random
import string
import struct
import zipfile
import zlib

MIB = 1 << 20


def zip_bomb(unpacked: int = 1 << 30, *, member: str = "mimetype", declared: int | None = None) -> bytes:
    """A zip of one member of `unpacked` zero bytes (about a thousandth of that packed). Its headers
    declare `declared` bytes instead, when given (a file that lies about its size)."""
    # Deflate after a full flush starts afresh, so a mebibyte of zeros packs to the same bytes every
    # time: pack it once and repeat it, rather than packing a gigabyte (seconds of CPU).
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(b"\0" * MIB) + packer.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(unpacked, MIB)
    tail = packer.compress(b"\0" * rest) + packer.flush()
    packed = block * blocks + tail
    crc = 0
    zeros = b"\0" * MIB
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(b"\0" * rest, crc)
    size = unpacked if declared is None else declared
    name = member.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), size, len(name), 0) + name
    central = (
        struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(packed), size, len(name), 0, 0, 0, 0, 0, 0
        )
        + name
    )
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(packed), 0)
    return local + packed + central + end


def docx_bomb(paragraphs: int = 1_000_000) -> bytes:
    """A valid DOCX (python-docx's blank document) whose body holds `paragraphs` empty paragraphs."""
    import docx

    blank = io.BytesIO()
    docx.Document().save(blank)
    out = io.BytesIO()
    with zipfile.ZipFile(blank) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                start = data.index(b"<w:body>") + len(b"<w:body>")
                data = data[:start] + b"<w:p/>" * paragraphs + data[start:]
            bomb.writestr(info.filename, data)
    return out.getvalue()


def pdf_bomb(pages: int = 20, stream_bytes: int = MIB) -> bytes:
    """A valid PDF of `pages` pages that all draw one packed content stream of `stream_bytes`
    (one character shown per seven bytes): a few kilobytes that cost pypdf seconds a page."""
    content = b"BT /F1 12 Tf 72 720 Td " + b"(a) Tj " * (stream_bytes // 7) + b"ET"
    packed = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
        *[
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
        ]
        * pages,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    return bytes(out)


def pdf_image_bomb(side: int = 30_000) -> bytes:
    """A valid one-page PDF that draws one grey picture of `side` by `side` pixels, packed from
    zeros: under a megabyte that decodes to `side` squared bytes (900 MB by default)."""
    packed = _zeros_packed(side * side, wrapped=True)
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
            % (side, side, len(packed))
            + packed
            + b"\nendstream",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        ]
    )


def _zeros_packed(size: int, *, wrapped: bool = False) -> bytes:
    """`size` zero bytes deflated, fast: after a full flush deflate starts afresh, so a mebibyte of
    zeros packs to the same bytes every time and is packed once. `wrapped`: in a zlib stream."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(b"\0" * MIB) + packer.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(size, MIB)
    packed = block * blocks + packer.compress(b"\0" * rest) + packer.flush()
    if not wrapped:
        return packed
    checksum, zeros = 1, b"\0" * MIB
    for _ in range(blocks):
        checksum = zlib.adler32(zeros, checksum)
    checksum = zlib.adler32(b"\0" * rest, checksum)
    return b"\x78\xda" + packed + struct.pack(">L", checksum)


def malformed_pdf() -> bytes:
    """A PDF's header and a broken object, then noise: no page, no cross-reference table."""
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\nstream\n" + bytes(range(256)) * 64 + b"\n%%EOF"


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of these numbered objects (the first is the catalogue), with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    return bytes(out)


def wordy_text(first_word: str, chars: int = 1_000_000, *, seed: int = 14) -> str:
    """`first_word`, then `chars` characters of words found nowhere else: web addresses with a
    path, which PostgreSQL indexes whole and as host and path too, so the words' lexemes take
    far more than 1 MiB."""
    rnd = random.Random(seed)
    letters = string.ascii_lowercase

    def word(length: int) -> str:
        return "".join(rnd.choice(letters) for _ in range(length))

    parts = [first_word]
    size = len(first_word)
    while size < chars:
        part = f"{word(5)}.{word(3)}/{word(5)}-{word(5)}"
        parts.append(part)
        size += len(part) + 1
    return " ".join(parts)[:chars]
