"""Every kind of event in the log, one class each: its kind, its topics, its payload, and what it
changes about who receives a circle's topic.

The realtime hub routes on the declarations below, never on kind names, so a new kind that
closes a circle for someone says so here and is routed correctly without touching the hub.
`docs/protocol.md` lists the same kinds, topics and fields; a test holds the two together.

Events already in the log are plain dicts written by earlier versions: `parse` reads them, and
validators fill what those versions did not yet write (`member.joined` before `user_id`).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from services.access import outsiders_read

log = logging.getLogger("kring.events")

TopicKind = Literal["circle", "user", "org"]
CIRCLE: frozenset[TopicKind] = frozenset({"circle"})
USER: frozenset[TopicKind] = frozenset({"user"})
CIRCLE_OR_ORG: frozenset[TopicKind] = frozenset({"circle", "org"})
CIRCLE_AND_USER: frozenset[TopicKind] = frozenset({"circle", "user"})
ORG: frozenset[TopicKind] = frozenset({"org"})


class Payload(BaseModel):
    """A part of an event's data; unknown fields are refused when an event is made."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Payload):
    id: int
    name: str


class MemberPerson(Payload):
    id: int
    name: str
    job_title: str
    avatar: str | None = None


class Author(Payload):
    id: int
    name: str
    avatar: str | None = None
    former: bool = False  # deactivated: pages mark the name as a former colleague's
    is_assistant: bool = False  # the organisation's virtual colleague: pages show the branding's picture


class CircleRef(Payload):
    id: int
    name: str
    color: str


class AttachmentRef(Payload):
    """A photo or file on an item; its bytes are fetched by URL, under the item's access rule."""

    id: int
    kind: Literal["photo", "file"]
    name: str
    size: int
    content_type: str
    width: int = 0
    height: int = 0


class QuotedMessage(Payload):
    id: int
    author: str
    excerpt: str


class PollOptionState(Payload):
    id: int
    label: str
    votes: int
    # Who chose it, in a named poll; None in an anonymous one, whose voters no event names.
    voters: list[Person] | None = None


class PollState(Payload):
    """A poll's question, options and results as every reader of its item sees them
    (services/polls.py `state_of`): nothing in it differs per reader."""

    id: int
    target: str  # the item it is in: "post:12", "message:7"
    author_id: int
    question: str
    max_choices: int  # 1: one choice
    anonymous: bool
    closes_at: str | None  # ISO 8601 with its offset; past it nobody votes
    closed: bool  # closed early, or past `closes_at` when the state was taken
    voters: int  # colleagues who voted
    options: list[PollOptionState]


class Event(Payload):
    """An event's payload (its `data`), with the kind's declarations as class attributes."""

    KIND: ClassVar[str] = ""
    TOPICS: ClassVar[frozenset[TopicKind]] = frozenset()
    # Only the circle's members receive it; colleagues following an open circle do not.
    MEMBERS_ONLY: ClassVar[bool] = False
    # Closes the sockets of a session, a token or a user (`ends_session`).
    ENDS_SESSION: ClassVar[bool] = False
    # Opens the circle to the colleague it is about (`affected_user_id`).
    GRANTS_ACCESS: ClassVar[bool] = False
    # Revokes the colleague it is about: out of the circle, and out of its topic unless it stays
    # open to them (`open_after`).
    REVOKES_ACCESS: ClassVar[bool] = False
    # Changes the circle's visibility, which can close it to, or open it for, the colleagues who
    # follow it from outside (`open_after`).
    CHANGES_VISIBILITY: ClassVar[bool] = False
    # Derived: any of the three above, so the event can take a socket out of a circle's topic
    # or bring it back in.
    CHANGES_ACCESS: ClassVar[bool] = False
    # Derived: its recipients are decided per socket rather than "every follower".
    ROUTED: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.CHANGES_ACCESS = cls.GRANTS_ACCESS or cls.REVOKES_ACCESS or cls.CHANGES_VISIBILITY
        cls.ROUTED = cls.MEMBERS_ONLY or cls.CHANGES_ACCESS

    def affected_user_id(self) -> int | None:
        """The colleague whose standing in the circle the event is about, if any."""
        return None

    def open_after(self) -> bool | None:
        """Whether the circle is open to outsiders after the event (None: the event does not say)."""
        return None

    def archived_after(self) -> bool | None:
        """Whether the circle is archived (read-only) after the event (None: the event does not say)."""
        return None

    def ends_session(self, session_id: int | None, token_id: int | None) -> bool:
        """Whether a socket opened with this session or token must close."""
        return False

    def data(self) -> dict[str, Any]:
        """The payload as stored in the log and sent to clients."""
        return self.model_dump(mode="json")


