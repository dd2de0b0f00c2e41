"""News from colleagues (issue 17): any colleague proposes, editors publish, change or send back
with a note, the proposer hears which; scheduled news stays out of sight until its time and is
published once; featured news stops being featured at its end."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, NotificationKind, PostKind, ProposalState, Role, User
from models.base import utcnow
from server.context import AppContext
from services import events, news_proposals, notifications, posts, search, stream
from services.audit import Action
from services.errors import Conflict, Invalid, NotFound, PermissionDenied
from services.search import Query
from tests.support import make_user


async def logged(db: AsyncSession, action: Action) -> list[AuditEntry]:
    rows = await db.exec(select(AuditEntry).where(AuditEntry.action == action.value).order_by(col(AuditEntry.id)))
    return list(rows.all())


async def proposal_lines(db: AsyncSession, user: User) -> list[tuple[str, str]]:
    """(detail, url) of the user's notifications about their proposals."""
    lines = await notifications.inbox(db, user)
    return [
        (line.notification.detail, line.notification.url)
        for line in lines
        if line.notification.kind is NotificationKind.NEWS_PROPOSAL
    ]


async def seen_anywhere(db: AsyncSession, user: User, word: str) -> bool:
    """Whether news with `word` shows in the reader's stream, /news, the featured news or search."""
    shown = [
        *await stream.feed(db, user),
        *await stream.feed(db, user, filter=stream.Filter.NEWS),
        *await stream.of_kind(db, user, PostKind.NEWS),
        *await stream.featured(db, user),
    ]
    found = await search.search(db, user, Query(text=word))
    return any(word in post.body for post in shown) or bool(found.hits)


async def test_a_colleague_proposes_news_that_only_editors_and_they_see_until_it_is_published(
    db: AsyncSession,
) -> None:
    proposer = await make_user(db, "Pim Voorsteller")
    other = await make_user(db, "Olga Ander")
    editor = await make_user(db, "Eva Redacteur", role=Role.EDITOR)
    with pytest.raises(Invalid):
        await news_proposals.propose(db, proposer, title="  ", body="Zonder titel")

    proposal = await news_proposals.propose(
        db, proposer, title="Buurtfeest in Zuid", lead="Iedereen welkom", body="Het zomerfeest zonnebloemveld."
    )

    assert proposal.state is ProposalState.PROPOSED
    assert [p.id for p in await news_proposals.mine(db, proposer)] == [proposal.id]
    assert [p.id for p in await news_proposals.queue(db, editor)] == [proposal.id]
    with pytest.raises(PermissionDenied):
        await news_proposals.queue(db, proposer)
    with pytest.raises(NotFound):  # another colleague's proposal does not exist for them
        await news_proposals.access_proposal(db, other, proposal.id or 0)
    with pytest.raises(PermissionDenied):
        await news_proposals.publish(db, other, proposal.id or 0)
    with pytest.raises(PermissionDenied):
        await news_proposals.send_back(db, proposer, proposal.id or 0, note="Zelf terug?")
    # Nothing of it is news yet: not in any stream, not searchable, no event, no notification.
    for reader in (other, editor, proposer):
        assert not await seen_anywhere(db, reader, "zonnebloemveld")
    assert await events.head(db, events.ORG_TOPIC) == 0
    assert await notifications.inbox(db, other) == []


