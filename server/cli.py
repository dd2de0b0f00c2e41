"""The command line: serve, migrate, create-user, digest, seed-demo, reindex-search, make-previews,
import-drive, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from config import ConfigError, Settings, load_settings
from models import Role
from models.database import (
    DatabaseNotMigrated,
    alembic_config,
    assert_migrated,
    head_revision,
    make_engine,
    make_sessionmaker,
)
from services.errors import KringError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"kring: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        result: int = args.run(settings, args)
    except KringError as exc:
        print(f"kring: {exc.message}", file=sys.stderr)
        return 1
    except DatabaseNotMigrated as exc:
        print(f"kring: {exc}", file=sys.stderr)
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server", description="Kring, a real-time social intranet.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the web app with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)

    create = commands.add_parser("create-user", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER.value)
    create.add_argument("--password-file", type=Path, help="read the password from this file instead of a prompt")
    create.set_defaults(run=_create_user)

    digest = commands.add_parser("digest", help="send the digest mails that are due (run it from cron)")
    digest.set_defaults(run=_digest)

    seed = commands.add_parser("seed-demo", help="fill an empty database with a demo organisation (once)")
    seed.set_defaults(run=_seed_demo)

    reindex = commands.add_parser(
        "reindex-search", help="analyse every search entry's words again (after the Dutch word analysis changed)"
    )
    reindex.set_defaults(run=_reindex_search)

    previews = commands.add_parser(
        "make-previews", help="make the documents' previews (and texts) still missing, e.g. after an upgrade"
    )
    previews.set_defaults(run=_make_previews)

    drive = commands.add_parser(
        "import-drive", help="bring a group-drive folder tree in as documents, folders becoming tags"
    )
    drive.add_argument("path", type=Path, help="the folder to import")
    drive.add_argument(
        "--circle", type=int, metavar="ID", help="the circle that owns the documents (default: the organisation)"
    )
    drive.add_argument("--tag-prefix", default="", help="put this before every tag made from a folder name")
    drive.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="import as this colleague (default: the first admin)"
    )
    drive.add_argument("--json", action="store_true", help="print the summary as JSON, with every file's path")
    drive.set_defaults(run=_import_drive)

    backup = commands.add_parser(
        "backup", help="write a consistent backup (database, media files, settings) while the server runs"
    )
    backup.add_argument("path", type=Path, help="the folder to create for the backup")
    backup.set_defaults(run=_backup)

    restore = commands.add_parser("restore", help="bring a backup back into an empty installation")
    restore.add_argument("path", type=Path, help="the backup's folder")
    restore.set_defaults(run=_restore)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers > 1 and settings.redis_url is None:
        print(
            "kring: --workers above 1 needs KRING_REDIS_URL: the in-process broker cannot reach other workers",
            file=sys.stderr,
        )
        return 2
    asyncio.run(_check_migrated(settings))
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # Only the configured proxies may name the client (X-Forwarded-For); uvicorn's default
        # trusts any local process, which would let anyone on the host pick their own address.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        ws_max_size=settings.limit_ws_frame_bytes,
        ws_ping_interval=settings.realtime_ping_seconds,
        ws_ping_timeout=settings.realtime_ping_seconds,
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
        log_level="info",
    )
    return 0


async def _check_migrated(settings: Settings) -> None:
    """Say it in one line before uvicorn starts, rather than in a lifespan traceback."""
    engine = make_engine(settings.async_database_url)
    try:
        await assert_migrated(engine)
    finally:
        await engine.dispose()


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from alembic import command

    command.upgrade(alembic_config(settings.async_database_url), "head")
    print("kring: the database is up to date")
    return 0


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    if args.password_file is not None:
        password = args.password_file.read_text().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            print("kring: the passwords are not the same", file=sys.stderr)
            return 1

    async def create() -> None:
        from services import accounts

        engine = make_engine(settings.async_database_url)
        try:
            async with make_sessionmaker(engine)() as db:
                user = await accounts.create_user(
                    db, email=args.email, name=args.name, password=password, role=Role(args.role)
                )
                print(f"kring: created {user.email} ({user.role}) with id {user.id}")
        finally:
            await engine.dispose()

    asyncio.run(create())
    return 0


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    if settings.smtp_url is None:
        print("kring: set KRING_SMTP_URL to send digest mails", file=sys.stderr)
        return 2

    async def send() -> int:
        from server.digest_mail import Mailer
        from server.i18n import Catalogs
        from server.templating import Templates

        engine = make_engine(settings.async_database_url)
        try:
            await assert_migrated(engine)
            catalogs = Catalogs()
            templates = Templates(catalogs, {}, settings.timezone)
            return await Mailer(settings, make_sessionmaker(engine), catalogs, templates).send_due()
        finally:
            await engine.dispose()

    sent = asyncio.run(send())
    print(f"kring: sent {sent} digest mail{'' if sent == 1 else 's'}")
    return 0


def _reindex_search(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> int:
        from services import search

        engine = make_engine(settings.async_database_url)
        try:
            await assert_migrated(engine)
            async with make_sessionmaker(engine)() as db:
                return await search.reanalyse(db)
        finally:
            await engine.dispose()

    changed = asyncio.run(run())
    print(f"kring: {changed} search entr{'y' if changed == 1 else 'ies'} analysed anew")
    return 0


def _make_previews(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> int:
        from server import reading

        engine = make_engine(settings.async_database_url)
        try:
            await assert_migrated(engine)
            return await reading.read_all_pending(make_sessionmaker(engine), settings, previews=True)
        finally:
            await engine.dispose()

    worked = asyncio.run(run())
    print(f"kring: {worked} document version{'' if worked == 1 else 's'} read and previewed")
    return 0


def _import_drive(settings: Settings, args: argparse.Namespace) -> int:
    from server.drive_command import import_drive

    if not args.path.is_dir():
        print(f"kring: {args.path} is not a folder", file=sys.stderr)
        return 2
    return asyncio.run(
        import_drive(
            settings,
            args.path,
            circle_id=args.circle,
            tag_prefix=args.tag_prefix,
            as_email=args.as_email,
            as_json=args.json,
        )
    )


def _seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from server.demo import seed_demo
    from server.demo_data import DemoContentError

    try:
        return asyncio.run(seed_demo(settings))
    except DemoContentError as exc:
        print(f"kring: the demo content is not valid, nothing was seeded:\n{exc}", file=sys.stderr)
        return 2


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from services.backup import make_backup
    from services.backup_manifest import BackupError

    try:
        manifest = make_backup(settings, args.path)
    except BackupError as exc:
        print(f"kring: backup failed: {exc}", file=sys.stderr)
        return 1
    media = sum(1 for entry in manifest.files if entry.path.startswith("media/"))
    size = sum(entry.size for entry in manifest.files)
    print(
        f"kring: backed up the {manifest.database} database (schema {manifest.schema_revision}) and "
        f"{media} media file{'' if media == 1 else 's'}, {size / 1_048_576:.1f} MiB, into {args.path}"
    )
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from services.backup_manifest import BackupError
    from services.restore import restore

    try:
        restored = restore(settings, args.path)
    except BackupError as exc:
        print(f"kring: restore refused: {exc}", file=sys.stderr)
        return 1
    manifest = restored.manifest
    print(
        f"kring: restored the backup of {manifest.created_at} (Kring {manifest.kring_version}): the database, "
        f"now at schema {head_revision()}, and {restored.media_files} media "
        f"file{'' if restored.media_files == 1 else 's'}"
    )
    for name, then, now in restored.changed_settings:
        print(f"kring: note: {name} was {then or '(unset)'} in the backed-up installation, is {now or '(unset)'} here")
    if not restored.same_secret_key:
        print(
            "kring: note: KRING_SECRET_KEY is not the backed-up installation's: sessions and API tokens still work; "
            "remembered devices, sign-in forms open now and unsubscribe links in digest mails sent before do not"
        )
    return 0
