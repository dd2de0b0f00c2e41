"""/scim/v2 (RFC 7643, RFC 7644): colleagues as Users and teams as Groups, for the
organisation's directory (Entra ID, Keycloak). The operations are `services.provisioning`'s;
here the wire format: filters, pages, ETags and PATCH."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    Context,
    Group,
    ListResponse,
    Meta,
    PatchOp,
    ResponseParameters,
    ScimFilter,
    User,
)
from scim2_models.path.expressions import CompareOperator, Comparison, FilterNode, LogicalExpr, LogicalOperator
from starlette.responses import Response
from starlette.routing import Route

from server.scim import discovery
from server.scim.endpoint import ScimCall, ScimError, respond, scim_route
from server.scim.resources import account_from, dump, group_resource, team_from, user_resource, version
from services import provisioning

_QUERY = Context.RESOURCE_QUERY_RESPONSE


def _id(call: ScimCall, kind: str) -> int:
    raw = call.request.path_params["resource_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise ScimError(404, f"No {kind} {raw}.")
    return int(raw)


def _int_param(call: ScimCall, name: str, default: int) -> int:
    raw = call.request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ScimError(400, f"{name} must be a whole number.", "invalidValue") from None


def _page(call: ScimCall) -> tuple[int, int]:
    """`startIndex` (1-based; less than 1 counts as 1) and `count` (negative as 0, at most the
    maximum), RFC 7644 §3.4.2.4."""
    start = max(_int_param(call, "startIndex", 1), 1)
    count = min(max(_int_param(call, "count", discovery.DEFAULT_COUNT), 0), provisioning.MAX_COUNT)
    return start, count


def _parameters(call: ScimCall, model: type[Any]) -> dict[str, Any]:
    params = call.request.query_params
    attributes, excluded = params.get("attributes"), params.get("excludedAttributes")
    if not attributes and not excluded:
        return {}
    parameters = ResponseParameters[model].model_validate(  # type: ignore[valid-type]
        {"attributes": attributes or None, "excludedAttributes": excluded or None}
    )
    return {"response_parameters": parameters}


def _equalities(call: ScimCall, model: type[Any], allowed: dict[str, str]) -> dict[str, str]:
    """The `filter` parameter as {attribute: value}: Kring answers `eq` on the attributes in
    `allowed` (by their lower-case names), joined by `and`, and refuses any other filter."""
    text = call.request.query_params.get("filter", "").strip()
    if not text:
        return {}
    node: FilterNode = ScimFilter[model](text).ast  # type: ignore[valid-type]
    terms = node.terms if isinstance(node, LogicalExpr) and node.op is LogicalOperator.and_ else (node,)
    found: dict[str, str] = {}
    for term in terms:
        if not isinstance(term, Comparison) or term.op is not CompareOperator.eq or term.attr_path.sub_attr:
            raise ScimError(400, _FILTER_HELP % ", ".join(allowed.values()), "invalidFilter")
        name = allowed.get(term.attr_path.attr.lower())
        if name is None or not isinstance(term.value, str):
            raise ScimError(400, _FILTER_HELP % ", ".join(allowed.values()), "invalidFilter")
        found[name] = term.value
    return found


_FILTER_HELP = 'Kring filters by eq on %s, joined by and (such as userName eq "anna@example.org").'


def _listed(resources: list[dict[str, Any]], total: int, start: int) -> Response:
    # Assembled here: the resources are dumped already, each with its own attribute selection.
    payload = {
        "schemas": [str(ListResponse.__schema__)],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
    return respond(payload)


def _check_version(call: ScimCall, current: str) -> None:
    """A write with `If-Match` goes ahead only on the version it names (RFC 7644 §3.14)."""
    wanted = call.request.headers.get("if-match")
    if wanted is None:
        return
    versions = {part.strip() for part in wanted.split(",")}
    if "*" not in versions and current not in versions and current.removeprefix("W/") not in versions:
        raise ScimError(412, "The resource has changed since that version.")


def _answer(payload: dict[str, Any], status: int = 200) -> Response:
    meta = payload.get("meta") or {}
    headers = {"ETag": meta["version"]} if "version" in meta else {}
    if status == 201 and "location" in meta:
        headers["Location"] = meta["location"]
    return respond(payload, status, headers)


def _not_modified(call: ScimCall, current: str) -> bool:
    wanted = call.request.headers.get("if-none-match")
    return wanted is not None and current in {part.strip() for part in wanted.split(",")}


# Discovery.


async def service_provider_config(call: ScimCall) -> Response:
    config = discovery.service_provider_config()
    config.meta = _meta("ServiceProviderConfig", f"{call.base}/ServiceProviderConfig")
    return respond(config.model_dump(scim_ctx=_QUERY))


def _meta(kind: str, where: str) -> Meta:
    return Meta(resource_type=kind, location=where)


async def resource_types(call: ScimCall) -> Response:
    found = []
    for resource_type in discovery.resource_types():
        resource_type.meta = _meta("ResourceType", f"{call.base}/ResourceTypes/{resource_type.id}")
        found.append(resource_type.model_dump(scim_ctx=_QUERY))
    return _listed(found, len(found), 1)


async def resource_type(call: ScimCall) -> Response:
    wanted = call.request.path_params["resource_id"]
    for found in discovery.resource_types():
        if found.id == wanted:
            found.meta = _meta("ResourceType", f"{call.base}/ResourceTypes/{found.id}")
            return respond(found.model_dump(scim_ctx=_QUERY))
    raise ScimError(404, f"No resource type {wanted}.")


async def schemas(call: ScimCall) -> Response:
    found = []
    for schema in discovery.schemas():
        schema.meta = _meta("Schema", f"{call.base}/Schemas/{schema.id}")
        found.append(schema.model_dump(scim_ctx=_QUERY))
    return _listed(found, len(found), 1)


async def schema(call: ScimCall) -> Response:
    wanted = call.request.path_params["resource_id"]
    for found in discovery.schemas():
        if found.id == wanted:
            found.meta = _meta("Schema", f"{call.base}/Schemas/{found.id}")
            return respond(found.model_dump(scim_ctx=_QUERY))
    raise ScimError(404, f"No schema {wanted}.")


async def search_everything(call: ScimCall) -> Response:
    raise ScimError(501, "Kring does not search several resource types at once; search /Users or /Groups.")


# Users.

_USER_FILTERS = {"username": "userName", "externalid": "externalId"}


async def list_users(call: ScimCall) -> Response:
    start, count = _page(call)
    wanted = _equalities(call, User, _USER_FILTERS)
    page = await provisioning.list_accounts(
        call.db, user_name=wanted.get("userName"), external_id=wanted.get("externalId"), start=start, count=count
    )
    parameters = _parameters(call, User)
    found = [dump(user_resource(view, call.base), _QUERY, **parameters) for view in page.items]
    return _listed(found, page.total, start)


async def get_user(call: ScimCall) -> Response:
    resource = user_resource(await provisioning.get_account(call.db, _id(call, "user")), call.base)
    if _not_modified(call, version(resource)):
        return respond(None, 304)
    return _answer(dump(resource, _QUERY, **_parameters(call, User)))


async def create_user(call: ScimCall) -> Response:
    resource: User[Any] = User.model_validate(
        await call.body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=discovery.POLICY
    )
    view = await provisioning.create_account(call.db, call.client, account_from(resource))
    return _answer(dump(user_resource(view, call.base), Context.RESOURCE_CREATION_RESPONSE), 201)


async def replace_user(call: ScimCall) -> Response:
    user_id = _id(call, "user")
    current = await provisioning.get_account(call.db, user_id)
    _check_version(call, version(user_resource(current, call.base)))
    resource: User[Any] = User.model_validate(
        await call.body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=discovery.POLICY
    )
    view = await provisioning.replace_account(call.db, call.client, user_id, account_from(resource))
    return _answer(dump(user_resource(view, call.base), Context.RESOURCE_REPLACEMENT_RESPONSE))


async def patch_user(call: ScimCall) -> Response:
    user_id = _id(call, "user")
    current = await provisioning.get_account(call.db, user_id)
    _check_version(call, version(user_resource(current, call.base)))
    patch = PatchOp[User].model_validate(  # type: ignore[type-arg]
        await call.body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=discovery.POLICY
    )
    resource = user_resource(current, call.base, for_patch=True)
    patch.patch(resource, scim_policy=discovery.POLICY)
    view = await provisioning.replace_account(call.db, call.client, user_id, account_from(resource))
    return _answer(dump(user_resource(view, call.base), Context.RESOURCE_PATCH_RESPONSE))


async def delete_user(call: ScimCall) -> Response:
    user_id = _id(call, "user")
    current = await provisioning.get_account(call.db, user_id)
    _check_version(call, version(user_resource(current, call.base)))
    await provisioning.remove_account(call.db, call.client, user_id)
    return respond(None, 204)


# Groups.

_GROUP_FILTERS = {"displayname": "displayName", "externalid": "externalId"}


async def list_groups(call: ScimCall) -> Response:
    start, count = _page(call)
    wanted = _equalities(call, Group, _GROUP_FILTERS)
    page = await provisioning.list_teams(
        call.db,
        display_name=wanted.get("displayName"),
        external_id=wanted.get("externalId"),
        start=start,
        count=count,
    )
    parameters = _parameters(call, Group)
    found = [dump(group_resource(view, call.base), _QUERY, **parameters) for view in page.items]
    return _listed(found, page.total, start)


async def get_group(call: ScimCall) -> Response:
    resource = group_resource(await provisioning.get_team(call.db, _id(call, "group")), call.base)
    if _not_modified(call, version(resource)):
        return respond(None, 304)
    return _answer(dump(resource, _QUERY, **_parameters(call, Group)))


async def create_group(call: ScimCall) -> Response:
    resource = Group.model_validate(
        await call.body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=discovery.POLICY
    )
    view = await provisioning.create_team(call.db, call.client, team_from(resource))
    return _answer(dump(group_resource(view, call.base), Context.RESOURCE_CREATION_RESPONSE), 201)


async def replace_group(call: ScimCall) -> Response:
    group_id = _id(call, "group")
    current = await provisioning.get_team(call.db, group_id)
    _check_version(call, version(group_resource(current, call.base)))
    resource = Group.model_validate(
        await call.body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=discovery.POLICY
    )
    view = await provisioning.replace_team(call.db, call.client, group_id, team_from(resource))
    return _answer(dump(group_resource(view, call.base), Context.RESOURCE_REPLACEMENT_RESPONSE))


async def patch_group(call: ScimCall) -> Response:
    group_id = _id(call, "group")
    current = await provisioning.get_team(call.db, group_id)
    resource = group_resource(current, call.base)
    _check_version(call, version(resource))
    patch = PatchOp[Group].model_validate(
        await call.body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=discovery.POLICY
    )
    patch.patch(resource, scim_policy=discovery.POLICY)
    view = await provisioning.replace_team(call.db, call.client, group_id, team_from(resource))
    return _answer(dump(group_resource(view, call.base), Context.RESOURCE_PATCH_RESPONSE))


async def delete_group(call: ScimCall) -> Response:
    group_id = _id(call, "group")
    current = await provisioning.get_team(call.db, group_id)
    _check_version(call, version(group_resource(current, call.base)))
    await provisioning.delete_team(call.db, call.client, group_id)
    return respond(None, 204)


_ONE = "/{resource_id}"
routes: list[Route] = [
    scim_route("/ServiceProviderConfig", service_provider_config, ["GET"]),
    scim_route("/ResourceTypes", resource_types, ["GET"]),
    scim_route(f"/ResourceTypes{_ONE}", resource_type, ["GET"]),
    scim_route("/Schemas", schemas, ["GET"]),
    scim_route(f"/Schemas{_ONE}", schema, ["GET"]),
    scim_route("/.search", search_everything, ["POST"]),
    scim_route("/Users", list_users, ["GET"]),
    scim_route("/Users", create_user, ["POST"]),
    scim_route(f"/Users{_ONE}", get_user, ["GET"]),
    scim_route(f"/Users{_ONE}", replace_user, ["PUT"]),
    scim_route(f"/Users{_ONE}", patch_user, ["PATCH"]),
    scim_route(f"/Users{_ONE}", delete_user, ["DELETE"]),
    scim_route("/Groups", list_groups, ["GET"]),
    scim_route("/Groups", create_group, ["POST"]),
    scim_route(f"/Groups{_ONE}", get_group, ["GET"]),
    scim_route(f"/Groups{_ONE}", replace_group, ["PUT"]),
    scim_route(f"/Groups{_ONE}", patch_group, ["PATCH"]),
    scim_route(f"/Groups{_ONE}", delete_group, ["DELETE"]),
]
