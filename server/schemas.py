"""JSON shapes of the API: request bodies are validated with these, responses built from them,
and `server.openapi` publishes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field, field_validator
from pydantic.config import JsonDict

from models import (
    Circle,
    CircleKind,
    CircleVisibility,
    DigestFrequency,
    MemberRole,
    Membership,
    NotificationKind,
    NotifyLevel,
    Role,
    User,
)
from models.base import MAX_ID
from server.params import Day, Moment, json_whole, person_name_pattern
from services import chat_retention, drafts, tags

# An id a client sends: a number outside this range names nothing and never reaches the database.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(json_whole)]
# Text the service trims, and refuses when nothing is left: at least one character that is not
# white space (and, like all request text, no NUL). \x1c-\x1f are spaces to Python's `strip`
# but not to every regex dialect's `\s`, so they are named.
WORDS = r"^[^\x00]*[^\x00\s\x1c-\x1f][^\x00]*$"
# A circle's name, spaces collapsed, has at least two characters: two that are not spaces.
CIRCLE_NAME = r"^[^\x00]*[^\x00\s\x1c-\x1f][^\x00]*[^\x00\s\x1c-\x1f][^\x00]*$"
# The kinds of circle people make; a conversation is started with `/api/v1/direct`.
MadeKind = Literal[CircleKind.KNOWLEDGE, CircleKind.TEAM, CircleKind.INTEREST]


class Strict(BaseModel):
    """A request body: unknown fields are refused, and so is the NUL character in any text
    (PostgreSQL cannot store it; no one types it; `server.openapi` gives every text a pattern
    saying so). Strict: a value is of its field's JSON type, so `true` is not the id 1 and `0` is
    not false."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("text may not contain the NUL character")
        return value


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class SessionIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class PersonOut(BaseModel):
    id: int
    name: str
    handle: str = Field(description="What to type after @ to mention this colleague.")
    job_title: str
    team: str
    location: str
    bio: str
    skills: list[str]
    avatar_url: str | None

    @classmethod
    def of(cls, user: User) -> PersonOut:
        return cls(
            id=user.id or 0,
            name=user.name,
            handle=user.email.split("@", 1)[0].lower(),
            job_title=user.job_title,
            team=user.team,
            location=user.location,
            bio=user.bio,
            skills=list(user.skills),
            avatar_url=f"/media/avatars/{user.avatar}" if user.avatar else None,
        )


class MeOut(PersonOut):
    email: str
    role: Role
    locale: str | None

    @classmethod
    def of(cls, user: User) -> MeOut:
        return cls(**PersonOut.of(user).model_dump(), email=user.email, role=user.role, locale=user.locale)


class SessionOut(BaseModel):
    user: MeOut
    csrf_token: str


class ProfileIn(Strict):
    name: str | None = Field(
        default=None,
        max_length=120,
        # `accounts.clean_name` refuses the rest; the pattern is built once the document is asked for.
        json_schema_extra=lambda schema: schema.update(pattern=person_name_pattern()),
    )
    job_title: str | None = Field(default=None, max_length=120)
    team: str | None = Field(default=None, max_length=120)
    location: str | None = Field(default=None, max_length=120)
    bio: str | None = Field(default=None, max_length=2000)
    skills: list[str] | None = Field(default=None, max_length=20)
    locale: Literal["nl", "en"] | None = None


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=100, pattern=WORDS)


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    token: str | None = Field(default=None, description="The secret; present only in the answer to its creation.")


class TokenList(BaseModel):
    items: list[TokenOut]
    next: str | None = None


class PeopleList(BaseModel):
    items: list[PersonOut]
    next: str | None


class CircleIn(Strict):
    name: str = Field(min_length=2, max_length=80, pattern=CIRCLE_NAME)
    description: str = Field(default="", max_length=2000)
    color: str = Field(default="#0b6e4f", pattern=r"^#[0-9a-fA-F]{6}$")
    kind: MadeKind
    visibility: CircleVisibility


