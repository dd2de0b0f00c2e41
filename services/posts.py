"""Posts in circles, organisation news and blog posts: who may read, write, edit and delete.

Reading: news and blog posts are for every colleague; a circle post follows its circle (anyone
for an open circle, members for closed and secret ones). A post someone may not read does not
exist for them (`NotFound`). Writing: circle posts by members; news by editors and admins; a
blog post by anyone. Editing and deleting: the author, a circle admin (circle posts) or an
organisation admin. Every change records its event on the post's topic (the circle's, or `org`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Audience,
    Circle,
    Comment,
    MemberRole,
    Membership,
    Mention,
    NotificationKind,
    Post,
    PostKind,
    QuestionSource,
    QuestionState,
    Reaction,
    Role,
    User,
)
from models.base import utcnow
from services import (
    accounts,
    assistant_questions,
    attachments,
    direct,
    events,
    markdown,
    notifications,
    poll_state,
    search,
)
from services.access import ensure_editor, is_editor, respondable_circle, sql_can_read, writable_circle
from services.errors import N_, Conflict, Invalid, NotFound, PermissionDenied
from services.event_types import PostCreated, PostDeleted, PostUpdated
from services.transactions import writes

MAX_BODY = 20_000
MAX_TITLE = 200
MAX_LEAD = 500


def post_target(post_id: int) -> str:
    return f"post:{post_id}"


def comment_target(comment_id: int) -> str:
    return f"comment:{comment_id}"


def topic_of(post: Post) -> str:
    if post.kind is PostKind.POST:
        assert post.circle_id is not None
        return events.circle_topic(post.circle_id)
    return events.ORG_TOPIC


def readable_by(user: User) -> ColumnElement[bool]:
    """SQL condition: `user` may read the post (the rule in the module docstring); a post a
    moderator hid only its author reads (services/moderation.py)."""
    return and_(
        or_(col(Post.kind) != PostKind.POST, sql_can_read(user, col(Post.circle_id))),
        or_(col(Post.hidden_at).is_(None), col(Post.author_id) == user.id),
    )


async def access_post(db: AsyncSession, user: User, post_id: int) -> Post:
    post = (await db.exec(select(Post).where(col(Post.id) == post_id, readable_by(user)))).first()
    if post is None:
        raise NotFound(N_("No such post."))
    return post


async def respondable_post(db: AsyncSession, user: User, post_id: int) -> Post:
    """A post `user` may react to, comment on or edit: one they read, not in an archived circle."""
    post = await access_post(db, user, post_id)
    if post.circle_id is not None:
        await respondable_circle(db, user, post.circle_id)
    return post


async def _existing(
    db: AsyncSession, user: User, client_id: str | None, *, kind: PostKind, circle_id: int | None = None
) -> Post | None:
    """The post this author already made with `client_id`: a retried submit returns it. The same
    client_id for another place is a client's mistake, not a retry."""
    if not client_id:
        return None
    found = (await db.exec(select(Post).where(Post.author_id == user.id, Post.client_id == client_id))).first()
    if found is not None and (found.kind is not kind or found.circle_id != circle_id):
        raise Conflict(N_("That client_id was used for another item."), field="client_id")
    return found


def clean_body(body: str, *, optional: bool = False) -> str:
    # Measured as sent, before the spaces around it are trimmed: the limit the API document states.
    if len(body) > MAX_BODY:
        # Refused whole, never cut: a cut text loses its end without a word to the writer.
        raise Invalid(
            N_(
                "The text is too long: %(length)s characters, at most %(limit)s are allowed. Shorten it or split it up."
            ),
            field="body",
            params={"length": len(body), "limit": MAX_BODY},
        )
    body = body.strip()
    if not body and not optional:
        raise Invalid(N_("Write something first."), field="body")
    return body


def clean_title(title: str, *, required: bool) -> str:
    title = " ".join(title.split())
    if required and not title:
        raise Invalid(N_("A title is required."), field="title")
    if len(title) > MAX_TITLE:
        raise Invalid(N_("The title is too long."), field="title")
    return title


def _clean_client_id(client_id: str | None) -> str | None:
    if client_id is not None and not 1 <= len(client_id) <= 64:
        raise Invalid(N_("client_id has 1 to 64 characters."), field="client_id")
    return client_id or None


