"""Notifications, the badge count and notification settings over the API."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response
from starlette.routing import Route

from models import NotificationKind
from server.endpoints import Call, api_route, json_response
from server.notification_texts import describe
from server.params import Flag, Limit, QueryId, QueryIn
from server.schemas import (
    BadgeOut,
    CircleNotifyIn,
    CircleNotifyOut,
    NotificationList,
    NotificationOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
    NotificationsReadIn,
    PersonRef,
)
from services import notification_settings, notifications
from services.errors import N_, Invalid
from services.notifications import Badge, Line


def notification_out(call: Call, line: Line) -> NotificationOut:
    n = line.notification
    return NotificationOut(
        id=n.id or 0,
        kind=n.kind,
        subject=n.subject,
        text=describe(line, call.ctx.catalogs.get(call.locale)),
        title=n.title,
        detail=n.detail,
        url=n.url,
        circle_id=n.circle_id,
        actors=[PersonRef(id=a.id or 0, name=a.name) for a in line.actors],
        actor_count=line.actor_count,
        read=not line.unread,
        created_at=n.created_at,
        updated_at=n.updated_at,
    )


class InboxQuery(QueryIn):
    unread: Flag = Field(default=False, description="true: unread ones only")
    before: QueryId | None = Field(default=None, description="a notification id")
    limit: Limit = 30


def _badge(badge: Badge) -> BadgeOut:
    return BadgeOut(
        count=badge.count,
        notifications=badge.notifications,
        direct=badge.direct,
        chat=badge.chat,
        counted=list(badge.counted),
    )


async def list_notifications(call: Call) -> Response:
    query = call.query(InboxQuery)
    limit = query.limit
    found = await notifications.inbox(call.db, call.user, unread_only=query.unread, before=query.before, limit=limit)
    items = [notification_out(call, line) for line in found]
    return json_response(NotificationList(items=items, next=str(items[-1].id) if len(items) == limit else None))


async def unread_count(call: Call) -> Response:
    return json_response(_badge(await notifications.badge(call.db, call.user)))


async def mark_read(call: Call) -> Response:
    body = await call.json_body(NotificationsReadIn)
    if body.all == (body.ids is not None):
        raise Invalid(N_('Send either "ids" or "all": true.'))
    return json_response(_badge(await notifications.mark_read(call.db, call.user, None if body.all else body.ids)))


async def _settings_out(call: Call) -> NotificationSettingsOut:
    choices = await notification_settings.preferences(call.db, call.user)
    levels = await notification_settings.circle_levels(call.db, call.user)
    return NotificationSettingsOut(
        muted_kinds=[NotificationKind(k) for k in sorted(choices.muted_kinds)],
        digest=choices.digest,
        circles={str(k): v for k, v in levels.items()},
    )


async def get_settings(call: Call) -> Response:
    return json_response(await _settings_out(call))


async def save_settings(call: Call) -> Response:
    body = await call.json_body(NotificationSettingsIn)
    await notification_settings.save_preferences(call.db, call.user, muted_kinds=body.muted_kinds, digest=body.digest)
    return json_response(await _settings_out(call))


async def set_circle_level(call: Call) -> Response:
    body = await call.json_body(CircleNotifyIn)
    circle_id = int(call.request.path_params["circle_id"])
    level = await notification_settings.set_circle_level(call.db, call.user, circle_id, body.level)
    return json_response(CircleNotifyOut(circle_id=circle_id, level=level))


_N = "/api/v1/notifications"
routes: list[Route] = [
    api_route(
        _N,
        list_notifications,
        "GET",
        summary="Your notifications, the latest activity first; `next` is an id to pass as `before`.",
        returns=NotificationList,
        query=InboxQuery,
    ),
    api_route(
        f"{_N}/unread-count",
        unread_count,
        "GET",
        summary="The badge: unread notifications, direct messages and circle chat, and what the title counts.",
        returns=BadgeOut,
    ),
    api_route(
        f"{_N}/read",
        mark_read,
        "POST",
        summary='Mark notifications read: {"ids": [...]} or {"all": true}. Answers the new badge.',
        body=NotificationsReadIn,
        returns=BadgeOut,
    ),
    api_route(
        f"{_N}/settings",
        get_settings,
        "GET",
        summary="Which kinds notify you, the digest mail, and each circle's level.",
        returns=NotificationSettingsOut,
    ),
    api_route(
        f"{_N}/settings",
        save_settings,
        "PATCH",
        summary="Change which kinds notify you and how often the digest comes (never, daily, weekly).",
        body=NotificationSettingsIn,
        returns=NotificationSettingsOut,
    ),
    api_route(
        "/api/v1/circles/{circle_id:int}/notifications",
        set_circle_level,
        "PUT",
        summary="How a circle you belong to notifies you: all, mentions (and replies) or muted.",
        body=CircleNotifyIn,
        returns=CircleNotifyOut,
    ),
]
