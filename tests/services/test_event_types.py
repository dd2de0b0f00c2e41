"""The event classes: docs/protocol.md's table agrees with them, old rows still read, and an
event can only be recorded on the topics its class names."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services import event_types, events
from services.event_types import EVENT_TYPES, MemberJoined, SessionEnded

PROTOCOL = Path(__file__).parents[2] / "docs" / "protocol.md"
_TOPIC_KINDS = {"circle:{id}": "circle", "user:{id}": "user", "org": "org"}


@dataclass
class _Row:
    topics: set[str]
    fields: dict[str, set[str]] = field(default_factory=dict)  # each field's own fields, if listed


def _split_fields(cell: str) -> dict[str, set[str]]:
    """`a`, `b` (`x`, `y`) or null, `c`: prose  ->  {a: {}, b: {x, y}, c: {}}. The list ends at
    the first colon outside parentheses and backticks."""
    found: dict[str, set[str]] = {}
    depth, last = 0, None
    for token in re.finditer(r"`([^`]*)`|\(|\)|:\s", cell):
        text = token.group(0)
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif text.startswith(":"):
            if depth == 0:
                break
        elif depth == 0:
            last = token.group(1)
            found[last] = set()
        elif depth == 1 and last is not None:
            found[last].add(token.group(1))
    return found


def _documented() -> dict[str, _Row]:
    text = PROTOCOL.read_text()
    section = text.split("## Events so far", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, _Row] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in {"kind", "---"}:
            continue
        kinds = re.findall(r"`([^`]+)`", cells[0])
        topics = {_TOPIC_KINDS[t] for t in re.findall(r"`([^`]+)`", cells[1]) if t in _TOPIC_KINDS}
        for kind in kinds:
            rows[kind] = _Row(topics, _split_fields(cells[2]))
    return rows


def _model_of(annotation: object) -> type[BaseModel] | None:
    """The model inside `X | None`, if the annotation is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _model_of(arg)
            if inner is not None:
                return inner
    return None


def test_the_protocol_documents_every_kind_and_only_those() -> None:
    assert set(_documented()) == set(EVENT_TYPES)


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_the_protocol_names_each_kinds_topics_and_fields(kind: str) -> None:
    row = _documented()[kind]
    cls = EVENT_TYPES[kind]
    assert row.topics == set(cls.TOPICS), f"{kind}: the table's topics differ from {cls.__name__}.TOPICS"
    assert set(row.fields) == set(cls.model_fields), f"{kind}: the table's fields differ from {cls.__name__}'s"
    for name, inner in row.fields.items():
        model = _model_of(cls.model_fields[name].annotation)
        if model is not None:
            assert inner == set(model.model_fields), f"{kind}.{name}: the table's fields differ from {model.__name__}'s"


def test_the_routing_sets_follow_the_declarations() -> None:
    assert {"chat.read"} == event_types.MEMBERS_ONLY_KINDS
    assert set(event_types.ACCESS_KINDS) == {"member.joined", "member.left", "circle.updated"}
    assert event_types.VISIBILITY_KINDS == ("circle.updated",)
    assert {k for k, c in EVENT_TYPES.items() if c.ENDS_SESSION} == {"session.ended"}


def test_a_member_joined_written_before_user_id_reads_with_it() -> None:
    old = {"circle_id": 3, "user": {"id": 7, "name": "Eén", "job_title": ""}, "role": "member"}
    joined = event_types.parse("member.joined", old)
    assert isinstance(joined, MemberJoined)
    assert joined.affected_user_id() == 7
    assert joined.data() == {**old, "user": {**old["user"], "avatar": None}, "user_id": 7}


def test_an_unknown_kind_or_unreadable_data_reads_as_an_event_that_changes_nothing() -> None:
    newer = event_types.parse("poll.closed", {"id": 1})
    assert type(newer) is event_types.Event
    assert not newer.CHANGES_ACCESS
    broken = event_types.parse("member.left", {"circle_id": 3})
    assert broken.affected_user_id() is None


def test_an_event_names_one_session_token_or_all() -> None:
    assert SessionEnded(token_id=4).data() == {"token_id": 4}
    assert SessionEnded(all=True).ends_session(1, None)
    assert not SessionEnded(session_id=2).ends_session(3, None)
    with pytest.raises(ValidationError):
        SessionEnded()
    with pytest.raises(ValidationError):
        SessionEnded(session_id=1, all=True)


def test_an_event_is_made_only_with_its_own_fields() -> None:
    with pytest.raises(ValidationError):
        event_types.NewsRead.model_validate({"post_id": 1, "html": "<b>stray</b>"})


async def test_an_event_is_recorded_only_on_a_topic_its_class_names(db: AsyncSession) -> None:
    with pytest.raises(ValueError, match=r"news\.read does not go on circle:1"):
        await events.record(db, events.circle_topic(1), event_types.NewsRead(post_id=1))
    assert await events.head(db, events.circle_topic(1)) == 0
