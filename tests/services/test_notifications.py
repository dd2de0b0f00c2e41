"""Notifications: every kind, grouping, choices, visibility, and the badge on the user's topic."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, NotificationKind, NotifyLevel, Role, User
from services import chat, circles, comments, direct, events, notifications, posts, reactions
from services import notification_settings as choices
from services.errors import NotFound, PermissionDenied
from services.markdown import handle_of
from services.notifications import Line
from tests.support import add_member, make_circle, make_user


async def lines(db: AsyncSession, user: User) -> list[Line]:
    """The user's inbox, less the (read) invitations that made them a member of test circles."""
    found = await notifications.inbox(db, user)
    return [line for line in found if line.unread or line.notification.kind is not NotificationKind.INVITATION]


async def kinds(db: AsyncSession, user: User) -> list[tuple[NotificationKind, str]]:
    return [(line.notification.kind, line.notification.subject) for line in await lines(db, user)]


async def last_badge(db: AsyncSession, user: User) -> dict[str, int] | None:
    """The badge as the user's other tabs last heard it, from the event log alone."""
    replay = await events.list_since(db, events.user_topic(user.id or 0), 0)
    found = [e.data for e in replay.events if e.kind == notifications.BADGE_EVENT]
    # What the title counts is the colleague's choice (every part here), not these tests' matter.
    return {k: v for k, v in found[-1].items() if k != "counted"} if found else None


async def test_reactions_to_posts_comments_and_messages_notify_their_author(db: AsyncSession) -> None:
    author = await make_user(db)
    fan = await make_user(db, "Anna de Vries")
    circle = await make_circle(db, author)
    assert circle.id is not None
    await circles.join_circle(db, fan, circle.id)
    post = await posts.create_post(db, author, circle.id, body="Wie lust er soep?")
    comment = await comments.add_comment(db, author, post.id or 0, body="Ik maak erwtensoep")
    message = await chat.post_message(db, author, circle.id, body="Morgen soep!")
    for kind, target in (("post", post.id), ("comment", comment.id), ("message", message.id)):
        await reactions.set_reaction(db, fan, kind, target or 0, "heart", on=True)

    found = await lines(db, author)
    assert {(line.notification.kind, line.notification.subject) for line in found} == {
        (NotificationKind.REACTION, f"post:{post.id}"),
        (NotificationKind.REACTION, f"comment:{comment.id}"),
        (NotificationKind.REACTION, f"message:{message.id}"),
    }
    assert all(line.actors == [fan] and line.notification.detail == "heart" for line in found)
    assert {line.notification.url for line in found} == {
        f"/posts/{post.id}",
        f"/posts/{post.id}#comment-{comment.id}",
        f"/circles/{circle.id}#chat",
    }
    assert await last_badge(db, author) == {"count": 3, "notifications": 3, "direct": 0, "chat": 0}
    assert await lines(db, fan) == []


async def test_many_reactions_to_one_post_are_one_line_until_it_is_read(db: AsyncSession) -> None:
    author = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    post = await posts.create_post(db, author, circle.id, body="Nieuwe collega's welkom!")
    fans = [await make_user(db) for _ in range(5)]
    for fan in fans:
        await circles.join_circle(db, fan, circle.id)
        await reactions.set_reaction(db, fan, "post", post.id or 0, "thumbsup", on=True)
    await reactions.set_reaction(db, fans[0], "post", post.id or 0, "heart", on=True)  # again, someone known

    [line] = await lines(db, author)
    assert line.actor_count == 5
    assert line.others == 4
    assert line.actors[0] == fans[0]  # the newest activity first
    assert (await notifications.badge(db, author)).count == 1

    await notifications.mark_read(db, author, [line.notification.id or 0])
    assert (await notifications.badge(db, author)).count == 0
    await reactions.set_reaction(db, fans[3], "post", post.id or 0, "heart", on=True)
    [again] = await lines(db, author)
    assert again.unread
    assert again.actor_count == 1
    assert again.actors == [fans[3]]