class CirclePatch(Strict):
    name: str | None = Field(default=None, min_length=2, max_length=80, pattern=CIRCLE_NAME)
    description: str | None = Field(default=None, max_length=2000)
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    kind: MadeKind | None = None
    visibility: CircleVisibility | None = None
    # Fewer days than the organisation's KRING_CHAT_RETENTION_DAYS; null follows the organisation.
    chat_retention_days: Annotated[int, Field(ge=1, le=chat_retention.MAX_DAYS), BeforeValidator(json_whole)] | None = (
        None
    )


class CircleOut(BaseModel):
    id: int
    name: str
    description: str
    color: str
    kind: CircleKind
    visibility: CircleVisibility
    member_count: int
    is_member: bool
    my_role: MemberRole | None = None
    join_requested: bool = False
    invited: bool = False
    created_at: datetime
    # Days the circle's chat is kept (its own or the organisation's, the shorter); null: kept.
    chat_retention_days: int | None = None

    @classmethod
    def of(
        cls,
        circle: Circle,
        *,
        member_count: int,
        membership: Membership | None = None,
        chat_retention_days: int | None = None,
        **extra: bool,
    ) -> CircleOut:
        return cls(
            id=circle.id or 0,
            name=circle.name,
            description=circle.description,
            color=circle.color,
            kind=circle.kind,
            visibility=circle.visibility,
            member_count=member_count,
            is_member=membership is not None,
            my_role=membership.role if membership else None,
            created_at=circle.created_at,
            chat_retention_days=chat_retention_days,
            **extra,
        )


class CircleList(BaseModel):
    items: list[CircleOut]
    next: str | None


class JoinIn(Strict):
    message: str = Field(default="", max_length=500)


class JoinOut(BaseModel):
    status: Literal["joined", "requested"]
    circle: CircleOut


class MemberOut(BaseModel):
    user: PersonOut
    role: MemberRole
    joined_at: datetime


class MemberList(BaseModel):
    items: list[MemberOut]
    next: str | None


class JoinRequestOut(BaseModel):
    id: int
    user: PersonOut
    message: str
    created_at: datetime


class JoinRequestList(BaseModel):
    items: list[JoinRequestOut]
    next: str | None = None


class DecisionIn(Strict):
    approve: bool


class InviteIn(Strict):
    user_id: Id


class RoleIn(Strict):
    role: MemberRole


class InvitationOut(BaseModel):
    id: int
    circle_id: int
    user_id: int
    status: str
    created_at: datetime


class Ok(BaseModel):
    ok: Literal[True] = True


class PersonRef(BaseModel):
    id: int
    name: str


class CircleRef(BaseModel):
    id: int
    name: str
    color: str


class ReactionsOut(BaseModel):
    counts: dict[str, int]
    mine: list[str]


# A post's text over the limit is refused by the service (services.posts), with the message the
# page shows too; the document still names the limit.
POST_BODY_LIMIT: JsonDict = {"maxLength": 20_000}


# The drafts (`POST /api/v1/attachments`) an item takes with it; with any, its text may be empty.
Attachments = Annotated[list[Id], Field(default_factory=list, max_length=50)]
TEXT_OR_NONE = r"^[^\x00]*$"


class AttachmentOut(BaseModel):
    """A photo or file on an item (or a draft of yours). Its bytes are served to the item's
    readers only: a photo at `photo_url` (re-encoded, without metadata) and `thumb_url`, a file
    at `file_url`."""

    id: int
    kind: Literal["photo", "file"]
    name: str
    size: int
    content_type: str
    width: int = 0
    height: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def photo_url(self) -> str | None:
        return f"/attachments/{self.id}/photo" if self.kind == "photo" else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def thumb_url(self) -> str | None:
        return f"/attachments/{self.id}/thumb" if self.kind == "photo" else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def file_url(self) -> str:
        return f"/attachments/{self.id}/file"


