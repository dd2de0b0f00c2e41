"""What a colleague's data export holds: their own items, one JSON list per kind, and their files.

Only what the colleague made or chose: their posts, comments and messages, never the words of
others around them (a thread's other comments, a conversation's other messages); their votes in
named polls (an anonymous poll keeps no vote under their name, so there is nothing of theirs to
hand over); the documents they added, with every version's file. Every time is ISO 8601 in UTC.
`FIELDS` documents each file's fields; the zip's README.txt repeats it for the colleague.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, literal_column
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Attachment,
    Circle,
    CircleKind,
    Comment,
    Document,
    DocumentVersion,
    Draft,
    Membership,
    Message,
    NotificationSettings,
    Poll,
    PollOption,
    PollVote,
    Post,
    Reaction,
    User,
)
from services import attachments, files

Row = dict[str, Any]
T = TypeVar("T")

# Each JSON file of the export and what its fields are (also written into README.txt).
FIELDS: dict[str, str] = {
    "profile": "id, name, email, job_title, team, location, bio, skills, role, locale, created_at, avatar_file",
    "posts": "id, kind (post, news, blog), circle_id, title, lead, body (Markdown), question, created_at, "
    "edited_at, hidden_at",
    "comments": "id, post_id, parent_id, body, created_at, edited_at, hidden_at",
    "chat_messages": "id, circle_id, reply_to_id, body, created_at, edited_at, hidden_at (messages in circles)",
    "direct_messages": "id, conversation_id, reply_to_id, body, created_at, edited_at, hidden_at",
    "reactions": "id, target (post:ID, comment:ID or message:ID), emoji, created_at",
    "poll_votes": "id, poll_id, poll_target, question, option_id, option (votes in named polls only)",
    "documents": "id, title, description, circle_id, created_at, updated_at, archived_at, versions "
    "(number, filename, content_type, size, created_at, file)",
    "attachments": "id, kind (photo, file), target, filename, content_type, size, created_at, file",
    "notification_settings": "muted_kinds, digest, uncounted, circle_levels (circle_id, level)",
    "drafts": "id, form_key, body, updated_at",
}


@dataclass
class Contents:
    """The export before it is written: `kinds` become `<kind>.json`, `files` map a name under
    `files/` to the stored file it copies."""

    kinds: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _safe(name: str) -> str:
    """A name for inside the zip: no folders, no characters a file system refuses."""
    kept = "".join("_" if char in '<>:"/\\|?*' else char for char in files.safe_filename(name, "file"))
    return kept[:120]


async def collect(db: AsyncSession, user: User, media_dir: Path) -> Contents:
    user_id = user.id or 0
    contents = Contents()
    contents.kinds["profile"] = _profile(user, contents, media_dir)
    contents.kinds["posts"] = [_post(post) for post in await _all(db, Post, col(Post.author_id) == user_id)]
    contents.kinds["comments"] = [
        _comment(comment) for comment in await _all(db, Comment, col(Comment.author_id) == user_id)
    ]
    chat, direct = await _messages(db, user_id)
    contents.kinds["chat_messages"], contents.kinds["direct_messages"] = chat, direct
    contents.kinds["reactions"] = [
        {"id": r.id, "target": r.target, "emoji": r.emoji, "created_at": _time(r.created_at)}
        for r in await _all(db, Reaction, col(Reaction.user_id) == user_id)
    ]
    contents.kinds["poll_votes"] = await _poll_votes(db, user_id)
    contents.kinds["documents"] = await _documents(db, user_id, contents, media_dir)
    contents.kinds["attachments"] = await _attachments(db, user_id, contents, media_dir)
    contents.kinds["notification_settings"] = await _notification_settings(db, user_id)
    contents.kinds["drafts"] = [
        {"id": d.id, "form_key": d.form_key, "body": d.body, "updated_at": _time(d.updated_at)}
        for d in await _all(db, Draft, col(Draft.user_id) == user_id)
    ]
    return contents


async def _all(db: AsyncSession, model: type[T], owned: ColumnElement[bool]) -> Sequence[T]:
    """Every row of `model` that is the colleague's, oldest first."""
    return (await db.exec(select(model).where(owned).order_by(literal_column("id")))).all()


def _profile(user: User, contents: Contents, media_dir: Path) -> Row:
    avatar_file = None
    if user.avatar:
        stored = media_dir / "avatars" / user.avatar
        if stored.is_file():
            avatar_file = f"files/avatar{stored.suffix}"
            contents.files[avatar_file] = stored
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "job_title": user.job_title,
        "team": user.team,
        "location": user.location,
        "bio": user.bio,
        "skills": list(user.skills),
        "role": user.role.value,
        "locale": user.locale,
        "created_at": _time(user.created_at),
        "avatar_file": avatar_file,
    }


