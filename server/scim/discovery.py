"""What Kring's SCIM endpoint says of itself (RFC 7644 §4): the features it supports, and the
User and Group schemas cut down to the attributes Kring keeps.

The schemas are scim2-models' own, with every attribute Kring does not store left out, so a
client (and `scim2-tester`) never writes a value that would not come back. Kring needs a name
and an e-mail address, so `displayName` and `emails` are required here, and `active` too: a
colleague is always one or the other.
"""

from __future__ import annotations

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    Filter,
    Group,
    Pagination,
    Patch,
    Required,
    ResourceType,
    Schema,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models.resources.schema import Attribute

from services.provisioning import MAX_COUNT

DEFAULT_COUNT = 100

# How lenient Kring reads what clients send: Entra ID sends attributes Kring does not keep, a
# `remove` with the value to remove, and paths whose filter matches no value yet
# (`emails[type eq "work"].value` on a colleague with no typed address).
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

# The attributes kept, each with the sub-attributes kept (None: a simple attribute).
_USER_ATTRIBUTES: dict[str, tuple[str, ...] | None] = {
    "userName": None,
    "displayName": None,
    "title": None,
    "active": None,
    "emails": ("value",),
    "groups": ("value", "$ref", "display"),
}
_GROUP_ATTRIBUTES: dict[str, tuple[str, ...] | None] = {
    "displayName": None,
    # No `display`: a member's name is the colleague's own, not the group's to write.
    "members": ("value", "$ref", "type"),
}
_REQUIRED = {"displayName", "emails", "active"}


def _cut(schema: Schema, kept: dict[str, tuple[str, ...] | None]) -> Schema:
    attributes: list[Attribute] = []
    for attribute in schema.attributes or []:
        if attribute.name is None or attribute.name not in kept:
            continue
        subs = kept[attribute.name]
        attribute = attribute.model_copy(deep=True)
        if subs is not None:
            attribute.sub_attributes = [sub for sub in attribute.sub_attributes or [] if sub.name in subs]
        if attribute.name in _REQUIRED:
            attribute.required = Required.true
        if attribute.name == "emails":
            for sub in attribute.sub_attributes or []:
                if sub.name == "value":
                    sub.required = Required.true  # an address is its value
        if attribute.name == "members":
            for sub in attribute.sub_attributes or []:
                if sub.name == "$ref":
                    sub.reference_types = ["User"]  # a team holds colleagues, not other teams
                if sub.name == "type":
                    sub.canonical_values = ["User"]
        attributes.append(attribute)
    schema = schema.model_copy(deep=True)
    schema.attributes = attributes
    return schema


def user_schema() -> Schema:
    return _cut(User.to_schema(), _USER_ATTRIBUTES)


def group_schema() -> Schema:
    return _cut(Group.to_schema(), _GROUP_ATTRIBUTES)


def schemas() -> list[Schema]:
    return [user_schema(), group_schema()]


def resource_types() -> list[ResourceType]:
    user = ResourceType.from_resource(User)
    user.description = "A colleague"
    group = ResourceType.from_resource(Group)
    group.description = "A team"
    return [user, group]


def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        pagination=Pagination(
            cursor=False,
            index=True,
            default_pagination_method=Pagination.DefaultPaginationMethod.index,
            default_page_size=DEFAULT_COUNT,
            max_page_size=MAX_COUNT,
        ),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token an organisation admin makes under Beheer > Koppelingen (SCIM).",
                primary=True,
            )
        ],
    )