class KeptDocumentOut(BaseModel):
    id: int
    url: str


class PollIn(Strict):
    """A poll asked with a post or a chat message (then its text may be empty)."""

    question: str = Field(min_length=1, max_length=300, pattern=WORDS)
    options: list[Annotated[str, Field(min_length=1, max_length=200, pattern=WORDS)]] = Field(
        min_length=2, max_length=10, description="2 to 10 different options, in the order shown."
    )
    max_choices: int = Field(default=1, ge=1, le=10, description="1: one choice; more: up to that many options.")
    anonymous: bool = Field(default=False, description="No answer or event ever says who chose what.")
    closes_at: Moment | None = Field(default=None, description="When it closes by itself; with its time zone.")


class PollOptionOut(BaseModel):
    id: int
    label: str
    votes: int
    voters: list[PersonRef] | None = Field(description="Who chose it; null in an anonymous poll.")


class PollStateOut(BaseModel):
    """A poll as every reader of its item sees it."""

    id: int
    target: str = Field(description="The item it is in: post:{id} or message:{id}.")
    author_id: int
    question: str
    max_choices: int
    anonymous: bool
    closes_at: datetime | None
    closed: bool
    voters: int = Field(description="How many colleagues voted.")
    options: list[PollOptionOut]


class PollOut(PollStateOut):
    mine: list[int] = Field(description="The options you chose (in the options' order).")


class VoteIn(Strict):
    options: list[Id] = Field(max_length=10, description="Your choices; none withdraws your vote.")


class PostIn(Strict):
    body: str = Field(default="", pattern=TEXT_OR_NONE, json_schema_extra=POST_BODY_LIMIT)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    attachments: Attachments
    question: bool = Field(default=False, description="A question to the circle: its comments are its answers.")
    poll: PollIn | None = None


class NewsIn(Strict):
    title: str = Field(min_length=1, pattern=WORDS, max_length=200)
    lead: str = Field(default="", max_length=500)
    body: str = Field(min_length=1, pattern=WORDS, json_schema_extra=POST_BODY_LIMIT)
    featured_until: Moment | None = None
    must_read: bool = False
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


class BlogIn(Strict):
    title: str = Field(min_length=1, pattern=WORDS, max_length=200)
    body: str = Field(min_length=1, pattern=WORDS, json_schema_extra=POST_BODY_LIMIT)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


class PostPatch(Strict):
    body: str | None = Field(default=None, min_length=1, pattern=WORDS, json_schema_extra=POST_BODY_LIMIT)
    title: str | None = Field(default=None, min_length=1, pattern=WORDS, max_length=200)
    lead: str | None = Field(default=None, max_length=500)
    featured_until: Moment | None = None
    must_read: bool | None = None


class PostOut(BaseModel):
    id: int
    kind: str
    circle: CircleRef | None
    author: PersonRef | None
    title: str
    lead: str
    body: str
    html: str
    cover_url: str | None
    featured_until: datetime | None
    must_read: bool
    question: bool = Field(description="A question to the circle: its comments are its answers.")
    accepted_comment_id: int | None = Field(description="The question's accepted answer (a comment), if any.")
    read_by_me: bool
    comment_count: int
    reactions: ReactionsOut
    views: int
    created_at: datetime
    edited_at: datetime | None
    attachments: list[AttachmentOut] = []
    poll: PollStateOut | None = None


class PostList(BaseModel):
    items: list[PostOut]
    next: str | None


class CommentIn(Strict):
    body: str = Field(default="", pattern=TEXT_OR_NONE, max_length=20_000)
    parent_id: Id | None = None
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    attachments: Attachments


class AcceptIn(Strict):
    comment_id: Id = Field(description="The comment (not a reply) to accept as the answer.")


class CommentPatch(Strict):
    body: str = Field(min_length=1, pattern=WORDS, max_length=20_000)


