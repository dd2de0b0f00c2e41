"""What the lifespan owns and every request reaches: one `AppContext` per process."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import HTTPConnection

from config import Settings
from models.database import SessionMaker
from realtime.hub import Hub
from server.i18n import Catalogs
from server.templating import Templates
from services.branding import BrandingCache
from services.extraction import Extractor
from services.oidc import OidcClient
from services.throttle import LoginLimits


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: AsyncEngine
    db: SessionMaker
    catalogs: Catalogs
    templates: Templates
    hub: Hub
    extractor: Extractor
    branding: BrandingCache
    sign_on: OidcClient | None = None  # the organisation's OpenID provider, when configured

    @property
    def login_limits(self) -> LoginLimits:
        s = self.settings
        return LoginLimits(s.limit_login_per_account, s.limit_login_per_address, s.limit_login_window_seconds)


def app_context(conn: HTTPConnection) -> AppContext:
    """The process's context, put in the lifespan state by `server.app`."""
    context = conn.state.kring
    assert isinstance(context, AppContext)
    return context
