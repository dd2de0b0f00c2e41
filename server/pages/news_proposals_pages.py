"""News from colleagues on the pages: proposing news, the editors' queue, one proposal.

Every colleague proposes news and follows their proposals here; the editors' queue and their
buttons are asked of `services.news_proposals`, which holds the role rule. Times in the forms
are the organisation's local times (`KRING_TIMEZONE`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from models import NewsProposal, ProposalState
from models.base import utcnow
from server.endpoints import Call, form_route, form_text, page_route
from services import access, news_proposals, posts
from services.errors import N_, Invalid

MAX_FEATURED_DAYS = 3650
STATE_LABELS = {
    ProposalState.PROPOSED: N_("Waiting for an editor"),
    ProposalState.SENT_BACK: N_("Sent back"),
    ProposalState.SCHEDULED: N_("Scheduled"),
    ProposalState.PUBLISHED: N_("Published"),
}
_DRAFT_FIELDS = ("title", "lead", "body")


def local_moment(value: str, zone: str, *, field: str) -> datetime | None:
    """A `datetime-local` field's value ("2026-12-08T09:00"), in the organisation's time zone."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(N_("That is not a date and time."), field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def featured_end(call: Call) -> datetime | None:
    """The end of featuring: the end of the chosen local day (`featured_until`), or older forms'
    number of days (`featured_days`). A day already past is refused, not silently ignored."""
    zone = ZoneInfo(call.ctx.settings.timezone)
    chosen = form_text(call, "featured_until").strip()
    if chosen:
        try:
            day = date.fromisoformat(chosen)
        except ValueError:
            raise Invalid(N_("That is not a date."), field="featured_until") from None
        end = datetime.combine(day, time.max, zone).astimezone(UTC)
        if end <= utcnow():
            raise Invalid(N_("Choose a day that has not passed to feature it until."), field="featured_until")
        return end
    days = form_text(call, "featured_days").strip()
    if not days:
        return None
    if not days.isdigit():
        raise Invalid(N_("That is not a number."), field="featured_days")
    today = datetime.now(zone).date()
    # A date past the calendar's end is an error: at most ten years.
    return datetime.combine(today + timedelta(days=min(int(days), MAX_FEATURED_DAYS)), time.max, zone).astimezone(UTC)


def _id(call: Call) -> int:
    return int(call.request.path_params["proposal_id"])


def _draft(call: Call) -> dict[str, str]:
    return {name: form_text(call, name) for name in _DRAFT_FIELDS}


async def proposals_page(call: Call) -> Response:
    """The editors' queue (for editors) and the colleague's own proposals."""
    editor = access.is_editor(call.user)
    waiting = await news_proposals.queue(call.db, call.user) if editor else []
    mine = await news_proposals.mine(call.db, call.user)
    return call.render(
        "news_proposals.html",
        is_editor=editor,
        waiting=waiting,
        mine=mine,
        proposers=await news_proposals.proposers(call.db, [*waiting, *mine]),
        state_labels=STATE_LABELS,
    )


async def new_proposal_form(call: Call) -> Response:
    return call.render("news_proposal_form.html", draft={}, body_limit=posts.MAX_BODY)


async def propose(call: Call) -> Response:
    try:
        proposal = await news_proposals.propose(
            call.db,
            call.user,
            title=form_text(call, "title"),
            lead=form_text(call, "lead"),
            body=form_text(call, "body"),
        )
    except Invalid as refused:  # the form again with all that was typed: nothing is lost
        return call.render(
            "news_proposal_form.html",
            status=422,
            draft=_draft(call),
            body_limit=posts.MAX_BODY,
            flash=("error", refused.text(call.gettext)),
        )
    return call.redirect(
        news_proposals.proposal_url(proposal), message=N_("Thank you! The editors will look at your news.")
    )


async def proposal_page(call: Call) -> Response:
    return await _proposal_page(call, await news_proposals.access_proposal(call.db, call.user, _id(call)))


async def _proposal_page(
    call: Call, proposal: NewsProposal, *, draft: dict[str, str] | None = None, refused: Invalid | None = None
) -> Response:
    context: dict[str, Any] = {}
    if refused is not None:
        context = {"status": 422, "flash": ("error", refused.text(call.gettext))}
    proposer = (await news_proposals.proposers(call.db, [proposal])).get(proposal.proposer_id)
    return call.render(
        "news_proposal.html",
        proposal=proposal,
        proposer=proposer,
        state_label=STATE_LABELS[proposal.state],
        draft=draft or {"title": proposal.title, "lead": proposal.lead, "body": proposal.body},
        may_edit=news_proposals.may_edit(call.user, proposal),
        may_decide=news_proposals.may_decide(call.user, proposal),
        own=proposal.proposer_id == call.user_id,
        body_limit=posts.MAX_BODY,
        **context,
    )


async def edit(call: Call) -> Response:
    proposal_id = _id(call)
    try:
        proposal = await news_proposals.edit(
            call.db,
            call.user,
            proposal_id,
            title=form_text(call, "title"),
            lead=form_text(call, "lead"),
            body=form_text(call, "body"),
        )
    except Invalid as refused:
        found = await news_proposals.access_proposal(call.db, call.user, proposal_id)
        return await _proposal_page(call, found, draft=_draft(call), refused=refused)
    return call.redirect(news_proposals.proposal_url(proposal), message=N_("Saved."))


async def publish(call: Call) -> Response:
    proposal = await news_proposals.publish(
        call.db,
        call.user,
        _id(call),
        publish_at=local_moment(form_text(call, "publish_at"), call.ctx.settings.timezone, field="publish_at"),
        featured_until=featured_end(call),
        must_read=form_text(call, "must_read") == "on",
    )
    if proposal.state is ProposalState.SCHEDULED:
        return call.redirect("/news/proposals", message=N_("The news has been scheduled."))
    return call.redirect(f"/posts/{proposal.post_id}", message=N_("The news has been published."))


async def send_back(call: Call) -> Response:
    await news_proposals.send_back(call.db, call.user, _id(call), note=form_text(call, "note"))
    return call.redirect("/news/proposals", message=N_("Sent back to the proposer with your note."))


routes: list[Route] = [
    page_route("/news/proposals", proposals_page, name="news_proposals"),
    page_route("/news/proposals/new", new_proposal_form, name="news_proposal_form"),
    page_route("/news/proposals/{proposal_id:int}", proposal_page, name="news_proposal"),
    form_route("/news/proposals", propose, name="news_propose"),
    form_route("/news/proposals/{proposal_id:int}/edit", edit, name="news_proposal_edit"),
    form_route("/news/proposals/{proposal_id:int}/publish", publish, name="news_proposal_publish"),
    form_route("/news/proposals/{proposal_id:int}/send-back", send_back, name="news_proposal_send_back"),
]