async def test_comments_notify_the_author_and_earlier_commenters_replies_the_replied(db: AsyncSession) -> None:
    author = await make_user(db)
    first = await make_user(db)
    second = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    for user in (first, second):
        await circles.join_circle(db, user, circle.id)
    post = await posts.create_post(db, author, circle.id, body="Vraag over de cliëntregistratie")
    earlier = await comments.add_comment(db, first, post.id or 0, body="Goede vraag")
    assert await kinds(db, author) == [(NotificationKind.COMMENT, f"post:{post.id}")]

    reply = await comments.add_comment(db, second, post.id or 0, body="Dat weet ik", parent_id=earlier.id)
    assert await kinds(db, first) == [(NotificationKind.REPLY, f"comment:{earlier.id}")]
    [line] = await lines(db, author)
    assert line.notification.kind is NotificationKind.COMMENT
    assert line.actors == [second, first]
    assert line.notification.detail == "Dat weet ik"
    assert await kinds(db, second) == []

    await comments.add_comment(db, author, post.id or 0, body="Dank jullie")
    assert (NotificationKind.COMMENT, f"post:{post.id}") in await kinds(db, first)
    assert await kinds(db, second) == [(NotificationKind.COMMENT, f"post:{post.id}")]
    assert reply.id


async def test_mentions_in_posts_comments_and_chat_notify_once(db: AsyncSession) -> None:
    author = await make_user(db)
    named = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    await circles.join_circle(db, named, circle.id)
    handle = handle_of(named)
    post = await posts.create_post(db, author, circle.id, body=f"@{handle} kijk je even?")
    comment = await comments.add_comment(db, author, post.id or 0, body=f"En @{handle} ook hier")
    message = await chat.post_message(db, author, circle.id, body=f"@{handle} bel je me?")
    assert sorted(await kinds(db, named)) == sorted(
        [
            (NotificationKind.MENTION, f"post:{post.id}"),
            (NotificationKind.MENTION, f"comment:{comment.id}"),
            (NotificationKind.MENTION, f"message:{message.id}"),
        ]
    )
    # Editing adds only those newly mentioned.
    await posts.edit_post(db, author, post.id or 0, body=f"@{handle} kijk je even? (aangepast)")
    assert len(await kinds(db, named)) == 3


async def test_chat_replies_notify_the_quoted_author(db: AsyncSession) -> None:
    asker = await make_user(db)
    answerer = await make_user(db)
    circle = await make_circle(db, asker)
    assert circle.id is not None
    await circles.join_circle(db, answerer, circle.id)
    question = await chat.post_message(db, asker, circle.id, body="Wie heeft de sleutel?")
    await chat.post_message(db, answerer, circle.id, body="Ik!", reply_to_id=question.id)
    [line] = await lines(db, asker)
    assert line.notification.kind is NotificationKind.REPLY
    assert line.notification.title == "Wie heeft de sleutel?"
    assert line.notification.detail == "Ik!"


async def test_join_requests_their_answers_and_invitations(db: AsyncSession) -> None:
    admin = await make_user(db)
    asker = await make_user(db)
    guest = await make_user(db)
    closed = await make_circle(db, admin, CircleVisibility.CLOSED, name="Sociaal werkers")
    secret = await make_circle(db, admin, CircleVisibility.SECRET, name="Vertrouwenspersonen")
    assert closed.id is not None
    assert secret.id is not None
    outcome = await circles.join_circle(db, asker, closed.id, message="Ik werk in Tiel")
    [request] = await lines(db, admin)
    assert request.notification.kind is NotificationKind.JOIN_REQUEST
    assert (request.notification.title, request.notification.detail) == ("Sociaal werkers", "Ik werk in Tiel")

    assert outcome.request is not None
    await circles.decide_join_request(db, admin, closed.id, outcome.request.id or 0, approve=True)
    [answer] = await lines(db, asker)
    assert (answer.notification.kind, answer.notification.detail) == (NotificationKind.JOIN_ANSWER, "approved")
    assert not (await lines(db, admin))[0].unread  # the last open request was answered

    await circles.invite(db, admin, secret.id, guest.id or 0)
    [invitation] = await lines(db, guest)
    assert invitation.notification.kind is NotificationKind.INVITATION
    assert invitation.notification.url == f"/circles/{secret.id}"
    await circles.join_circle(db, guest, secret.id)
    assert not (await notifications.inbox(db, guest))[0].unread
    assert (await notifications.badge(db, guest)).count == 0


async def test_must_read_news_notifies_every_colleague_but_its_author(db: AsyncSession) -> None:
    editor = await make_user(db, role=Role.EDITOR)
    colleagues = [await make_user(db) for _ in range(3)]
    gone = await make_user(db)
    await _deactivate(db, gone)
    news = await posts.create_news(db, editor, title="Nieuw verlofbeleid", body="Lees dit", must_read=True)
    await posts.create_news(db, editor, title="Gewoon nieuws", body="Leuk om te weten")
    for colleague in colleagues:
        assert await kinds(db, colleague) == [(NotificationKind.NEWS, f"post:{news.id}")]
    assert await lines(db, editor) == []
    assert await lines(db, gone) == []


async def _deactivate(db: AsyncSession, user: User) -> None:
    user.is_active = False
    db.add(user)
    await db.commit()


