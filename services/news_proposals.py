"""News from colleagues, and news for later.

Any colleague may propose news. Editors (`access.is_editor`: communications, and the
organisation's admins) see the queue and publish a proposal, change it first, or send it back
with a note; its proposer may then change it and propose it again. The proposer hears of both
(`NotificationKind.NEWS_PROPOSAL`), and publishing or sending back someone else's proposal is
audited. An editor may also publish for later: a proposal, or news of their own (`schedule`).

Guarantees:
- Until it is published a proposal is not a post, so nothing that shows posts (stream, /news,
  search, feeds, notifications, realtime) can show it; its proposer and the editors read it here.
- Scheduled news is published by `publish_due` once its `publish_at` has passed, exactly once
  however many workers run it at once: each item is claimed by a conditional UPDATE
  (scheduled -> published) in the same transaction that makes the post, so a second claimant
  finds it taken, and a failure gives the claim back with the rollback.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import NewsProposal, NotificationKind, Post, ProposalState, User
from models.base import utcnow
from models.database import SessionMaker
from services import audit, notifications, posts
from services.access import ensure_editor, is_editor
from services.errors import N_, Conflict, Invalid, NotFound
from services.transactions import end_read, unit_of_work, writes

log = logging.getLogger(__name__)

MAX_NOTE = 1000
# How often each worker looks for scheduled news that is due: news appears at most this late.
CHECK_SECONDS = 30.0
_OPEN = (ProposalState.PROPOSED, ProposalState.SENT_BACK)
_WAITING = (ProposalState.PROPOSED, ProposalState.SCHEDULED)  # what an editor acts on


def proposal_url(proposal: NewsProposal) -> str:
    return f"/news/proposals/{proposal.id}"


def _subject(proposal: NewsProposal) -> str:
    return f"proposal:{proposal.id}"


def _clean(title: str, body: str, lead: str) -> tuple[str, str, str]:
    return posts.clean_title(title, required=True), posts.clean_body(body), posts.clean_lead(lead)


@writes
async def propose(
    db: AsyncSession, user: User, *, title: str, body: str, lead: str = "", cover: str | None = None
) -> NewsProposal:
    """A colleague proposes news; it waits in the editors' queue."""
    title, body, lead = _clean(title, body, lead)
    proposal = NewsProposal(proposer_id=user.id or 0, title=title, body=body, lead=lead, cover=cover)
    db.add(proposal)
    await db.flush()
    return proposal


async def access_proposal(db: AsyncSession, user: User, proposal_id: int) -> NewsProposal:
    """The proposal, for its proposer and the editors; to anyone else it does not exist."""
    proposal = await db.get(NewsProposal, proposal_id)
    if proposal is None or (proposal.proposer_id != user.id and not is_editor(user)):
        raise NotFound(N_("No such proposal."))
    return proposal


async def _locked(db: AsyncSession, user: User, proposal_id: int) -> NewsProposal:
    await access_proposal(db, user, proposal_id)
    proposal = await db.get(NewsProposal, proposal_id, with_for_update=True, populate_existing=True)
    if proposal is None:
        raise NotFound(N_("No such proposal."))
    return proposal


async def queue(db: AsyncSession, user: User) -> list[NewsProposal]:
    """What waits for the editors: proposals (oldest first), then scheduled news (soonest first)."""
    ensure_editor(user, N_("Only editors see the proposed news."))
    found = await db.exec(
        select(NewsProposal)
        .where(col(NewsProposal.state).in_(_WAITING))
        .order_by(col(NewsProposal.state), col(NewsProposal.publish_at), col(NewsProposal.id))
    )
    return list(found.all())


async def waiting_count(db: AsyncSession, user: User) -> int:
    """How many proposals wait for an editor: for the editors' link to the queue (0 for others)."""
    if not is_editor(user):
        return 0
    found = await db.exec(
        select(func.count()).select_from(NewsProposal).where(NewsProposal.state == ProposalState.PROPOSED)
    )
    return int(found.one())


async def mine(db: AsyncSession, user: User, *, limit: int = 50) -> list[NewsProposal]:
    """A colleague's own proposals, newest first, whatever became of them."""
    found = await db.exec(
        select(NewsProposal)
        .where(NewsProposal.proposer_id == user.id)
        .order_by(col(NewsProposal.id).desc())
        .limit(limit)
    )
    return list(found.all())