@writes
async def create_post(
    db: AsyncSession,
    user: User,
    circle_id: int,
    *,
    body: str,
    client_id: str | None = None,
    attachment_ids: Sequence[int] = (),
    attachment_limits: attachments.Limits = attachments.DEFAULT_LIMITS,
    question: bool = False,
    poll: poll_state.PollDraft | None = None,
) -> Post:
    """A post in a circle the author is a member of, with the photos and files they uploaded
    (`attachments.upload`; with those, or with a poll, the text may be empty); `question` asks
    the circle a question, whose comments are its answers (services/questions.py); `poll` asks
    it to vote (services/polls.py), made in the same unit of work."""
    client_id = _clean_client_id(client_id)
    access = await writable_circle(db, user, circle_id, N_("Join the circle to post in it."))
    if direct.is_conversation(access.circle):  # a conversation is its chat; the stream never shows one
        raise Invalid(N_("A conversation has no posts; send a message instead."))
    # Checked before a repeat is answered: a refused text is refused every time.
    body = clean_body(body, optional=bool(attachment_ids) or poll is not None)
    if poll is not None:
        poll = poll_state.clean_draft(poll)
    if (existing := await _existing(db, user, client_id, kind=PostKind.POST, circle_id=circle_id)) is not None:
        return existing
    post = Post(
        kind=PostKind.POST,
        circle_id=circle_id,
        body=body,
        html="",
        author_id=user.id or 0,
        client_id=client_id,
        question=question,
    )
    return await _publish(db, user, post, attachment_ids=attachment_ids, attachment_limits=attachment_limits, poll=poll)


@writes
async def create_assistant_post(db: AsyncSession, assistant: User, circle_id: int, *, body: str) -> Post:
    """Ids posts in a circle it is no member of (its weekly round-up): the circle's readers see it
    as any post; an archived circle or a conversation takes none."""
    circle = await db.get(Circle, circle_id)
    if circle is None or circle.archived_at is not None or direct.is_conversation(circle):
        raise NotFound(N_("No such circle."))
    post = Post(kind=PostKind.POST, circle_id=circle_id, body=clean_body(body), html="", author_id=assistant.id or 0)
    return await _publish(db, assistant, post)


@writes
async def create_news(
    db: AsyncSession,
    user: User,
    *,
    title: str,
    body: str,
    lead: str = "",
    featured_until: datetime | None = None,
    must_read: bool = False,
    cover: str | None = None,
    client_id: str | None = None,
) -> Post:
    """Organisation news, by editors and admins."""
    ensure_editor(user, N_("Only editors may publish organisation news."))
    client_id = _clean_client_id(client_id)
    title, body = clean_title(title, required=True), clean_body(body)
    if (existing := await _existing(db, user, client_id, kind=PostKind.NEWS)) is not None:
        return existing
    return await publish_news(
        db,
        user,
        title=title,
        body=body,
        lead=lead,
        featured_until=featured_until,
        must_read=must_read,
        cover=cover,
        client_id=client_id,
    )


async def publish_news(
    db: AsyncSession,
    author: User,
    *,
    title: str,
    body: str,
    lead: str = "",
    featured_until: datetime | None = None,
    must_read: bool = False,
    cover: str | None = None,
    client_id: str | None = None,
) -> Post:
    """Make the news post in the caller's unit of work, its event and notifications included.
    The caller has checked that an editor publishes it (`create_news`, `news_proposals`); the
    author may be the colleague who proposed it."""
    post = Post(
        kind=PostKind.NEWS,
        title=clean_title(title, required=True),
        lead=clean_lead(lead),
        body=clean_body(body),
        html="",
        featured_until=featured_until,
        must_read=must_read,
        cover=cover,
        author_id=author.id or 0,
        client_id=client_id,
    )
    return await _publish(db, author, post)


def clean_lead(lead: str) -> str:
    return " ".join(lead.split())[:MAX_LEAD]


@writes
async def create_blog_post(
    db: AsyncSession, user: User, *, title: str, body: str, client_id: str | None = None
) -> Post:
    client_id = _clean_client_id(client_id)
    title, body = clean_title(title, required=True), clean_body(body)
    if (existing := await _existing(db, user, client_id, kind=PostKind.BLOG)) is not None:
        return existing
    post = Post(
        kind=PostKind.BLOG,
        title=title,
        body=body,
        html="",
        author_id=user.id or 0,
        client_id=client_id,
    )
    return await _publish(db, user, post)


