"""The stream over the API: feed, posts, news, blog posts, comments, reactions, reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field
from starlette.responses import Response
from starlette.routing import Route

from models import Comment, User
from models.post import REACTIONS
from server.api.polls import draft_of
from server.endpoints import Call, Handler, api_route, json_response
from server.params import Limit, QueryId, QueryIn
from server.schemas import (
    AcceptIn,
    AttachmentOut,
    BlogIn,
    CircleRef,
    CommentIn,
    CommentList,
    CommentOut,
    CommentPatch,
    NewsIn,
    Ok,
    PersonRef,
    PollStateOut,
    PostIn,
    PostList,
    PostOut,
    PostPatch,
    ReactionsOut,
    ReactorList,
    ReactorOut,
    ReadersOut,
)
from server.uploads import attachment_limits
from services import attachments, comments, posts, questions, reactions, stream
from services.stream import Card


def _id(call: Call, name: str = "post_id") -> int:
    return int(call.request.path_params[name])


def _person(user: User) -> PersonRef:
    return PersonRef(id=user.id or 0, name=user.name)


def post_out(card: Card) -> PostOut:
    post = card.post
    return PostOut(
        id=post.id or 0,
        kind=post.kind.value,
        circle=CircleRef(id=card.circle.id or 0, name=card.circle.name, color=card.circle.color)
        if card.circle
        else None,
        author=_person(card.author) if card.author else None,
        title=post.title,
        lead=post.lead,
        body=post.body,
        html=post.html,
        cover_url=f"/media/covers/{post.cover}" if post.cover else None,
        featured_until=post.featured_until,
        must_read=post.must_read,
        question=post.question,
        accepted_comment_id=post.accepted_comment_id,
        read_by_me=card.read_by_me,
        comment_count=card.comment_count,
        reactions=ReactionsOut(counts=card.reactions.counts, mine=sorted(card.reactions.mine)),
        views=card.views,
        created_at=post.created_at,
        edited_at=post.edited_at,
        attachments=[AttachmentOut.model_validate(a) for a in card.attachments],
        poll=PollStateOut.model_validate(card.poll.model_dump(mode="json")) if card.poll else None,
    )


async def _one(call: Call, post_id: int, status: int = 200) -> Response:
    post = await posts.access_post(call.db, call.user, post_id)
    (card,) = await stream.cards(call.db, call.user, [post])
    return json_response(post_out(card), status=status)


class FeedQuery(QueryIn):
    filter: stream.Filter = Field(
        default=stream.Filter.ALL, description="all, news, circles (my circles' posts) or circle"
    )
    circle_id: QueryId | None = Field(default=None, description="with filter=circle")
    before: QueryId | None = Field(default=None, description="the `next` cursor of the previous page")
    limit: Limit = 20


async def feed(call: Call) -> Response:
    query = call.query(FeedQuery)
    limit = query.limit
    found = await stream.feed(
        call.db, call.user, filter=query.filter, circle_id=query.circle_id, before=query.before, limit=limit
    )
    items = [post_out(card) for card in await stream.cards(call.db, call.user, found)]
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return json_response(PostList(items=items, next=next_cursor))


async def create_post(call: Call) -> Response:
    body = await call.json_body(PostIn)
    post = await posts.create_post(
        call.db,
        call.user,
        _id(call, "circle_id"),
        body=body.body,
        client_id=body.client_id,
        attachment_ids=body.attachments,
        attachment_limits=attachment_limits(call.ctx.settings),
        question=body.question,
        poll=draft_of(body.poll),
    )
    return await _one(call, post.id or 0, status=201)


async def create_news(call: Call) -> Response:
    body = await call.json_body(NewsIn)
    post = await posts.create_news(call.db, call.user, **body.model_dump())
    return await _one(call, post.id or 0, status=201)


async def create_blog_post(call: Call) -> Response:
    body = await call.json_body(BlogIn)
    post = await posts.create_blog_post(call.db, call.user, **body.model_dump())
    return await _one(call, post.id or 0, status=201)


async def get_post(call: Call) -> Response:
    return await _one(call, _id(call))


async def edit_post(call: Call) -> Response:
    body = await call.json_body(PostPatch)
    changes = body.model_dump(exclude_unset=True)
    clear = "featured_until" in changes and changes["featured_until"] is None
    await posts.edit_post(call.db, call.user, _id(call), clear_featured=clear, **changes)
    return await _one(call, _id(call))


async def delete_post(call: Call) -> Response:
    await posts.delete_post(call.db, call.user, _id(call))
    return json_response(Ok())


async def list_comments(call: Call) -> Response:
    post = await posts.access_post(call.db, call.user, _id(call))
    rows = questions.accepted_first(post, await comments.list_comments(call.db, call.user, _id(call)))
    summaries = await reactions.summaries(call.db, call.user, [posts.comment_target(c.id or 0) for c, _ in rows])
    attached = await attachments.data_for(call.db, [posts.comment_target(c.id or 0) for c, _ in rows])
    items = [
        _comment_out(
            c,
            u,
            summaries[posts.comment_target(c.id or 0)],
            attached[posts.comment_target(c.id or 0)],
            accepted=c.id == post.accepted_comment_id,
        )
        for c, u in rows
    ]
    return json_response(CommentList(items=items))


def _comment_out(
    comment: Comment,
    author: User,
    summary: reactions.Summary | None = None,
    attached: Sequence[dict[str, Any]] = (),
    *,
    accepted: bool = False,
) -> CommentOut:
    summary = summary or reactions.Summary()
    return CommentOut(
        id=comment.id or 0,
        post_id=comment.post_id,
        parent_id=comment.parent_id,
        author=_person(author),
        body=comment.body,
        html=comment.html,
        reactions=ReactionsOut(counts=summary.counts, mine=sorted(summary.mine)),
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        attachments=[AttachmentOut.model_validate(a) for a in attached],
        accepted=accepted,
    )


async def mark_question(call: Call) -> Response:
    await questions.mark_question(call.db, call.user, _id(call), question=call.request.method == "PUT")
    return await _one(call, _id(call))


async def accept_answer(call: Call) -> Response:
    comment_id = (await call.json_body(AcceptIn)).comment_id if call.request.method == "PUT" else None
    await questions.accept_answer(call.db, call.user, _id(call), comment_id)
    return await _one(call, _id(call))


async def add_comment(call: Call) -> Response:
    body = await call.json_body(CommentIn)
    comment = await comments.add_comment(
        call.db,
        call.user,
        _id(call),
        body=body.body,
        parent_id=body.parent_id,
        client_id=body.client_id,
        attachment_ids=body.attachments,
        attachment_limits=attachment_limits(call.ctx.settings),
    )
    attached = await attachments.data_of(call.db, posts.comment_target(comment.id or 0))
    return json_response(_comment_out(comment, call.user, attached=attached), status=201)


async def edit_comment(call: Call) -> Response:
    body = await call.json_body(CommentPatch)
    comment = await comments.edit_comment(call.db, call.user, _id(call, "comment_id"), body=body.body)
    author = await call.db.get(User, comment.author_id)
    assert author is not None
    return json_response(_comment_out(comment, author))


async def delete_comment(call: Call) -> Response:
    await comments.delete_comment(call.db, call.user, _id(call, "comment_id"))
    return json_response(Ok())


def _reaction_route(kind: str, on: bool) -> Handler:
    async def handler(call: Call) -> Response:
        summary = await reactions.set_reaction(
            call.db, call.user, kind, _id(call, "target_id"), str(call.request.path_params["emoji"]), on=on
        )
        return json_response(ReactionsOut(counts=summary.counts, mine=sorted(summary.mine)))

    return handler


def _reactors_route(kind: str) -> Handler:
    async def handler(call: Call) -> Response:
        rows = await reactions.who_reacted(call.db, call.user, kind, _id(call, "target_id"))
        return json_response(ReactorList(items=[ReactorOut(user=_person(u), emoji=e) for u, e in rows]))

    return handler


async def confirm_read(call: Call) -> Response:
    await stream.confirm_read(call.db, call.user, _id(call))
    return json_response(Ok())


async def record_view(call: Call) -> Response:
    await stream.record_view(call.db, call.user, _id(call))
    return json_response(Ok())


async def readers(call: Call) -> Response:
    read, unread = await stream.readers(call.db, call.user, _id(call))
    return json_response(ReadersOut(read=[_person(u) for u in read], unread=[_person(u) for u in unread]))


async def follow(call: Call) -> Response:
    await stream.follow(call.db, call.user, _id(call, "circle_id"), on=call.request.method == "POST")
    return json_response(Ok())


_P = "/api/v1/posts/{post_id:int}"

routes: list[Route] = [
    api_route("/api/v1/feed", feed, "GET", summary="Your stream, newest first.", returns=PostList, query=FeedQuery),
    api_route(
        "/api/v1/circles/{circle_id:int}/posts",
        create_post,
        "POST",
        summary="Post in a circle you are a member of; a repeated client_id returns the first post.",
        body=PostIn,
        returns=PostOut,
        status=201,
    ),
    api_route(
        "/api/v1/circles/{circle_id:int}/follow", follow, "POST", summary="Follow an open circle's posts.", returns=Ok
    ),
    api_route("/api/v1/circles/{circle_id:int}/follow", follow, "DELETE", summary="Stop following.", returns=Ok),
    api_route(
        "/api/v1/news", create_news, "POST", summary="Publish news (editors).", body=NewsIn, returns=PostOut, status=201
    ),
    api_route(
        "/api/v1/blog/posts",
        create_blog_post,
        "POST",
        summary="Write on your blog.",
        body=BlogIn,
        returns=PostOut,
        status=201,
    ),
    api_route(_P, get_post, "GET", summary="One post, news item or blog post.", returns=PostOut),
    api_route(_P, edit_post, "PATCH", summary="Edit (the author or an admin).", body=PostPatch, returns=PostOut),
    api_route(_P, delete_post, "DELETE", summary="Delete (the author or an admin).", returns=Ok),
    api_route(
        f"{_P}/comments",
        list_comments,
        "GET",
        summary="The comments, oldest first; a question's accepted answer first of all, with its replies.",
        returns=CommentList,
    ),
    api_route(
        f"{_P}/question",
        mark_question,
        "PUT",
        summary="Mark a circle post as a question (its asker or a circle admin).",
        returns=PostOut,
    ),
    api_route(
        f"{_P}/question",
        mark_question,
        "DELETE",
        summary="It is no longer a question; an accepted answer is withdrawn (its asker or a circle admin).",
        returns=PostOut,
    ),
    api_route(
        f"{_P}/accepted-answer",
        accept_answer,
        "PUT",
        summary="Accept a comment as the question's answer, or change which (its asker or a circle admin).",
        body=AcceptIn,
        returns=PostOut,
    ),
    api_route(
        f"{_P}/accepted-answer",
        accept_answer,
        "DELETE",
        summary="Withdraw the accepted answer: the question is open again (its asker or a circle admin).",
        returns=PostOut,
    ),
    api_route(
        f"{_P}/comments",
        add_comment,
        "POST",
        summary="Comment, or reply with parent_id.",
        body=CommentIn,
        returns=CommentOut,
        status=201,
    ),
    api_route(
        f"{_P}/views",
        record_view,
        "POST",
        summary="You have the post open: counts a view of news or a blog post, and reads your notifications about it.",
        returns=Ok,
    ),
    api_route(
        "/api/v1/news/{post_id:int}/read", confirm_read, "POST", summary="Confirm reading must-read news.", returns=Ok
    ),
    api_route(
        "/api/v1/news/{post_id:int}/readers",
        readers,
        "GET",
        summary="Who has and has not read must-read news (editors).",
        returns=ReadersOut,
    ),
    api_route(
        "/api/v1/comments/{comment_id:int}",
        edit_comment,
        "PATCH",
        summary="Edit a comment.",
        body=CommentPatch,
        returns=CommentOut,
    ),
    api_route("/api/v1/comments/{comment_id:int}", delete_comment, "DELETE", summary="Delete a comment.", returns=Ok),
]
_EMOJI = {"emoji": {"type": "string", "enum": list(REACTIONS)}}
for _kind, _base in (("post", "/api/v1/posts"), ("comment", "/api/v1/comments"), ("message", "/api/v1/messages")):
    routes += [
        api_route(
            f"{_base}/{{target_id:int}}/reactions/{{emoji:str}}",
            _reaction_route(_kind, True),
            "PUT",
            summary=f"React to a {_kind}.",
            returns=ReactionsOut,
            path_schemas=_EMOJI,
        ),
        api_route(
            f"{_base}/{{target_id:int}}/reactions/{{emoji:str}}",
            _reaction_route(_kind, False),
            "DELETE",
            summary=f"Take back a reaction to a {_kind}.",
            returns=ReactionsOut,
            path_schemas=_EMOJI,
        ),
        api_route(
            f"{_base}/{{target_id:int}}/reactions",
            _reactors_route(_kind),
            "GET",
            summary=f"Who reacted to a {_kind}.",
            returns=ReactorList,
        ),
    ]
