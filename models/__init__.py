"""Kring's tables. Models know nothing of HTTP, WebSockets or the broker."""

from models.assistant import AskState, AssistantQuestion, QuestionSource
from models.attachment import Attachment, AttachmentKind
from models.audit import AuditEntry
from models.auth import ApiToken, LoginFailure, UserSession
from models.branding import Branding
from models.care import CareMark, UnansweredQuestion
from models.chat import Message, ReadMarker
from models.circle import (
    CIRCLE_KINDS,
    Circle,
    CircleKind,
    CircleVisibility,
    Invitation,
    JoinRequest,
    MemberRole,
    Membership,
    NotifyLevel,
    RequestStatus,
)
from models.credentials import AccountInvitation, LastSignIn, PasswordReset
from models.data_export import DataExport, ExportState
from models.draft import Draft
from models.event import Event, RealtimeMeta, TopicHead
from models.knowledge import Document, DocumentVersion, Extraction, KnowledgePage, PageRevision
from models.moderation import Report, ReportedKind, ReportState
from models.news_proposal import NewsProposal, ProposalState
from models.notification import DigestFrequency, Notification, NotificationKind, NotificationSettings
from models.poll import Poll, PollBallot, PollOption, PollVote, PollVoter
from models.post import REACTIONS, CircleFollow, Comment, Mention, NewsRead, Post, PostKind, PostView, Reaction
from models.provisioning import ProvisionedGroup, ProvisionedUser, ScimToken
from models.search import Audience, ItemKind, QuestionState, SearchItem, SearchSynonym, Tag, Tagging
from models.sign_on import SignOnLink, SignOnRequest
from models.user import Role, User, UserKind

__all__ = [
    "CIRCLE_KINDS",
    "REACTIONS",
    "AccountInvitation",
    "ApiToken",
    "AskState",
    "AssistantQuestion",
    "Attachment",
    "AttachmentKind",
    "Audience",
    "AuditEntry",
    "Branding",
    "CareMark",
    "Circle",
    "CircleFollow",
    "CircleKind",
    "CircleVisibility",
    "Comment",
    "DataExport",
    "DigestFrequency",
    "Document",
    "DocumentVersion",
    "Draft",
    "Event",
    "ExportState",
    "Extraction",
    "Invitation",
    "ItemKind",
    "JoinRequest",
    "KnowledgePage",
    "LastSignIn",
    "LoginFailure",
    "MemberRole",
    "Membership",
    "Mention",
    "Message",
    "NewsProposal",
    "NewsRead",
    "Notification",
    "NotificationKind",
    "NotificationSettings",
    "NotifyLevel",
    "PageRevision",
    "PasswordReset",
    "Poll",
    "PollBallot",
    "PollOption",
    "PollVote",
    "PollVoter",
    "Post",
    "PostKind",
    "PostView",
    "ProposalState",
    "ProvisionedGroup",
    "ProvisionedUser",
    "QuestionSource",
    "QuestionState",
    "Reaction",
    "ReadMarker",
    "RealtimeMeta",
    "Report",
    "ReportState",
    "ReportedKind",
    "RequestStatus",
    "Role",
    "ScimToken",
    "SearchItem",
    "SearchSynonym",
    "SignOnLink",
    "SignOnRequest",
    "Tag",
    "Tagging",
    "TopicHead",
    "UnansweredQuestion",
    "User",
    "UserKind",
    "UserSession",
]
