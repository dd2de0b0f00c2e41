"""Moderation's forms over HTTP: a colleague reports a chat message from its menu's link, the
circle's admin hides it from the queue with a reason, its author sees why, the reporter reads
the outcome, and the queue does not exist for a colleague who moderates nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from services import chat
from tests.support import Visitor, add_member, make_circle, make_user


async def test_report_hide_and_outcome_through_the_forms(
    db: AsyncSession, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    owner, author, reporter = await make_user(db, "Olga Eigenaar"), await make_user(db), await make_user(db)
    circle = await make_circle(db, owner)
    for member in (author, reporter):
        await add_member(db, owner, circle, member)
    message = await chat.post_message(db, author, circle.id or 0, body="Wat een sukkels hier")
    page = f"/circles/{circle.id}"
    form = f"/moderatie/message/{message.id}/report"

    visitors: dict[str, Visitor] = {}
    for name, user in (("owner", owner), ("author", author), ("reporter", reporter)):
        visitors[name] = await new_visitor()
        assert (await visitors[name].sign_in(user)).status_code == 200
    assert form in (await visitors["reporter"].get(page)).text  # the chat menu's link
    assert "Wat een sukkels hier" in (await visitors["reporter"].get(form)).text
    refused = await visitors["reporter"].submit(form, {"reason": ""}, page=form)
    assert refused.status_code == 303  # back to the form, the message shown once
    sent = await visitors["reporter"].submit(form, {"reason": "Scheldt collega's uit"}, page=form)
    assert (sent.status_code, sent.headers["location"]) == (303, f"/circles/{circle.id}#chat")
    assert (await visitors["author"].get(form)).status_code == 422  # not one's own

    assert (await visitors["reporter"].get("/moderatie")).status_code == 404
    queue = await visitors["owner"].get("/moderatie")
    assert "Scheldt collega&#39;s uit" in queue.text
    assert f"/moderatie/message/{message.id}/hide" in queue.text
    hidden = await visitors["owner"].submit(
        f"/moderatie/message/{message.id}/hide", {"reason": "Blijf vriendelijk"}, page="/moderatie"
    )
    assert (hidden.status_code, hidden.headers["location"]) == (303, "/moderatie")
    assert "Wat een sukkels hier" not in (await visitors["reporter"].get(page)).text
    own = (await visitors["author"].get(page)).text
    assert "Wat een sukkels hier" in own
    assert "Blijf vriendelijk" in own
    assert "Blijf vriendelijk" in (await visitors["author"].get("/notifications")).text
    assert "Je melding is afgehandeld" in (await visitors["reporter"].get("/notifications")).text
    assert "verborgen" in (await visitors["reporter"].get("/moderatie/mine")).text.lower()

    restored = await visitors["owner"].submit(f"/moderatie/message/{message.id}/restore", {}, page="/moderatie")
    assert restored.status_code == 303
