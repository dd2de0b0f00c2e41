"""The demo content in `server/demo_content/`: the shipped files load and hold the organisation the demo, the
README and the browser tests describe; a mistake in a file is reported with the file and the field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from models import CircleKind, CircleVisibility, Role
from server import cli, demo_data
from server.demo_data import CONTENT_DIR, DemoContent, DemoContentError


@pytest.fixture(scope="module")
def shipped() -> DemoContent:
    return demo_data.load("Buurtwerk Maasland")


def test_the_shipped_demo_is_the_organisation_the_readme_promises(shipped: DemoContent) -> None:
    people = {p.local: p for p in shipped.people}
    assert len(shipped.people) == 60
    assert len(shipped.circles) == 11
    assert (len(shipped.news), len(shipped.blog), len(shipped.posts), len(shipped.pages)) == (6, 3, 25, 3)
    # README.md and `make run` tell a visitor to start as Anna, an ordinary colleague.
    anna = shipped.people[0]
    assert (anna.local, anna.name, anna.role) == ("anna.devries", "Anna de Vries", Role.MEMBER)
    assert shipped.organisation.domain == "rivierenland.example"
    assert shipped.organisation.password == "welkom-bij-kring"
    # Every team and location has colleagues; the roles make news, the blog and administration possible.
    assert {p.team for p in shipped.people} == set(shipped.organisation.teams)
    assert {p.location for p in shipped.people} == set(shipped.organisation.locations)
    assert {p.job_title for p in shipped.people if p.role is Role.EDITOR} == {
        "Directeur-bestuurder",
        "Communicatieadviseur",
    }
    assert [p.job_title for p in shipped.people if p.role is Role.ADMIN] == ["Functioneel beheerder"]
    assert {people[b.author].job_title for b in shipped.blog} == {"Directeur-bestuurder"}
    assert [n.featured_days >= 14 for n in shipped.news if n.must_read] == [True]


def test_the_circles_show_every_visibility_from_annas_side(shipped: DemoContent) -> None:
    """The browser tests pick their circles from this: Anna's own team, open circles she is in, and a closed and
    a secret one she is not in; a post in a closed and in the secret circle."""
    anna = shipped.people[0].local
    hers = [c for c in shipped.circles if anna in {*c.admins, *c.members}]
    assert any(c.kind is CircleKind.TEAM and c.name == shipped.people[0].team for c in hers)
    assert sum(c.visibility is CircleVisibility.OPEN for c in hers) >= 3
    secret = [c for c in shipped.circles if c.visibility is CircleVisibility.SECRET]
    assert len(secret) == 1
    assert len({*secret[0].admins, *secret[0].members}) == 3
    assert all(c not in hers for c in secret)
    assert any(c.visibility is CircleVisibility.CLOSED and c not in hers for c in shipped.circles)
    by_name = {c.name: c for c in shipped.circles}
    assert {by_name[p.circle].visibility for p in shipped.posts} >= {CircleVisibility.CLOSED, CircleVisibility.SECRET}
    assert len({c.color for c in shipped.circles}) == len(shipped.circles)


def test_the_organisations_name_replaces_the_placeholder_in_every_text(shipped: DemoContent) -> None:
    text = shipped.model_dump_json()
    assert "Welzijn Rivierenland" not in text
    assert demo_data.ORG_NAME not in text
    assert "Welkom bij Buurtwerk Maasland" in [p.title for p in shipped.pages]
    henk = next(p for p in shipped.people if p.job_title == "Directeur-bestuurder")
    assert "directeur-bestuurder van Buurtwerk Maasland" in henk.bio
    # Without a name the placeholder stays, so it is never mistaken for the demo's own name.
    assert "Welkom bij {org_name}" in [p.title for p in demo_data.load().pages]


def test_no_file_names_the_demo_organisation_itself() -> None:
    """Its name is written as {org_name}, so an organisation that sets KRING_ORG_NAME sees its own."""
    named = [p.relative_to(CONTENT_DIR) for p in CONTENT_DIR.rglob("*.*") if "Welzijn Rivierenland" in p.read_text()]
    assert named == [Path("README.md")]


def test_the_names_tests_import_are_the_shipped_demo() -> None:
    assert demo_data.shipped().people == demo_data.PEOPLE
    assert demo_data.shipped().circles == demo_data.CIRCLES
    assert demo_data.DEMO_DOMAIN == "rivierenland.example"
    with pytest.raises(AttributeError):
        _ = demo_data.NOT_A_NAME


# --- Mistakes ----------------------------------------------------------------------------------------------------

FIRST_POST = "posts/01-buurtteam-centrum-herinnering-het-teamoverleg.md"


def _edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{name} no longer holds {old!r}: update this test"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _add(name: str, text: str) -> Callable[[Path], None]:
    def add(root: Path) -> None:
        (root / name).write_text(text, encoding="utf-8")

    return add


MISTAKES = {
    "a misspelt field": (
        _edit("people.yaml", "  job_title: Teamleider\n", "  job_titel: Teamleider\n"),
        [
            "people.yaml, entry 2 (mark.vandenberg): job_title: this field is missing",
            "people.yaml, entry 2 (mark.vandenberg): job_titel: not a known field; check its spelling"
            " (found 'Teamleider')",
        ],
    ),
    "an unknown role": (
        _edit("people.yaml", "  role: editor\n", "  role: redacteur\n"),
        ["people.yaml, entry 52 (henk.jansen): role: Input should be 'member', 'editor' or 'admin' (found 'redac"],
    ),
    "a number where a word belongs": (
        _edit("circles.yaml", "  kind: team\n", "  kind: 3\n"),
        ["circles.yaml, entry 1 (Buurtteam Centrum): kind: Input should be 'knowledge', 'team', 'interest' or"],
    ),
    "a colour too light for white text": (
        _edit("circles.yaml", "'#0369a1'", "'#fde68a'"),
        ["circles.yaml, entry 1 (Buurtteam Centrum): color: #fde68a is too light for white text"],
    ),
    "a colleague who does not exist": (
        _edit(FIRST_POST, "author: mark.vandenberg\n", "author: mark.vandenbreg\n"),
        [f"{FIRST_POST}: author: 'mark.vandenbreg' is not a member of the circle 'Buurtteam Centrum'"],
    ),
    "a reaction by someone outside the circle": (
        _edit(FIRST_POST, "thumbsup: [anna.devries,", "thumbsup: [henk.jansen,"),
        [f"{FIRST_POST}: reactions.thumbsup.1: 'henk.jansen' is not a member of the circle 'Buurtteam Centrum'"],
    ),
    "a reaction Kring does not have": (
        _edit(FIRST_POST, "thumbsup: [anna.devries,", "duim: [anna.devries,"),
        [f"{FIRST_POST}: reactions: 'duim' is not a reaction; use one of thumbsup, heart, tada, laugh, bulb, pray"],
    ),
    "a reply to a reply": (
        _edit(FIRST_POST, "casussen na tienen.\n", "casussen na tienen.\n        replies: []\n"),
        [f"{FIRST_POST}: comments.2.replies.1.replies: not a known field; check its spelling"],
    ),
    "a mention of no one": (
        _edit(FIRST_POST, "@sanne.kuipers", "@sanne.kuiper"),
        [f"{FIRST_POST}: body: @sanne.kuiper is not a colleague in people.yaml"],
    ),
    "a misspelt placeholder": (
        _edit("knowledge/03-welkom.md", "{org_name}", "{orgname}"),
        ["knowledge/03-welkom.md: title: unknown placeholder {orgname}; use {org_name}"],
    ),
    "a colon that YAML reads as a new field": (
        _edit("people.yaml", "name: Fatima El Amrani", "name: Fatima: El Amrani"),
        ["people.yaml: line 31, column 15: mapping values are not allowed"],
    ),
    "a field given twice": (
        _edit(FIRST_POST, "days_ago: 1\n", "days_ago: 1\nauthor: anna.devries\n"),
        [f"{FIRST_POST}: line 5, column 1: the field 'author' is given twice"],
    ),
    "a post without front matter": (
        _add("posts/99-zonder-velden.md", "Gewoon een tekst.\n"),
        ["posts/99-zonder-velden.md: the file must start with a line '---', then the fields"],
    ),
    "a file the folder does not read": (
        _add("news/07-nieuws.txt", "---\n"),
        ["news/07-nieuws.txt: only files ending in .md are read in this folder"],
    ),
    "a missing file": (
        lambda root: (root / "chat.yaml").unlink(),
        ["chat.yaml: the file is missing"],
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_names_the_file_and_the_field(tmp_path: Path, mistake: str) -> None:
    edit, expected = MISTAKES[mistake]
    root = tmp_path / "demo_content"
    shutil.copytree(CONTENT_DIR, root)
    edit(root)
    with pytest.raises(DemoContentError) as raised:
        demo_data.load("Buurtwerk Maasland", root)
    lines = str(raised.value).splitlines()
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_seed_demo_refuses_bad_content_before_it_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command stops with the problem on one line and no traceback; the database is not even opened."""
    root = tmp_path / "demo_content"
    shutil.copytree(CONTENT_DIR, root)
    _edit(FIRST_POST, "author: mark.vandenberg\n", "author: mark.vandenbreg\n")(root)
    monkeypatch.setattr(demo_data, "CONTENT_DIR", root)
    database = tmp_path / "kring.db"
    monkeypatch.setenv("KRING_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("KRING_VAR_DIR", str(tmp_path / "var"))

    assert cli.main(["seed-demo"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "kring: the demo content is not valid, nothing was seeded:",
        f"{FIRST_POST}: author: 'mark.vandenbreg' is not a member of the circle 'Buurtteam Centrum'",
    ]
    assert not database.exists()