async def proposers(db: AsyncSession, proposals: list[NewsProposal]) -> dict[int, User]:
    ids = {p.proposer_id for p in proposals}
    if not ids:
        return {}
    found = await db.exec(select(User).where(col(User.id).in_(ids)))
    return {user.id or 0: user for user in found.all()}


def may_edit(user: User, proposal: NewsProposal) -> bool:
    """Its proposer while it waits or was sent back; an editor while it waits or is scheduled."""
    if proposal.proposer_id == user.id and proposal.state in _OPEN:
        return True
    return is_editor(user) and proposal.state in _WAITING


def may_decide(user: User, proposal: NewsProposal) -> bool:
    """Whether `user` may publish, schedule or send back `proposal` now."""
    return is_editor(user) and proposal.state in _WAITING


@writes
async def edit(
    db: AsyncSession, user: User, proposal_id: int, *, title: str, body: str, lead: str = ""
) -> NewsProposal:
    """Change a proposal's text. Its proposer may while it waits or was sent back (which proposes
    it again); an editor while it waits or is scheduled. Published news is edited as a post."""
    proposal = await _locked(db, user, proposal_id)
    title, body, lead = _clean(title, body, lead)
    if proposal.state is ProposalState.PUBLISHED:
        raise Conflict(N_("This news has been published; change the news itself."))
    if not may_edit(user, proposal):
        raise Conflict(N_("This proposal is with the editors now."))
    if proposal.proposer_id == user.id and proposal.state is ProposalState.SENT_BACK:
        proposal.state = ProposalState.PROPOSED  # changed after the note: proposed again
    proposal.title, proposal.body, proposal.lead = title, body, lead
    proposal.updated_at = utcnow()
    db.add(proposal)
    return proposal


@writes
async def publish(
    db: AsyncSession,
    editor: User,
    proposal_id: int,
    *,
    publish_at: datetime | None = None,
    featured_until: datetime | None = None,
    must_read: bool = False,
    now: datetime | None = None,
) -> NewsProposal:
    """An editor publishes a proposal now, or schedules it for `publish_at` (a scheduled one may
    be scheduled again or published at once). The proposer is told when it appears."""
    ensure_editor(editor, N_("Only editors may publish organisation news."))
    now = now or utcnow()
    proposal = await _locked(db, editor, proposal_id)
    if not may_decide(editor, proposal):
        raise Conflict(N_("This proposal is not waiting to be published."))
    proposal.featured_until, proposal.must_read, proposal.editor_id = featured_until, must_read, editor.id
    proposal.note = ""
    later = publish_at is not None and publish_at > now
    proposal.publish_at = publish_at if later else None
    proposal.updated_at = now
    if later:
        proposal.state = ProposalState.SCHEDULED
        db.add(proposal)
    else:
        await _appear(db, proposal, editor)
    if proposal.proposer_id != editor.id:
        await audit.record(
            db,
            audit.Action.NEWS_PROPOSAL_PUBLISHED,
            actor=editor,
            subject=audit.Subject("news_proposal", proposal.id, proposal.title),
            after={
                "post_id": proposal.post_id,
                "publish_at": proposal.publish_at.isoformat() if proposal.publish_at else None,
                "must_read": must_read,
                "featured_until": featured_until.isoformat() if featured_until else None,
            },
        )
    return proposal


@writes
async def schedule(
    db: AsyncSession,
    editor: User,
    *,
    title: str,
    body: str,
    lead: str = "",
    publish_at: datetime,
    featured_until: datetime | None = None,
    must_read: bool = False,
    cover: str | None = None,
    now: datetime | None = None,
) -> NewsProposal:
    """An editor's own news, to appear at `publish_at` (in the future)."""
    ensure_editor(editor, N_("Only editors may publish organisation news."))
    title, body, lead = _clean(title, body, lead)
    if publish_at <= (now or utcnow()):
        raise Invalid(N_("Choose a moment in the future, or publish it now."), field="publish_at")
    proposal = NewsProposal(
        proposer_id=editor.id or 0,
        editor_id=editor.id,
        state=ProposalState.SCHEDULED,
        title=title,
        body=body,
        lead=lead,
        cover=cover,
        publish_at=publish_at,
        featured_until=featured_until,
        must_read=must_read,
    )
    db.add(proposal)
    await db.flush()
    return proposal