async def test_nothing_about_a_secret_circle_once_its_member_left(db: AsyncSession) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    outsider = await make_user(db)
    secret = await make_circle(db, owner, CircleVisibility.SECRET)
    assert secret.id is not None
    await add_member(db, owner, secret, member)
    await notifications.mark_read(db, member)
    post = await posts.create_post(db, member, secret.id, body=f"Dossier, @{handle_of(outsider)} mag dit niet zien")
    assert await lines(db, outsider) == []  # a mention of a non-member notifies nobody

    await reactions.set_reaction(db, owner, "post", post.id or 0, "heart", on=True)
    [reaction] = await lines(db, member)
    assert (await notifications.badge(db, member)).count == 1
    await circles.leave_circle(db, member, secret.id)
    assert await lines(db, member) == []
    assert (await notifications.badge(db, member)).count == 0
    assert await last_badge(db, member) == {"count": 0, "notifications": 0, "direct": 0, "chat": 0}
    with pytest.raises(NotFound):  # not by its id either
        await notifications.open_notification(db, member, reaction.notification.id or 0)


async def test_rejoining_a_closed_circle_brings_its_unread_lines_back_into_the_badge(db: AsyncSession) -> None:
    owner = await make_user(db)
    member = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert closed.id is not None
    await add_member(db, owner, closed, member)
    post = await posts.create_post(db, member, closed.id, body="Voorstel")
    await reactions.set_reaction(db, owner, "post", post.id or 0, "heart", on=True)
    await circles.leave_circle(db, member, closed.id)
    assert await last_badge(db, member) == {"count": 0, "notifications": 0, "direct": 0, "chat": 0}
    await circles.invite(db, owner, closed.id, member.id or 0)
    [invitation] = [line.notification.id for line in await notifications.inbox(db, member, unread_only=True)]
    await notifications.mark_read(db, member, [invitation or 0])  # read, not yet answered

    await circles.join_circle(db, member, closed.id)
    assert (await notifications.badge(db, member)).count == 1  # the reaction is in sight again
    assert await last_badge(db, member) == {"count": 1, "notifications": 1, "direct": 0, "chat": 0}


async def test_invitations_and_answers_name_a_circle_only_while_it_exists_for_their_reader(
    db: AsyncSession,
) -> None:
    """An invitation names a secret circle; once its reader left it (or declined) the circle does
    not exist for them, and neither does the line (found by trust case 9)."""
    owner, guest, declining, asker = [await make_user(db) for _ in range(4)]
    secret = await make_circle(db, owner, CircleVisibility.SECRET, name="Geheim overleg")
    closed = await make_circle(db, owner, CircleVisibility.CLOSED, name="Stuurgroep")
    assert secret.id is not None
    assert closed.id is not None
    await circles.invite(db, owner, secret.id, guest.id or 0)
    await circles.invite(db, owner, secret.id, declining.id or 0)
    titles = [line.notification.title for line in await notifications.inbox(db, guest)]
    assert titles == ["Geheim overleg"]
    await circles.join_circle(db, guest, secret.id)
    await circles.leave_circle(db, guest, secret.id)
    await circles.decline_invitation(db, declining, secret.id)
    assert await notifications.inbox(db, guest) == []
    assert await notifications.inbox(db, declining) == []

    outcome = await circles.join_circle(db, asker, closed.id)
    assert outcome.request is not None
    await circles.decide_join_request(db, owner, closed.id, outcome.request.id or 0, approve=False)
    [answer] = await notifications.inbox(db, asker)  # a closed circle is no secret
    assert (answer.notification.kind, answer.notification.detail) == (NotificationKind.JOIN_ANSWER, "declined")
    await circles.update_circle(db, owner, closed.id, visibility=CircleVisibility.SECRET)
    assert await notifications.inbox(db, asker) == []
    assert (await notifications.badge(db, asker)).count == 0


async def test_comments_by_a_leaver_are_not_followed_into_a_closed_circle(db: AsyncSession) -> None:
    owner = await make_user(db)
    leaver = await make_user(db)
    closed = await make_circle(db, owner, CircleVisibility.CLOSED)
    assert closed.id is not None
    await add_member(db, owner, closed, leaver)
    post = await posts.create_post(db, owner, closed.id, body="Intern overleg")
    await comments.add_comment(db, leaver, post.id or 0, body="Eens")
    await circles.leave_circle(db, leaver, closed.id)
    await comments.add_comment(db, owner, post.id or 0, body="Dan doen we het zo")
    assert await lines(db, leaver) == []


