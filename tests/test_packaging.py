"""The lock files hold every dependency pyproject.toml declares: a fresh clone installs from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _locked(path: Path) -> set[str]:
    return {
        line.split("==", 1)[0].lower().replace("_", "-")
        for line in path.read_text().splitlines()
        if line and not line.startswith((" ", "#", "-"))
    }


def test_every_declared_dependency_is_locked() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    development = {_name(r) for r in extras["dev"] + extras["bench"]}
    assert runtime - _locked(REPO / "requirements.lock") == set(), "run pip-compile for requirements.lock"
    assert (runtime | development) - _locked(REPO / "requirements-dev.lock") == set(), (
        "run pip-compile --extra dev --extra bench for requirements-dev.lock"
    )
