"""The stream on the pages: home, a post's own page, writing, reacting, commenting."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from models import REACTIONS, PostKind, Role
from models.base import utcnow
from server.endpoints import Call, form_file, form_route, form_text, page_route, parse_enum
from server.fragments import EMOJI, item_viewer
from server.pages.news_proposals_pages import featured_end, local_moment
from server.pages.polls_pages import draft_from_form, poll_mine
from server.pagination import is_number
from server.uploads import attachment_ids, attachment_limits
from services import (
    attachments,
    chat,
    circles,
    comments,
    images,
    news_proposals,
    posts,
    questions,
    reactions,
    stream,
    welcome,
)
from services.errors import N_, Invalid

PAGE = 20


def _int(call: Call, name: str) -> int:
    return int(call.request.path_params[name])


def _optional_int(value: str | None, field: str) -> int | None:
    if value is None or value == "":
        return None
    if not is_number(value):
        raise Invalid(N_("That is not a number."), field=field)
    return int(value)


async def stream_context(
    call: Call, *, filter: stream.Filter, circle_id: int | None = None, before: int | None = None
) -> dict[str, Any]:
    """The cards of one page of a stream and what the template needs around them."""
    found = await stream.feed(call.db, call.user, filter=filter, circle_id=circle_id, before=before, limit=PAGE)
    cards = await stream.cards(call.db, call.user, found)
    return {
        "cards": cards,
        "older": found[-1].id if len(found) == PAGE else None,
        "stream_filter": filter.value,
        "stream_circle": circle_id,
        "emoji": EMOJI,
        "poll_mine": await poll_mine(call, cards),
    }


async def home(call: Call) -> Response:
    params = call.request.query_params
    filter = parse_enum(stream.Filter, params.get("filter", "all"), field="filter", message=N_("Unknown filter."))
    circle_id = _optional_int(params.get("circle"), "circle")
    if circle_id is not None:
        filter = stream.Filter.CIRCLE
    for topic in await stream.stream_topics(call.db, call.user):
        await call.watch(topic)  # before loading the stream: see Call.watch
    context = await stream_context(
        call, filter=filter, circle_id=circle_id, before=_optional_int(params.get("before"), "before")
    )
    pinned = await stream.featured(call.db, call.user) if filter is stream.Filter.ALL and "before" not in params else []
    featured = await stream.cards(call.db, call.user, pinned)
    hero = featured.pop(0) if featured else None  # the newest pinned news, large above the stream
    pinned_ids = {p.id for p in pinned}
    context["cards"] = [c for c in context["cards"] if c.post.id not in pinned_ids]  # shown once, on top
    context["poll_mine"] |= await poll_mine(call, featured + ([hero] if hero else []))
    my_circles = await circles.list_circles(call.db, call.user, mine=True, limit=200)
    invitations = await circles.pending_invitations(call.db, call.user)
    unread = await chat.unread_counts(call.db, call.user)
    return call.render(
        "home.html",
        hero=hero,
        featured=featured,
        my_circles=my_circles,
        invitations=invitations,
        unread=unread,
        is_editor=call.user.role in {Role.EDITOR, Role.ADMIN},
        checklist=await welcome.checklist(call.db, call.user),
        **context,
    )


async def stream_items(call: Call) -> Response:
    """Cards newer than `after`, as HTML, for the "new posts" bar: permissions apply again."""
    params = call.request.query_params
    filter = parse_enum(stream.Filter, params.get("filter", "all"), field="filter", message=N_("Unknown filter."))
    after = _optional_int(params.get("after"), "after") or 0
    circle_id = _optional_int(params.get("circle"), "circle")
    found = await stream.feed(call.db, call.user, filter=filter, circle_id=circle_id, after=after, limit=50)
    cards = await stream.cards(call.db, call.user, found)
    return call.render("_stream_items.html", cards=cards, emoji=EMOJI, poll_mine=await poll_mine(call, cards))


async def overview_page(call: Call, kind: PostKind) -> Response:
    """All news, or all blog posts, newest first, a page at a time."""
    before = _optional_int(call.request.query_params.get("before"), "before")
    found = await stream.of_kind(call.db, call.user, kind, before=before, limit=PAGE)
    return call.render(
        "post_overview.html",
        kind=kind.value,
        cards=await stream.cards(call.db, call.user, found),
        older=found[-1].id if len(found) == PAGE else None,
        emoji=EMOJI,
        is_editor=call.user.role in {Role.EDITOR, Role.ADMIN},
        proposals_waiting=await news_proposals.waiting_count(call.db, call.user) if kind is PostKind.NEWS else 0,
    )


async def news_overview(call: Call) -> Response:
    return await overview_page(call, PostKind.NEWS)


async def blog_overview(call: Call) -> Response:
    return await overview_page(call, PostKind.BLOG)


async def post_page(call: Call) -> Response:
    return await _post_page(call)


async def _post_page(call: Call, *, edit_draft: str | None = None, refused: Invalid | None = None) -> Response:
    """A post with its comments; after a refused edit, with the edit form open on what was typed."""
    post = await posts.access_post(call.db, call.user, _int(call, "post_id"))
    await call.watch(posts.topic_of(post))
    (card,) = await stream.cards(call.db, call.user, [post])
    thread = questions.accepted_first(post, await comments.list_comments(call.db, call.user, post.id or 0))
    summaries = await reactions.summaries(call.db, call.user, [posts.comment_target(c.id or 0) for c, _ in thread])
    can_moderate = await posts.may_moderate(call.db, call.user, post, post.circle_id)
    may_settle = await questions.may_settle(call.db, call.user, post)
    targets = [posts.post_target(post.id or 0), *(posts.comment_target(c.id or 0) for c, _ in thread)]
    attached = await attachments.data_for(call.db, targets)
    return call.render(
        "post.html",
        card=card,
        thread=[
            comments.comment_data(comment, author, attached[posts.comment_target(comment.id or 0)])
            | {"accepted": comment.id == post.accepted_comment_id}
            for comment, author in thread
        ],
        # Others' comments: only who the server lets delete them (not the post's author as such).
        viewer=item_viewer(
            call.user_id,
            moderator=await posts.moderates(call.db, call.user, post.circle_id),
            reader=True,
            asker=may_settle,
        ),
        may_settle=may_settle,
        poll_mine=await poll_mine(call, [card]),
        comment_reactions=summaries,
        reaction_names=await reactions.names(call.db, targets),
        can_moderate=can_moderate,
        emoji=EMOJI,
        is_editor=call.user.role in {Role.EDITOR, Role.ADMIN},
        edit_draft=edit_draft,
        status=200 if refused is None else 422,
        **({} if refused is None else {"flash": ("error", refused.text(call.gettext))}),
    )


async def write_post(call: Call) -> Response:
    if "circle_id" in call.request.path_params:
        circle_id = _int(call, "circle_id")
    else:  # the home page's composer names the circle in a field
        circle_id = _optional_int(form_text(call, "circle"), "circle") or 0
    try:
        post = await posts.create_post(
            call.db,
            call.user,
            circle_id,
            body=form_text(call, "body"),
            client_id=form_text(call, "client_id") or None,
            attachment_ids=attachment_ids(call),
            attachment_limits=attachment_limits(call.ctx.settings),
            question=form_text(call, "question") == "on",
            poll=draft_from_form(call),
        )
    except Invalid as refused:
        return await _write_again(call, PostKind.POST, refused, circle_id=circle_id)
    return call.redirect(_next(call, f"/circles/{circle_id}") + f"#post-{post.id}", message=N_("Posted."))


def _next(call: Call, default: str) -> str:
    target = form_text(call, "next")
    return target if target.startswith("/") and not target.startswith("//") else default


async def _write_again(
    call: Call, kind: PostKind, refused: Invalid, *, circle_id: int | None = None, had_file: bool = False
) -> Response:
    """The writing form again with everything typed in it and the reason it was refused: a long
    text pasted into a small box must never be lost to one refusal."""
    fields = ("title", "lead", "body", "featured_until", "publish_at", "client_id")
    draft = {name: form_text(call, name) for name in fields}
    draft["must_read"] = "on" if form_text(call, "must_read") == "on" else ""
    draft["question"] = "on" if form_text(call, "question") == "on" else ""
    message = refused.text(call.gettext)
    if had_file:  # a browser cannot put a chosen file back into a file field
        message += " " + call.gettext(N_("Choose the cover picture again."))
    my_circles = await circles.list_circles(call.db, call.user, mine=True, limit=200) if kind is PostKind.POST else []
    return call.render(
        "write.html",
        status=422,
        kind=kind.value,
        draft=draft,
        circle_id=circle_id,
        my_circles=my_circles,
        next_url=_next(call, "/"),
        body_limit=posts.MAX_BODY,
        flash=("error", message),
    )


async def write_news(call: Call) -> Response:
    settings = call.ctx.settings
    picture = await form_file(call, "cover", settings.limit_cover_bytes)
    try:
        featured_until = featured_end(call)
        publish_at = local_moment(form_text(call, "publish_at"), settings.timezone, field="publish_at")
        cover = None
        if picture:
            cover = await images.store(
                picture, media_dir=settings.media_dir, folder="covers", max_bytes=settings.limit_cover_bytes
            )
        if publish_at is not None and publish_at > utcnow():  # for later: kept out of sight until then
            await news_proposals.schedule(
                call.db,
                call.user,
                cover=cover,
                title=form_text(call, "title"),
                lead=form_text(call, "lead"),
                body=form_text(call, "body"),
                publish_at=publish_at,
                featured_until=featured_until,
                must_read=form_text(call, "must_read") == "on",
            )
            return call.redirect("/news/proposals", message=N_("The news has been scheduled."))
        post = await posts.create_news(
            call.db,
            call.user,
            cover=cover,
            title=form_text(call, "title"),
            lead=form_text(call, "lead"),
            body=form_text(call, "body"),
            featured_until=featured_until,
            must_read=form_text(call, "must_read") == "on",
            client_id=form_text(call, "client_id") or None,
        )
    except Invalid as refused:
        return await _write_again(call, PostKind.NEWS, refused, had_file=bool(picture))
    return call.redirect(f"/posts/{post.id}", message=N_("The news has been published."))


async def write_blog(call: Call) -> Response:
    try:
        post = await posts.create_blog_post(
            call.db,
            call.user,
            title=form_text(call, "title"),
            body=form_text(call, "body"),
            client_id=form_text(call, "client_id") or None,
        )
    except Invalid as refused:
        return await _write_again(call, PostKind.BLOG, refused)
    return call.redirect(f"/posts/{post.id}", message=N_("Your blog post has been published."))


async def news_form(call: Call) -> Response:
    return call.render("write.html", kind=PostKind.NEWS.value, draft={}, body_limit=posts.MAX_BODY)


async def blog_form(call: Call) -> Response:
    return call.render("write.html", kind=PostKind.BLOG.value, draft={}, body_limit=posts.MAX_BODY)


async def comment(call: Call) -> Response:
    post_id = _int(call, "post_id")
    made = await comments.add_comment(
        call.db,
        call.user,
        post_id,
        body=form_text(call, "body"),
        parent_id=_optional_int(form_text(call, "parent_id") or None, "parent_id"),
        client_id=form_text(call, "client_id") or None,
        attachment_ids=attachment_ids(call),
        attachment_limits=attachment_limits(call.ctx.settings),
    )
    # From a card in the stream the colleague goes back to the card; from the post, to the comment.
    return call.redirect(_next(call, f"/posts/{post_id}#comment-{made.id}"))


async def react(call: Call) -> Response:
    kind = str(call.request.path_params["kind"])
    if kind not in {"post", "comment", "message"}:
        raise Invalid(N_("Unknown item."), field="kind")
    # The emoji is the pressed button's value (`reaction_bar`), or in the path (older pages).
    emoji = str(call.request.path_params.get("emoji") or form_text(call, "emoji"))
    target_id = _int(call, "target_id")
    mine = await reactions.summaries(call.db, call.user, [f"{kind}:{target_id}"])
    on = emoji not in mine[f"{kind}:{target_id}"].mine
    await reactions.set_reaction(call.db, call.user, kind, target_id, emoji, on=on)
    return call.redirect(_next(call, "/"))


async def delete_post(call: Call) -> Response:
    await posts.delete_post(call.db, call.user, _int(call, "post_id"))
    return call.redirect("/", message=N_("Deleted."))


async def edit_post(call: Call) -> Response:
    post_id = _int(call, "post_id")
    try:
        await posts.edit_post(call.db, call.user, post_id, body=form_text(call, "body"))
    except Invalid as refused:
        return await _post_page(call, edit_draft=form_text(call, "body"), refused=refused)
    return call.redirect(f"/posts/{post_id}", message=N_("Saved."))


async def edit_comment(call: Call) -> Response:
    comment_id = _int(call, "comment_id")
    await comments.edit_comment(call.db, call.user, comment_id, body=form_text(call, "body"))
    return call.redirect(_next(call, "/"), message=N_("Saved."))


async def delete_comment(call: Call) -> Response:
    comment_id = _int(call, "comment_id")
    await comments.delete_comment(call.db, call.user, comment_id)
    return call.redirect(_next(call, "/"), message=N_("Deleted."))


async def confirm_read(call: Call) -> Response:
    post_id = _int(call, "post_id")
    await stream.confirm_read(call.db, call.user, post_id)
    return call.redirect(_next(call, f"/posts/{post_id}"), message=N_("Thank you for reading."))


async def readers_page(call: Call) -> Response:
    post = await posts.access_post(call.db, call.user, _int(call, "post_id"))
    read, unread = await stream.readers(call.db, call.user, post.id or 0)
    return call.render("readers.html", post=post, read=read, unread=unread)


async def follow(call: Call) -> Response:
    circle_id = _int(call, "circle_id")
    await stream.follow(call.db, call.user, circle_id, on=form_text(call, "follow") == "on")
    return call.redirect(f"/circles/{circle_id}")


assert set(EMOJI) == set(REACTIONS)


def upload_routes(settings: Settings) -> list[Route]:
    """Routes whose body limit comes from the settings (multipart needs room around the file)."""
    return [
        form_route(
            "/news",
            write_news,
            name="news_write",
            max_files=1,
            max_body_size=settings.limit_cover_bytes + settings.limit_request_bytes,
        )
    ]


routes: list[Route] = [
    page_route("/", home, name="home"),
    page_route("/stream/items", stream_items, name="stream_items", fragment=True),
    page_route("/posts/{post_id:int}", post_page, name="post"),
    page_route("/news", news_overview, name="news_overview"),
    page_route("/blog", blog_overview, name="blog_overview"),
    page_route("/news/new", news_form, name="news_form"),
    page_route("/blog/new", blog_form, name="blog_form"),
    page_route("/news/{post_id:int}/readers", readers_page, name="readers"),
    form_route("/circles/{circle_id:int}/posts", write_post, name="post_write"),
    form_route("/posts", write_post, name="post_write_home"),
    form_route("/circles/{circle_id:int}/follow", follow, name="circle_follow"),
    form_route("/blog", write_blog, name="blog_write"),
    form_route("/posts/{post_id:int}/comments", comment, name="comment_write"),
    form_route("/posts/{post_id:int}/edit", edit_post, name="post_edit"),
    form_route("/posts/{post_id:int}/delete", delete_post, name="post_delete"),
    form_route("/news/{post_id:int}/read", confirm_read, name="news_read"),
    form_route("/comments/{comment_id:int}/delete", delete_comment, name="comment_delete"),
    form_route("/comments/{comment_id:int}/edit", edit_comment, name="comment_edit"),
    form_route("/{kind:str}s/{target_id:int}/reactions", react, name="react"),
    form_route("/{kind:str}s/{target_id:int}/reactions/{emoji:str}", react, name="react_with"),
]