async def test_kinds_switched_off_and_circle_levels(db: AsyncSession) -> None:
    author = await make_user(db)
    fan = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    await circles.join_circle(db, fan, circle.id)
    await choices.save_preferences(db, author, muted_kinds=[NotificationKind.REACTION])
    post = await posts.create_post(db, author, circle.id, body="Eerste")
    await reactions.set_reaction(db, fan, "post", post.id or 0, "heart", on=True)
    assert await lines(db, author) == []

    await choices.set_circle_level(db, author, circle.id, NotifyLevel.MENTIONS)
    await comments.add_comment(db, fan, post.id or 0, body="Mooi")
    assert await lines(db, author) == []
    await comments.add_comment(db, fan, post.id or 0, body=f"@{handle_of(author)} klopt dit?")
    assert [line.notification.kind for line in await lines(db, author)] == [NotificationKind.MENTION]

    await choices.set_circle_level(db, author, circle.id, NotifyLevel.MUTED)
    await chat.post_message(db, fan, circle.id, body=f"@{handle_of(author)} hallo")
    assert len(await lines(db, author)) == 1
    assert (await choices.circle_levels(db, author))[circle.id] is NotifyLevel.MUTED
    outsider = await make_user(db)
    with pytest.raises(PermissionDenied):
        await choices.set_circle_level(db, outsider, circle.id, NotifyLevel.MUTED)


async def test_deleting_an_item_takes_its_notifications_and_the_badge_follows(db: AsyncSession) -> None:
    author = await make_user(db)
    fan = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    await circles.join_circle(db, fan, circle.id)
    post = await posts.create_post(db, fan, circle.id, body="Tijdelijk")
    await reactions.set_reaction(db, author, "post", post.id or 0, "heart", on=True)
    await comments.add_comment(db, author, post.id or 0, body="Ja")
    assert (await notifications.badge(db, fan)).count == 2
    await posts.delete_post(db, fan, post.id or 0)
    assert await lines(db, fan) == []
    assert await last_badge(db, fan) == {"count": 0, "notifications": 0, "direct": 0, "chat": 0}


async def test_the_badge_counts_unread_direct_messages_live(db: AsyncSession) -> None:
    anna = await make_user(db)
    bram = await make_user(db)
    conversation = await direct.open_conversation(db, anna, [bram.id or 0])
    assert conversation.id is not None
    await chat.post_message(db, anna, conversation.id, body="Hoi Bram")
    sent = await chat.post_message(db, anna, conversation.id, body="Heb je even?")
    assert await last_badge(db, bram) == {"count": 2, "notifications": 0, "direct": 2, "chat": 0}
    assert (await notifications.badge(db, anna)).count == 0
    await chat.mark_read(db, bram, conversation.id, sent.id or 0)
    assert await last_badge(db, bram) == {"count": 0, "notifications": 0, "direct": 0, "chat": 0}


async def test_mark_all_read_and_open_one(db: AsyncSession) -> None:
    author = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    made = [await posts.create_post(db, author, circle.id, body=f"Post {n}") for n in range(3)]
    fan = await make_user(db)
    await circles.join_circle(db, fan, circle.id)
    for post in made:
        await reactions.set_reaction(db, fan, "post", post.id or 0, "heart", on=True)
    first = (await lines(db, author))[-1].notification
    assert await notifications.open_notification(db, author, first.id or 0) == f"/posts/{made[0].id}"
    assert (await notifications.badge(db, author)).count == 2
    stranger = await make_user(db)
    with pytest.raises(NotFound):
        await notifications.open_notification(db, stranger, first.id or 0)
    assert (await notifications.mark_read(db, author)).count == 0
    assert await last_badge(db, author) == {"count": 0, "notifications": 0, "direct": 0, "chat": 0}
    assert [line.unread for line in await lines(db, author)] == [False, False, False]


async def test_nobody_hears_of_their_own_doing(db: AsyncSession) -> None:
    author = await make_user(db)
    circle = await make_circle(db, author)
    assert circle.id is not None
    post = await posts.create_post(db, author, circle.id, body=f"Notitie voor mezelf, @{handle_of(author)}")
    await reactions.set_reaction(db, author, "post", post.id or 0, "heart", on=True)
    comment = await comments.add_comment(db, author, post.id or 0, body="Nog iets")
    await comments.add_comment(db, author, post.id or 0, body="En nog", parent_id=comment.id)
    message = await chat.post_message(db, author, circle.id, body=f"@{handle_of(author)} niet vergeten")
    await chat.post_message(db, author, circle.id, body="Antwoord", reply_to_id=message.id)
    assert await lines(db, author) == []
    assert (await notifications.badge(db, author)).count == 0
