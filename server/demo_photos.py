"""The demo's food photos, drawn here at seed time (no downloads, nobody's rights): a bowl of
red pepper dip, a roti with curry and a tray of cake, each a plain illustration in a few
hundred pixels, encoded as JPEG and uploaded through the attachments service like any photo."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = (800, 600)
Drawing = Callable[[ImageDraw.ImageDraw, random.Random], None]


def _table(draw: ImageDraw.ImageDraw, colour: tuple[int, int, int]) -> None:
    draw.rectangle((0, 0, *SIZE), fill=colour)
    for y in range(0, SIZE[1], 40):  # planks
        draw.line((0, y, SIZE[0], y), fill=tuple(max(0, c - 18) for c in colour), width=3)


def _dip(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _table(draw, (176, 132, 96))
    draw.ellipse((150, 90, 650, 530), fill=(246, 242, 234), outline=(210, 200, 190), width=6)  # the bowl
    draw.ellipse((215, 150, 585, 470), fill=(196, 58, 38))  # muhammara
    for _ in range(40):  # walnuts and a drop of oil
        x, y = rng.randint(260, 540), rng.randint(190, 430)
        draw.ellipse((x, y, x + 14, y + 10), fill=(120, 78, 40))
    draw.ellipse((360, 270, 440, 330), fill=(214, 170, 40))
    for _ in range(12):  # parsley
        x, y = rng.randint(280, 520), rng.randint(200, 420)
        draw.ellipse((x, y, x + 9, y + 9), fill=(52, 128, 52))


def _roti(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _table(draw, (92, 120, 150))
    draw.ellipse((80, 60, 720, 560), fill=(250, 250, 248), outline=(200, 200, 200), width=5)  # the plate
    draw.ellipse((130, 110, 470, 450), fill=(226, 186, 120))  # the roti
    for _ in range(30):
        x, y = rng.randint(170, 420), rng.randint(150, 400)
        draw.ellipse((x, y, x + 18, y + 12), fill=(196, 142, 74))
    draw.ellipse((400, 240, 680, 500), fill=(214, 150, 40))  # chicken curry
    for _ in range(14):
        x, y = rng.randint(440, 620), rng.randint(270, 450)
        draw.rounded_rectangle((x, y, x + 34, y + 24), radius=8, fill=(236, 208, 160))
    for _ in range(10):  # kousenband
        x, y = rng.randint(430, 630), rng.randint(260, 460)
        draw.line((x, y, x + 40, y + rng.randint(-10, 10)), fill=(60, 130, 50), width=6)


def _cake(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _table(draw, (222, 206, 180))
    draw.rounded_rectangle((90, 110, 710, 500), radius=24, fill=(190, 190, 196))  # the tray
    for column in range(4):
        for row in range(3):
            x, y = 130 + column * 145, 150 + row * 115
            draw.rounded_rectangle((x, y, x + 120, y + 90), radius=10, fill=(214, 160, 82))
            draw.rectangle((x, y, x + 120, y + 22), fill=(120, 70, 36))  # chocolate on top
            if rng.random() < 0.5:
                draw.ellipse((x + 48, y + 2, x + 68, y + 18), fill=(200, 30, 60))  # a cherry


DRAWINGS: dict[str, Drawing] = {"dip": _dip, "roti": _roti, "cake": _cake}


def draw(name: str, variant: int = 0) -> bytes:
    """One demo photo as JPEG; the same name and variant always give the same picture."""
    picture = Image.new("RGB", SIZE)
    DRAWINGS[name](ImageDraw.Draw(picture), random.Random(f"{name}:{variant}"))  # noqa: S311 (a drawing, not a secret)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()
