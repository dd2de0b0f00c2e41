"""Reactions: a small fixed set of emoji, one of each per colleague per post or comment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import REACTIONS, Comment, Message, NotificationKind, Reaction, User
from models.base import utcnow
from services import events, notifications
from services.access import circle_of_item
from services.errors import N_, Invalid, NotFound
from services.event_types import ReactionUpdated
from services.posts import access_post, comment_target, post_target, respondable_post, topic_of
from services.transactions import writes


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)  # emoji -> number, in REACTIONS order
    mine: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Target:
    key: str  # "post:12"
    topic: str  # where its events go
    owner_id: int  # who hears of reactions to it
    about: notifications.About


async def _target(db: AsyncSession, user: User, kind: str, target_id: int, *, respond: bool = True) -> _Target:
    """The reaction target, if `user` may see it (and react to it, when `respond`: not in an
    archived circle)."""
    load = respondable_post if respond else access_post
    if kind == "post":
        post = await load(db, user, target_id)
        return _Target(post_target(target_id), topic_of(post), post.author_id, notifications.about_post(post))
    if kind == "comment":
        comment = await db.get(Comment, target_id)
        if comment is None:
            raise NotFound(N_("No such comment."))
        post = await load(db, user, comment.post_id)
        about = notifications.about_comment(comment, post)
        return _Target(comment_target(target_id), topic_of(post), comment.author_id, about)
    if kind == "message":
        message = await db.get(Message, target_id)
        if message is None or message.deleted_at is not None:
            raise NotFound(N_("No such message."))
        access = await circle_of_item(db, user, message.circle_id, N_("No such message."))
        if respond:
            access.standing.ensure_respond()
        topic = events.circle_topic(message.circle_id)
        return _Target(f"message:{target_id}", topic, message.author_id, notifications.about_message(message))
    raise NotFound(N_("No such item."))


@writes
async def set_reaction(db: AsyncSession, user: User, kind: str, target_id: int, emoji: str, *, on: bool) -> Summary:
    """Add (`on`) or take back one reaction; doing either twice changes nothing."""
    if emoji not in REACTIONS:
        raise Invalid(N_("That reaction does not exist."), field="emoji")
    found = await _target(db, user, kind, target_id)
    target = found.key
    # Insert-or-nothing, so the same reaction sent twice at once (two tabs, a double click) is
    # stored once and the second sender just sees it, rather than a unique-key error.
    if on:
        inserted = await db.exec(
            events.upsert_insert(db)(Reaction)
            .values(target=target, user_id=user.id or 0, emoji=emoji, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["target", "user_id", "emoji"])
        )
        changed = bool(inserted.rowcount)
    else:
        removed = await db.exec(
            delete(Reaction).where(
                col(Reaction.target) == target, col(Reaction.user_id) == user.id, col(Reaction.emoji) == emoji
            )
        )
        changed = bool(removed.rowcount)
    await db.flush()
    counts = await _counts(db, [target])
    if changed:
        updated = ReactionUpdated(
            target=target, counts=counts.get(target, {}), user_id=user.id or 0, emoji=emoji, on=on
        )
        await events.record(db, found.topic, updated)
        if on:
            await notifications.notify(
                db, [found.owner_id], actor=user, kind=NotificationKind.REACTION, about=found.about, detail=emoji
            )
    summary = Summary(counts.get(target, {}))
    summary.mine = await _mine(db, user, [target])
    return summary


async def _counts(db: AsyncSession, targets: Sequence[str]) -> dict[str, dict[str, int]]:
    if not targets:
        return {}
    rows = await db.exec(
        select(Reaction.target, Reaction.emoji, func.count())
        .where(col(Reaction.target).in_(targets))
        .group_by(col(Reaction.target), col(Reaction.emoji))
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for target, emoji, count in rows.all():
        found[target][emoji] = count
    return {t: {e: c[e] for e in REACTIONS if e in c} for t, c in found.items()}


async def _mine(db: AsyncSession, user: User, targets: Sequence[str]) -> set[str]:
    rows = await db.exec(select(Reaction.emoji).where(col(Reaction.target).in_(targets), Reaction.user_id == user.id))
    return set(rows.all())


async def summaries(db: AsyncSession, user: User, targets: Sequence[str]) -> dict[str, Summary]:
    """Counts and the user's own reactions for many targets at once (a page of the stream)."""
    counts = await _counts(db, targets)
    result = {t: Summary(counts.get(t, {})) for t in targets}
    if targets:
        rows = await db.exec(
            select(Reaction.target, Reaction.emoji).where(
                col(Reaction.target).in_(targets), Reaction.user_id == user.id
            )
        )
        for target, emoji in rows.all():
            result[target].mine.add(emoji)
    return result


async def names(db: AsyncSession, targets: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """Who gave each reaction, by target and emoji, for targets the caller may already see."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    if targets:
        rows = await db.exec(
            select(Reaction.target, Reaction.emoji, User.name)
            .join(User, col(User.id) == col(Reaction.user_id))
            .where(col(Reaction.target).in_(targets))
            .order_by(col(Reaction.id))
        )
        for target, emoji, name in rows.all():
            found[target][emoji].append(name)
    return {t: dict(by_emoji) for t, by_emoji in found.items()}


async def who_reacted(db: AsyncSession, user: User, kind: str, target_id: int) -> list[tuple[User, str]]:
    target = (await _target(db, user, kind, target_id, respond=False)).key
    rows = await db.exec(
        select(User, Reaction.emoji)
        .join(Reaction, col(Reaction.user_id) == col(User.id))
        .where(Reaction.target == target)
        .order_by(col(Reaction.id))
    )
    return [(u, e) for u, e in rows.all()]
