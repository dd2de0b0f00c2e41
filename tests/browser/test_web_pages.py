"""The web pages in a real Chromium, against a live server with the demo organisation.

Every test signs in as a demo colleague of its own when it changes anything, so no test depends
on what another did: the tests of one worker share a server and its database. The colleagues are
picked from `server.demo_data`, not hard-coded, so the demo may change without breaking them.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from server.demo_data import CIRCLES, DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE, DemoCircle, DemoPerson
from tests.browser.conftest import ORG_NAME, sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/kring-shots")


def _email(person: DemoPerson) -> str:
    return f"{person.local}@{DEMO_DOMAIN}"


def _everyone(circle: DemoCircle) -> set[str]:
    return {*circle.admins, *circle.members}


ANNA = PEOPLE[0]
ANNA_CIRCLES = [c for c in CIRCLES if ANNA.local in _everyone(c)]
SECRET_CIRCLE = next(c for c in CIRCLES if c.visibility == "secret" and ANNA.local not in _everyone(c))
CLOSED_CIRCLE = next(c for c in CIRCLES if c.visibility == "closed" and ANNA.local not in _everyone(c))
OPEN_CIRCLE = next(c for c in CIRCLES if c.visibility == "open" and ANNA.local not in _everyone(c))

_taken = {ANNA.local}


def _colleague(not_in: DemoCircle | None = None) -> DemoPerson:
    """The next ordinary colleague (after Anna) no other test uses, outside `not_in`."""
    for person in PEOPLE[1:]:
        if person.local in _taken or person.role != "member":
            continue
        if not_in is not None and person.local in _everyone(not_in):
            continue
        _taken.add(person.local)
        return person
    raise LookupError(f"no free demo colleague outside {not_in.name if not_in else 'any circle'}")


REQUESTER = _colleague(not_in=CLOSED_CIRCLE)
JOINER = _colleague(not_in=OPEN_CIRCLE)
SWITCHER = _colleague()
SIGNER_OUT = _colleague()
FORGETFUL = _colleague()


def _member_count(page: Page) -> int:
    """The number in the circle header's "… leden" line."""
    meta = page.locator(".circle-header .meta").inner_text()
    found = re.search(r"(\d+) (?:lid|leden)\b", meta)
    assert found, f"no member count in {meta!r}"
    return int(found.group(1))


