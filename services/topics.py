"""Realtime topics and who may subscribe to them.

- `org`: organisation news and blogs; every active colleague.
- `circle:{id}`: that circle's posts, comments, reactions, chat and membership changes; anyone
  for an open circle, members only for closed and secret ones.
- `user:{id}`: that colleague's notifications, unread counts and read markers; them alone.
A topic that does not exist for the user (a malformed name, a missing circle, a secret circle
they are not in) is `NotFound`; one that exists but is not theirs is `PermissionDenied`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from models.base import MAX_ID
from services import events
from services.access import Standing, outsiders_read, standing
from services.errors import N_, NotFound, PermissionDenied

ORG = events.ORG_TOPIC
circle_topic = events.circle_topic
user_topic = events.user_topic
# Matched whole (`fullmatch`): with `match` and `$`, "circle:1\n" would pass, since `$` also
# matches before a final newline.
_TOPIC = re.compile(r"(org)|(circle|user):([1-9][0-9]{0,9})")


@dataclass(frozen=True)
class Topic:
    name: str
    kind: str  # "org", "circle" or "user"
    id: int | None = None


def parse(name: str) -> Topic | None:
    match = _TOPIC.fullmatch(name)
    if match is None:
        return None
    if match.group(1):
        return Topic(ORG, ORG)
    if int(match.group(3)) > MAX_ID:
        return None
    return Topic(name, match.group(2), int(match.group(3)))


@dataclass(frozen=True)
class TopicAccess:
    topic: Topic
    member: bool  # for circles: whether the user is a member (else they follow an open circle)
    open: bool = True  # for circles: whether it is open now
    standing: Standing | None = None  # for circles: the user's standing in it now


async def authorize(db: AsyncSession, user: User, name: str) -> Topic:
    """The topic, if `user` may subscribe to it now; else `NotFound` or `PermissionDenied`."""
    return (await access(db, user, name)).topic


def precheck(user: User, name: str) -> Topic:
    """What can be refused without the database: a malformed name, someone else's user topic."""
    topic = parse(name)
    if topic is None:
        raise NotFound(N_("No such topic."))
    if topic.kind == "user" and topic.id != user.id:
        raise PermissionDenied(N_("That topic belongs to someone else."))
    return topic


async def access(db: AsyncSession, user: User, name: str) -> TopicAccess:
    """Like `authorize`, also saying whether the user is a member of the topic's circle."""
    topic = precheck(user, name)
    if topic.kind == "circle":
        assert topic.id is not None
        found = await standing(db, user, topic.id)
        found.ensure_read(N_("Only members may follow this circle live."))
        return TopicAccess(topic, found.is_member, outsiders_read(found.visibility), found)
    return TopicAccess(topic, True)
