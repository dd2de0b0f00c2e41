"""The demo organisation that `python -m server seed-demo` creates, read from the files in `server/demo_content/`.

Welzijn Rivierenland is a fictitious Dutch welfare organisation; every person, team, location, client and figure in
it is made up. The files are written to be changed by people who do not write Python (the folder's README.md says
how). `load()` reads them all and checks them against the models below and against each other, so that seeding
never starts on content it would fail on halfway: anything wrong raises `DemoContentError`, whose message names the
file and the field. `{org_name}` in any text becomes the organisation's name (`KRING_ORG_NAME`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from models import REACTIONS, CircleKind, CircleVisibility, Role
from services.markdown import MENTION

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"
ORG_NAME = "{org_name}"  # the placeholder for the organisation's name, in any text

# --- The models: what each file holds -------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^\n]*$")]
Local = Annotated[str, StringConstraints(pattern=r"^[a-z]+(\.[a-z]+)+$")]  # "anna.devries", before the @
Reactions = dict[str, tuple[Local, ...]]  # reaction name -> who gave it, e.g. {"thumbsup": ("anna.devries",)}


class _Data(BaseModel):
    # A misspelt field name is an error, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _valid_reactions(value: Reactions) -> Reactions:
    for name, people in value.items():
        if name not in REACTIONS:
            raise ValueError(f"{name!r} is not a reaction; use one of {', '.join(REACTIONS)}")
        if len(set(people)) != len(people):
            raise ValueError(f"someone gives {name!r} twice")
    return value


class DemoPerson(_Data):
    local: Local  # the e-mail address before the @; other files name the colleague by it
    name: Line
    job_title: Line
    team: Line  # one of the organisation's teams
    location: Line  # one of the organisation's locations
    bio: Text
    skills: tuple[Line, ...] = Field(min_length=1, max_length=4)  # "vraag me over"
    role: Role = Role.MEMBER  # editors may publish news; admins run the installation

    @field_validator("skills")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a skill is listed twice")
        return value


class DemoCircle(_Data):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]
    description: Text
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-f]{6}$")]
    kind: CircleKind
    visibility: CircleVisibility
    admins: tuple[Local, ...] = Field(min_length=1)  # the first one founds the circle
    members: tuple[Local, ...] = ()
    weekly_roundup: bool = False  # Ids posts last week's summary here on Monday morning
    gallery: bool = False  # shows a gallery of its photos

    @field_validator("kind")
    @classmethod
    def _not_direct(cls, value: CircleKind) -> CircleKind:
        if value is CircleKind.DIRECT:
            raise ValueError("direct conversations are not circles to describe here; use knowledge, team or interest")
        return value

    @field_validator("color")
    @classmethod
    def _readable(cls, value: str) -> str:
        # The colour carries white text in the interface (WCAG AA needs 4.5:1).
        if _contrast_on_white(value) < 4.5:
            raise ValueError(f"{value} is too light for white text; choose a darker colour")
        return value


class DemoReply(_Data):
    author: Local
    text: Text
    reactions: Reactions = {}

    _reactions = field_validator("reactions")(_valid_reactions)


class DemoComment(DemoReply):
    replies: tuple[DemoReply, ...] = ()  # one level only: a reply has no replies


class _StreamItem(_Data):
    author: Local
    body: Text  # Markdown: the text after the front matter
    days_ago: int = Field(ge=0)  # when it was published, counted back from the day of seeding
    comments: tuple[DemoComment, ...] = ()
    reactions: Reactions = {}

    _reactions = field_validator("reactions")(_valid_reactions)


class DemoNews(_StreamItem):
    title: Line
    lead: Line  # one sentence
    featured_days: int = Field(default=0, ge=0)  # > 0: pinned this many days from publication
    must_read: bool = False


class DemoBlogPost(_StreamItem):
    title: Line


class DemoPost(_StreamItem):
    circle: Line  # a circle's name
    hours_ago: int = Field(default=0, ge=0, le=23)
    photos: tuple[Literal["dip", "roti", "cake"], ...] = ()  # drawn at seed time (server/demo_photos.py)


class DemoPage(_Data):
    title: Line
    author: Local  # an editor or admin
    tags: tuple[Line, ...] = ()
    body: Text  # Markdown; [[Title]] links another page


class DemoMessage(_Data):
    author: Local
    text: Text


class DemoChat(_Data):
    circle: Line
    messages: tuple[DemoMessage, ...] = ()


class DemoOrganisation(_Data):
    domain: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]
    password: Annotated[str, StringConstraints(min_length=8)]
    drive_imported_by: Local  # an editor or admin
    teams: tuple[Line, ...] = Field(min_length=1)
    locations: tuple[Line, ...] = Field(min_length=1)


class DemoContent(_Data):
    organisation: DemoOrganisation
    people: tuple[DemoPerson, ...]
    circles: tuple[DemoCircle, ...]
    chat: DemoChat
    news: tuple[DemoNews, ...]
    blog: tuple[DemoBlogPost, ...]
    posts: tuple[DemoPost, ...]
    pages: tuple[DemoPage, ...]


class DemoContentError(ValueError):
    """A demo data file is malformed or refers to someone or something that does not exist. The message names the
    file (relative to the content folder) and the field, one line per problem."""


# --- Loading -------------------------------------------------------------------------------------------------------

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")


def load(org_name: str | None = None, directory: Path | None = None) -> DemoContent:
    """Read and check every file under `directory` (`CONTENT_DIR` by default). With `org_name`, each `{org_name}` in
    a text becomes that name; without, the placeholder stays as written. Raises `DemoContentError` on the first file
    that is wrong, or with every reference between files that does not resolve."""
    reader = _Reader(directory or CONTENT_DIR, org_name)
    organisation = reader.one(DemoOrganisation, "organisation.yaml")
    people = reader.many(DemoPerson, "people.yaml")
    circles = reader.many(DemoCircle, "circles.yaml")
    chat = reader.one(DemoChat, "chat.yaml")
    news = reader.folder(DemoNews, "news")
    blog = reader.folder(DemoBlogPost, "blog")
    posts = reader.folder(DemoPost, "posts")
    pages = reader.folder(DemoPage, "knowledge")
    content = DemoContent(
        organisation=organisation,
        people=tuple(people.values()),
        circles=tuple(circles.values()),
        chat=chat,
        news=tuple(news.values()),
        blog=tuple(blog.values()),
        posts=tuple(posts.values()),
        pages=tuple(pages.values()),
    )
    problems = list(_references(content, people, circles, news, blog, posts, pages))
    if problems:
        raise DemoContentError("\n".join(problems))
    return content


class _Reader:
    def __init__(self, directory: Path, org_name: str | None) -> None:
        self.directory = directory
        self.org_name = org_name

    def one(self, model: type[_M], name: str) -> _M:
        data = self._yaml(self.directory / name, name)
        return self._validate(model, self._filled(data, name), name)

    def many(self, model: type[_M], name: str) -> dict[str, _M]:
        """A file holding a list of entries, keyed by "name, entry N" for messages about them."""
        data = self._filled(self._yaml(self.directory / name, name), name)
        if not isinstance(data, list):
            raise DemoContentError(f"{name}: the file must be a list of entries, each starting with '- '")
        entries = {_entry(name, i, item): item for i, item in enumerate(data)}
        return {where: self._validate(model, item, where) for where, item in entries.items()}

    def folder(self, model: type[_M], name: str) -> dict[str, _M]:
        """Every `*.md` file in the folder, in name order: its front matter and, as `body`, its text."""
        found: dict[str, _M] = {}
        for stray in sorted(p for p in (self.directory / name).glob("*") if p.suffix != ".md"):
            raise DemoContentError(f"{name}/{stray.name}: only files ending in .md are read in this folder")
        for path in sorted((self.directory / name).glob("*.md")):
            where = f"{name}/{path.name}"
            fields, body = self._markdown(path, where)
            found[where] = self._validate(model, self._filled({**fields, "body": body}, where), where)
        return found

    def _yaml(self, path: Path, where: str) -> Any:
        try:
            return _parse_yaml(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise DemoContentError(f"{where}: the file is missing") from None
        except yaml.YAMLError as exc:
            raise DemoContentError(f"{where}: {_yaml_problem(exc, first_line=1)}") from None

    def _markdown(self, path: Path, where: str) -> tuple[dict[str, Any], str]:
        # Front matter as Jekyll and Hugo write it: a line "---", YAML fields, a line "---", then the text.
        lines = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
        closing = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() == "---"), None)
        if lines[0].rstrip() != "---" or closing is None:
            raise DemoContentError(
                f"{where}: the file must start with a line '---', then the fields, a line '---', and then the text"
            )
        try:
            fields = _parse_yaml("\n".join(lines[1:closing]))
        except yaml.YAMLError as exc:
            raise DemoContentError(f"{where}: {_yaml_problem(exc, first_line=2)}") from None
        if not isinstance(fields, dict):
            raise DemoContentError(f"{where}: between the '---' lines belong fields such as 'author: anna.devries'")
        if "body" in fields:
            raise DemoContentError(f"{where}: body: the text goes below the second '---' line, not in a field")
        return fields, "\n".join(lines[closing + 1 :]).strip()

    def _filled(self, data: Any, where: str, field: str = "") -> Any:
        """`data` with the organisation's name in every text; an unknown `{placeholder}` is an error."""
        if isinstance(data, str):
            for unknown in {m for m in _PLACEHOLDER.findall(data) if m != ORG_NAME}:
                raise DemoContentError(f"{where}: {field or 'text'}: unknown placeholder {unknown}; use {ORG_NAME}")
            return data if self.org_name is None else data.replace(ORG_NAME, self.org_name)
        if isinstance(data, list):
            return [self._filled(item, where, _join(field, i + 1)) for i, item in enumerate(data)]
        if isinstance(data, dict):
            return {key: self._filled(value, where, _join(field, key)) for key, value in data.items()}
        return data

    def _validate(self, model: type[_M], data: Any, where: str) -> _M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise DemoContentError("\n".join(_validation_problems(exc, where))) from None


_PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")


try:  # libyaml's parser, five times faster than PyYAML's own; the wheels ship it
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover (a PyYAML built without libyaml)
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _StrictLoader(_SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (PyYAML would silently keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the field {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader: plain data, no objects)


def _yaml_problem(exc: yaml.YAMLError, first_line: int) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return str(problem)
    hint = "" if isinstance(exc, yaml.constructor.ConstructorError) else " (check quotes, colons and indentation)"
    return f"line {mark.line + first_line}, column {mark.column + 1}: {problem}{hint}"


def _entry(name: str, index: int, item: Any) -> str:
    label = (item.get("local") or item.get("name")) if isinstance(item, dict) else None
    return f"{name}, entry {index + 1}" + (f" ({label})" if isinstance(label, str) else "")


def _join(field: str, part: str | int) -> str:
    return f"{field}.{part}" if field else str(part)


_PLAIN_MESSAGES = {"extra_forbidden": "not a known field; check its spelling", "missing": "this field is missing"}


def _validation_problems(exc: ValidationError, where: str) -> Iterator[str]:
    for error in exc.errors():
        # Numbers in a field's path count from 1, as a reader counts the entries of a list.
        field = ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in error["loc"]) or "(the whole entry)"
        message = _PLAIN_MESSAGES.get(error["type"]) or error["msg"].removeprefix("Value error, ")
        given = error.get("input")
        scalar = isinstance(given, str | int | float | bool) and error["type"] != "missing"
        shown = f" (found {given!r})" if scalar else ""
        yield f"{where}: {field}: {message}{shown}"


def _references(
    content: DemoContent,
    people: dict[str, DemoPerson],
    circles: dict[str, DemoCircle],
    news: dict[str, DemoNews],
    blog: dict[str, DemoBlogPost],
    posts: dict[str, DemoPost],
    pages: dict[str, DemoPage],
) -> Iterator[str]:
    """Every reference between files that does not resolve, and every name given twice, one line each."""
    org = content.organisation
    everyone = _Allowed({p.local for p in content.people}, "a colleague in people.yaml")
    editors = _Allowed(
        {p.local for p in content.people if p.role in {Role.EDITOR, Role.ADMIN}}, "an editor or admin in people.yaml"
    )
    by_circle = {c.name: c for c in content.circles}

    def members(name: str) -> _Allowed:
        circle = by_circle[name]
        return _Allowed({*circle.admins, *circle.members}, f"a member of the circle {name!r}")

    yield from _twice(people, "local", lambda p: p.local)
    yield from _twice(people, "name", lambda p: p.name)
    for where, person in people.items():
        if person.team not in org.teams:
            yield f"{where}: team: {person.team!r} is not one of the teams in organisation.yaml"
        if person.location not in org.locations:
            yield f"{where}: location: {person.location!r} is not one of the locations in organisation.yaml"
    yield from editors.check("organisation.yaml", "drive_imported_by", org.drive_imported_by)

    yield from _twice(circles, "name", lambda c: c.name)
    for where, circle in circles.items():
        listed = (*circle.admins, *circle.members)
        for local in sorted({x for x in listed if listed.count(x) > 1}):
            yield f"{where}: members: {local!r} is listed twice (admins are members already)"
        for i, local in enumerate(circle.admins, 1):
            yield from everyone.check(where, f"admins.{i}", local)
        for i, local in enumerate(circle.members, 1):
            yield from everyone.check(where, f"members.{i}", local)

    if content.chat.circle not in by_circle:
        yield f"chat.yaml: circle: {content.chat.circle!r} is not a circle in circles.yaml"
    else:
        for i, message in enumerate(content.chat.messages, 1):
            yield from members(content.chat.circle).check("chat.yaml", f"messages.{i}.author", message.author)
            yield from _mentions("chat.yaml", f"messages.{i}.text", message.text, everyone)

    yield from _twice(news, "title", lambda n: n.title)
    for where, item in news.items():
        yield from editors.check(where, "author", item.author)
        yield from _conversation(where, item, everyone, everyone)
    for where, blog_post in blog.items():
        yield from everyone.check(where, "author", blog_post.author)
        yield from _conversation(where, blog_post, everyone, everyone)
    for where, post in posts.items():
        if post.circle not in by_circle:
            yield f"{where}: circle: {post.circle!r} is not a circle in circles.yaml"
            continue
        yield from members(post.circle).check(where, "author", post.author)
        yield from _conversation(where, post, members(post.circle), everyone)

    yield from _twice(pages, "title", lambda p: p.title)
    for where, page in pages.items():
        yield from editors.check(where, "author", page.author)
        yield from _mentions(where, "body", page.body, everyone)


class _Allowed:
    """Who may appear in a field, and how to say so when someone else does."""

    def __init__(self, locals_: set[str], description: str) -> None:
        self.locals = locals_
        self.description = description

    def check(self, where: str, field: str, local: str) -> Iterator[str]:
        if local not in self.locals:
            yield f"{where}: {field}: {local!r} is not {self.description}"


def _twice(entries: dict[str, _T], field: str, key: Callable[[_T], str]) -> Iterator[str]:
    first: dict[str, str] = {}
    for where, entry in entries.items():
        value = key(entry)
        if value in first:
            yield f"{where}: {field}: {value!r} is also in {first[value]}"
        first.setdefault(value, where)


def _mentions(where: str, field: str, text: str, everyone: _Allowed) -> Iterator[str]:
    # A mention of no one shows as plain text: a misspelt handle would go unnoticed in the demo.
    for handle in MENTION.findall(text):
        if handle.lower() not in everyone.locals:
            yield f"{where}: {field}: @{handle} is not {everyone.description}"


def _conversation(
    where: str, item: DemoNews | DemoBlogPost | DemoPost, taking_part: _Allowed, everyone: _Allowed
) -> Iterator[str]:
    """Comments, replies and reactions come from those who may take part (in a circle: its members); every
    mention names a colleague."""
    yield from _mentions(where, "body", item.body, everyone)
    yield from _reacting(where, "reactions", item.reactions, taking_part)
    for i, comment in enumerate(item.comments, 1):
        yield from taking_part.check(where, f"comments.{i}.author", comment.author)
        yield from _mentions(where, f"comments.{i}.text", comment.text, everyone)
        yield from _reacting(where, f"comments.{i}.reactions", comment.reactions, taking_part)
        for j, reply in enumerate(comment.replies, 1):
            yield from taking_part.check(where, f"comments.{i}.replies.{j}.author", reply.author)
            yield from _mentions(where, f"comments.{i}.replies.{j}.text", reply.text, everyone)
            yield from _reacting(where, f"comments.{i}.replies.{j}.reactions", reply.reactions, taking_part)


def _reacting(where: str, field: str, reactions: Reactions, taking_part: _Allowed) -> Iterator[str]:
    for name, locals_ in reactions.items():
        for i, local in enumerate(locals_, 1):
            yield from taking_part.check(where, f"{field}.{name}.{i}", local)


def _contrast_on_white(color: str) -> float:
    """WCAG contrast ratio of `color` ("#rrggbb") against white."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


@functools.cache
def shipped() -> DemoContent:
    """The demo as the shipped files say, read once, for the tests and tools that pick demo colleagues. Its texts
    keep the `{org_name}` placeholder; seeding reads the files afresh with the organisation's name."""
    return load()


_SHIPPED_NAMES = {
    "DEMO_DOMAIN": lambda c: c.organisation.domain,  # e-mail addresses are <local>@<domain>
    "DEMO_PASSWORD": lambda c: c.organisation.password,  # every demo account's password (printed by make run)
    "PEOPLE": lambda c: c.people,
    "CIRCLES": lambda c: c.circles,
}


def __getattr__(name: str) -> object:
    """`DEMO_DOMAIN`, `DEMO_PASSWORD`, `PEOPLE` and `CIRCLES` of `shipped()`, read on first use (PEP 562), so that
    importing this module reads no file and a malformed one is reported by whoever calls `load()`."""
    if name in _SHIPPED_NAMES:
        return _SHIPPED_NAMES[name](shipped())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
