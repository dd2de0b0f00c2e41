"""The organisation's branding: its name, colour, logo and favicon, and its assistant's name and
picture (the first organisation calls it "Ids"), as administrators set them in the console.

One row (`models.Branding`) holds what was chosen; a field left unset, or set to what the
environment says, follows the environment (`KRING_ORG_NAME`, `KRING_ORG_COLOR`,
`KRING_ORG_LOGO`), and `reset` returns every field to it. Every change is audited and recorded
as `branding.changed` on the `org` topic in the same unit of work.

Pages read the branding from this worker's `BrandingCache`, never from the database per
request: the realtime hub hands the cache every event of the `org` topic that reaches this
worker through the broker (and those it fills from the log after a missed publish), and a
`branding.changed` makes it read the row again.

The colour is kept as chosen and shown darkened where it must be (`readable`): white text on it
and it as text on the page both reach WCAG AA (4.5:1).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import update as sql_update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import Branding, User, UserKind
from models.base import utcnow
from models.branding import BRANDING_ROW
from models.database import SessionMaker
from services import access, audit, event_types, events, images
from services.errors import N_, Invalid, TooLarge
from services.transactions import writes

log = logging.getLogger("kring.branding")

WHITE = "#ffffff"
# The page's lightest background (kring.css --paper): brand-coloured text and links sit on it.
PAPER = "#f5f6f7"
MIN_CONTRAST = 4.5
MAX_NAME = 80
MAX_ASSISTANT_NAME = 40
DEFAULT_ASSISTANT_NAME = "Ids"
FOLDER = "brand"
# Each picture's size limit, in bytes.
PICTURE_LIMITS = {"logo": 1_048_576, "favicon": 262_144, "assistant_picture": 1_048_576}
PICTURES = tuple(PICTURE_LIMITS)
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOO_LARGE = {
    "logo": N_("The logo is larger than %(limit)s."),
    "favicon": N_("The favicon is larger than %(limit)s."),
    "assistant_picture": N_("The assistant's picture is larger than %(limit)s."),
}


def _luminance(color: str) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@functools.cache
def readable(color: str) -> str:
    """The organisation's colour, darkened in small steps until white text on it and it as text on
    the page are readable: an organisation may choose a light colour such as #ffcc00."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    shade = color
    for step in range(101):
        factor = 1 - step / 100
        shade = f"#{round(red * factor):02x}{round(green * factor):02x}{round(blue * factor):02x}"
        if contrast(shade, PAPER) >= MIN_CONTRAST:
            break
    return shade


@dataclass(frozen=True)
class Brand:
    """The branding in effect: what was chosen, else the environment's default."""

    revision: int
    name: str
    color: str  # as chosen; pages use `shade`
    logo: str | None  # a stored picture's name; None: the default logo, if any
    favicon: str | None
    assistant_name: str
    assistant_picture: str | None
    default_logo: Path | None = None
    chosen: frozenset[str] = field(default_factory=frozenset)  # the fields not following the defaults

    @property
    def shade(self) -> str:
        """The colour as pages show it (`readable`)."""
        return readable(self.color)

    @property
    def darkened(self) -> bool:
        return self.shade != self.color

    @property
    def contrast_with_white(self) -> float:
        return contrast(self.color, WHITE)

    @property
    def shade_contrast(self) -> float:
        return contrast(self.shade, WHITE)

    @property
    def has_logo(self) -> bool:
        return self.logo is not None or self.default_logo is not None

    @property
    def logo_url(self) -> str | None:
        return f"/brand/logo?v={self.revision}" if self.has_logo else None

    @property
    def favicon_url(self) -> str:
        """The favicon chosen, else the logo, else Kring's own."""
        if self.favicon is not None or self.has_logo:
            return f"/brand/favicon?v={self.revision}"
        return "/static/img/kring.svg"

    @property
    def assistant_picture_url(self) -> str | None:
        return f"/brand/assistant?v={self.revision}" if self.assistant_picture else None

    def picture_file(self, media_dir: Path, which: str) -> Path | None:
        """The file behind `which` ("logo", "favicon", "assistant_picture"): the stored picture,
        for the logo and favicon else the default logo; None when there is none."""
        name = {"logo": self.logo, "favicon": self.favicon, "assistant_picture": self.assistant_picture}[which]
        if name is not None:
            return images.path_of(media_dir, FOLDER, name)
        if which == "favicon" and self.logo is not None:
            return images.path_of(media_dir, FOLDER, self.logo)
        if which in {"logo", "favicon"}:
            return self.default_logo
        return None

    def event(self) -> event_types.BrandingChanged:
        return event_types.BrandingChanged(
            revision=self.revision,
            name=self.name,
            color=self.color,
            shade=self.shade,
            logo=self.logo_url,
            favicon=self.favicon_url,
            assistant_name=self.assistant_name,
            assistant_picture=self.assistant_picture_url,
        )


