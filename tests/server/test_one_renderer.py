"""Items have one renderer, the server's macros (web/templates/_items.html): no script builds a
post, comment, chat message, member row or notification of its own, so no copy can drift."""

from __future__ import annotations

import re
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "web" / "static" / "js"
# What scripts may still make: the favicon's badge, the holder of a server-rendered fragment, the
# @mention suggestions (a menu of names, not an item) and the circle page's tab bar on a phone
# (controls over the server-rendered sections, not an item).
MAY_CREATE = {
    ("badge.js", "canvas"),
    ("items.js", "template"),
    ("mentions.js", "ul"),
    ("mentions.js", "li"),
    ("circle.js", "div"),
    ("circle.js", "button"),
}


def test_no_script_builds_the_markup_of_an_item() -> None:
    made = {
        (script.name, tag)
        for script in SCRIPTS.glob("*.js")
        for tag in re.findall(r"createElement\(\s*[\"'`](\w+)", script.read_text())
    }
    assert made <= MAY_CREATE
    for script in SCRIPTS.glob("*.js"):
        # HTML goes in only as the server rendered it: a fetched fragment or an event's `html`.
        for line in script.read_text().splitlines():
            if re.search(r"\.(innerHTML|outerHTML)\s*=", line):
                assert re.search(r"=\s*(html|await response\.text\(\)|frame\.data\.html);", line), line