class MemberJoined(Event):
    KIND = "member.joined"
    TOPICS = CIRCLE
    GRANTS_ACCESS = True

    circle_id: int
    user_id: int
    user: MemberPerson
    role: str

    @model_validator(mode="before")
    @classmethod
    def _user_id_from_user(cls, data: Any) -> Any:
        # Written before `user_id` existed: the colleague was only in `user.id`.
        if isinstance(data, dict) and "user_id" not in data and isinstance(data.get("user"), dict):
            return {**data, "user_id": data["user"].get("id")}
        return data

    def affected_user_id(self) -> int:
        return self.user_id


class MemberLeft(Event):
    KIND = "member.left"
    TOPICS = CIRCLE
    REVOKES_ACCESS = True

    circle_id: int
    user_id: int
    reason: Literal["left", "removed", "deactivated"]
    # Tells every hub whether the leaver may go on following the topic.
    visibility: str

    def affected_user_id(self) -> int:
        return self.user_id

    def open_after(self) -> bool:
        return outsiders_read(self.visibility)


class MemberUpdated(Event):
    KIND = "member.updated"
    TOPICS = CIRCLE

    circle_id: int
    user_id: int
    role: str

    def affected_user_id(self) -> int:
        return self.user_id


class CircleUpdated(Event):
    KIND = "circle.updated"
    TOPICS = CIRCLE
    CHANGES_VISIBILITY = True

    id: int
    name: str
    description: str
    color: str
    kind: str
    visibility: str
    archived: bool = False  # read-only for everyone (services.access.Standing.archived)

    def open_after(self) -> bool:
        return outsiders_read(self.visibility)

    def archived_after(self) -> bool:
        return self.archived


class SessionEnded(Event):
    """Exactly one of the three says whose sockets close."""

    KIND = "session.ended"
    TOPICS = USER
    ENDS_SESSION = True

    session_id: int | None = None
    token_id: int | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> SessionEnded:
        if sum([self.session_id is not None, self.token_id is not None, self.all]) != 1:
            raise ValueError("session.ended names one session, one token, or all")
        return self

    def ends_session(self, session_id: int | None, token_id: int | None) -> bool:
        return (
            self.all
            or (self.session_id is not None and self.session_id == session_id)
            or (self.token_id is not None and self.token_id == token_id)
        )

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


class _PostData(Event):
    TOPICS = CIRCLE_OR_ORG

    id: int
    kind: str
    circle: CircleRef | None
    author: Author | None
    title: str
    lead: str
    html: str
    must_read: bool
    # A question, and its accepted answer (a comment's id) once there is one.
    question: bool = False
    accepted_comment_id: int | None = None
    featured_until: str | None
    created_at: str
    edited_at: str | None
    attachments: list[AttachmentRef] = []
    poll: PollState | None = None


class PostCreated(_PostData):
    KIND = "post.created"


class PostUpdated(_PostData):
    KIND = "post.updated"


class QuestionMarked(Event):
    """A post was marked as a question, or no longer is (services/questions.py)."""

    KIND = "question.marked"
    TOPICS = CIRCLE

    post_id: int
    question: bool
    accepted_comment_id: int | None


class AnswerAccepted(Event):
    """A question's accepted answer changed: `comment_id` is now accepted (None: none is, the
    acceptance was withdrawn or its comment deleted); `previous_id` was before."""

    KIND = "answer.accepted"
    TOPICS = CIRCLE

    post_id: int
    comment_id: int | None
    previous_id: int | None


class PostDeleted(Event):
    KIND = "post.deleted"
    TOPICS = CIRCLE_OR_ORG

    id: int
    kind: str
    circle_id: int | None


class _CommentData(Event):
    TOPICS = CIRCLE_OR_ORG

    id: int
    post_id: int
    parent_id: int | None
    author: Author
    body: str
    html: str
    created_at: str
    edited_at: str | None
    attachments: list[AttachmentRef] = []


class CommentCreated(_CommentData):
    KIND = "comment.created"