async def _publish(
    db: AsyncSession,
    author: User,
    post: Post,
    *,
    attachment_ids: Sequence[int] = (),
    attachment_limits: attachments.Limits = attachments.DEFAULT_LIMITS,
    poll: poll_state.PollDraft | None = None,
) -> Post:
    rendered = await markdown.render(db, post.body)
    post.html = rendered.html
    db.add(post)
    await db.flush()
    assert post.id is not None
    await attachments.attach(
        db, author, attachment_ids, post_target(post.id), circle_id=post.circle_id, limits=attachment_limits
    )
    for user_id in rendered.mentions:
        db.add(Mention(target=post_target(post.id), user_id=user_id))
    if poll is not None and post.circle_id is not None:
        await poll_state.attach(db, author, post_target(post.id), post.circle_id, poll)
    await catalogue(db, post, new=True)
    await events.record(db, topic_of(post), PostCreated.model_validate(await post_data(db, post, author)))
    await _notify(db, author, post, set(rendered.mentions), must_read=post.must_read)
    if post.kind is PostKind.POST:  # asked in a circle: answered with a comment
        await assistant_questions.notice(
            db,
            author,
            QuestionSource.POST,
            post.id,
            circle_id=post.circle_id,
            text=post.body,
            mentioned=rendered.mentions,
        )
    return post


async def _notify(db: AsyncSession, actor: User, post: Post, mentioned: set[int], *, must_read: bool) -> None:
    about = notifications.about_post(post)
    await notifications.notify(db, mentioned, actor=actor, kind=NotificationKind.MENTION, about=about)
    if must_read:
        everyone = await db.exec(select(User.id).where(col(User.is_active).is_(True)))
        recipients = {i for i in everyone.all() if i is not None}
        await notifications.notify(db, recipients, actor=actor, kind=NotificationKind.NEWS, about=about)


def search_entry(post: Post, *, answer: str = "", poll: str = "") -> search.Entry:
    """What search keeps of a post: circle posts follow their circle, news and blogs are for all.
    A question's row says whether it is answered and holds its accepted `answer`, so that the
    answer's words find the question."""
    assert post.id is not None
    body = f"{post.lead}\n{post.body}" if post.lead else post.body
    body = f"{body}\n\n{poll}" if poll else body
    state = None
    if post.question:
        state = QuestionState.OPEN if post.accepted_comment_id is None else QuestionState.ANSWERED
        body = f"{body}\n\n{answer}" if answer else body
    return search.Entry(
        search.KIND_OF_POST[post.kind],
        post.id,
        post.title,
        body,
        circle_id=post.circle_id,
        audience=Audience.CIRCLE if post.kind is PostKind.POST else Audience.ORG,
        created_at=post.created_at,
        question=state,
    )


async def catalogue(db: AsyncSession, post: Post, *, new: bool = False) -> None:
    """Write the post's search row in the open unit of work, a question's accepted answer with it."""
    answer = ""
    if post.question and post.accepted_comment_id is not None:
        # A hidden answer is read by its author only: its words must find nothing.
        found = await db.exec(
            select(Comment.body).where(col(Comment.id) == post.accepted_comment_id, col(Comment.hidden_at).is_(None))
        )
        answer = found.first() or ""
    poll = await poll_state.search_text(db, post_target(post.id or 0))
    await search.index(db, search_entry(post, answer=answer, poll=poll), new=new)


async def post_data(db: AsyncSession, post: Post, author: User | None = None) -> dict[str, Any]:
    """What a page needs to show a post, as carried by its events."""
    author = author or await db.get(User, post.author_id)
    circle = await db.get(Circle, post.circle_id) if post.circle_id is not None else None
    return {
        "id": post.id,
        "kind": post.kind.value,
        "circle": {"id": circle.id, "name": circle.name, "color": circle.color} if circle else None,
        "author": accounts.author_data(author) if author else None,
        "title": post.title,
        "lead": post.lead,
        "html": post.html,
        "must_read": post.must_read,
        "question": post.question,
        "accepted_comment_id": post.accepted_comment_id,
        "featured_until": post.featured_until.isoformat() if post.featured_until else None,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "attachments": await attachments.data_of(db, post_target(post.id or 0)),
        "poll": await poll_state.data_of(db, post_target(post.id or 0)),
    }


def ensure_not_hidden(item: Post | Comment) -> None:
    """A hidden item is not changed until a moderator restores it: its edit's event would show
    the new text to every open tab of the circle."""
    if item.hidden_at is not None:
        raise Conflict(N_("A moderator has hidden this; it can be changed once it is restored."))