async def test_an_editor_changes_and_publishes_a_proposal_which_tells_the_proposer_and_is_audited(
    db: AsyncSession,
) -> None:
    proposer = await make_user(db, "Pim Voorsteller")
    reader = await make_user(db, "Rob Lezer")
    editor = await make_user(db, "Eva Redacteur", role=Role.EDITOR)
    proposal = await news_proposals.propose(db, proposer, title="Buurtfeest", body="Kom allemaal.")

    await news_proposals.edit(db, editor, proposal.id or 0, title="Buurtfeest in Zuid", body="Kom allemaal, zaterdag!")
    assert await notifications.inbox(db, proposer) == []  # an editor's change is not news to them yet
    featured_until = utcnow() + timedelta(days=3)
    published = await news_proposals.publish(db, editor, proposal.id or 0, featured_until=featured_until)

    assert published.state is ProposalState.PUBLISHED
    post = await posts.access_post(db, reader, published.post_id or 0)
    assert (post.kind, post.author_id, post.title) == (PostKind.NEWS, proposer.id, "Buurtfeest in Zuid")
    assert "zaterdag" in post.html
    assert post.id in [p.id for p in await stream.feed(db, reader)]
    assert post.id in [p.id for p in await stream.featured(db, reader)]
    assert post.id in [h.item.ref_id for h in (await search.search(db, reader, Query(text="buurtfeest"))).hits]
    assert [e.kind for e in (await events.list_since(db, events.ORG_TOPIC, 0)).events] == ["post.created"]
    assert await proposal_lines(db, proposer) == [("published", f"/posts/{post.id}")]
    [entry] = await logged(db, Action.NEWS_PROPOSAL_PUBLISHED)
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (editor.id, "news_proposal", proposal.id)
    assert entry.after is not None
    assert entry.after["post_id"] == post.id
    assert await news_proposals.queue(db, editor) == []

    # Published: the proposal is done; the news itself is changed as a post. Its proposer edits
    # the text, but featuring it or making it must-read stays with the editors.
    with pytest.raises(Conflict):
        await news_proposals.edit(db, proposer, proposal.id or 0, title="Nog eens", body="Anders")
    with pytest.raises(Conflict):
        await news_proposals.publish(db, editor, proposal.id or 0)
    await posts.edit_post(db, proposer, post.id or 0, body="Kom allemaal, zaterdag om drie uur!")
    with pytest.raises(PermissionDenied):
        await posts.edit_post(db, proposer, post.id or 0, must_read=True)
    await posts.edit_post(db, editor, post.id or 0, body="Zaterdag om drie uur.")  # editors edit all news
    # The editor's own news is no editorial action on someone else's work: no audit entry.
    own = await news_proposals.propose(db, editor, title="Eigen nieuws", body="Van mij.")
    await news_proposals.publish(db, editor, own.id or 0)
    assert len(await logged(db, Action.NEWS_PROPOSAL_PUBLISHED)) == 1


async def test_sent_back_with_a_note_the_proposer_is_told_changes_it_and_proposes_it_again(db: AsyncSession) -> None:
    proposer = await make_user(db, "Pim Voorsteller")
    editor = await make_user(db, "Eva Redacteur", role=Role.EDITOR)
    proposal = await news_proposals.propose(db, proposer, title="Nieuwe koffie", body="Er is nieuwe koffie.")
    with pytest.raises(Invalid):  # sending back says why, always
        await news_proposals.send_back(db, editor, proposal.id or 0, note="   ")

    sent = await news_proposals.send_back(db, editor, proposal.id or 0, note="Welke koffie? Noem het merk.")

    assert (sent.state, sent.note) == (ProposalState.SENT_BACK, "Welke koffie? Noem het merk.")
    assert await proposal_lines(db, proposer) == [("sent_back", f"/news/proposals/{proposal.id}")]
    [entry] = await logged(db, Action.NEWS_PROPOSAL_SENT_BACK)
    assert (entry.actor_id, entry.subject_id) == (editor.id, proposal.id)
    assert entry.before == {"state": "proposed"}
    assert entry.after == {"state": "sent_back", "note": "Welke koffie? Noem het merk."}
    assert await news_proposals.queue(db, editor) == []
    with pytest.raises(Conflict):  # it is with its proposer now
        await news_proposals.publish(db, editor, proposal.id or 0)
    with pytest.raises(Conflict):
        await news_proposals.edit(db, editor, proposal.id or 0, title="Koffie", body="Door de redactie")

    again = await news_proposals.edit(db, proposer, proposal.id or 0, title="Nieuwe koffie", body="Het merk is Kring.")

    assert again.state is ProposalState.PROPOSED
    assert [p.body for p in await news_proposals.queue(db, editor)] == ["Het merk is Kring."]
    published = await news_proposals.publish(db, editor, proposal.id or 0)
    assert published.note == ""
    assert await proposal_lines(db, proposer) == [
        ("published", f"/posts/{published.post_id}"),
        ("sent_back", f"/news/proposals/{proposal.id}"),
    ]
    # Deleted news takes its line along: no notification leads to a page that is gone.
    await posts.delete_post(db, editor, published.post_id or 0)
    assert await proposal_lines(db, proposer) == [("sent_back", f"/news/proposals/{proposal.id}")]