class CommentUpdated(_CommentData):
    KIND = "comment.updated"


class CommentDeleted(Event):
    KIND = "comment.deleted"
    TOPICS = CIRCLE_OR_ORG

    id: int
    post_id: int
    replies: list[int]


class ReactionUpdated(Event):
    KIND = "reaction.updated"
    TOPICS = CIRCLE_OR_ORG

    target: str
    counts: dict[str, int]
    user_id: int
    emoji: str
    on: bool


class PollUpdated(Event):
    """A poll's results or state changed: a vote given, changed or withdrawn, or the poll closed
    (services/polls.py). Carries the whole state, computed with the topic's head locked, so the
    last event a tab receives holds the current figures. It never says who acted: a named
    poll's state lists every option's voters, which its readers see anyway; an anonymous poll's
    has counts only."""

    KIND = "poll.updated"
    TOPICS = CIRCLE

    poll: PollState


class NewsRead(Event):
    KIND = "news.read"
    TOPICS = USER

    post_id: int


class _MessageData(Event):
    TOPICS = CIRCLE

    id: int
    circle_id: int
    author: Author | None  # with the picture, which the chat shows beside a run of messages
    body: str
    html: str
    reply_to: QuotedMessage | None
    client_id: str | None
    created_at: str
    edited_at: str | None
    deleted: bool
    attachments: list[AttachmentRef] = []
    poll: PollState | None = None


class MessageCreated(_MessageData):
    KIND = "message.created"


class MessageUpdated(_MessageData):
    KIND = "message.updated"


class MessageDeleted(_MessageData):
    KIND = "message.deleted"


class BadgeChanged(Event):
    KIND = "badge.changed"
    TOPICS = USER

    count: int
    notifications: int
    direct: int
    chat: int = 0  # written since the chat count came; older events had none
    counted: list[str] = ["notifications", "direct", "chat"]


class ChatRead(Event):
    KIND = "chat.read"
    TOPICS = CIRCLE_AND_USER
    MEMBERS_ONLY = True

    circle_id: int
    message_id: int
    user: Person


class ImportProgress(Event):
    """How far a group-drive import started in the console is, for the admin who started it
    (`services.drive_import`): at most a few a second while it runs, then one with its end."""

    KIND = "import.progress"
    TOPICS = USER

    import_id: str
    name: str
    phase: Literal["unpacking", "importing", "done", "refused", "failed"]
    total: int
    read: int
    extracted: int
    imported: int
    duplicates: int
    junk: int


class BrandingChanged(Event):
    """The branding in effect after an administrator's change (`services.branding`)."""

    KIND = "branding.changed"
    TOPICS = ORG

    revision: int
    name: str
    color: str
    shade: str
    logo: str | None
    favicon: str
    assistant_name: str
    assistant_picture: str | None


def _concrete(base: type[Event]) -> list[type[Event]]:
    found = []
    for cls in base.__subclasses__():
        if cls.KIND:
            found.append(cls)
        found.extend(_concrete(cls))
    return found


EVENT_TYPES: dict[str, type[Event]] = {cls.KIND: cls for cls in _concrete(Event)}
MEMBERS_ONLY_KINDS = frozenset(kind for kind, cls in EVENT_TYPES.items() if cls.MEMBERS_ONLY)
ACCESS_KINDS = tuple(sorted(kind for kind, cls in EVENT_TYPES.items() if cls.CHANGES_ACCESS))
VISIBILITY_KINDS = tuple(sorted(kind for kind, cls in EVENT_TYPES.items() if cls.CHANGES_VISIBILITY))


def type_of(kind: str) -> type[Event]:
    """The class of `kind`; `Event` itself, which changes nothing, for a kind this version does
    not know (written by a newer one)."""
    return EVENT_TYPES.get(kind, Event)


def parse(kind: str, data: dict[str, Any]) -> Event:
    """The typed event from a stored or published one. Data that does not fit its class (which
    this version never writes) is read as an event that changes nothing, as the dict-reading
    code before it did, rather than stopping the topic."""
    cls = type_of(kind)
    known = {name: value for name, value in data.items() if name in cls.model_fields}
    try:
        return cls.model_validate(known)
    except ValidationError:
        log.exception("a %s event does not fit its class; read as one that changes nothing", kind)
        return Event()


def topic_kind(topic: str) -> str:
    return topic.split(":", 1)[0]