async def may_moderate(db: AsyncSession, user: User, post: Post | Comment, circle_id: int | None) -> bool:
    """The author, an organisation admin, or an admin of the circle the item is in; for
    organisation news also the editors (news may be a colleague's proposal they published)."""
    if isinstance(post, Post) and post.kind is PostKind.NEWS and is_editor(user):
        return True
    return post.author_id == user.id or await moderates(db, user, circle_id)


async def moderates(db: AsyncSession, user: User, circle_id: int | None) -> bool:
    """Whether `user` may change and delete what others wrote in the circle (organisation news
    and blogs: `circle_id` None): an organisation admin or an admin of the circle. Writing a post
    does not make its author a moderator of the comments under it."""
    if user.role is Role.ADMIN:
        return True
    if circle_id is None:
        return False
    membership = (
        await db.exec(select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == user.id))
    ).first()
    return membership is not None and membership.role is MemberRole.ADMIN


@writes
async def edit_post(
    db: AsyncSession,
    user: User,
    post_id: int,
    *,
    body: str | None = None,
    title: str | None = None,
    lead: str | None = None,
    featured_until: datetime | None = None,
    clear_featured: bool = False,
    must_read: bool | None = None,
) -> Post:
    post = await respondable_post(db, user, post_id)
    if not await may_moderate(db, user, post, post.circle_id):
        raise PermissionDenied(N_("Only the author or an admin may change this."))
    ensure_not_hidden(post)
    mentioned: set[int] = set()
    was_must_read = post.must_read
    if body is not None:
        post.body = clean_body(body)
        rendered = await markdown.render(db, post.body)
        post.html = rendered.html
        before = set((await db.exec(select(Mention.user_id).where(col(Mention.target) == post_target(post_id)))).all())
        await _replace_mentions(db, post_target(post_id), rendered.mentions)
        mentioned = set(rendered.mentions) - before
    if title is not None and post.kind is not PostKind.POST:
        post.title = clean_title(title, required=True)
    if lead is not None and post.kind is PostKind.NEWS:
        post.lead = clean_lead(lead)
    if post.kind is PostKind.NEWS:
        if (featured_until is not None or clear_featured or must_read is not None) and not is_editor(user):
            # A colleague whose proposal was published edits its text; pinning it and asking
            # everyone to confirm reading it stay with the editors.
            raise PermissionDenied(N_("Only editors may feature news or make it must-read."))
        if featured_until is not None or clear_featured:
            post.featured_until = featured_until
        if must_read is not None:
            post.must_read = must_read
    post.edited_at = utcnow()
    db.add(post)
    await catalogue(db, post)
    await events.record(db, topic_of(post), PostUpdated.model_validate(await post_data(db, post)))
    await _notify(db, user, post, mentioned, must_read=post.must_read and not was_must_read)
    return post


@writes
async def delete_post(db: AsyncSession, user: User, post_id: int) -> None:
    post = await access_post(db, user, post_id)
    if not await may_moderate(db, user, post, post.circle_id):
        raise PermissionDenied(N_("Only the author or an admin may delete this."))
    # Lock the post before the topic's head, in the order a new comment takes them (its insert
    # locks the post, then it records its event): the other order deadlocked with a comment
    # being added (trust case 9, on PostgreSQL). It also waits out comments being added, so
    # none is left out of what is forgotten below.
    await db.exec(select(Post.id).where(col(Post.id) == post_id).with_for_update())
    comment_ids = list((await db.exec(select(Comment.id).where(Comment.post_id == post_id))).all())
    targets = [post_target(post_id), *(comment_target(c) for c in comment_ids if c is not None)]
    await db.exec(delete(Reaction).where(col(Reaction.target).in_(targets)))
    await db.exec(delete(Mention).where(col(Mention.target).in_(targets)))
    await attachments.forget(db, targets)
    # Before the topic's head, in the order a vote takes them (its poll's row, then the head).
    await poll_state.forget(db, targets)
    deleted = PostDeleted(id=post_id, kind=post.kind.value, circle_id=post.circle_id)
    await search.unindex(db, search.KIND_OF_POST[post.kind], post_id)
    await events.record(db, topic_of(post), deleted)
    await notifications.forget(db, targets)
    await db.delete(post)


async def _replace_mentions(db: AsyncSession, target: str, user_ids: tuple[int, ...]) -> None:
    await db.exec(delete(Mention).where(col(Mention.target) == target))
    for user_id in user_ids:
        db.add(Mention(target=target, user_id=user_id))