async def test_scheduled_news_is_out_of_sight_until_its_time_and_then_published_once(
    db: AsyncSession, context: AppContext
) -> None:
    proposer = await make_user(db, "Pim Voorsteller")
    reader = await make_user(db, "Rob Lezer")
    editor = await make_user(db, "Eva Redacteur", role=Role.EDITOR)
    now = utcnow()
    at = now + timedelta(hours=2)
    with pytest.raises(Invalid):
        await news_proposals.schedule(db, editor, title="Te laat", body="Gisteren", publish_at=now - timedelta(hours=1))
    rules = "De regels gaan in: kwartaalregel."
    own = await news_proposals.schedule(
        db, editor, title="Nieuwe intranetregels", body=rules, publish_at=at, must_read=True
    )
    proposal = await news_proposals.propose(db, proposer, title="Open dag", body="Open dag kwartaalregel.")
    scheduled = await news_proposals.publish(db, editor, proposal.id or 0, publish_at=at)
    assert (own.state, scheduled.state) == (ProposalState.SCHEDULED, ProposalState.SCHEDULED)
    assert [p.id for p in await news_proposals.queue(db, editor)] == [own.id, proposal.id]  # soonest first

    # Before its time: nowhere, for nobody, and the job leaves it alone.
    assert await news_proposals.publish_due(db, now + timedelta(hours=1)) == []
    for person in (reader, editor, proposer):
        assert not await seen_anywhere(db, person, "kwartaalregel")
    assert await events.head(db, events.ORG_TOPIC) == 0
    assert await notifications.inbox(db, reader) == []
    assert await proposal_lines(db, proposer) == []

    # Its time: two workers run the job at once; each item is published exactly once.
    async def run() -> list[int]:
        async with context.db() as session:
            return await news_proposals.publish_due(session, at + timedelta(seconds=1))

    first, second = await asyncio.gather(run(), run())
    assert len(first) + len(second) == 2
    assert await news_proposals.publish_due(db, at + timedelta(minutes=5)) == []
    published = await stream.of_kind(db, reader, PostKind.NEWS)
    assert sorted(p.title for p in published) == ["Nieuwe intranetregels", "Open dag"]
    assert {p.id for p in published} == set(first + second)
    assert len((await search.search(db, reader, Query(text="kwartaalregel"))).hits) == 2
    assert [e.kind for e in (await events.list_since(db, events.ORG_TOPIC, 0)).events] == ["post.created"] * 2
    [must_read] = await notifications.inbox(db, reader)
    assert must_read.notification.kind is NotificationKind.NEWS
    assert [detail for detail, _url in await proposal_lines(db, proposer)] == ["published"]
    assert await news_proposals.queue(db, editor) == []


async def test_featured_news_leaves_the_top_of_the_stream_at_its_end(db: AsyncSession) -> None:
    reader = await make_user(db)
    editor = await make_user(db, role=Role.EDITOR)
    ended = await posts.create_news(
        db, editor, title="Was uitgelicht", body="Gisteren", featured_until=utcnow() - timedelta(minutes=1)
    )
    until = utcnow() + timedelta(days=1)
    running = await posts.create_news(
        db, editor, title="Nu uitgelicht", body="Vandaag", featured_until=until, client_id="nieuws-1"
    )
    # A retried submit is still the same news (the editors' form and the proposals share its making).
    again = await posts.create_news(db, editor, title="Nu uitgelicht", body="Vandaag", client_id="nieuws-1")
    assert again.id == running.id
    assert [p.id for p in await stream.featured(db, reader)] == [running.id]
    # Ended, it is ordinary news: still in the stream, only no longer on top.
    assert ended.id in [p.id for p in await stream.feed(db, reader)]
    await posts.edit_post(db, editor, running.id or 0, clear_featured=True)
    assert await stream.featured(db, reader) == []
