"""Kring's colleagues and teams as SCIM Users and Groups (scim2-models), and back.

A colleague has one name and one e-mail address. Reading a User, Kring takes `displayName`
(else `name.formatted`, else given and family name, else `userName`) and, of the `emails`, the
primary one, else the one of type `work`, else the first; `title` is the job title. A Group's
`members` are colleagues. ETags are weak, a digest of what the resource says, so any change
that shows in the resource changes its version.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scim2_models import (
    Context,
    Email,
    Group,
    GroupMember,
    GroupMembership,
    Meta,
    User,
)

from services import provisioning
from services.errors import Invalid


def location(base: str, kind: str, resource_id: int | None) -> str:
    return f"{base}/{kind}/{resource_id}"


def user_resource(view: provisioning.AccountView, base: str, *, for_patch: bool = False) -> User[Any]:
    """The colleague as a SCIM User. `for_patch`: with the address typed `work` and primary, so
    a PATCH that selects it by type (as Entra ID's do) finds it; Kring keeps neither, so an
    answer carries the value alone."""
    user = view.user
    # Built without validation: an address Kring has is given as it is, also one under a name
    # the e-mail validator refuses for new addresses (an intranet's own `.local` domain).
    email = (
        Email.model_construct(value=user.email, type=Email.Type.work, primary=True)
        if for_patch
        else Email.model_construct(value=user.email)
    )
    group = view.group
    return User(
        id=str(user.id),
        external_id=view.external_id,
        user_name=view.user_name,
        display_name=user.name,
        title=user.job_title or None,
        active=user.is_active,
        emails=[email],
        groups=[
            GroupMembership(value=str(group.id), ref=location(base, "Groups", group.id), display=group.display_name)
        ]
        if group is not None
        else None,
        meta=Meta(
            resource_type="User",
            created=user.created_at,
            last_modified=max(view.updated_at, user.created_at),
            location=location(base, "Users", user.id),
        ),
    )


def group_resource(view: provisioning.TeamView, base: str) -> Group:
    group = view.group
    return Group(
        id=str(group.id),
        external_id=group.external_id,
        display_name=group.display_name,
        members=[
            GroupMember(value=str(member.id), ref=location(base, "Users", member.id), type="User")
            for member in view.members
        ]
        or None,
        meta=Meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=group.updated_at,
            location=location(base, "Groups", group.id),
        ),
    )


def dump(resource: User[Any] | Group, context: Context, **parameters: Any) -> dict[str, Any]:
    """The resource as sent, with its version in `meta` (the same as the ETag header)."""
    resource.meta = resource.meta or Meta()
    resource.meta.version = version(resource)
    return resource.model_dump(scim_ctx=context, **parameters)


def version(resource: User[Any] | Group) -> str:
    meta = resource.meta.model_copy() if resource.meta is not None else None
    if meta is not None:
        meta.version = None
    payload = resource.model_copy(update={"meta": meta}).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    text = json.dumps(payload, sort_keys=True, default=str)
    return f'W/"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def account_from(resource: User[Any]) -> provisioning.Account:
    """What a User says of a colleague (a PUT's or POST's body, or the result of a PATCH)."""
    if not resource.user_name:
        raise Invalid("userName is required.", field="userName")
    return provisioning.Account(
        user_name=resource.user_name,
        display_name=_display_name(resource),
        email=_email(resource),
        title=resource.title or "",
        active=resource.active if resource.active is not None else True,
        external_id=resource.external_id,
    )


def _display_name(resource: User[Any]) -> str:
    if resource.display_name:
        return resource.display_name
    name = resource.name
    if name is not None:
        if name.formatted:
            return name.formatted
        parts = " ".join(part for part in (name.given_name, name.family_name) if part)
        if parts:
            return parts
    return resource.user_name or ""


def _email(resource: User[Any]) -> str:
    given = [email for email in resource.emails or [] if email.value]
    for chosen in (
        [email for email in given if email.primary],
        [email for email in given if (email.type or "").lower() == "work"],
        given,
    ):
        if chosen:
            return str(chosen[0].value)
    raise Invalid("Kring needs an e-mail address: send it in emails.", field="emails")


def team_from(resource: Group) -> provisioning.Team:
    if not resource.display_name:
        raise Invalid("displayName is required.", field="displayName")
    ids: set[int] = set()
    for member in resource.members or []:
        if (member.type or "User") != "User":
            raise Invalid("A team's members are users.", field="members")
        value = member.value or (str(member.ref).rsplit("/", 1)[-1] if member.ref else "")
        if not value.isdigit() or len(value) > 12:
            raise Invalid(f"No user {value!r} to be a member.", field="members")
        ids.add(int(value))
    return provisioning.Team(
        display_name=resource.display_name, member_ids=frozenset(ids), external_id=resource.external_id
    )
