"""Moderation: reporting, who sees which report (a secret circle's stay in it), hiding for
everyone but the author (stream, post page, comments, chat history, search, live events),
restoring, the notices to author and reporter, and the audit entry of each decision."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    AuditEntry,
    CircleVisibility,
    Notification,
    NotificationKind,
    Report,
    ReportedKind,
    ReportState,
    Role,
    User,
)
from services import chat, comments, direct, events, moderation, notifications, posts, stream
from services.audit import Action
from services.errors import Conflict, Invalid, NotFound, PermissionDenied, RateLimited
from services.poll_state import PollDraft
from services.search import Query, search
from tests.support import add_member, make_circle, make_user

POST, COMMENT, MESSAGE = ReportedKind.POST, ReportedKind.COMMENT, ReportedKind.MESSAGE


async def lines(db: AsyncSession, user: User, kind: NotificationKind) -> list[Notification]:
    rows = await db.exec(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind))
    return list(rows.all())


async def found_by(db: AsyncSession, user: User, word: str) -> set[tuple[str, int]]:
    return {(hit.item.kind.value, hit.item.ref_id) for hit in (await search(db, user, Query(text=word))).hits}


async def logged(db: AsyncSession, action: Action) -> list[AuditEntry]:
    rows = await db.exec(select(AuditEntry).where(AuditEntry.action == action.value).order_by(col(AuditEntry.id)))
    return list(rows.all())


async def test_a_colleague_reports_only_what_they_read_once_with_a_reason(
    db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, reporter = await make_user(db), await make_user(db)
    open_circle = await make_circle(db, owner)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    post = await posts.create_post(db, owner, open_circle.id or 0, body="Iets kwetsends")
    closed_post = await posts.create_post(db, owner, closed.id or 0, body="Alleen voor leden")
    conversation = await direct.open_conversation(db, owner, [reporter.id or 0])
    whisper = await chat.post_message(db, owner, conversation.id or 0, body="Onder ons")

    with pytest.raises(Invalid):
        await moderation.report(db, reporter, POST, post.id or 0, reason="   ")
    with pytest.raises(Invalid):
        await moderation.report(db, reporter, POST, post.id or 0, reason="x" * (moderation.MAX_REASON + 1))
    with pytest.raises(Invalid):
        await moderation.report(db, owner, POST, post.id or 0, reason="Mijn eigen bericht")
    with pytest.raises(NotFound):  # a closed circle's post does not exist for an outsider
        await moderation.report(db, reporter, POST, closed_post.id or 0, reason="Kwetsend")
    with pytest.raises(Invalid):  # a conversation stays its participants' own
        await moderation.report(db, reporter, MESSAGE, whisper.id or 0, reason="Kwetsend")

    made = await moderation.report(db, reporter, POST, post.id or 0, reason="  Kwetsend voor collega's  ")
    assert (made.reason, made.state, made.circle_id) == ("Kwetsend voor collega's", ReportState.OPEN, open_circle.id)
    with pytest.raises(Conflict):
        await moderation.report(db, reporter, POST, post.id or 0, reason="Nog een keer")

    monkeypatch.setattr(moderation, "REPORTS_PER_HOUR", 2)
    other = await posts.create_post(db, owner, open_circle.id or 0, body="Nog iets")
    await moderation.report(db, reporter, POST, other.id or 0, reason="Ook kwetsend")
    third = await posts.create_post(db, owner, open_circle.id or 0, body="En nog iets")
    with pytest.raises(RateLimited):
        await moderation.report(db, reporter, POST, third.id or 0, reason="Ook dit")
    assert len((await db.exec(select(Report))).all()) == 2  # the refused ones left nothing


async def test_the_queue_shows_each_moderator_their_reports_and_a_secret_circle_keeps_its_own(
    db: AsyncSession,
) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    editor = await make_user(db, role=Role.EDITOR)
    owner, reporter, member = await make_user(db), await make_user(db), await make_user(db)
    open_circle = await make_circle(db, owner)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    for circle in (closed, secret):
        await add_member(db, owner, circle, reporter)
    await add_member(db, owner, open_circle, member)
    open_post = await posts.create_post(db, member, open_circle.id or 0, body="Open")
    closed_post = await posts.create_post(db, owner, closed.id or 0, body="Gesloten")
    secret_message = await chat.post_message(db, owner, secret.id or 0, body="Geheim gemopper")
    news = await posts.create_news(db, editor, title="Nieuws", body="Iets")
    reported = {
        "open": (POST, open_post.id or 0),
        "closed": (POST, closed_post.id or 0),
        "secret": (MESSAGE, secret_message.id or 0),
        "news": (POST, news.id or 0),
    }
    for kind, item_id in reported.values():
        await moderation.report(db, reporter, kind, item_id, reason="Ongepast")

    async def queue_of(user: User) -> set[str]:
        shown = {(e.reported.kind, e.reported.id) for e in await moderation.queue(db, user)}
        return {name for name, item in reported.items() if item in shown}

    assert await queue_of(admin) == {"open", "closed", "news"}  # not the secret circle's
    assert await queue_of(editor) == {"open", "news"}
    assert await queue_of(owner) == {"open", "closed", "secret"}  # the circles' own admin
    assert await queue_of(member) == set()
    assert not await moderation.moderates_somewhere(db, member)
    assert await moderation.moderates_somewhere(db, owner)
    with pytest.raises(NotFound):  # the secret circle's message does not exist for the org admin
        await moderation.hide(db, admin, MESSAGE, secret_message.id or 0, reason="Weg")
    with pytest.raises(PermissionDenied):  # a member reads the post but does not moderate it
        await moderation.hide(db, member, POST, open_post.id or 0, reason="Weg")
    with pytest.raises(NotFound):
        await moderation.keep(db, editor, POST, closed_post.id or 0)
    await moderation.hide(db, owner, MESSAGE, secret_message.id or 0, reason="Niet hier")
    assert await queue_of(owner) == {"open", "closed"}


async def test_a_hidden_post_is_gone_for_others_marked_for_its_author_and_back_when_restored(
    db: AsyncSession,
) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    author, reporter, reader = await make_user(db), await make_user(db), await make_user(db)
    circle = await make_circle(db, author)
    for member in (reporter, reader):
        await add_member(db, author, circle, member)
    topic = events.circle_topic(circle.id or 0)
    post = await posts.create_post(db, author, circle.id or 0, body="Over schildpadsoep en meer")
    assert post.id in {p.id for p in await stream.feed(db, reader)}
    await moderation.report(db, reporter, POST, post.id or 0, reason="Beledigend")
    head = await events.head(db, topic)

    await moderation.hide(db, admin, POST, post.id or 0, reason="Houd het vriendelijk")
    for other in (reporter, reader):
        assert post.id not in {p.id for p in await stream.feed(db, other)}
        with pytest.raises(NotFound):
            await posts.access_post(db, other, post.id or 0)
        assert await found_by(db, other, "schildpadsoep") == set()
    [mine] = [p for p in await stream.feed(db, author) if p.id == post.id]
    assert mine.hidden_reason == "Houd het vriendelijk"
    assert [e.kind for e in (await events.list_since(db, topic, head)).events] == ["post.deleted"]
    with pytest.raises(Conflict):  # its edit's event would show it to the circle again
        await posts.edit_post(db, author, post.id or 0, body="Nieuwe tekst")
    [hidden_line] = await lines(db, author, NotificationKind.ITEM_HIDDEN)
    assert hidden_line.detail == "Houd het vriendelijk"
    [answer] = await lines(db, reporter, NotificationKind.REPORT_ANSWER)
    assert answer.detail == "hidden"
    [decided] = (await db.exec(select(Report))).all()
    assert (decided.state, decided.is_open, decided.decided_by) == (ReportState.HIDDEN, None, admin.id)
    assert (await moderation.hidden_items(db, admin))[0].id == post.id
    with pytest.raises(Conflict):
        await moderation.hide(db, admin, POST, post.id or 0, reason="Nog eens")

    head = await events.head(db, topic)
    await moderation.restore(db, admin, POST, post.id or 0)
    assert post.id in {p.id for p in await stream.feed(db, reader)}
    assert (await posts.access_post(db, reader, post.id or 0)).hidden_at is None
    assert await found_by(db, reader, "schildpadsoep") == {("post", post.id)}
    assert [e.kind for e in (await events.list_since(db, topic, head)).events] == ["post.updated"]
    assert len(await lines(db, author, NotificationKind.ITEM_RESTORED)) == 1
    assert await moderation.hidden_items(db, admin) == []


async def test_hidden_comments_and_chat_messages_leave_the_thread_history_and_search(db: AsyncSession) -> None:
    author, reporter = await make_user(db), await make_user(db)
    circle = await make_circle(db, author)
    await add_member(db, author, circle, reporter)
    topic = events.circle_topic(circle.id or 0)
    post = await posts.create_post(db, reporter, circle.id or 0, body="Wie komt er vrijdag?")
    comment = await comments.add_comment(db, author, post.id or 0, body="Niet met jou")
    ponds = PollDraft("Welke vijver ruimen we op?", ["Eendenvijver", "Molenvijver"])
    message = await chat.post_message(db, author, circle.id or 0, body="Kikkerdril is lelijk", poll=ponds)
    reply = await chat.post_message(db, reporter, circle.id or 0, body="Hm", reply_to_id=message.id)
    for kind, item in ((COMMENT, comment), (MESSAGE, message)):
        await moderation.report(db, reporter, kind, item.id or 0, reason="Onaardig")
    assert await chat.unread_counts(db, reporter) == {circle.id: 1}
    head = await events.head(db, topic)

    admin = await make_user(db, role=Role.ADMIN)
    await moderation.hide(db, admin, COMMENT, comment.id or 0, reason="Toon")
    await moderation.hide(db, admin, MESSAGE, message.id or 0, reason="Toon")
    kinds = [e.kind for e in (await events.list_since(db, topic, head)).events]
    assert kinds == ["comment.deleted", "message.deleted"]
    assert await chat.unread_counts(db, reporter) == {}  # a hidden message is nobody's unread
    assert (await notifications.badge(db, reporter)).chat == 0
    assert [c.id for c, _ in await comments.list_comments(db, reporter, post.id or 0)] == []
    [(own, who)] = await comments.list_comments(db, author, post.id or 0)
    assert comments.comment_data(own, who)["hidden_reason"] == "Toon"
    assert [m.id for m in await chat.history(db, reporter, circle.id or 0)] == [reply.id]
    quoted = (await chat.message_data(db, reply))["reply_to"]
    assert quoted is not None
    assert quoted["excerpt"] == ""  # a reply does not quote it either
    assert (await chat.message_data(db, message))["hidden_reason"] == "Toon"
    assert message.id in {m.id for m in await chat.history(db, author, circle.id or 0)}
    assert await found_by(db, reporter, "kikkerdril") == set()
    assert await found_by(db, reporter, "molenvijver") == set()
    with pytest.raises(Conflict):
        await chat.edit_message(db, author, message.id or 0, body="Kikkerdril is mooi")
    (card,) = await stream.cards(db, reporter, [post])
    assert card.comment_count == 0

    head = await events.head(db, topic)
    await moderation.restore(db, admin, MESSAGE, message.id or 0)
    await moderation.restore(db, admin, COMMENT, comment.id or 0)
    kinds = [e.kind for e in (await events.list_since(db, topic, head)).events]
    assert kinds == ["message.updated", "comment.updated"]
    assert [c.id for c, _ in await comments.list_comments(db, reporter, post.id or 0)] == [comment.id]
    assert [m.id for m in await chat.history(db, reporter, circle.id or 0)] == [reply.id, message.id]
    assert await found_by(db, reporter, "kikkerdril") == {("message", message.id)}
    assert await found_by(db, reporter, "molenvijver") == {("message", message.id)}  # its poll's words too


async def test_keeping_an_item_tells_the_reporters_and_leaves_it_shown(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    author, first, second = await make_user(db), await make_user(db), await make_user(db)
    blog = await posts.create_blog_post(db, author, title="Mijn mening", body="Stevig")
    for reporter in (first, second):
        await moderation.report(db, reporter, POST, blog.id or 0, reason="Te stevig")
    assert await moderation.keep(db, editor, POST, blog.id or 0) == 2
    for reporter in (first, second):
        [answer] = await lines(db, reporter, NotificationKind.REPORT_ANSWER)
        assert answer.detail == "kept"
        assert [r.state for r in await moderation.my_reports(db, reporter)] == [ReportState.KEPT]
    assert (await posts.access_post(db, first, blog.id or 0)).hidden_at is None
    assert await moderation.queue(db, editor) == []
    with pytest.raises(Conflict):
        await moderation.keep(db, editor, POST, blog.id or 0)
    # Decided, the reporter may report it again (a new open report).
    await moderation.report(db, first, POST, blog.id or 0, reason="Toch te stevig")


async def test_hiding_is_logged(db: AsyncSession) -> None:
    admin, author, reporter = await make_user(db, role=Role.ADMIN), await make_user(db), await make_user(db)
    blog = await posts.create_blog_post(db, author, title="Titel", body="Tekst")
    await moderation.report(db, reporter, POST, blog.id or 0, reason="Spam")
    await moderation.hide(db, admin, POST, blog.id or 0, reason="Reclame", address="10.0.0.1")
    [entry] = await logged(db, Action.ITEM_HIDDEN)
    assert (entry.actor_id, entry.subject_type, entry.subject_id, entry.address) == (
        admin.id,
        "post",
        blog.id,
        "10.0.0.1",
    )
    assert entry.after == {"hidden": True, "reason": "Reclame", "reports": 1}


async def test_restoring_is_logged(db: AsyncSession) -> None:
    admin, author = await make_user(db, role=Role.ADMIN), await make_user(db)
    blog = await posts.create_blog_post(db, author, title="Titel", body="Tekst")
    await moderation.hide(db, admin, POST, blog.id or 0, reason="Reclame")
    await moderation.restore(db, admin, POST, blog.id or 0)
    [entry] = await logged(db, Action.ITEM_RESTORED)
    assert (entry.actor_id, entry.subject_id) == (admin.id, blog.id)
    assert (entry.before, entry.after) == ({"hidden": True, "reason": "Reclame"}, {"hidden": False})


async def test_keeping_is_logged(db: AsyncSession) -> None:
    editor, author, reporter = await make_user(db, role=Role.EDITOR), await make_user(db), await make_user(db)
    blog = await posts.create_blog_post(db, author, title="Titel", body="Tekst")
    await moderation.report(db, reporter, POST, blog.id or 0, reason="Spam")
    await moderation.keep(db, editor, POST, blog.id or 0)
    [entry] = await logged(db, Action.REPORT_KEPT)
    assert (entry.actor_id, entry.subject_type, entry.subject_id, entry.after) == (
        editor.id,
        "post",
        blog.id,
        {"reports": 1},
    )
