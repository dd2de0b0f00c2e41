"""Documents: uploaded files with a title, description, tags, an owner, a responsible colleague
and a "review by" date; every upload of a new file is a new version, and old ones stay.

Reading follows the owner: the organisation's documents are for every colleague; a circle's
follow the circle as posts do (anyone for an open circle, members otherwise), and a document
someone may not read does not exist for them (`NotFound`). Adding an organisation document takes
an editor or admin; a circle document, membership. Changing a document (details, new versions)
is for whoever could add it, its creator and its responsible colleague; deleting it for its
creator, an admin of its circle, or an organisation admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Audience,
    Circle,
    CircleKind,
    Document,
    DocumentVersion,
    Extraction,
    ItemKind,
    MemberRole,
    Membership,
    Role,
    SearchItem,
    User,
)
from models.base import utcnow
from services import files, previews, search
from services import tags as tag_names
from services.access import ensure_editor, ensure_not_archived, sql_can_read_item, sql_member, standing, writable_circle
from services.errors import N_, Invalid, NotFound, PermissionDenied
from services.transactions import Outbox, require, writes

MAX_TITLE = 200
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    source_path: str | None = None  # where the drive import found it


def readable_by(user: User) -> ColumnElement[bool]:
    """SQL condition: `user` may read the document (the rule in the module docstring)."""
    return sql_can_read_item(user, col(Document.circle_id))


async def access_document(db: AsyncSession, user: User, document_id: int) -> Document:
    document = (await db.exec(select(Document).where(col(Document.id) == document_id, readable_by(user)))).first()
    if document is None:
        raise NotFound(N_("No such document."))
    return document


def is_overdue(document: Document, today: date | None = None) -> bool:
    """Past its "review by" date: readers and its responsible colleague see it flagged."""
    return document.review_by is not None and document.review_by < (today or utcnow().date())


async def _may_add(db: AsyncSession, user: User, circle_id: int | None) -> None:
    if circle_id is None:
        if user.role not in {Role.EDITOR, Role.ADMIN}:
            raise PermissionDenied(N_("Only editors may add documents for the whole organisation."))
        return
    await writable_circle(db, user, circle_id, N_("Join the circle to add documents to it."))


@dataclass
class Owners:
    """Where a colleague may add a document: the organisation (`_may_add`: editors and admins) and
    the circles they may write in. A form offers these and nothing else."""

    organisation: bool
    circles: list[Circle]


async def owners_for(db: AsyncSession, user: User) -> Owners:
    mine = (
        await db.exec(
            select(Circle)
            .where(sql_member(user, col(Circle.id)), col(Circle.kind) != CircleKind.DIRECT)
            .order_by(col(Circle.name))
        )
    ).all()
    writable = [circle for circle in mine if (await standing(db, user, circle.id or 0)).can_write]
    return Owners(organisation=user.role in {Role.EDITOR, Role.ADMIN}, circles=writable)


async def _may_change(db: AsyncSession, user: User, document: Document) -> None:
    await ensure_not_archived(db, user, document.circle_id)
    if user.id in {document.created_by, document.responsible_id} or user.role is Role.ADMIN:
        return
    await _may_add(db, user, document.circle_id)


async def _may_delete(db: AsyncSession, user: User, document: Document) -> None:
    if user.id == document.created_by or user.role is Role.ADMIN:
        return
    if document.circle_id is not None:
        membership = (
            await db.exec(
                select(Membership).where(Membership.circle_id == document.circle_id, Membership.user_id == user.id)
            )
        ).first()
        if membership is not None and membership.role is MemberRole.ADMIN:
            return
    raise PermissionDenied(N_("Only the one who added it or an admin may delete this document."))


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise Invalid(N_("A title is required."), field="title")
    if len(title) > MAX_TITLE:
        raise Invalid(N_("The title is too long."), field="title")
    return title


def _clean_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(N_("The description is too long."), field="description")
    return description


async def _check_responsible(db: AsyncSession, responsible_id: int | None) -> None:
    if responsible_id is None:
        return
    user = await db.get(User, responsible_id)
    if user is None or not user.is_active:
        raise Invalid(N_("No such colleague."), field="responsible_id")


@writes
async def create_document(
    db: AsyncSession,
    user: User,
    upload: Upload,
    *,
    media_dir: Path,
    max_bytes: int,
    title: str = "",
    description: str = "",
    tags: Sequence[str] = (),
    circle_id: int | None = None,
    responsible_id: int | None = None,
    review_by: date | None = None,
) -> Document:
    """A new document with its first version. Its text is extracted later (`services.extraction`);
    until then it is found by its title, description and tags."""
    await _may_add(db, user, circle_id)
    await _check_responsible(db, responsible_id)
    filename = files.safe_filename(upload.filename)
    document = Document(
        title=_clean_title(title or filename.rsplit(".", 1)[0]),
        description=_clean_description(description),
        circle_id=circle_id,
        responsible_id=responsible_id,
        review_by=review_by,
        created_by=user.id or 0,
    )
    stored = await files.store(db, upload.data, media_dir=media_dir, max_bytes=max_bytes, filename=filename)
    db.add(document)
    await db.flush()
    assert document.id is not None
    _add_version(db, _version(document.id, 1, stored, filename, user, upload.source_path))
    await _index(db, document, tag_names.for_item(tags))
    return document


def _version(
    document_id: int, number: int, stored: files.Stored, filename: str, user: User, source_path: str | None
) -> DocumentVersion:
    return DocumentVersion(
        document_id=document_id,
        number=number,
        file=stored.name,
        sha256=stored.sha256,
        filename=filename,
        content_type=stored.type.content_type,
        size=stored.size,
        uploaded_by=user.id or 0,
        source_path=source_path,
        extraction=Extraction.PENDING if stored.type.extractable else Extraction.NONE,
        preview=previews.state_for(stored.name),
    )


def _add_version(db: AsyncSession, version: DocumentVersion) -> None:
    db.add(version)
    if Extraction.PENDING in {version.extraction, version.preview}:
        require(db).then(Outbox.wake_extractor)  # its text is read, its preview made, once it is committed


@writes
async def add_version(
    db: AsyncSession, user: User, document_id: int, upload: Upload, *, media_dir: Path, max_bytes: int
) -> DocumentVersion:
    """A new current file for the document; the earlier versions stay downloadable."""
    document = await access_document(db, user, document_id)
    await _may_change(db, user, document)
    filename = files.safe_filename(upload.filename)
    stored = await files.store(db, upload.data, media_dir=media_dir, max_bytes=max_bytes, filename=filename)
    latest = (
        await db.exec(select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document_id))
    ).one()
    version = _version(document_id, (latest or 0) + 1, stored, filename, user, upload.source_path)
    _add_version(db, version)
    document.updated_at = utcnow()
    db.add(document)
    await db.flush()
    await _index(db, document, await tags_of(db, document_id))
    return version


@writes
async def update_document(
    db: AsyncSession,
    user: User,
    document_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
    responsible_id: int | None = None,
    clear_responsible: bool = False,
    review_by: date | None = None,
    clear_review_by: bool = False,
) -> Document:
    document = await access_document(db, user, document_id)
    await _may_change(db, user, document)
    if title is not None:
        document.title = _clean_title(title)
    if description is not None:
        document.description = _clean_description(description)
    if responsible_id is not None or clear_responsible:
        await _check_responsible(db, responsible_id)
        document.responsible_id = responsible_id
    if review_by is not None or clear_review_by:
        document.review_by = review_by
    document.updated_at = utcnow()
    db.add(document)
    await _index(db, document, tag_names.for_item(tags) if tags is not None else await tags_of(db, document_id))
    return document


# "Still right" moves the review date this far on: a year, as most teams review yearly.
REVIEW_AGAIN = timedelta(days=365)


async def may_change(db: AsyncSession, user: User, document: Document) -> bool:
    try:
        await _may_change(db, user, document)
    except (PermissionDenied, NotFound):
        return False
    return True


@writes
async def confirm_current(db: AsyncSession, user: User, document_id: int, *, today: date | None = None) -> Document:
    """Its owner says the document is still right: reviewed today, due again in a year."""
    document = await access_document(db, user, document_id)
    await _may_change(db, user, document)
    document.review_by = (today or utcnow().date()) + REVIEW_AGAIN
    document.archived_at = None
    document.updated_at = utcnow()
    db.add(document)
    return document


@writes
async def archive_document(db: AsyncSession, user: User, document_id: int) -> Document:
    """No longer current: kept, found and read as archived, and no longer due for review."""
    document = await access_document(db, user, document_id)
    await _may_change(db, user, document)
    document.archived_at = document.archived_at or utcnow()
    document.review_by = None
    document.updated_at = utcnow()
    db.add(document)
    return document


@writes
async def mark_for_newcomers(db: AsyncSession, user: User, document_id: int, *, on: bool, team: str = "") -> Document:
    """Editors mark a document for new colleagues (all, or one team's): Ids's welcome names it."""
    ensure_editor(user)
    document = await access_document(db, user, document_id)
    document.for_newcomers = on
    document.newcomer_team = team.strip()[:120] if on else ""
    db.add(document)
    return document


async def delete_document(db: AsyncSession, user: User, document_id: int, *, media_dir: Path) -> None:
    """The document and its versions go, and then each of their files that no other version
    refers to (versions with the same content share one file)."""
    names = await _delete_document(db, user, document_id)
    await files.collect(db, media_dir, names)


@writes
async def _delete_document(db: AsyncSession, user: User, document_id: int) -> list[str]:
    document = await access_document(db, user, document_id)
    await _may_delete(db, user, document)
    names = list((await db.exec(select(DocumentVersion.file).where(DocumentVersion.document_id == document_id))).all())
    await search.unindex(db, ItemKind.DOCUMENT, document_id)
    await db.delete(document)
    return names


async def versions(db: AsyncSession, user: User, document_id: int) -> list[DocumentVersion]:
    """Newest first."""
    await access_document(db, user, document_id)
    return list(
        (
            await db.exec(
                select(DocumentVersion)
                .where(DocumentVersion.document_id == document_id)
                .order_by(col(DocumentVersion.number).desc())
            )
        ).all()
    )


async def current_version(db: AsyncSession, document_id: int) -> DocumentVersion | None:
    return (
        await db.exec(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document_id)
            .order_by(col(DocumentVersion.number).desc())
            .limit(1)
        )
    ).first()


async def version_file(
    db: AsyncSession, user: User, document_id: int, number: int, media_dir: Path
) -> tuple[DocumentVersion, Path]:
    """A version and its file, for download; `NotFound` for anything `user` may not read."""
    await access_document(db, user, document_id)
    version = (
        await db.exec(
            select(DocumentVersion).where(DocumentVersion.document_id == document_id, DocumentVersion.number == number)
        )
    ).first()
    path = files.path_of(media_dir, version.file) if version is not None else None
    if version is None or path is None:
        raise NotFound(N_("No such version."))
    return version, path


async def find_by_hash(db: AsyncSession, reader: User, sha256: str) -> DocumentVersion | None:
    """The first version with this content among the documents `reader` may read. A copy in a
    circle they may not read is none of theirs: saying "already there" would tell them what a
    secret circle holds (and keep the file from everyone else)."""
    statement = (
        select(DocumentVersion)
        .join(Document, col(Document.id) == col(DocumentVersion.document_id))
        .where(DocumentVersion.sha256 == sha256, sql_can_read_item(reader, col(Document.circle_id)))
        .order_by(col(DocumentVersion.id))
    )
    return (await db.exec(statement)).first()


async def tags_of(db: AsyncSession, document_id: int) -> list[str]:
    item_id = (
        await db.exec(
            select(SearchItem.id).where(SearchItem.kind == ItemKind.DOCUMENT, SearchItem.ref_id == document_id)
        )
    ).first()
    if item_id is None:
        return []
    return (await search.tags_of(db, [item_id])).get(item_id, [])


async def due_for_review(db: AsyncSession, user: User) -> list[Document]:
    """Documents `user` is responsible for whose review date has passed."""
    return list(
        (
            await db.exec(
                select(Document)
                .where(
                    Document.responsible_id == user.id,
                    col(Document.review_by) < utcnow().date(),
                    readable_by(user),
                )
                .order_by(col(Document.review_by))
            )
        ).all()
    )


async def _index(db: AsyncSession, document: Document, tags: Sequence[str]) -> None:
    assert document.id is not None
    version = await current_version(db, document.id)
    body = "\n".join(
        part
        for part in (document.description, version.text if version else "", version.filename if version else "")
        if part
    )
    await search.index(
        db,
        search.Entry(
            ItemKind.DOCUMENT,
            document.id,
            document.title,
            body,
            circle_id=document.circle_id,
            audience=Audience.ORG if document.circle_id is None else Audience.CIRCLE,
            tags=tags,
            created_at=document.created_at,
        ),
    )


@writes
async def reindex_version(db: AsyncSession, version_id: int) -> None:
    """After a version's text was extracted: index it, if it is still its document's current one."""
    version = await db.get(DocumentVersion, version_id)
    if version is None:
        return
    document = await db.get(Document, version.document_id)
    current = await current_version(db, version.document_id)
    if document is None or current is None or current.id != version_id:
        return
    await _index(db, document, await tags_of(db, version.document_id))


@dataclass(frozen=True)
class Details:
    """What a page or the API shows beside a document itself."""

    document: Document
    tags: list[str]
    circle: Circle | None
    responsible: User | None
    current: DocumentVersion | None

    @property
    def overdue(self) -> bool:
        return is_overdue(self.document)


async def details(db: AsyncSession, document: Document) -> Details:
    assert document.id is not None
    return Details(
        document,
        await tags_of(db, document.id),
        await db.get(Circle, document.circle_id) if document.circle_id is not None else None,
        await db.get(User, document.responsible_id) if document.responsible_id is not None else None,
        await current_version(db, document.id),
    )


async def list_documents(db: AsyncSession, user: User, ids: Sequence[int]) -> list[Document]:
    """The documents with these ids that `user` may read, in the order given."""
    if not ids:
        return []
    found = {
        d.id: d for d in (await db.exec(select(Document).where(col(Document.id).in_(ids), readable_by(user)))).all()
    }
    return [found[i] for i in ids if i in found]