class CommentOut(BaseModel):
    id: int
    post_id: int
    parent_id: int | None
    author: PersonRef
    body: str
    html: str
    reactions: ReactionsOut
    created_at: datetime
    edited_at: datetime | None
    attachments: list[AttachmentOut] = []
    accepted: bool = Field(default=False, description="The accepted answer to its question (listed first).")


class CommentList(BaseModel):
    items: list[CommentOut]
    next: str | None = None


class ReactorOut(BaseModel):
    user: PersonRef
    emoji: str


class ReactorList(BaseModel):
    items: list[ReactorOut]
    next: str | None = None


class ReadersOut(BaseModel):
    read: list[PersonRef]
    unread: list[PersonRef]


class MessageIn(Strict):
    body: str = Field(default="", pattern=TEXT_OR_NONE, max_length=100_000)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    reply_to_id: Id | None = None
    attachments: Attachments
    poll: PollIn | None = None


class MessagePatch(Strict):
    body: str = Field(min_length=1, pattern=WORDS, max_length=100_000)


class QuoteOut(BaseModel):
    id: int
    author: str
    excerpt: str


class MessageOut(BaseModel):
    id: int
    circle_id: int
    author: PersonRef | None
    body: str
    html: str
    reply_to: QuoteOut | None
    client_id: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    attachments: list[AttachmentOut] = []
    poll: PollStateOut | None = None


class MessageList(BaseModel):
    items: list[MessageOut]
    next: str | None


class ReadIn(Strict):
    message_id: Id


class ReadOut(BaseModel):
    circle_id: int
    message_id: int


class UnreadOut(BaseModel):
    circles: dict[str, int] = Field(description="Unread messages per circle id (circles with none are left out).")


class PresenceOut(BaseModel):
    states: dict[str, str] = Field(description="user id -> active, away or offline")


class ConversationIn(Strict):
    user_ids: list[Id] = Field(min_length=1, max_length=9)


class ConversationOut(BaseModel):
    id: int
    people: list[PersonRef]


class ConversationList(BaseModel):
    items: list[ConversationOut]
    next: str | None = None


class BadgeOut(BaseModel):
    count: int = Field(description="What the tab badge shows: the sum of the parts named in `counted`.")
    notifications: int
    direct: int = Field(description="Unread direct messages.")
    chat: int = Field(default=0, description="Unread chat messages in circles not muted (conversations aside).")
    counted: list[str] = Field(
        default=["notifications", "direct", "chat"], description="The parts the colleague counts in the tab title."
    )


class NotificationOut(BaseModel):
    id: int
    kind: NotificationKind
    subject: str = Field(description='What it is about: "post:12", "comment:5", "message:9" or "circle:3".')
    text: str = Field(description="The sentence, in the caller's language.")
    title: str = Field(description="The item, shortened (a circle's name for join requests and invitations).")
    detail: str = Field(description="The newest activity: an emoji, an excerpt, or approved/declined.")
    url: str
    circle_id: int | None
    actors: list[PersonRef] = Field(description="The newest few who acted, newest first.")
    actor_count: int
    read: bool


class VersionOut(BaseModel):
    number: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: int
    created_at: datetime
    extraction: Literal["pending", "done", "failed", "none"] = Field(
        description="Text extraction for search: waiting, done, failed (the file is kept), or nothing to read."
    )
    extraction_error: str
    download_url: str


class VersionList(BaseModel):
    items: list[VersionOut]


class DocumentOut(BaseModel):
    id: int
    title: str
    description: str
    tags: list[str]
    circle: CircleRef | None = Field(description="The owning circle; null when the organisation owns it.")
    responsible: PersonRef | None
    review_by: date | None
    review_overdue: bool
    created_by: int
    created_at: datetime
    updated_at: datetime
    current_version: VersionOut | None


class DocumentList(BaseModel):
    items: list[DocumentOut]
    more: bool


