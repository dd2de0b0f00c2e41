"""Pictures pasted into news, a blog post or a knowledge page (issue 19): checked by content,
drawn again without EXIF, shown by the renderer only from Kring's own store, and served to
signed-in colleagues only."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from services import inline_images, markdown, posts
from services.errors import Invalid
from tests.support import BASE_URL, Visitor, make_user

GPS_IFD = 0x8825


def photo_with_exif() -> bytes:
    """A JPEG as a phone makes it: with the camera, its owner and where it was taken."""
    picture = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "Telefoonmaker"  # Make
    exif[0x013B] = "Anna de Vries"  # Artist
    exif[GPS_IFD] = {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (4.0, 53.0, 10.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, comment=b"thuisadres")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height`: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = zlib.compress(b"\x00" * 1024)
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat


async def test_a_pasted_photo_is_kept_without_its_exif_and_shown_in_the_news(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    original = photo_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()  # the test's photo does carry EXIF
    editor = await make_user(db, role=Role.EDITOR)
    browser = await new_visitor()
    await browser.sign_in(editor)
    uploaded = await browser.http.post(
        "/api/v1/markdown/images",
        files={"picture": ("IMG_2041.jpg", original, "image/jpeg")},
        data={"alt": "Het nieuwe buurthuis"},
        headers={"Origin": BASE_URL, "X-CSRF-Token": browser.csrf},
    )
    assert uploaded.status_code == 201, uploaded.text
    url = uploaded.json()["url"]
    assert uploaded.json()["markdown"] == f"![Het nieuwe buurthuis]({url})"

    served = await browser.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    kept = Image.open(io.BytesIO(served.content))
    assert kept.format == "JPEG"
    assert kept.size == (64, 48)
    assert not kept.getexif()
    assert "exif" not in kept.info
    assert b"Anna de Vries" not in served.content
    assert b"thuisadres" not in served.content

    # What is no picture is refused, saying why and which field.
    refused = await browser.http.post(
        "/api/v1/markdown/images",
        files={"picture": ("photo.png", b"not a picture at all", "image/png")},
        headers={"Origin": BASE_URL, "X-CSRF-Token": browser.csrf},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "picture"

    # Behind sign-in, as every picture of the intranet.
    stranger = await new_visitor()
    assert (await stranger.get(url)).status_code != 200

    news = await posts.create_news(db, editor, title="Buurthuis", body=f"Kijk:\n\n{uploaded.json()['markdown']}")
    assert f'<img src="{url}" alt="Het nieuwe buurthuis"' in news.html


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "Choose a picture"),
        (b"<svg onload=alert(1)>", "PNG, JPEG or WebP"),
        (b"GIF89a" + b"\x00" * 64, "PNG, JPEG or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "could not be read"),
        (png_claiming(20_000, 20_000), "too many pixels"),
    ],
)
async def test_what_is_no_picture_is_refused_by_its_content(data: bytes, why: str, tmp_path: Path) -> None:
    with pytest.raises(Invalid, match=why):
        await inline_images.store(data, alt="x", media_dir=tmp_path, max_bytes=1 << 20)
    assert not (tmp_path / "inline").exists() or not any((tmp_path / "inline").iterdir())


def test_only_krings_own_pictures_are_shown() -> None:
    name = "ab" * 32
    html = markdown.to_safe_html(
        f"![ons](/media/inline/{name}.png) ![spion](https://elders.example/p.png?wie=anna) "
        f"![avatar](/media/avatars/{name}.png) ![list](/media/inline/{name}.png?x=1)"
    )
    assert html.count("<img") == 1
    assert f'src="/media/inline/{name}.png"' in html
    assert "elders.example" not in html
