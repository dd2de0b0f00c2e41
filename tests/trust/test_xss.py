"""Case 12, cross-site scripting: every vector of the corpus through the Markdown pipeline and
through the templates; `tests/browser/test_xss_browser.py` shows the same in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from services import accounts, chat, circles, comments, posts
from services.errors import Invalid
from services.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, handle_of, render, to_safe_html
from tests.support import Visitor, make_circle, make_user
from tests.trust.report import report
from tests.trust.xss_corpus import PAYLOADS, VECTORS

pytestmark = pytest.mark.trust

SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def unsafe_parts(markup: str) -> list[str]:
    """What in Markdown output could run script or leave the allowed vocabulary."""
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    problems = []
    for tag, attrs in parser.found:
        if tag not in ALLOWED_TAGS:
            problems.append(f"tag {tag}")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name not in allowed:
                problems.append(f"attribute {tag}[{name}]")
            if name == "href" and value is not None:
                # As a browser reads a URL: control characters and white space are dropped.
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                scheme = re.match(r"^([a-z][a-z0-9+.-]*):", squeezed)
                if scheme is not None and not squeezed.startswith(SAFE_SCHEMES):
                    problems.append(f"href {value!r}")
    return problems


def page_problems(markup: str) -> list[str]:
    """What no Kring page may hold: an event-handler attribute (the templates have none, the CSP
    forbids them) or a script that is neither a file of ours nor inert JSON."""
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    problems = []
    for tag, attrs in parser.found:
        named = dict(attrs)
        problems += [f"{tag}[{name}]" for name in named if name.startswith("on") or name == "srcdoc"]
        if tag == "script" and not (
            str(named.get("src", "")).startswith("/static/") or named.get("type") == "application/json"
        ):
            problems.append(f"script {named}")
        if tag in {"iframe", "object", "embed", "base"}:
            problems.append(tag)
    return problems


def test_the_corpus_is_large_enough() -> None:
    assert len(VECTORS) >= 200
    assert len(set(VECTORS)) == len(VECTORS)


def test_no_vector_survives_the_markdown_pipeline() -> None:
    failures = {vector: problems for vector in VECTORS if (problems := unsafe_parts(to_safe_html(vector)))}
    assert failures == {}
    # Raw HTML never becomes markup at all: it is shown as text.
    assert "<script" not in to_safe_html("<script>alert(1)</script>")
    assert "&lt;script&gt;" in to_safe_html("<script>alert(1)</script>")
    report("12-xss-markdown", vectors=len(VECTORS))


def fits_a_name(text: str) -> bool:
    """Whether `text` may be a name at all: one with a line break, tab or other control or
    invisible character is refused before it could be shown anywhere (issue 14, finding 11)."""
    try:
        accounts.clean_name(text[:120])
    except Invalid:
        return False
    return True


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_mentions_of_colleagues_with_hostile_names_stay_safe(backend: str, db: AsyncSession) -> None:
    hostile = [
        await make_user(db, name=payload[:120], email=f"vijand{number}@kring.test")
        for number, payload in enumerate([p for p in PAYLOADS if fits_a_name(p)][:20])
    ]
    for user in hostile:
        rendered = await render(db, f"Hoi @{handle_of(user)}, zie [dit](javascript:alert(1))")
        assert rendered.mentions == (user.id,)
        assert unsafe_parts(rendered.html) == [], user.name


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_no_payload_reaches_a_page_unescaped(backend: str, db: AsyncSession, visitor: Visitor) -> None:
    """Every field a colleague fills in, shown on the pages that show it: a payload with markup
    characters never appears verbatim (autoescaping) and the Markdown bodies are safe."""
    marked = [p for p in PAYLOADS if re.search(r"[<>\"']", p)]
    assert len(marked) > 50
    admin = await make_user(db, role=Role.ADMIN)
    circle = await make_circle(db, admin, name="Plein")
    assert circle.id is not None
    for number, payload in enumerate(marked):
        name = payload[:120] if fits_a_name(payload) else f"Collega {number}"
        someone = await make_user(db, name=name, job_title=payload[:120], email=f"x{number}@kring.test")
        await accounts.update_profile(db, someone, bio=payload, team=payload[:120], location=payload[:120])
        await circles.join_circle(db, someone, circle.id)
        await make_circle(db, admin, name=f"{number} {payload}"[:80])
        post = await posts.create_post(db, someone, circle.id, body=payload)
        await comments.add_comment(db, admin, post.id or 0, body=payload)
        await chat.post_message(db, someone, circle.id, body=payload)
        await posts.create_news(db, admin, title=payload[:200], lead=payload[:500], body=payload)
    await circles.update_circle(db, admin, circle.id, description=marked[0])
    await visitor.sign_in(admin)
    pages = ["/", "/people", "/circles", f"/circles/{circle.id}", "/profile", "/messages"]
    pages += [f"/posts/{n}" for n in range(1, 6)] + [f"/people/{n}" for n in range(2, 7)]
    leaks = []
    for page in pages:
        response = await visitor.get(page)
        assert response.status_code == 200, page
        text = response.text
        # Quotes in text are harmless; markup characters must have been escaped.
        leaks += [(page, p) for p in marked if "<" in p and p in text]
        assert page_problems(text) == [], page
        # Markup from bodies (|safe) is the Markdown pipeline's: check each rendered body.
        for body in re.findall(r"data-(?:post|comment|message)-body>(.*?)</div>", text, flags=re.S):
            assert unsafe_parts(body) == [], (page, body[:200])
    assert leaks == []
    report("12-xss-templates", payloads=len(marked), pages=len(pages))