def defaults(settings: Settings) -> Brand:
    """The branding the environment gives."""
    logo = Path(settings.org_logo) if settings.org_logo else None
    return Brand(0, settings.org_name, settings.org_color, None, None, DEFAULT_ASSISTANT_NAME, None, logo)


def _effective(row: Branding | None, settings: Settings) -> Brand:
    base = defaults(settings)
    if row is None:
        return base
    chosen = frozenset(
        name
        for name in ("name", "color", "logo", "favicon", "assistant_name", "assistant_picture")
        if getattr(row, name) is not None
    )
    return Brand(
        revision=row.revision,
        name=row.name or base.name,
        color=row.color or base.color,
        logo=row.logo,
        favicon=row.favicon,
        assistant_name=row.assistant_name or base.assistant_name,
        assistant_picture=row.assistant_picture,
        default_logo=base.default_logo,
        chosen=chosen,
    )


async def current(db: AsyncSession, settings: Settings) -> Brand:
    """The branding in effect, read from the database (pages use `BrandingCache`)."""
    return _effective(await db.get(Branding, BRANDING_ROW), settings)


def _text(value: str, limit: int, *, field: str, empty: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise Invalid(empty, field=field)
    if len(value) > limit or _CONTROL.search(value):
        raise Invalid(N_("Use at most %(limit)s characters."), field=field, params={"limit": limit})
    return value


def _color(value: str) -> str:
    value = value.strip()
    if not _HEX_COLOR.fullmatch(value):
        raise Invalid(N_("Choose a colour written as # and six hexadecimal digits, such as #0b6e4f."), field="color")
    return value.lower()


def size_text(limit: int) -> str:
    """A size limit as people read it: 256 KB, 1 MB."""
    return f"{limit // 1024} KB" if limit < 1_048_576 else f"{limit // 1_048_576} MB"


async def _store_picture(which: str, data: bytes, media_dir: Path) -> str:
    limit = PICTURE_LIMITS[which]
    if len(data) > limit:
        raise TooLarge(_TOO_LARGE[which], field=which, params={"limit": size_text(limit)})
    try:
        return await images.store(data, media_dir=media_dir, folder=FOLDER, max_bytes=limit)
    except Invalid as refused:
        raise Invalid(refused.message, field=which, params=refused.params) from None


async def update(
    db: AsyncSession,
    actor: User,
    settings: Settings,
    *,
    name: str,
    color: str,
    assistant_name: str,
    pictures: dict[str, bytes] | None = None,
    remove: frozenset[str] = frozenset(),
    address: str = "",
) -> Brand:
    """Set the branding: a text equal to the environment's default follows the default from now
    on; a picture given replaces the one kept, one named in `remove` goes back to the default.
    Nothing changes when anything is refused. The pictures are checked by content and stored
    before the unit of work begins, so no file work holds the database."""
    access.ensure_org_admin(actor)
    base = defaults(settings)
    wanted: dict[str, str | None] = {
        "name": _text(name, MAX_NAME, field="name", empty=N_("Give the organisation a name.")),
        "color": _color(color),
        "assistant_name": _text(
            assistant_name, MAX_ASSISTANT_NAME, field="assistant_name", empty=N_("Give the assistant a name.")
        ),
    }
    for key, default in (("name", base.name), ("color", base.color), ("assistant_name", base.assistant_name)):
        if wanted[key] == default:
            wanted[key] = None
    for which in PICTURES:
        if which in remove:
            wanted[which] = None
    for which, data in (pictures or {}).items():
        if data:
            wanted[which] = await _store_picture(which, data, settings.media_dir)
    return await _save(db, actor, settings, wanted, audit.Action.BRANDING_CHANGED, address)


@writes
async def reset(db: AsyncSession, actor: User, settings: Settings, *, address: str = "") -> Brand:
    """Every field back to the environment's default."""
    access.ensure_org_admin(actor)
    cleared: dict[str, str | None] = dict.fromkeys(("name", "color", "assistant_name", *PICTURES))
    return await _save(db, actor, settings, cleared, audit.Action.BRANDING_RESET, address)


@writes
async def _save(
    db: AsyncSession,
    actor: User,
    settings: Settings,
    wanted: dict[str, str | None],
    action: audit.Action,
    address: str,
) -> Brand:
    row = await db.get(Branding, BRANDING_ROW, with_for_update=True) or Branding()
    before = {key: getattr(row, key) for key in wanted}
    changed = {key: value for key, value in wanted.items() if before[key] != value}
    if not changed:
        return _effective(row, settings)
    for key, value in changed.items():
        setattr(row, key, value)
    row.revision += 1
    row.updated_at = utcnow()
    row.updated_by = actor.id
    db.add(row)
    await db.flush()
    brand = _effective(row, settings)
    if "assistant_name" in changed:  # the assistant's account carries its name (`services.assistant`)
        await db.exec(sql_update(User).where(col(User.kind) == UserKind.ASSISTANT).values(name=brand.assistant_name))
    await audit.record(
        db,
        action,
        actor=actor,
        subject=audit.Subject("branding", BRANDING_ROW, brand.name),
        before={key: before[key] for key in changed},
        after=changed,
        address=address,
    )
    await events.record(db, events.ORG_TOPIC, brand.event())
    return brand


class BrandingCache:
    """This worker's copy of the branding in effect, so a page costs no query for it.

    Guarantees: `current` never waits. `changed` (which the hub calls for every event of the
    `org` topic this worker processes, in order, and with None after the log was reset) marks the
    copy stale, and one task reads the row again; a change while it reads makes it read once
    more, so the copy ends at the newest committed branding. `install` puts a branding this
    worker just committed in place at once, unless the copy is already as new.
    """

    RETRY_SECONDS = 1.0

    def __init__(self, db: SessionMaker, settings: Settings) -> None:
        self._db = db
        self._settings = settings
        self._brand = defaults(settings)
        self._stale = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._load()
        self._task = asyncio.create_task(self._reload_forever(), name="kring-branding")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def current(self) -> Brand:
        return self._brand

    def changed(self, kind: str | None) -> None:
        if kind is None or kind == event_types.BrandingChanged.KIND:
            self._stale.set()

    def install(self, brand: Brand) -> None:
        if brand.revision > self._brand.revision:
            self._brand = brand

    async def _load(self) -> None:
        async with self._db() as db:
            self._brand = await current(db, self._settings)

    async def _reload_forever(self) -> None:
        while True:
            await self._stale.wait()
            self._stale.clear()
            try:
                await self._load()
            except Exception:
                log.exception("could not read the branding; trying again")
                self._stale.set()
                await asyncio.sleep(self.RETRY_SECONDS)