def _post(post: Post) -> Row:
    return {
        "id": post.id,
        "kind": post.kind.value,
        "circle_id": post.circle_id,
        "title": post.title,
        "lead": post.lead,
        "body": post.body,
        "question": post.question,
        "created_at": _time(post.created_at),
        "edited_at": _time(post.edited_at),
        "hidden_at": _time(post.hidden_at),
    }


def _comment(comment: Comment) -> Row:
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "body": comment.body,
        "created_at": _time(comment.created_at),
        "edited_at": _time(comment.edited_at),
        "hidden_at": _time(comment.hidden_at),
    }


async def _messages(db: AsyncSession, user_id: int) -> tuple[list[Row], list[Row]]:
    rows = await db.exec(
        select(Message, Circle.kind)
        .join(Circle, col(Circle.id) == col(Message.circle_id))
        .where(Message.author_id == user_id, col(Message.deleted_at).is_(None))
        .order_by(col(Message.id))
    )
    chat: list[Row] = []
    direct: list[Row] = []
    for message, kind in rows.all():
        place = "conversation_id" if kind is CircleKind.DIRECT else "circle_id"
        row = {
            "id": message.id,
            place: message.circle_id,
            "reply_to_id": message.reply_to_id,
            "body": message.body,
            "created_at": _time(message.created_at),
            "edited_at": _time(message.edited_at),
            "hidden_at": _time(message.hidden_at),
        }
        (direct if kind is CircleKind.DIRECT else chat).append(row)
    return chat, direct


async def _poll_votes(db: AsyncSession, user_id: int) -> list[Row]:
    rows = await db.exec(
        select(PollVote, Poll, PollOption)
        .join(Poll, col(Poll.id) == col(PollVote.poll_id))
        .join(PollOption, col(PollOption.id) == col(PollVote.option_id))
        .where(PollVote.user_id == user_id, col(Poll.anonymous).is_(False))
        .order_by(col(PollVote.id))
    )
    return [
        {
            "id": vote.id,
            "poll_id": poll.id,
            "poll_target": poll.target,
            "question": poll.question,
            "option_id": option.id,
            "option": option.label,
        }
        for vote, poll, option in rows.all()
    ]


async def _documents(db: AsyncSession, user_id: int, contents: Contents, media_dir: Path) -> list[Row]:
    documents = await _all(db, Document, col(Document.created_by) == user_id)
    versions = await db.exec(
        select(DocumentVersion)
        .where(col(DocumentVersion.document_id).in_([d.id for d in documents]))
        .order_by(col(DocumentVersion.document_id), col(DocumentVersion.number))
    )
    by_document: dict[int, list[Row]] = {}
    for version in versions.all():
        name = f"files/documents/{version.document_id}-v{version.number}-{_safe(version.filename)}"
        stored = media_dir / files.FOLDER / version.file
        if stored.is_file():
            contents.files[name] = stored
        by_document.setdefault(version.document_id, []).append(
            {
                "number": version.number,
                "filename": version.filename,
                "content_type": version.content_type,
                "size": version.size,
                "created_at": _time(version.created_at),
                "file": name if stored.is_file() else None,
            }
        )
    return [
        {
            "id": d.id,
            "title": d.title,
            "description": d.description,
            "circle_id": d.circle_id,
            "created_at": _time(d.created_at),
            "updated_at": _time(d.updated_at),
            "archived_at": _time(d.archived_at),
            "versions": by_document.get(d.id or 0, []),
        }
        for d in documents
    ]


async def _attachments(db: AsyncSession, user_id: int, contents: Contents, media_dir: Path) -> list[Row]:
    rows: list[Row] = []
    for attachment in await _all(db, Attachment, col(Attachment.uploader_id) == user_id):
        name = f"files/attachments/{attachment.id}-{_safe(attachment.filename)}"
        stored = media_dir / attachments.FOLDER / attachment.file
        if stored.is_file():
            contents.files[name] = stored
        rows.append(
            {
                "id": attachment.id,
                "kind": attachment.kind.value,
                "target": attachment.target,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "created_at": _time(attachment.created_at),
                "file": name if stored.is_file() else None,
            }
        )
    return rows


async def _notification_settings(db: AsyncSession, user_id: int) -> Row:
    chosen = await db.get(NotificationSettings, user_id)
    levels = await db.exec(
        select(Membership.circle_id, Membership.notify)
        .where(col(Membership.user_id) == user_id)
        .order_by(col(Membership.circle_id))
    )
    return {
        "muted_kinds": list(chosen.muted_kinds) if chosen else [],
        "digest": chosen.digest.value if chosen else "daily",
        "uncounted": list(chosen.uncounted) if chosen else [],
        "circle_levels": [{"circle_id": circle_id, "level": str(level)} for circle_id, level in levels.all()],
    }
