"""News from colleagues through the forms: propose, send back with a note, propose again,
schedule; the news appears only when the scheduler publishes it (issue 17)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import NewsProposal, ProposalState, Role
from server.context import AppContext
from services import news_proposals
from tests.support import BASE_URL, Visitor, make_user


async def send(visitor: Visitor, url: str, data: dict[str, str]) -> httpx.Response:
    """Post a form as its page does (the session's CSRF token, read once at sign-in)."""
    token = {"csrf_token": visitor.csrf}
    return await visitor.http.post(url, data={**token, **data}, headers={"Origin": BASE_URL, "Referer": BASE_URL + url})


async def test_a_colleague_proposes_news_an_editor_sends_it_back_and_schedules_it_with_the_forms(
    db: AsyncSession, context: AppContext, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    member = await make_user(db, "Pim Voorsteller")
    editor = await make_user(db, "Eva Redacteur", role=Role.EDITOR)
    colleague, redaction = await new_visitor(), await new_visitor()
    await colleague.sign_in(member)
    await redaction.sign_in(editor)
    assert 'href="/news/proposals/new"' in (await colleague.get("/news")).text  # "Nieuws voorstellen"

    refused = await send(colleague, "/news/proposals", {"title": "", "body": "Tekst zonder titel"})
    assert refused.status_code == 422
    assert "Tekst zonder titel" in refused.text  # nothing typed is lost
    made = await send(colleague, "/news/proposals", {"title": "Buurtfeest Zuid", "body": "Zaterdag feest."})
    assert made.status_code == 303
    path = made.headers["location"]
    assert "Wacht op de redactie" in (await colleague.get(path)).text
    # The colleague cannot publish it themselves; the refusal changes nothing.
    await send(colleague, f"{path}/publish", {})
    [proposal] = (await db.exec(select(NewsProposal))).all()
    assert proposal.state is ProposalState.PROPOSED

    assert "wachtend op de redactie: 1" in (await redaction.get("/news")).text  # the editors' link counts it
    assert "Buurtfeest Zuid" in (await redaction.get("/news/proposals")).text
    sent = await send(redaction, f"{path}/send-back", {"note": "Noem ook de tijd."})
    assert sent.status_code == 303
    page = (await colleague.get(path)).text
    assert "Opmerking van de redactie" in page
    assert "Noem ook de tijd." in page
    inbox = (await colleague.get("/notifications")).text
    assert "Eva Redacteur stuurde het nieuws dat je voorstelde terug, met een opmerking" in inbox
    again = await send(colleague, f"{path}/edit", {"title": "Buurtfeest Zuid", "body": "Zaterdag om drie uur feest."})
    assert again.status_code == 303

    # Scheduled for tomorrow at nine, local time, and featured for a week.
    zone = ZoneInfo(context.settings.timezone)
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    fields = {
        "publish_at": f"{tomorrow.isoformat()}T09:00",
        "featured_until": (tomorrow + timedelta(days=7)).isoformat(),
    }
    scheduled = await send(redaction, f"{path}/publish", fields)
    assert scheduled.headers["location"] == "/news/proposals"
    assert "Ingepland" in (await colleague.get(path)).text
    # The editor's own news for later, from the news form.
    own = {"title": "Nieuwe parkeerregels", "body": "Vanaf maandag.", "publish_at": f"{tomorrow.isoformat()}T10:00"}
    assert (await send(redaction, "/news", own)).headers["location"] == "/news/proposals"
    for visitor, url in ((colleague, "/news"), (colleague, "/"), (colleague, "/search?q=feest"), (redaction, "/news")):
        text = (await visitor.get(url)).text
        assert "Buurtfeest Zuid" not in text, url
        assert "Nieuwe parkeerregels" not in text, url

    # Its time: the scheduler publishes both, the proposal as the colleague's news, featured.
    nine = datetime.combine(tomorrow, datetime.min.time(), zone) + timedelta(hours=10, minutes=1)
    assert len(await news_proposals.publish_due(db, nine)) == 2
    news = (await colleague.get("/news")).text
    assert "Buurtfeest Zuid" in news
    assert "Nieuwe parkeerregels" in news
    home = (await colleague.get("/")).text
    assert home.index("Buurtfeest Zuid") < home.index("data-stream-items")  # the hero, above the stream
    assert "Buurtfeest Zuid" in (await colleague.get("/search?q=buurtfeest")).text
