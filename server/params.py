"""Query parameters, declared once. A route's `QueryIn` model both reads its query string and
describes it in the OpenAPI document (`server.openapi`), so what is enforced and what is
published cannot drift apart. The types here carry their own limits: a whole number is digits
only (no sign, no spaces, no "²"), a date is YYYY-MM-DD within the years a date column and a
day's arithmetic can hold, and no text holds the NUL character (`check_request` refuses it in
any parameter)."""

from __future__ import annotations

import functools
import itertools
import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema
from starlette.requests import Request

from models.base import MAX_ID
from services.accounts import hidden
from services.errors import N_, Invalid

NO_NUL = r"^[^\x00]*$"
MAX_LIMIT = 200
# The years a date parameter may name (the message and the pattern below say them too): a
# day past 9999-12-30 has no next day, and no one files an item before 1900.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339, as the document's `date-time` says: a `T` and an offset (a time without one means
# nothing certain), where Python would also take a space and a local time.
_MOMENT_SHAPE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _whole(raw: Any) -> Any:
    if isinstance(raw, str):
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
            raise ValueError(N_("Give a number."))
        return int(raw)
    return raw


def _day(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            day = date.fromisoformat(raw) if _DATE_SHAPE.fullmatch(raw) else None
        except ValueError:
            day = None
        if day is None or not EARLIEST <= day <= LATEST:
            raise ValueError(N_("Give dates as YYYY-MM-DD, from 1900 to 2999."))
        return day
    return raw


def _moment(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw) if _MOMENT_SHAPE.fullmatch(raw) else None
        except ValueError:
            moment = None
        if moment is None or not EARLIEST.year <= moment.year <= LATEST.year:
            raise ValueError(N_("Give a time as 2030-01-31T09:00:00Z, from 1900 to 2999."))
        return moment
    return raw


def _flag(raw: Any) -> Any:
    if isinstance(raw, str):
        if raw not in {"true", "false", "1", "0"}:
            raise ValueError(N_("Give true or false."))
        return raw in {"true", "1"}
    return raw


# The range before the digits check, so that the schema shows it (`minimum`, `maximum`).
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_whole)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT), BeforeValidator(_whole)]
Offset = Annotated[int, Field(ge=0, le=10_000), BeforeValidator(_whole)]
Text = Annotated[str, Field(pattern=NO_NUL)]
Day = Annotated[
    date,
    BeforeValidator(_day),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$"},
    ),
]
# A moment in a request body, within the same years as a date.
Moment = Annotated[
    datetime,
    BeforeValidator(_moment),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": r"^(19|2[0-9])[0-9]{2}-"}),
]
Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema({"type": "boolean"})]


class QueryIn(BaseModel):
    """A route's query parameters. Ones it does not name are ignored, as the web does."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


Q = TypeVar("Q", bound=QueryIn)


def read_query(model: type[Q], request: Request, *, blank_is_absent: bool = False) -> Q:
    """The query string as `model`, or `Invalid` naming the parameter. A repeatable parameter is
    a list field. A page's form sends its empty fields (`from=&circle=`): `blank_is_absent`
    reads them as not given; the API refuses them like any other value that is not one."""
    params = request.query_params
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if _is_list(info.annotation):
            values = [v for v in params.getlist(key) if v or not blank_is_absent]
            if values:
                data[key] = values
        elif key in params and (params[key] or not blank_is_absent):
            data[key] = params[key]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = str(error["loc"][0]) if error["loc"] else None
        if error["type"] == "value_error":  # ours, from the types above: a message in the catalog
            raise Invalid(str(error["ctx"]["error"]), field=where) from None
        message = str(error["msg"])
        raise Invalid(f"{where}: {message}" if where else message, field=where) from None


def openapi_parameters(model: type[QueryIn]) -> list[dict[str, Any]]:
    """`model`'s fields as OpenAPI query parameters."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    definitions = schema.get("$defs", {})
    parameters = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        prop = _inline(dict(schema["properties"][key]), definitions)
        description: str | None = prop.pop("description", None) or info.description
        prop.pop("title", None)
        parameter: dict[str, Any] = {"name": key, "in": "query", "required": info.is_required(), "schema": prop}
        if description:
            parameter["description"] = description
        if _is_list(info.annotation):
            parameter |= {"style": "form", "explode": True}
        parameters.append(parameter)
    return parameters


def _inline(prop: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema on its own: enums inlined, and `null` dropped (a query string cannot
    send one; leaving the parameter out is how it is not given)."""
    ref = prop.pop("$ref", None)
    if ref is not None:
        target = dict(definitions[ref.rsplit("/", 1)[1]])
        target.pop("title", None)
        target.pop("description", None)
        prop = target | prop
    if "anyOf" in prop:
        branches = [b for b in prop.pop("anyOf") if b.get("type") != "null"]
        if len(branches) == 1:
            prop = _inline(dict(branches[0]), definitions) | prop
        else:
            prop["anyOf"] = branches
    if prop.get("default", 0) is None:
        del prop["default"]
    if isinstance(prop.get("items"), dict):
        prop["items"] = _inline(dict(prop["items"]), definitions)
    return prop


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(get_origin(arg) is list for arg in getattr(annotation, "__args__", ()))


def _name_cursor(raw: Any) -> Any:
    if isinstance(raw, str):
        position, colon, name = raw.partition(":")
        if not (colon and position.isascii() and position.isdigit() and position[:1] != "0" and len(position) <= 9):
            raise ValueError(N_("The cursor is not valid."))
        return (name, int(position))
    return raw


# Where a list in name order goes on: the last item's id and name, as `next` gave them ("12:Ans").
NameCursor = Annotated[
    tuple[str, int],
    BeforeValidator(_name_cursor),
    WithJsonSchema({"type": "string", "pattern": r"^[1-9][0-9]{0,8}:[^\x00]*$"}),
]


def encode_name_cursor(name: str, item_id: int | None) -> str:
    return f"{item_id}:{name}"


def json_whole(value: Any) -> Any:
    """A whole number in a JSON body: `1.0` is one (JSON Schema says so), `true` is not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@functools.cache
def person_name_pattern() -> str:
    """What a colleague's name may be: no character `accounts.clean_name` refuses (control and
    invisible formatting characters), and something besides spaces. Built from the same test,
    so the document and the refusal agree."""
    hidden_class = _hidden_characters()
    return f"^[^{hidden_class}]*[^{hidden_class}\\s][^{hidden_class}]*$"


def _hidden_characters() -> str:
    ranges: list[tuple[int, int]] = []
    # Format and control characters live in planes 0, 1 and 14 only (Unicode 15); the other
    # planes would take seconds to walk.
    for code in itertools.chain(range(0x20000), range(0xE0000, 0xF0000)):
        if hidden(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(_escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in ranges)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
