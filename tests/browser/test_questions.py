"""A question's accepted answer moves first live: the asker accepts on their page, and a
colleague with the question open sees the answer first and marked, and the badge turn
"Beantwoord", without a reload (and the same after one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/kring-shots")
TEAM = next(c for c in CIRCLES if c.kind == "team" and c.visibility == "closed" and len(c.members) >= 2)
ASKER, HELPER = (next(p for p in PEOPLE if p.local == local) for local in TEAM.members[:2])


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@contextmanager
def _api(base: str, local: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        answer = client.post("/api/v1/session", json={"email": _email(local), "password": DEMO_PASSWORD})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield client


def test_the_accepted_answer_moves_first_live(page: Page, other_page: Page, live_server: str) -> None:
    with _api(live_server, ASKER.local) as asker, _api(live_server, HELPER.local) as helper:
        circles = asker.get("/api/v1/circles", params={"limit": 200}).json()["items"]
        circle_id = next(c["id"] for c in circles if c["name"] == TEAM.name)
        asked = asker.post(
            f"/api/v1/circles/{circle_id}/posts", json={"body": "Wie weet waar de sleutelkast hangt?", "question": True}
        )
        assert asked.status_code == 201, asked.text
        post_id = asked.json()["id"]
        comment_ids = []
        for body in ("Geen idee, sorry.", "Naast de printer op de eerste verdieping."):
            made = helper.post(f"/api/v1/posts/{post_id}/comments", json={"body": body})
            assert made.status_code == 201, made.text
            comment_ids.append(made.json()["id"])
    first, answer = comment_ids

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, _email(HELPER.local), DEMO_PASSWORD)
    page.goto(f"{live_server}/posts/{post_id}")
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    badge = page.locator(f'[data-post-id="{post_id}"] [data-question-badge]')
    expect(badge).to_have_text("Open vraag")
    expect(page.locator("[data-comments] > li").first).to_have_attribute("data-comment-id", str(first))
    # Only the asker and the circle's admins accept; the helper sees no such button.
    expect(page.get_by_role("button", name="Accepteren als antwoord")).to_have_count(0)

    other_page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(other_page, live_server, _email(ASKER.local), DEMO_PASSWORD)
    other_page.goto(f"{live_server}/posts/{post_id}")
    other_page.locator(f"#comment-{answer}").get_by_role("button", name="Accepteren als antwoord").click()
    expect(other_page.locator(f"#comment-{answer}").get_by_role("button", name="Acceptatie intrekken")).to_be_visible()

    accepted = page.locator(f"#comment-{answer}")
    expect(page.locator("[data-comments] > li").first).to_have_attribute("data-comment-id", str(answer))
    expect(accepted).to_have_class(re.compile(r"\baccepted\b"))
    expect(accepted.get_by_text("Geaccepteerd antwoord")).to_be_visible()
    expect(page.locator(f"#comment-{first}").get_by_text("Geaccepteerd antwoord")).to_be_hidden()
    expect(badge).to_have_text("Beantwoord")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "question-accepted-live-phone.png"), full_page=True)
    other_page.screenshot(path=str(SHOTS / "question-accepted-asker-desk.png"), full_page=True)

    page.reload()
    expect(page.locator("[data-comments] > li").first).to_have_attribute("data-comment-id", str(answer))
    expect(badge).to_have_text("Beantwoord")
