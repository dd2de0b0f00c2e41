"""The organisation's branding: stored over the environment's defaults, audited, announced on
the `org` topic, refused whole when any part is wrong, and applied by every worker's cache
through the broker (two apps on one database and one Redis, as two workers)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import AuditEntry, Event, Role, User
from server.app import create_app
from server.context import AppContext
from services import branding
from services.audit import Action
from services.branding import contrast
from services.errors import Invalid, NotFound, TooLarge
from tests.realtime.processes import require_shared_redis
from tests.support import make_user

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
WAIT_SECONDS = 20.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # A Redis broker, so the second app in the last test is another worker as far as events go.
    return {"redis_url": require_shared_redis(), "redis_prefix": f"test-{secrets.token_hex(4)}"}


async def until(condition: Callable[[], bool]) -> None:
    """Wait for `condition` (events travel through the broker), for as long as a busy machine needs."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():
            await asyncio.sleep(0.01)


async def logged(db: AsyncSession, action: Action) -> list[AuditEntry]:
    rows = await db.exec(select(AuditEntry).where(AuditEntry.action == action.value).order_by(col(AuditEntry.id)))
    return list(rows.all())


async def org_events(db: AsyncSession) -> list[Event]:
    return list((await db.exec(select(Event).where(Event.topic == "org").order_by(col(Event.seq)))).all())


async def test_a_change_is_stored_audited_announced_and_a_reset_follows_the_defaults_again(
    db: AsyncSession, settings: Settings, context: AppContext
) -> None:
    """`context` is this worker; `elsewhere`, a second app on the same database and Redis, is
    another: it hears of each change only through the broker."""
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN)
    other = create_app(settings)
    async with LifespanManager(other) as manager:
        elsewhere: AppContext = manager._state["kring"]
        await _change_and_reset(db, settings, admin, (context, elsewhere))


async def _change_and_reset(
    db: AsyncSession, settings: Settings, admin: User, workers: tuple[AppContext, AppContext]
) -> None:
    for worker in workers:
        assert worker.branding.current().name == settings.org_name == "Kring"

    brand = await branding.update(
        db,
        admin,
        settings,
        name="  Welzijn   Noord ",
        color="#FFCC00",
        assistant_name="Ids",  # the default: it keeps following it
        pictures={"logo": PNG},
        address="10.0.0.7",
    )
    assert (brand.name, brand.color, brand.assistant_name) == ("Welzijn Noord", "#ffcc00", "Ids")
    assert brand.chosen == {"name", "color", "logo"}
    # A light colour is kept as chosen and shown darkened until white text on it reads.
    assert brand.darkened
    assert contrast(brand.shade, "#ffffff") >= 4.5
    assert brand.logo_url == f"/brand/logo?v={brand.revision}"
    logo = brand.picture_file(settings.media_dir, "logo")
    assert logo is not None
    assert logo.read_bytes() == PNG
    assert brand.picture_file(settings.media_dir, "favicon") == logo  # no favicon: the logo

    [entry] = await logged(db, Action.BRANDING_CHANGED)
    assert (entry.actor_id, entry.subject_type, entry.address) == (admin.id, "branding", "10.0.0.7")
    assert entry.before == {"name": None, "color": None, "logo": None}
    assert entry.after == {"name": "Welzijn Noord", "color": "#ffcc00", "logo": brand.logo}
    [event] = await org_events(db)
    assert event.kind == "branding.changed"
    assert {key: event.data[key] for key in ("name", "color", "shade", "logo")} == {
        "name": "Welzijn Noord",
        "color": "#ffcc00",
        "shade": brand.shade,
        "logo": brand.logo_url,
    }
    # Every worker's copy follows the event, without anyone installing it.
    for worker in workers:
        await until(lambda worker=worker: worker.branding.current().revision == brand.revision)
        assert worker.branding.current() == brand

    # Saving the same again changes nothing, and says nothing.
    same = await branding.update(db, admin, settings, name="Welzijn Noord", color="#ffcc00", assistant_name="Ids")
    assert same.revision == brand.revision
    assert len(await org_events(db)) == 1

    back = await branding.reset(db, admin, settings)
    assert (back.name, back.color, back.logo, back.chosen) == ("Kring", settings.org_color, None, frozenset())
    assert back.revision == brand.revision + 1
    [reset] = await logged(db, Action.BRANDING_RESET)
    assert reset.before == {"name": "Welzijn Noord", "color": "#ffcc00", "logo": brand.logo}
    assert reset.after == {"name": None, "color": None, "logo": None}
    for worker in workers:
        await until(lambda worker=worker: worker.branding.current().revision == back.revision)
        assert worker.branding.current() == back


async def test_wrong_input_is_refused_whole_and_only_admins_may_change_it(db: AsyncSession, settings: Settings) -> None:
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN)
    colleague = await make_user(db, "Cees Collega")
    good: dict[str, Any] = {"name": "Welzijn Noord", "color": "#0b6e4f", "assistant_name": "Ids"}
    refusals: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"color": "geel"}, Invalid, "color"),
        ({"color": "#ffcc0"}, Invalid, "color"),
        ({"name": "   "}, Invalid, "name"),
        ({"name": "x" * 81}, Invalid, "name"),
        ({"assistant_name": ""}, Invalid, "assistant_name"),
        ({"pictures": {"logo": b"GIF89a" + b"\x00" * 32}}, Invalid, "logo"),
        ({"pictures": {"logo": PNG, "favicon": PNG + bytes(branding.PICTURE_LIMITS["favicon"])}}, TooLarge, "favicon"),
        ({"pictures": {"assistant_picture": b"<svg onload=alert(1)>"}}, Invalid, "assistant_picture"),
    ]
    for change, error, field in refusals:
        with pytest.raises(error) as refused:
            await branding.update(db, admin, settings, **(good | change))
        assert refused.value.field == field, change
    with pytest.raises(NotFound):
        await branding.update(db, colleague, settings, **good)
    with pytest.raises(NotFound):
        await branding.reset(db, colleague, settings)

    assert await branding.current(db, settings) == branding.defaults(settings)
    assert (await db.exec(select(AuditEntry))).all() == []
    assert await org_events(db) == []
    brand_dir = Path(settings.media_dir) / branding.FOLDER
    # Checked before stored: no refused picture was kept (the first logo above was refused).
    assert not brand_dir.exists() or all(path.read_bytes() == PNG for path in brand_dir.iterdir())
