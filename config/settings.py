"""The one place that reads the environment.

`load_settings()` is called once by the composition root (the CLI or the app factory); everything
else receives the resulting `Settings`. A bad value stops start-up with `ConfigError`, whose message
is one line naming the variable and the reason.
"""

from __future__ import annotations

import enum
import ipaddress
import re
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "KRING_"
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_MIN_SECRET_LENGTH = 32
SUPPORTED_LOCALES = ("nl", "en")


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line for the operator."""


class Mode(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


# The longest chat retention, of the organisation or a circle: a century. Longer is keeping
# forever, which leaving it unset says; the bound keeps a period within what every database
# column and date sum can hold.
MAX_RETENTION_DAYS = 36500


class Settings(BaseSettings):
    """Every knob of a Kring process. Field names map to `KRING_<NAME>` variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    mode: Mode = Mode.DEVELOPMENT
    var_dir: Path = Path("var")
    database_url: str = "sqlite:///var/kring.db"
    redis_url: str | None = None
    redis_prefix: str = Field(default="kring", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    secret_key: SecretStr | None = None
    base_url: str = "http://127.0.0.1:8000"
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR ranges);
    # from anyone else those headers are ignored, so a client cannot pick its own address.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    # Who may read /metrics: clients from these ranges, or anyone sending this Bearer token.
    metrics_addresses: Annotated[tuple[str, ...], NoDecode] = ()
    metrics_token: SecretStr | None = None
    media_dir: Path = Path("var/media")
    smtp_url: str | None = None
    mail_from: str = "Kring <kring@localhost>"
    digest_enabled: bool = False  # send digests from the server process, not only from cron
    digest_hour: int = Field(default=7, ge=0, le=23)
    digest_check_seconds: float = Field(default=300.0, gt=0)
    org_name: str = "Kring"
    org_color: str = "#0b6e4f"
    org_logo: str | None = None
    locale: str = "nl"
    timezone: str = "Europe/Amsterdam"

    session_days: int = Field(default=14, ge=1, le=365)
    invitation_days: int = Field(default=7, ge=1, le=90)  # how long an invitation link works
    reset_minutes: int = Field(default=60, ge=5, le=1440)  # how long a password-reset link works
    limit_login_per_account: int = Field(default=5, ge=1)
    limit_login_per_address: int = Field(default=30, ge=1)
    limit_login_window_seconds: int = Field(default=900, ge=1)
    limit_request_bytes: int = Field(default=1_048_576, ge=1024)
    limit_avatar_bytes: int = Field(default=2_097_152, ge=1024)
    limit_cover_bytes: int = Field(default=5_242_880, ge=1024)
    # A picture pasted or dropped into the text of news, a blog post or a knowledge page.
    limit_inline_image_bytes: int = Field(default=10_485_760, ge=1024)
    limit_document_bytes: int = Field(default=52_428_800, ge=1024)
    # Photos and files on posts, comments and chat: each file as uploaded, how many one item
    # carries, and a photo's pixels (more is refused as a decompression bomb before decoding).
    limit_attachment_bytes: int = Field(default=20_971_520, ge=1024)
    limit_attachments_per_item: int = Field(default=10, ge=1, le=50)
    limit_photo_pixels: int = Field(default=40_000_000, ge=10_000)
    limit_message_chars: int = Field(default=4_000, ge=10)
    limit_messages_per_minute: int = Field(default=30, ge=1)
    limit_ws_frame_bytes: int = Field(default=65_536, ge=1024)
    limit_ws_queue: int = Field(default=1_000, ge=10)
    limit_ws_ops_per_second: float = Field(default=20.0, gt=0)
    limit_sockets_per_user: int = Field(default=16, ge=1)
    limit_statement_seconds: float = Field(default=10.0, gt=0, le=3600)
    limit_extract_cpu_seconds: int = Field(default=30, ge=1, le=3600)
    limit_extract_wall_seconds: float = Field(default=120.0, gt=0, le=7200)
    limit_extract_memory_bytes: int = Field(default=1_073_741_824, ge=268_435_456)
    limit_extract_pages: int = Field(default=1_000, ge=1)
    # A document's preview on its page: the first pages of a PDF drawn as pictures (in the same
    # sandbox and under the same limits as reading its text).
    limit_preview_pages: int = Field(default=5, ge=1, le=50)
    # The group-drive import in the console: a zip's size as uploaded and all its files unpacked
    # (each file is held to limit_document_bytes too), and the folder on the server it may name.
    limit_import_bytes: int = Field(default=1_073_741_824, ge=1024)
    limit_import_unpacked_bytes: int = Field(default=4_294_967_296, ge=1024)
    import_root: Path | None = None
    extract_processes: int = Field(default=2, ge=1, le=32)

    # Ids's care (services/care_schedule.py): how often each worker looks for what is due, the
    # days before unconfirmed must-read news gets its one reminder, and the Monday hour (in
    # `timezone`) of the circles' weekly round-up.
    ids_care_check_seconds: float = Field(default=300.0, gt=0)
    ids_welcome: bool = True  # Ids welcomes each colleague on their first sign-in
    ids_must_read_days: int = Field(default=3, ge=1, le=60)
    ids_roundup_hour: int = Field(default=8, ge=0, le=23)
    # Chat retention (services/chat_retention.py, docs/data-rights.md): messages older than this
    # many days are deleted, everywhere; unset keeps them. A circle's admins may only set fewer.
    chat_retention_days: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)
    chat_retention_check_seconds: float = Field(default=3600.0, gt=0)
    # Single sign-on with the organisation's OpenID provider (docs/sign-on.md). Set the issuer to
    # switch it on; the client id and secret are the ones the provider registered for Kring.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_provider_name: str = "je organisatie"  # the login button: "Inloggen met <name>"
    oidc_scopes: str = "openid email profile"
    oidc_create_accounts: bool = False  # a colleague unknown to Kring gets an account on first sign-in
    oidc_team_claim: str = ""  # the ID token claim holding a colleague's team (empty: not taken)
    oidc_job_title_claim: str = ""
    # The claim that says the provider checked the address; Entra ID calls it xms_edov.
    oidc_email_verified_claim: str = Field(default="email_verified", min_length=1)
    oidc_only: bool = False  # passwords off for everyone but the break-glass admin
    oidc_break_glass_email: str | None = None
    oidc_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    realtime_history_seconds: int = Field(default=86_400, ge=60)
    realtime_history_events: int = Field(default=5_000, ge=100)
    realtime_sync_seconds: float = Field(default=2.0, gt=0)
    realtime_ping_seconds: float = Field(default=20.0, gt=0)
    realtime_presence_seconds: float = Field(default=5.0, gt=0)
    realtime_presence_ttl_seconds: float = Field(default=30.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = urlsplit(value).scheme.split("+")[0]
        if scheme not in {"sqlite", "postgresql", "postgres"}:
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _known_smtp(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"smtp", "smtps", "smtp+starttls"} or not parts.hostname:
            raise ValueError("must look like smtp://host:25, smtp+starttls://user:pass@host:587 or smtps://host:465")
        return value

    @field_validator("base_url")
    @classmethod
    def _absolute_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL such as https://kring.example.org")
        return value.rstrip("/")

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        origins = tuple(str(item).rstrip("/") for item in value)
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
                raise ValueError(f"{origin!r} is not an origin such as https://app.example.org")
        return origins

    @field_validator("trusted_proxies", "metrics_addresses", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        networks = []
        for item in value:
            try:
                networks.append(str(ipaddress.ip_network(str(item), strict=False)))
            except ValueError:
                raise ValueError(f"{item!r} is not an address or a range such as 10.0.0.0/8") from None
        return tuple(networks)

    @field_validator("metrics_token")
    @classmethod
    def _long_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and len(value.get_secret_value()) < _MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {_MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("org_color")
    @classmethod
    def _hex_color(cls, value: str) -> str:
        if not _HEX_COLOR.fullmatch(value):
            raise ValueError(f"must be a colour like #0b6e4f, not {value!r}")
        return value.lower()

    @field_validator("locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone such as Europe/Amsterdam") from None
        return value

    @field_validator("org_logo")
    @classmethod
    def _logo_file(cls, value: str | None) -> str | None:
        if not value:
            return None
        path = Path(value)
        if not path.is_file():
            raise ValueError(f"{value} is not a file")
        if path.suffix.lower() not in {".png", ".svg", ".jpg", ".jpeg", ".webp"}:
            raise ValueError("must be a .png, .svg, .jpg or .webp file")
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < _MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {_MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError("must be an https URL such as https://login.microsoftonline.com/<tenant>/v2.0")
        if not parts.netloc or parts.query or parts.fragment:
            raise ValueError("must be the provider's issuer URL, without ?query or #fragment")
        return value.rstrip("/")

    @field_validator("oidc_client_id", "oidc_break_glass_email")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("oidc_scopes")
    @classmethod
    def _openid_scope(cls, value: str) -> str:
        scopes = value.replace(",", " ").split()
        if "openid" not in scopes:
            raise ValueError("must include openid, such as 'openid email profile'")
        return " ".join(scopes)

    @field_validator("oidc_team_claim", "oidc_job_title_claim", "oidc_provider_name", "oidc_email_verified_claim")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _sign_on_complete(self) -> Settings:
        if self.oidc_issuer is None:
            if self.oidc_only:
                raise ValueError("KRING_OIDC_ONLY needs KRING_OIDC_ISSUER: there is no provider to sign in with")
            return self
        if self.oidc_client_id is None or not self.oidc_client_secret or not self.oidc_client_secret.get_secret_value():
            raise ValueError(
                "KRING_OIDC_ISSUER needs KRING_OIDC_CLIENT_ID and KRING_OIDC_CLIENT_SECRET, "
                "as the provider registered Kring"
            )
        if self.oidc_only and (self.oidc_break_glass_email is None or "@" not in self.oidc_break_glass_email):
            raise ValueError(
                "KRING_OIDC_ONLY needs KRING_OIDC_BREAK_GLASS_EMAIL: the admin who can still sign in with a "
                "password when the provider is down"
            )
        return self

    @model_validator(mode="after")
    def _digest_needs_mail(self) -> Settings:
        if self.digest_enabled and self.smtp_url is None:
            raise ValueError("KRING_DIGEST_ENABLED needs KRING_SMTP_URL: there is no mail server to send through")
        return self

    @model_validator(mode="after")
    def _extraction_wall_after_cpu(self) -> Settings:
        if self.limit_extract_wall_seconds < self.limit_extract_cpu_seconds:
            raise ValueError(
                "KRING_LIMIT_EXTRACT_WALL_SECONDS must be at least KRING_LIMIT_EXTRACT_CPU_SECONDS: "
                "a reader is stopped by the clock before it may use its CPU time"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.mode is Mode.PRODUCTION and self.secret_key is None:
            raise ValueError("KRING_SECRET_KEY is required when KRING_MODE=production")
        return self

    @property
    def secret(self) -> bytes:
        """The secret key; `load_settings` guarantees it is set."""
        if self.secret_key is None:
            raise ConfigError("KRING_SECRET_KEY is not set")
        return self.secret_key.get_secret_value().encode()

    @property
    def async_database_url(self) -> str:
        """The configured URL with the async driver SQLAlchemy needs for it."""
        scheme, _, rest = self.database_url.partition("://")
        base = scheme.split("+")[0]
        if base == "sqlite":
            return f"sqlite+aiosqlite://{rest}"
        return f"postgresql+asyncpg://{rest}"

    @property
    def sign_on_enabled(self) -> bool:
        return self.oidc_issuer is not None

    def password_allowed(self, email: str) -> bool:
        """Whether a password may sign `email` in: always, unless sign-on only is on, where only
        the break-glass admin keeps one."""
        if not self.oidc_only:
            return True
        return email.strip().lower() == (self.oidc_break_glass_email or "").lower()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def own_origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def trusted_origins(self) -> frozenset[str]:
        return frozenset((self.own_origin, *self.allowed_origins))


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (plus explicit overrides, for tests) into `Settings`.

    In development an unset secret key is generated once and kept in `var/secret_key`, so
    sessions survive a restart without anyone having to invent a secret.
    """
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    if settings.secret_key is None:
        settings = settings.model_copy(update={"secret_key": SecretStr(_dev_secret(settings.var_dir))})
    return settings


def _dev_secret(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    reason = str(error["msg"]).removeprefix("Value error, ")
    if not field:
        return reason
    return f"{ENV_PREFIX}{field.upper()}: {reason}"
