"""Kring's tables. Models know nothing of HTTP, WebSockets or the broker."""

from models.auth import ApiToken, LoginFailure, UserSession
from models.circle import (
    Circle,
    CircleKind,
    CircleVisibility,
    Invitation,
    JoinRequest,
    MemberRole,
    Membership,
    RequestStatus,
)
from models.event import Event, RealtimeMeta, TopicHead
from models.user import Role, User

__all__ = [
    "ApiToken",
    "Circle",
    "CircleKind",
    "CircleVisibility",
    "Event",
    "Invitation",
    "JoinRequest",
    "LoginFailure",
    "MemberRole",
    "Membership",
    "RealtimeMeta",
    "RequestStatus",
    "Role",
    "TopicHead",
    "User",
    "UserSession",
]
