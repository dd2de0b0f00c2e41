"""`python -m server import-drive PATH`: the drive import with a progress bar and a summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from tqdm import tqdm

from config import Settings
from models import Role, User
from models.database import assert_migrated, make_engine, make_sessionmaker
from server import reading
from services import accounts, drive_import


async def import_drive(
    settings: Settings,
    root: Path,
    *,
    circle_id: int | None = None,
    tag_prefix: str = "",
    as_email: str | None = None,
    as_json: bool = False,
) -> int:
    engine = make_engine(settings.async_database_url)
    try:
        await assert_migrated(engine)
        sessions = make_sessionmaker(engine)
        async with sessions() as db:
            user = await _importer(db, as_email)
            if user is None:
                print("kring: no such colleague to import as; give --as EMAIL of an editor or admin", file=sys.stderr)
                return 2
            total = sum(1 for _ in drive_import.walk(root))
            # A bar on a terminal only; nothing in a pipe or a log.
            with tqdm(total=total, unit="file", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:

                def advance(path: str) -> None:
                    bar.set_postfix_str(path[-40:], refresh=False)
                    bar.update(1)

                report = await drive_import.import_drive(
                    db,
                    user,
                    root,
                    media_dir=settings.media_dir,
                    max_bytes=settings.limit_document_bytes,
                    circle_id=circle_id,
                    tag_prefix=tag_prefix,
                    progress=advance,
                )
        # The text is read now, so every document is searchable when the command returns.
        await reading.read_all_pending(sessions, settings)
    finally:
        await engine.dispose()
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(_summary(report))
    return 0


async def _importer(db: AsyncSession, as_email: str | None) -> User | None:
    if as_email:
        return await accounts.find_by_email(db, as_email)
    return (
        await db.exec(select(User).where(User.role == Role.ADMIN, col(User.is_active).is_(True)).order_by(col(User.id)))
    ).first()


def _summary(report: drive_import.Report) -> str:
    lines = [
        f"kring: imported {len(report.imported)} documents, {len(report.duplicates)} duplicates stored once, "
        f"{len(report.unchanged)} already imported, {len(report.skipped)} skipped"
    ]
    for entry in report.duplicates:
        lines.append(f"  duplicate: {entry['path']} (same as {entry['same_as'] or 'an earlier upload'})")
    for entry in report.skipped:
        reason = drive_import.REASONS.get(entry["reason"], entry["reason"])
        lines.append(f"  skipped: {entry['path']} ({reason})")
    return "\n".join(lines)