class DocumentPatch(Strict):
    title: str | None = Field(default=None, min_length=1, pattern=WORDS, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    tags: list[str] | None = Field(default=None, max_length=tags.MAX_PER_ITEM)
    responsible_id: Id | None = None
    review_by: Day | None = None


class PageIn(Strict):
    title: str = Field(min_length=1, pattern=WORDS, max_length=200)
    body: str = Field(min_length=1, pattern=WORDS, max_length=100_000)
    tags: list[str] = Field(default_factory=list, max_length=tags.MAX_PER_ITEM)
    circle_id: Id | None = None


class PagePatch(Strict):
    title: str | None = Field(default=None, min_length=1, pattern=WORDS, max_length=200)
    body: str | None = Field(default=None, min_length=1, pattern=WORDS, max_length=100_000)
    tags: list[str] | None = Field(default=None, max_length=tags.MAX_PER_ITEM)
    base_revision: Annotated[int, Field(ge=0, le=MAX_ID), BeforeValidator(json_whole)] | None = Field(
        default=None,
        description="The revision you started from; a later save by someone else answers 409.",
    )


class PageOut(BaseModel):
    id: int
    title: str
    body: str
    html: str
    tags: list[str]
    circle: CircleRef | None
    revision: int
    created_by: int
    updated_by: int
    created_at: datetime
    updated_at: datetime


class NotificationList(BaseModel):
    items: list[NotificationOut]
    next: str | None = Field(description="Pass as `before` for older notifications.")


class NotificationsReadIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "description": 'Either "ids" or "all": true.',
            "oneOf": [
                {"required": ["ids"], "properties": {"ids": {"type": "array"}, "all": {"const": False}}},
                {"required": ["all"], "properties": {"all": {"const": True}, "ids": {"type": "null"}}},
            ],
        }
    )

    ids: list[Id] | None = Field(default=None, max_length=500)
    all: bool = False


class NotificationSettingsOut(BaseModel):
    muted_kinds: list[NotificationKind] = Field(description="Kinds that do not notify you.")
    digest: DigestFrequency
    circles: dict[str, NotifyLevel] = Field(description="Per circle you belong to: all, mentions or muted.")


class NotificationSettingsIn(Strict):
    muted_kinds: list[NotificationKind] | None = None
    digest: DigestFrequency | None = None


class CircleNotifyIn(Strict):
    level: NotifyLevel


class CircleNotifyOut(BaseModel):
    circle_id: int
    level: NotifyLevel


class PageList(BaseModel):
    items: list[PageOut]
    more: bool


class RevisionOut(BaseModel):
    number: int
    title: str
    body: str
    editor_id: int
    created_at: datetime


class RevisionList(BaseModel):
    items: list[RevisionOut]


class TagOut(BaseModel):
    name: str
    count: int = Field(description="Items you may read that carry the tag.")


class TagList(BaseModel):
    items: list[TagOut]


class SearchHitOut(BaseModel):
    type: str
    id: int
    title: str
    snippet_html: str = Field(description="An excerpt, HTML-escaped, with the words found in <mark>.")
    url: str
    tags: list[str]
    circle_id: int | None
    created_at: datetime
    updated_at: datetime
    question: Literal["open", "answered"] | None = Field(
        default=None, description="A question post: open (no accepted answer yet) or answered; null for anything else."
    )


class SearchOut(BaseModel):
    items: list[SearchHitOut]
    more: bool


class MarkdownIn(Strict):
    body: str = Field(max_length=drafts.MAX_BODY)
    # A knowledge page's text also links `[[Title]]` to the page of that title.
    kind: Literal["text", "page"] = "text"


class MarkdownOut(BaseModel):
    html: str  # as the text will show once sent: the same renderer, mentions linked


class InlineImageOut(BaseModel):
    url: str
    markdown: str  # `![alt](url)`, to put in the text where the picture goes


class DraftIn(Strict):
    body: str = Field(max_length=drafts.MAX_BODY)


class DraftOut(BaseModel):
    form_key: str
    body: str
    updated_at: datetime
