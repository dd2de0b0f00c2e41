"""A colleague's data export: all of their items and files, nobody else's, only for them, for a week."""

from __future__ import annotations

import asyncio
import io
import json
import time
import zipfile
from datetime import timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from models import (
    Attachment,
    Circle,
    CircleKind,
    Comment,
    DataExport,
    Document,
    DocumentVersion,
    Draft,
    ExportState,
    Message,
    Notification,
    NotificationKind,
    Poll,
    PollOption,
    PollVote,
    Post,
    Reaction,
    Role,
)
from models.base import utcnow
from server.context import AppContext
from services import (
    attachments,
    avatars,
    chat,
    comments,
    data_export,
    direct,
    documents,
    drafts,
    notification_settings,
    polls,
    posts,
    reactions,
)
from services.documents import Upload
from services.poll_state import PollDraft
from tests.photo_files import png
from tests.support import Visitor, add_member, make_circle, make_user

KEY = b"k" * 32


async def _ids(db: AsyncSession, column: Any, *where: Any) -> list[int]:
    rows = await db.exec(select(column).where(*where).order_by(column))
    return list(rows.all())


async def _ready(context: AppContext, user_id: int) -> DataExport:
    """The export once the app's runner has made it (it is woken by the request's commit); read
    in a session of its own, so the test's objects are not expired by each look's new snapshot."""
    deadline = time.monotonic() + 60  # generous: a loaded machine is slow, never this slow
    async with context.db() as db:
        while time.monotonic() < deadline:
            found = (await db.exec(select(DataExport).where(DataExport.user_id == user_id))).first()
            if found is not None and found.state is ExportState.READY:
                return found
            await db.rollback()  # a fresh snapshot each look (SQLite keeps the read's)
            await asyncio.sleep(0.05)
    raise AssertionError("the runner never made the export")


