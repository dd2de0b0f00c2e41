"""Polls over the JSON API and on the pages: asked with a post or a chat message, voted, closed;
an anonymous poll's voters are named by no answer and no page; a secret circle's poll does not
exist for an outsider on any path."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility
from tests.support import BASE_URL, Visitor, add_member, make_circle, make_user


def _poll_sections(html: str) -> list[str]:
    return re.findall(r'<section class="poll[^"]*".*?</section>', html, re.S)


def _named(found: Any) -> set[str]:
    """Every name and user id a JSON answer's polls carry."""
    if isinstance(found, list):
        return set().union(*(_named(f) for f in found)) if found else set()
    if not isinstance(found, dict):
        return set()
    names = {str(found["name"])} if "name" in found else set()
    names |= {f"user:{found['user_id']}"} if "user_id" in found else set()
    return names.union(*(_named(v) for v in found.values()))


async def test_an_anonymous_poll_is_voted_over_the_api_and_no_answer_or_page_names_a_voter(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    admin = await make_user(db, "Anke Beheer")
    voter = await make_user(db, "Vera Stemt")
    circle = await make_circle(db, admin, CircleVisibility.CLOSED, name="Jongerenwerk")
    await add_member(db, admin, circle, voter)
    admin_view, voter_view = await new_visitor(), await new_visitor()
    await admin_view.sign_in(admin)
    await voter_view.sign_in(voter)
    poll = {"question": "Hoe was de training?", "options": ["Goed", "Matig", "Slecht"], "anonymous": True}

    made = await admin_view.write("POST", f"/api/v1/circles/{circle.id}/posts", json={"body": "", "poll": poll})
    assert made.status_code == 201, made.text
    post = made.json()
    assert post["poll"]["anonymous"] is True
    said = await admin_view.write("POST", f"/api/v1/circles/{circle.id}/messages", json={"body": "", "poll": poll})
    assert said.status_code == 201, said.text
    answers: list[Any] = [post, said.json()]
    for asked in (post["poll"], said.json()["poll"]):
        poll_id = asked["id"]
        goed, matig, _ = (o["id"] for o in asked["options"])
        first = await voter_view.write("PUT", f"/api/v1/polls/{poll_id}/vote", json={"options": [goed]})
        assert first.status_code == 200, first.text
        assert first.json()["mine"] == [goed]
        changed = await voter_view.write("PUT", f"/api/v1/polls/{poll_id}/vote", json={"options": [matig]})
        other = await admin_view.write("PUT", f"/api/v1/polls/{poll_id}/vote", json={"options": [matig]})
        assert [o["votes"] for o in other.json()["options"]] == [0, 2, 0]
        assert other.json()["mine"] == [matig]
        too_many = await voter_view.write("PUT", f"/api/v1/polls/{poll_id}/vote", json={"options": [goed, matig]})
        assert too_many.status_code == 422, too_many.text
        answers += [first.json(), changed.json(), other.json()]
        answers.append((await voter_view.get(f"/api/v1/polls/{poll_id}")).json())
    answers.append((await voter_view.get(f"/api/v1/posts/{post['id']}")).json())
    answers.append((await voter_view.get(f"/api/v1/circles/{circle.id}/posts")).json())
    answers.append((await voter_view.get(f"/api/v1/circles/{circle.id}/messages")).json())
    polls_in_answers = [a.get("poll", a) for a in answers[:2]] + answers[2:]
    assert all(option["voters"] is None for a in answers[2:10] for option in a["options"])
    named = _named(polls_in_answers) - {admin.name}  # the post's and message's author, not a voter
    assert voter.name not in named
    assert f"user:{voter.id}" not in named

    # The pages show the counts and nobody's name in an anonymous poll.
    for url in (f"/posts/{post['id']}", f"/circles/{circle.id}"):
        sections = _poll_sections((await voter_view.get(url)).text)
        assert sections, url
        for section in sections:
            assert voter.name not in section
            assert admin.name not in section
            assert "anoniem" in section


async def test_a_secret_circles_poll_is_not_found_by_outsiders_and_closes_for_its_author(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    admin = await make_user(db)
    member = await make_user(db)
    outsider = await make_user(db)
    circle = await make_circle(db, admin, CircleVisibility.SECRET)
    await add_member(db, admin, circle, member)
    member_view, outsider_view = await new_visitor(), await new_visitor()
    await member_view.sign_in(member)
    await outsider_view.sign_in(outsider)
    made = await member_view.write(
        "POST",
        f"/api/v1/circles/{circle.id}/posts",
        json={"body": "Stemmen!", "poll": {"question": "Wie trakteert?", "options": ["Ik", "Jij"]}},
    )
    assert made.status_code == 201, made.text
    poll = made.json()["poll"]
    poll_id, option = poll["id"], poll["options"][0]["id"]
    assert (await outsider_view.get(f"/api/v1/polls/{poll_id}")).status_code == 404
    refused = await outsider_view.write("PUT", f"/api/v1/polls/{poll_id}/vote", json={"options": [option]})
    assert refused.status_code == 404
    assert (await outsider_view.write("POST", f"/api/v1/polls/{poll_id}/close")).status_code == 404
    assert (await outsider_view.get(f"/posts/{made.json()['id']}")).status_code == 404
    closed = await member_view.write("POST", f"/api/v1/polls/{poll_id}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed"] is True
    late = await member_view.write("PUT", f"/api/v1/polls/{poll_id}/vote", json={"options": [option]})
    assert late.status_code == 409
    # A poll with one option is refused whole, and no post is made.
    one = {"question": "Ja?", "options": ["ja"]}
    assert (
        await member_view.write("POST", f"/api/v1/circles/{circle.id}/posts", json={"body": "x", "poll": one})
    ).status_code == 422


async def test_the_pages_forms_vote_withdraw_and_close_with_their_token_and_an_outsider_learns_nothing(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    admin = await make_user(db)
    asker = await make_user(db)
    voter = await make_user(db)
    outsider = await make_user(db)
    circle = await make_circle(db, admin, CircleVisibility.SECRET)
    for member in (asker, voter):
        await add_member(db, admin, circle, member)
    asker_view, voter_view, outsider_view = await new_visitor(), await new_visitor(), await new_visitor()
    for view, user in ((asker_view, asker), (voter_view, voter), (outsider_view, outsider)):
        await view.sign_in(user)
    chat_url = f"/circles/{circle.id}"
    poll = {"question": "Wie haalt de taart?", "options": ["Ik", "Jij"]}
    said = await asker_view.write("POST", f"/api/v1/circles/{circle.id}/messages", json={"poll": poll})
    assert said.status_code == 201, said.text
    poll_id = said.json()["poll"]["id"]
    ik, jij = (o["id"] for o in said.json()["poll"]["options"])
    vote_url, close_url = f"/polls/{poll_id}/vote", f"/polls/{poll_id}/close"

    async def votes() -> list[int]:
        return [o["votes"] for o in (await asker_view.get(f"/api/v1/polls/{poll_id}")).json()["options"]]

    async def told(response: Any, view: Visitor, where: str) -> str:
        """Where the form sends the colleague back to, and the page they see there."""
        assert response.status_code == 303, response.text
        assert response.headers["location"] == where
        return str((await view.get(where.partition("#")[0])).text)

    # Without the page's token (a form another site made) nothing is counted.
    forged = await voter_view.http.post(
        vote_url, data={"option": str(jij), "csrf_token": "guessed"}, headers={"Origin": BASE_URL}
    )
    assert forged.status_code == 403
    assert await votes() == [0, 0]

    page = await told(
        await voter_view.submit(vote_url, {"option": str(jij)}, page=chat_url), voter_view, f"{chat_url}#chat"
    )
    assert "Je stem is geteld." in page
    [section] = _poll_sections(page)
    assert re.search(rf'value="{jij}"\s+checked', section)  # the chat shows the voter their choice
    assert await votes() == [0, 1]
    page = await told(await voter_view.submit(vote_url, {}, page=chat_url), voter_view, f"{chat_url}#chat")
    assert "Je stem is ingetrokken." in page
    assert await votes() == [0, 0]
    await voter_view.submit(vote_url, {"option": str(ik)}, page=chat_url)

    # An outsider is answered as for a poll that does not exist, and changes nothing.
    refused = await outsider_view.submit(vote_url, {"option": str(ik)})
    assert "Deze peiling bestaat niet." in await told(refused, outsider_view, "/")
    nothing = await outsider_view.submit(f"/polls/{poll_id + 1000}/vote", {"option": str(ik)})
    assert "Deze peiling bestaat niet." in await told(nothing, outsider_view, "/")
    refused = await outsider_view.submit(close_url, {})
    assert "Deze peiling bestaat niet." in await told(refused, outsider_view, "/")
    assert (await outsider_view.get(chat_url)).status_code == 404
    assert await votes() == [1, 0]

    # Only the asker (or an admin of the circle) closes it; then the vote is over.
    page = await told(await voter_view.submit(close_url, {}, page=chat_url), voter_view, "/")
    assert "Alleen wie de peiling maakte of een beheerder van de kring kan haar sluiten." in page
    page = await told(await asker_view.submit(close_url, {}, page=chat_url), asker_view, f"{chat_url}#chat")
    assert "De peiling is gesloten." in page
    assert (await asker_view.get(f"/api/v1/polls/{poll_id}")).json()["closed"] is True
    late = await voter_view.submit(vote_url, {"option": str(jij)}, page=chat_url)
    assert "Deze peiling is gesloten." in await told(late, voter_view, "/")
    assert await votes() == [1, 0]

    # A post's poll sends the voter back to the post.
    made = await asker_view.write("POST", f"/api/v1/circles/{circle.id}/posts", json={"poll": poll})
    post_id, post_poll = made.json()["id"], made.json()["poll"]
    voted = await voter_view.submit(
        f"/polls/{post_poll['id']}/vote", {"option": str(post_poll["options"][0]["id"])}, page=chat_url
    )
    assert "Je stem is geteld." in await told(voted, voter_view, f"/posts/{post_id}#post-{post_id}")