@writes
async def send_back(db: AsyncSession, editor: User, proposal_id: int, *, note: str) -> NewsProposal:
    """An editor returns a proposal (or scheduled news) to its proposer with a note."""
    ensure_editor(editor, N_("Only editors may send proposed news back."))
    note = note.strip()
    if not note:
        raise Invalid(N_("Tell the proposer what to change."), field="note")
    if len(note) > MAX_NOTE:
        raise Invalid(
            N_("The note is too long: at most %(limit)s characters."), field="note", params={"limit": MAX_NOTE}
        )
    proposal = await _locked(db, editor, proposal_id)
    if not may_decide(editor, proposal):
        raise Conflict(N_("This proposal is not waiting to be published."))
    before = proposal.state.value
    proposal.state, proposal.note, proposal.editor_id = ProposalState.SENT_BACK, note, editor.id
    proposal.publish_at = None
    proposal.updated_at = utcnow()
    db.add(proposal)
    if proposal.proposer_id != editor.id:
        await audit.record(
            db,
            audit.Action.NEWS_PROPOSAL_SENT_BACK,
            actor=editor,
            subject=audit.Subject("news_proposal", proposal.id, proposal.title),
            before={"state": before},
            after={"state": proposal.state.value, "note": note},
        )
    about = notifications.About(_subject(proposal), proposal_url(proposal), proposal.title)
    await _tell_proposer(db, proposal, editor, "sent_back", about)
    return proposal


async def _appear(db: AsyncSession, proposal: NewsProposal, actor: User) -> Post:
    """Make the news post (its event, search row and must-read notifications with it)."""
    author = await db.get(User, proposal.proposer_id)
    assert author is not None  # the proposal goes with its proposer (ON DELETE CASCADE)
    post = await posts.publish_news(
        db,
        author,
        title=proposal.title,
        body=proposal.body,
        lead=proposal.lead,
        featured_until=proposal.featured_until,
        must_read=proposal.must_read,
        cover=proposal.cover,
    )
    proposal.state, proposal.post_id = ProposalState.PUBLISHED, post.id
    db.add(proposal)
    # About the post itself: deleting the news forgets the line, as it does every line about a post.
    about = notifications.About(posts.post_target(post.id or 0), f"/posts/{post.id}", proposal.title)
    await _tell_proposer(db, proposal, actor, "published", about)
    return post


async def _tell_proposer(
    db: AsyncSession, proposal: NewsProposal, actor: User, what: str, about: notifications.About
) -> None:
    await notifications.notify(
        db, {proposal.proposer_id}, actor=actor, kind=NotificationKind.NEWS_PROPOSAL, about=about, detail=what
    )


async def publish_due(db: AsyncSession, now: datetime | None = None) -> list[int]:
    """Publish the scheduled news whose time has come; returns the new posts' ids. Each item
    commits on its own, so one that cannot be published does not hold back the others."""
    now = now or utcnow()
    await end_read(db)  # a read begun earlier on this session would not see what was scheduled since
    due = await db.exec(
        select(NewsProposal.id)
        .where(NewsProposal.state == ProposalState.SCHEDULED, col(NewsProposal.publish_at) <= now)
        .order_by(col(NewsProposal.publish_at), col(NewsProposal.id))
    )
    ids = [i for i in due.all() if i is not None]
    published = []
    for proposal_id in ids:
        try:
            post_id = await _publish_one(db, proposal_id)
        except Exception:
            log.exception("scheduled news %s could not be published; trying again later", proposal_id)
            continue
        if post_id is not None:
            published.append(post_id)
    return published


async def _publish_one(db: AsyncSession, proposal_id: int) -> int | None:
    async with unit_of_work(db):
        claimed = await db.exec(
            update(NewsProposal)
            .where(col(NewsProposal.id) == proposal_id, col(NewsProposal.state) == ProposalState.SCHEDULED)
            .values(state=ProposalState.PUBLISHED)
        )
        if (claimed.rowcount or 0) != 1:
            return None  # another worker published it, or an editor sent it back meanwhile
        proposal = await db.get(NewsProposal, proposal_id, populate_existing=True)
        assert proposal is not None
        editor = await db.get(User, proposal.editor_id) if proposal.editor_id is not None else None
        author = await db.get(User, proposal.proposer_id)
        assert author is not None
        post = await _appear(db, proposal, editor or author)
        return post.id


async def publish_due_forever(sessions: SessionMaker, interval: float = CHECK_SECONDS) -> None:
    """The lifespan's periodic task: every worker runs it; the claim keeps publishing single."""
    while True:
        await asyncio.sleep(interval)
        try:
            async with sessions() as db:
                await publish_due(db)
        except Exception:
            log.exception("the scheduled news run failed; trying again later")