async def test_the_export_holds_all_of_the_colleagues_items_and_files_and_only_theirs(
    db: AsyncSession, settings: Settings, context: AppContext, visitor: Visitor, new_visitor: Any
) -> None:
    media = settings.media_dir
    admin = await make_user(db, role=Role.ADMIN)
    me = await make_user(db, "Marit Export", role=Role.EDITOR)
    other = await make_user(db, "Olaf Ander")
    assert me.id is not None
    assert other.id is not None
    circle = await make_circle(db, admin)
    assert circle.id is not None
    await add_member(db, admin, circle, me)
    await add_member(db, admin, circle, other)

    # Every kind of item, by the colleague and around it by another.
    await avatars.set_avatar(db, me, png(colour=(1, 2, 3)), media_dir=media, max_bytes=1_000_000)
    photo = await attachments.upload(db, me, png(colour=(9, 9, 9)), "../zomer/foto 1.png", media_dir=media)
    mine = await posts.create_post(
        db, me, circle.id, body="Mijn bericht", attachment_ids=[photo.id or 0], poll=PollDraft("Lunch?", ["Ja", "Nee"])
    )
    await posts.create_blog_post(db, me, title="Blog", body="Mijn blog")
    theirs = await posts.create_post(db, other, circle.id, body="Hun bericht", poll=PollDraft("Waar?", ["A", "B"]))
    secret = await posts.create_post(
        db, other, circle.id, body="Geheim", poll=PollDraft("Anoniem?", ["X", "Y"], anonymous=True)
    )
    assert mine.id is not None
    assert theirs.id is not None
    assert secret.id is not None
    their_comment = await comments.add_comment(db, other, mine.id, body="Woorden van Olaf")
    my_comment = await comments.add_comment(db, me, mine.id, body="Mijn antwoord", parent_id=their_comment.id)
    await comments.add_comment(db, me, theirs.id, body="Ook van mij")
    for poll_target, choice in ((f"post:{theirs.id}", 0), (f"post:{secret.id}", 1)):
        poll = (await db.exec(select(Poll).where(Poll.target == poll_target))).one()
        options = await _ids(db, col(PollOption.id), PollOption.poll_id == poll.id)
        await polls.vote(db, me, poll.id or 0, [options[choice]], key=KEY)
    await reactions.set_reaction(db, me, "comment", their_comment.id or 0, "heart", on=True)
    await reactions.set_reaction(db, me, "post", theirs.id, "thumbsup", on=True)
    await reactions.set_reaction(db, other, "post", mine.id, "tada", on=True)
    file = await attachments.upload(db, me, b"notulen", "notulen.txt", media_dir=media)
    said = await chat.post_message(db, me, circle.id, body="Hallo kring", attachment_ids=[file.id or 0])
    await chat.post_message(db, other, circle.id, body="Hallo Marit", reply_to_id=said.id)
    gone = await chat.post_message(db, me, circle.id, body="Weg ermee")
    await chat.delete_message(db, me, gone.id or 0)
    pair = await direct.open_conversation(db, me, [other.id])
    await chat.post_message(db, me, pair.id or 0, body="Onder ons")
    await chat.post_message(db, other, pair.id or 0, body="Onder ons terug")
    kwargs = {"media_dir": media, "max_bytes": settings.limit_document_bytes}
    document = await documents.create_document(db, me, Upload(b"versie een", "Beleid.txt"), title="Beleid", **kwargs)
    await documents.add_version(db, me, document.id or 0, Upload(b"versie twee", "Beleid v2.txt"), **kwargs)
    await documents.create_document(db, admin, Upload(b"niet van mij", "ander.txt"), title="Ander", **kwargs)
    await drafts.save(db, me, f"comment:post:{theirs.id}", "Half af")
    await drafts.save(db, other, f"comment:post:{mine.id}", "Niet van Marit")
    await notification_settings.save_preferences(db, me, muted_kinds=[NotificationKind.REACTION])

    # Asked for on the profile page; the app's runner makes it in the background.
    assert await visitor.sign_in(me) is not None
    asked = await visitor.submit("/profile/export", {}, page="/profile")
    assert asked.status_code == 303
    export = await _ready(context, me.id)
    line = (
        await db.exec(
            select(Notification).where(
                Notification.user_id == me.id, Notification.kind == NotificationKind.EXPORT_READY
            )
        )
    ).one()
    assert line.url == "/profile#my-data"
    page = (await visitor.get("/profile")).text
    assert "Beschikbaar tot" in page
    assert f"/profile/export/{export.id}/download" in page
    assert "Mijn gegevens downloaden" in page

    downloaded = await visitor.get(f"/profile/export/{export.id}/download")
    assert downloaded.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(downloaded.content))
    names = set(archive.namelist())
    content = {name[:-5]: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
    readme = archive.read("README.txt").decode()
    assert "al je gegevens" in readme
    assert "all your data" in readme

    def ids(kind: str) -> list[int]:
        return sorted(row["id"] for row in content[kind])

    assert content["profile"]["id"] == me.id
    assert content["profile"]["name"] == "Marit Export"
    assert "password_hash" not in content["profile"]
    assert content["profile"]["avatar_file"] in names
    assert ids("posts") == await _ids(db, col(Post.id), Post.author_id == me.id)
    assert len(content["posts"]) == 2
    assert ids("comments") == await _ids(db, col(Comment.id), Comment.author_id == me.id)
    assert their_comment.id not in ids("comments")
    assert my_comment.id in ids("comments")
    assert "Woorden van Olaf" not in json.dumps(content, ensure_ascii=False)
    my_messages = await _ids(db, col(Message.id), Message.author_id == me.id, col(Message.deleted_at).is_(None))
    assert sorted(ids("chat_messages") + ids("direct_messages")) == my_messages
    in_direct = await _ids(
        db,
        col(Message.id),
        Message.author_id == me.id,
        col(Message.circle_id).in_(select(Circle.id).where(Circle.kind == CircleKind.DIRECT)),
    )
    assert ids("direct_messages") == in_direct
    assert len(in_direct) == 1
    assert gone.id not in my_messages + ids("chat_messages")
    assert ids("reactions") == await _ids(db, col(Reaction.id), Reaction.user_id == me.id)
    assert len(content["reactions"]) == 2
    named_votes = await _ids(
        db,
        col(PollVote.id),
        PollVote.user_id == me.id,
        col(PollVote.poll_id).in_(select(Poll.id).where(~col(Poll.anonymous))),
    )
    assert ids("poll_votes") == named_votes
    assert len(named_votes) == 1
    assert [row["question"] for row in content["poll_votes"]] == ["Waar?"]
    assert ids("documents") == await _ids(db, col(Document.id), Document.created_by == me.id) == [document.id]
    versions = content["documents"][0]["versions"]
    assert [v["number"] for v in versions] == [1, 2]
    assert [archive.read(v["file"]) for v in versions] == [b"versie een", b"versie twee"]
    assert (
        len(versions) == (await db.exec(select(func.count()).where(DocumentVersion.document_id == document.id))).one()
    )
    assert ids("attachments") == await _ids(db, col(Attachment.id), Attachment.uploader_id == me.id)
    attached = {row["id"]: row["file"] for row in content["attachments"]}
    assert archive.read(attached[file.id]) == b"notulen"
    assert attached[photo.id].startswith("files/attachments/")
    assert attached[photo.id].count("/") == 2
    files_in_zip = {name for name in names if name.startswith("files/")}
    assert files_in_zip == {content["profile"]["avatar_file"], *attached.values(), *(v["file"] for v in versions)}
    assert ids("drafts") == await _ids(db, col(Draft.id), Draft.user_id == me.id)
    assert content["drafts"][0]["body"] == "Half af"
    assert content["notification_settings"]["muted_kinds"] == ["reaction"]
    assert {row["circle_id"] for row in content["notification_settings"]["circle_levels"]} == {circle.id, pair.id}
    assert content["posts"][0]["created_at"].endswith("+00:00")

    # Only for them: another colleague, even one who was there, finds nothing.
    stranger: Visitor = await new_visitor()
    await stranger.sign_in(other)
    assert (await stranger.get(f"/profile/export/{export.id}/download")).status_code == 404
    assert (await stranger.get(f"/profile/export/{export.id + 1}/download")).status_code == 404

    # After seven days the zip is deleted and the page says so.
    stored = media / data_export.FOLDER / export.file
    assert stored.is_file()
    assert await data_export.expire_due(db, media, utcnow() + timedelta(days=6)) == 0
    assert await data_export.expire_due(db, media, utcnow() + timedelta(days=7, seconds=1)) == 1
    assert await data_export.expire_due(db, media, utcnow() + timedelta(days=8)) == 0  # once, by one worker
    assert not stored.exists()
    assert (await visitor.get(f"/profile/export/{export.id}/download")).status_code == 404
    assert "verlopen" in (await visitor.get("/profile")).text