def _open_circle_from_directory(page: Page, base: str, circle: DemoCircle) -> None:
    page.goto(f"{base}/circles")
    page.get_by_role("link", name=circle.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(circle.name)


def test_anna_signs_in_and_sees_her_circles(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(ANNA), DEMO_PASSWORD)

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fijn je te zien, {ANNA.name.split()[0]}")
    expect(page).to_have_title(re.compile(rf"{re.escape(ORG_NAME)}|Start"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("banner").get_by_role("link", name=ANNA.name)).to_be_visible()
    mine = page.get_by_role("region", name="Mijn kringen").get_by_role("link")
    expect(mine).to_have_count(len(ANNA_CIRCLES))
    assert sorted(text.strip() for text in mine.all_inner_texts()) == sorted(c.name for c in ANNA_CIRCLES)


def test_the_directory_hides_the_secret_circle_and_shows_the_closed_one(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(ANNA), DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Kringen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kringen")
    directory = page.get_by_role("region", name="Overzicht van kringen")
    visible = [c for c in CIRCLES if c.visibility != "secret" or ANNA.local in _everyone(c)]
    expect(directory.get_by_role("listitem")).to_have_count(len(visible))
    expect(directory.get_by_role("link", name=CLOSED_CIRCLE.name, exact=True)).to_be_visible()
    expect(directory.get_by_role("link", name=SECRET_CIRCLE.name, exact=True)).to_have_count(0)
    expect(page.get_by_text(SECRET_CIRCLE.name)).to_have_count(0)

    directory.get_by_role("link", name=CLOSED_CIRCLE.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CLOSED_CIRCLE.name)
    expect(page.get_by_text("Besloten", exact=False).first).to_be_visible()
    expect(page.get_by_label("Waarom wil je lid worden? (optioneel)")).to_be_visible()
    expect(page.get_by_role("button", name="Lidmaatschap aanvragen")).to_be_visible()
    members = page.get_by_role("region", name="Leden")
    expect(members.get_by_text("Alleen leden zien wie er in deze kring zit.")).to_be_visible()
    expect(members.get_by_role("listitem")).to_have_count(0)
    expect(members.get_by_role("link")).to_have_count(0)


def test_asking_to_join_a_closed_circle(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(REQUESTER), DEMO_PASSWORD)
    _open_circle_from_directory(page, live_server, CLOSED_CIRCLE)
    expect(page.get_by_role("region", name="Leden").get_by_role("listitem")).to_have_count(0)

    page.get_by_label("Waarom wil je lid worden? (optioneel)").fill("Ik wil graag meedenken.")
    page.get_by_role("button", name="Lidmaatschap aanvragen").click()

    expect(page.locator('.flash[role="status"]')).to_have_text(
        "Je aanvraag is naar de beheerders van de kring gestuurd."
    )
    expect(page.get_by_text("Je aanvraag om lid te worden wacht op de beheerders van de kring.")).to_be_visible()
    expect(page.get_by_role("button", name="Aanvraag intrekken")).to_be_visible()
    expect(page.get_by_role("button", name="Lidmaatschap aanvragen")).to_have_count(0)
    expect(page.get_by_role("region", name="Leden").get_by_role("listitem")).to_have_count(0)

    page.get_by_role("button", name="Aanvraag intrekken").click()
    expect(page.locator('.flash[role="status"]')).to_have_text("Je aanvraag is ingetrokken.")
    expect(page.get_by_role("heading", level=1)).to_have_text(CLOSED_CIRCLE.name)
    expect(page.get_by_role("button", name="Lidmaatschap aanvragen")).to_be_visible()


def test_joining_and_leaving_an_open_circle(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(JOINER), DEMO_PASSWORD)
    _open_circle_from_directory(page, live_server, OPEN_CIRCLE)
    members = page.get_by_role("region", name="Leden")
    before = _member_count(page)
    assert before == len(_everyone(OPEN_CIRCLE))
    expect(members.get_by_role("listitem")).to_have_count(before)
    expect(members.get_by_role("link", name=JOINER.name, exact=True)).to_have_count(0)

    page.get_by_role("button", name="Lid worden").click()

    expect(page.locator('.flash[role="status"]')).to_have_text("Welkom in de kring.")
    assert _member_count(page) == before + 1
    expect(members.get_by_role("link", name=JOINER.name, exact=True)).to_be_visible()
    expect(members.get_by_role("listitem")).to_have_count(before + 1)

    page.get_by_role("button", name="Kring verlaten").click()

    expect(page).to_have_url(f"{live_server}/circles")
    expect(page.locator('.flash[role="status"]')).to_have_text("Je hebt de kring verlaten.")
    _open_circle_from_directory(page, live_server, OPEN_CIRCLE)
    assert _member_count(page) == before
    expect(members.get_by_role("link", name=JOINER.name, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Lid worden")).to_be_visible()


def test_the_language_switch_turns_the_pages_english(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(SWITCHER), DEMO_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Taal").select_option(label="English")
    footer.get_by_role("button", name="Wijzigen").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Good to see you, {SWITCHER.name.split()[0]}")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Circles").click()
    expect(page).to_have_url(f"{live_server}/circles")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Circles")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("contentinfo").get_by_label("Language")).to_have_value("en")


def test_the_skip_link_is_the_first_tab_stop(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(ANNA), DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")
    page.goto(f"{live_server}/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Naar de inhoud")
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    expect(page).to_have_url(f"{live_server}/#main")


def test_signing_out(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(SIGNER_OUT), DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")

    page.get_by_role("button", name="Uitloggen").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Inloggen bij {ORG_NAME}")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)

    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/login(\?|$)"))
    expect(page.get_by_label("E-mailadres", exact=True)).to_be_visible()


def test_a_wrong_password_is_refused_and_keeps_the_address(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(FORGETFUL), "niet-het-goede-wachtwoord")

    expect(page.get_by_role("alert")).to_have_text("Onjuist e-mailadres of wachtwoord.")
    email = page.get_by_label("E-mailadres", exact=True)
    expect(email).to_have_value(_email(FORGETFUL))
    expect(email).to_have_attribute("aria-describedby", "login-error")
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_value("")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_screenshots_for_people_to_look_at(page: Page, live_server: str) -> None:
    """Not asserted: pictures of the home page and a circle page in /tmp/kring-shots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, _email(ANNA), DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=str(SHOTS / "home.png"), full_page=True)

    team = next(c for c in ANNA_CIRCLES if c.name == ANNA.team)
    page.get_by_role("region", name="Mijn kringen").get_by_role("link", name=team.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(team.name)
    page.screenshot(path=str(SHOTS / "circle.png"), full_page=True)


WATCHER = _colleague(not_in=OPEN_CIRCLE)
NEWCOMER = _colleague(not_in=OPEN_CIRCLE)


def test_the_circle_page_shows_a_new_member_live_without_a_reload(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(WATCHER), DEMO_PASSWORD)
    _open_circle_from_directory(page, live_server, OPEN_CIRCLE)
    expect(page.locator("html")).to_have_attribute("data-live", "on")  # subscribed over the socket
    members = page.get_by_role("region", name="Leden")
    before = _member_count(page)
    marker = page.evaluate("() => (window.__not_reloaded = true)")
    assert marker is True

    # Another colleague joins, in another browser session, through the API.
    with httpx.Client(base_url=live_server) as other:
        signed_in = other.post(
            "/api/v1/session",
            json={"email": _email(NEWCOMER), "password": DEMO_PASSWORD},
            headers={"Origin": live_server},
        )
        circle_id = page.locator("[data-circle-id]").get_attribute("data-circle-id")
        joined = other.post(
            f"/api/v1/circles/{circle_id}/join",
            json={},
            headers={"Origin": live_server, "X-CSRF-Token": signed_in.json()["csrf_token"]},
        )
        assert joined.status_code == 200

    expect(members.get_by_role("link", name=NEWCOMER.name, exact=True)).to_be_visible()
    assert _member_count(page) == before + 1
    assert page.evaluate("() => window.__not_reloaded") is True


STREAM_CIRCLE = next(c for c in CIRCLES if c.visibility == "open" and len(_everyone(c)) >= 4)
_stream_people = [
    p
    for p in PEOPLE[1:]
    if p.local in _everyone(STREAM_CIRCLE) and p.local not in _taken and p.local != STREAM_CIRCLE.admins[0]
]
POSTER, READER = _stream_people[0], _stream_people[1]
_taken.update({POSTER.local, READER.local})


def test_a_new_post_shows_as_a_bar_and_a_reaction_updates_the_other_page(
    page: Page, other_page: Page, live_server: str
) -> None:
    sign_in(other_page, live_server, _email(READER), DEMO_PASSWORD)
    expect(other_page.locator("html")).to_have_attribute("data-live", "on")
    bar = other_page.locator("[data-new-posts]")
    expect(bar).to_be_hidden()
    other_page.evaluate("() => (window.__not_reloaded = true)")

    sign_in(page, live_server, _email(POSTER), DEMO_PASSWORD)
    page.get_by_label("Plaatsen in").select_option(label=STREAM_CIRCLE.name)
    page.get_by_label("Bericht (Markdown; noem een collega met @naam)").fill("Wie heeft er **zin** in taart?")
    page.get_by_role("button", name="Plaatsen", exact=True).click()
    expect(page.locator('.flash[role="status"]')).to_have_text("Geplaatst.")

    expect(bar).to_have_text("1 nieuw bericht", timeout=1000)  # within a second, without a reload
    bar.click()
    card = other_page.locator("[data-stream-items] article").first
    expect(card.locator("[data-post-body]")).to_have_text("Wie heeft er zin in taart?")
    expect(bar).to_be_hidden()
    assert other_page.evaluate("() => window.__not_reloaded") is True

    own_card = page.locator("[data-stream-items] article", has_text="Wie heeft er zin in taart?").first
    own_card.locator("button[data-emoji=tada]").click()
    expect(own_card.locator("button[data-emoji=tada] .count")).to_have_text("1")
    expect(card.locator("button[data-emoji=tada] .count")).to_have_text("1", timeout=2000)
    expect(card.locator("button[data-emoji=tada]")).to_have_attribute("aria-pressed", "false")
    assert other_page.evaluate("() => window.__not_reloaded") is True


MENTIONER = next(p for p in _stream_people[2:] if p.local not in _taken)
_taken.add(MENTIONER.local)


def test_typing_at_lists_colleagues_and_the_mention_becomes_a_link(page: Page, live_server: str) -> None:
    sign_in(page, live_server, _email(MENTIONER), DEMO_PASSWORD)
    page.get_by_label("Plaatsen in").select_option(label=STREAM_CIRCLE.name)
    box = page.get_by_label("Bericht (Markdown; noem een collega met @naam)")
    box.click()
    box.press_sequentially(f"Vraag het @{ANNA.name.split()[0][:3]}")
    option = page.get_by_role("option", name=re.compile(re.escape(ANNA.name)))
    expect(option).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value(f"Vraag het @{ANNA.local} ")
    box.press_sequentially("even.")
    page.get_by_role("button", name="Plaatsen", exact=True).click()
    mention = page.locator("[data-stream-items] article").first.get_by_role("link", name=f"@{ANNA.name}")
    expect(mention).to_have_attribute("href", re.compile(r"^/people/\d+$"))
