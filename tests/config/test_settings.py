"""Settings come from the environment once; a bad one stops start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, Mode, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_defaults_are_a_dutch_sqlite_development_setup(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path)
    assert settings.mode is Mode.DEVELOPMENT
    assert settings.locale == "nl"
    assert settings.database_url == "sqlite:///var/kring.db"
    assert settings.async_database_url == "sqlite+aiosqlite:///var/kring.db"
    assert settings.redis_url is None


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KRING_DATABASE_URL", "postgresql://kring@db.internal/kring")
    monkeypatch.setenv("KRING_ALLOWED_ORIGINS", "https://app.example.org, http://localhost:5173")
    monkeypatch.setenv("KRING_ORG_NAME", "Welzijn Rivierenland")
    monkeypatch.setenv("KRING_LIMIT_LOGIN_PER_ACCOUNT", "7")
    settings = load_settings(var_dir=tmp_path)
    assert settings.async_database_url == "postgresql+asyncpg://kring@db.internal/kring"
    assert settings.allowed_origins == ("https://app.example.org", "http://localhost:5173")
    assert settings.trusted_origins == {"http://127.0.0.1:8000", "https://app.example.org", "http://localhost:5173"}
    assert settings.org_name == "Welzijn Rivierenland"
    assert settings.limit_login_per_account == 7


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("KRING_ORG_COLOR", "red", "KRING_ORG_COLOR: must be a colour like #0b6e4f"),
        ("KRING_DATABASE_URL", "mysql://x/y", "KRING_DATABASE_URL: must start with sqlite:// or postgresql://"),
        ("KRING_REDIS_URL", "http://x", "KRING_REDIS_URL: must start with redis://"),
        ("KRING_BASE_URL", "intranet", "KRING_BASE_URL: must be an absolute http(s) URL"),
        ("KRING_ALLOWED_ORIGINS", "https://x.org/path", "KRING_ALLOWED_ORIGINS: 'https://x.org/path' is not an origin"),
        ("KRING_LOCALE", "de", "KRING_LOCALE: must be one of nl, en"),
        ("KRING_SECRET_KEY", "short", "KRING_SECRET_KEY: must be at least 32 characters"),
        ("KRING_LIMIT_LOGIN_PER_ADDRESS", "0", "KRING_LIMIT_LOGIN_PER_ADDRESS:"),
        ("KRING_TIMEZONE", "Mars/Olympus", "KRING_TIMEZONE: 'Mars/Olympus' is not a time zone"),
        ("KRING_ORG_LOGO", "/nonexistent/logo.png", "KRING_ORG_LOGO: /nonexistent/logo.png is not a file"),
        ("KRING_LIMIT_STATEMENT_SECONDS", "0", "KRING_LIMIT_STATEMENT_SECONDS:"),
        ("KRING_LIMIT_EXTRACT_MEMORY_BYTES", "1000000", "KRING_LIMIT_EXTRACT_MEMORY_BYTES:"),
        ("KRING_LIMIT_EXTRACT_WALL_SECONDS", "5", "KRING_LIMIT_EXTRACT_WALL_SECONDS must be at least"),
        ("KRING_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal", "KRING_TRUSTED_PROXIES: 'proxy.internal' is not an"),
        ("KRING_METRICS_ADDRESSES", "10.0.0.0/33", "KRING_METRICS_ADDRESSES: '10.0.0.0/33' is not an"),
        ("KRING_METRICS_TOKEN", "short", "KRING_METRICS_TOKEN: must be at least 32 characters"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(var_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_proxies_and_metrics_readers_are_networks_and_trust_nobody_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert load_settings(var_dir=tmp_path).trusted_proxies == ()
    monkeypatch.setenv("KRING_TRUSTED_PROXIES", "10.1.2.3, 192.168.0.0/16,::1")
    monkeypatch.setenv("KRING_METRICS_ADDRESSES", "10.9.0.0/255.255.0.0")
    settings = load_settings(var_dir=tmp_path)
    assert settings.trusted_proxies == ("10.1.2.3/32", "192.168.0.0/16", "::1/128")
    assert settings.metrics_addresses == ("10.9.0.0/16",)


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KRING_MODE", "production")
    with pytest.raises(ConfigError, match="KRING_SECRET_KEY is required"):
        load_settings(var_dir=tmp_path)
    monkeypatch.setenv("KRING_SECRET_KEY", "x" * 40)
    assert load_settings(var_dir=tmp_path).secret == b"x" * 40


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(var_dir=tmp_path).secret
    second = load_settings(var_dir=tmp_path).secret
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_cli_stops_with_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "KRING_ORG_COLOR": "groen", "KRING_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "server", "migrate"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kring: configuration error: KRING_ORG_COLOR: must be a colour like #0b6e4f, not 'groen'"
    ]


def test_a_sign_on_setup_that_cannot_work_stops_start_up(tmp_path: Path) -> None:
    client = {"oidc_issuer": "https://login.example.org", "oidc_client_id": "kring", "oidc_client_secret": "s"}
    for overrides, expected in [
        ({"oidc_issuer": "http://login.example.org"}, "KRING_OIDC_ISSUER: must be an https URL"),
        ({"oidc_issuer": "https://login.example.org"}, "KRING_OIDC_ISSUER needs KRING_OIDC_CLIENT_ID"),
        ({"oidc_only": True}, "KRING_OIDC_ONLY needs KRING_OIDC_ISSUER"),
        ({**client, "oidc_only": True}, "KRING_OIDC_ONLY needs KRING_OIDC_BREAK_GLASS_EMAIL"),
        ({"oidc_scopes": "email profile"}, "KRING_OIDC_SCOPES: must include openid"),
    ]:
        with pytest.raises(ConfigError) as caught:
            load_settings(var_dir=tmp_path, **overrides)
        assert str(caught.value).startswith(expected)


def test_sign_on_only_keeps_a_password_for_the_break_glass_admin_alone(tmp_path: Path) -> None:
    settings = load_settings(
        var_dir=tmp_path,
        oidc_issuer="https://login.microsoftonline.com/tenant/v2.0/",
        oidc_client_id="kring",
        oidc_client_secret="secret",
        oidc_only=True,
        oidc_break_glass_email="Beheer@Rivierenland.example",
    )

    assert settings.oidc_issuer == "https://login.microsoftonline.com/tenant/v2.0"
    assert settings.password_allowed(" beheer@rivierenland.example")
    assert not settings.password_allowed("anna@rivierenland.example")
    assert load_settings(var_dir=tmp_path).password_allowed("anna@rivierenland.example")
