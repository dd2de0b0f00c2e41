"""What a backup keeps out of itself and what a restore refuses to believe; the whole round trip
with a real server is tests/realtime/test_backup_live.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import load_settings
from services import backup, database_dump
from services.backup_manifest import BackupError, Entry, Manifest, read_manifest, verify
from tests.conftest import SECRET


def test_settings_env_keeps_secrets_and_this_hosts_places_out(tmp_path: Path) -> None:
    settings = load_settings(
        secret_key=SECRET,
        database_url="postgresql://kring:db-password@db.internal/kring",
        smtp_url="smtp+starttls://mailer:mail-password@smtp.example.org:587",
        metrics_token="metrics-token-that-is-long-enough-0123456789",
        oidc_issuer="https://login.example.org",
        oidc_client_id="kring",
        oidc_client_secret="oidc-client-secret",
        org_name="Welzijn Rivierenland",
        allowed_origins="https://a.example.org,https://b.example.org",
        var_dir=tmp_path,
    )
    text = backup.settings_env(settings)
    for secret in (SECRET, "db-password", "mail-password", "metrics-token", "oidc-client-secret", "db.internal"):
        assert secret not in text
    lines = text.splitlines()
    assert "KRING_ORG_NAME=Welzijn Rivierenland" in lines
    assert "KRING_OIDC_ISSUER=https://login.example.org" in lines
    assert "KRING_ALLOWED_ORIGINS=https://a.example.org,https://b.example.org" in lines
    assert "KRING_OIDC_CREATE_ACCOUNTS=false" in lines
    other_key = load_settings(secret_key=SECRET.replace("test", "TEST"), var_dir=tmp_path)
    assert backup.secret_fingerprint(settings) != backup.secret_fingerprint(other_key)
    assert SECRET not in backup.secret_fingerprint(settings)


def test_the_database_password_travels_in_the_environment_not_on_the_command_line() -> None:
    uri, env = database_dump._libpq("postgresql+asyncpg://kring:s%40cret@db.example.org:5433/kring?sslmode=require")
    assert uri == "postgresql://kring@db.example.org:5433/kring?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "media/../../x"])
def test_a_manifest_naming_a_file_outside_the_backup_is_refused(tmp_path: Path, path: str) -> None:
    manifest = Manifest("0.1.0", "0024", "sqlite", "2026-12-08T00:00:00+00:00", "0" * 16, [Entry(path, 0, "0" * 64)])
    (tmp_path / "manifest.json").write_text(manifest.to_json())
    with pytest.raises(BackupError, match="outside the backup"):
        verify(tmp_path, read_manifest(tmp_path))


def test_a_folder_without_a_readable_manifest_is_no_backup(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=r"has no manifest\.json"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(BackupError, match="cannot be read"):
        read_manifest(tmp_path)


def test_a_backup_is_never_written_into_what_it_copies(tmp_path: Path) -> None:
    settings = load_settings(secret_key=SECRET, var_dir=tmp_path, media_dir=tmp_path / "media")
    with pytest.raises(BackupError, match="inside the media folder"):
        backup.make_backup(settings, tmp_path / "media" / "backup")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.txt").write_text("an earlier backup")
    with pytest.raises(BackupError, match="already exists and is not an empty folder"):
        backup.make_backup(settings, tmp_path / "full")
