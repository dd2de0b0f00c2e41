"""Case 9's state check: every path a colleague reads (pages, JSON API, search, file downloads)
holds no marker of a circle they may not read now, and no name of a secret circle that does not
exist for them; a direct URL of such a circle's item answers 403 or 404.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

from tests.realtime.support import Colleague
from tests.trust.leak_world import Item, WorldState

ITEM_PATHS = {
    "post": (
        "/posts/{id}",
        "/api/v1/posts/{id}",
        "/api/v1/posts/{id}/comments",
        "/api/v1/posts/{id}/reactions",
    ),
    "comment": ("/api/v1/comments/{id}/reactions",),
    "message": ("/api/v1/messages/{id}/reactions",),
    "page": (
        "/knowledge/pages/{id}",
        "/knowledge/pages/{id}/history",
        "/api/v1/pages/{id}",
        "/api/v1/pages/{id}/revisions",
    ),
    "document": (
        "/knowledge/documents/{id}",
        "/api/v1/documents/{id}",
        "/api/v1/documents/{id}/versions",
        "/api/v1/documents/{id}/versions/1/file",
        "/knowledge/documents/{id}/versions/1/file",
    ),
}
CIRCLE_PATHS = (
    "/circles/{id}",
    "/api/v1/circles/{id}",
    "/api/v1/circles/{id}/messages",
    "/api/v1/circles/{id}/members",
    "/api/v1/feed?filter=circle&circle_id={id}&limit=200",
    "/api/v1/documents?circle={id}&limit=200",
    "/api/v1/search?circle={id}&limit=200",
    "/search?circle={id}",
)
LISTINGS = (
    "/",
    "/circles",
    "/knowledge",
    "/knowledge/tags",
    "/notifications",
    "/notifications/menu",
    "/messages",
    "/search",
    "/api/v1/feed?limit=200",
    "/api/v1/feed?filter=circles&limit=200",
    "/api/v1/circles",
    "/api/v1/circles?mine=true",
    "/api/v1/documents?limit=200",
    "/api/v1/pages",
    "/api/v1/tags",
    "/api/v1/search?limit=200",
    "/api/v1/notifications",
    "/api/v1/unread",
)


def family(path: str) -> str:
    if "/file" in path:
        return "file"
    if "search" in path:
        return "search"
    return "json" if path.startswith("/api/") else "html"


@dataclass
class PathsVerdict:
    requests: Counter[str] = field(default_factory=Counter)  # by family: html, json, search, file
    allowed_seen: Counter[str] = field(default_factory=Counter)  # allowed markers found, by family
    leaks: list[tuple[int, str, str, int]] = field(default_factory=list)  # user, path, marker or status, circle
    server_errors: list[tuple[int, str, int]] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # the text around the first leaks


async def check_paths(
    state: WorldState,
    sessions: dict[int, Colleague],
    rng: random.Random,
    *,
    items_per_user: int,
    quick: bool = False,
    concurrency: int = 6,
) -> PathsVerdict:
    """Read, as every colleague, the listings, every circle's pages, a search for every marker
    and `items_per_user` items' direct URLs (half of them from circles the colleague may not
    read), and hold every answer against what membership allows now. `quick`: the JSON search
    for every marker and the items only, for a check half-way."""
    verdict = PathsVerdict()
    world = state.world
    markers = [c.marker for c in world.circles] + [c.name_marker for c in world.circles]
    jobs: list[tuple[int, str, Item | None]] = []
    for user_id in sessions:
        paths = [] if quick else list(LISTINGS)
        paths += [p.format(id=c.id) for c in world.circles for p in CIRCLE_PATHS if not quick]
        paths += [f"/api/v1/search?q={m}" for m in markers]
        paths += [] if quick else [f"/search?q={m}" for m in markers]
        jobs += [(user_id, path, None) for path in paths]
        # Documents are few, and each a file: all of them, but half-way.
        documents = [] if quick else [i for i in world.items if i.kind == "document"]
        others = [i for i in world.items if quick or i.kind != "document"]
        jobs += [(user_id, path.format(id=d.id), d) for d in documents for path in ITEM_PATHS["document"]]
        readable = [i for i in others if state.may_read(user_id, i.circle_id)]
        unreadable = [i for i in others if not state.may_read(user_id, i.circle_id)]
        half = items_per_user // 2
        chosen = rng.sample(unreadable, min(half, len(unreadable)))
        chosen += rng.sample(readable, min(items_per_user - len(chosen), len(readable)))
        jobs += [(user_id, path.format(id=item.id), item) for item in chosen for path in ITEM_PATHS[item.kind]]
    # The search page repeats the query (in the field, the title, the heading), which is no hit.
    nowhere = "qzxxxxnowhere"
    echoes = (await next(iter(sessions.values())).http.get(f"/search?q={nowhere}")).text.lower().count(nowhere)
    queue: asyncio.Queue[tuple[int, str, Item | None]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def reader() -> None:
        while not queue.empty():
            user_id, path, item = queue.get_nowait()
            await _read_one(state, sessions[user_id], user_id, path, item, verdict, echoes)

    await asyncio.gather(*(reader() for _ in range(concurrency)))
    return verdict


async def _read_one(
    state: WorldState,
    who: Colleague,
    user_id: int,
    path: str,
    item: Item | None,
    verdict: PathsVerdict,
    echoes: int,
) -> None:
    response = await who.http.get(path)
    kind = family(path)
    verdict.requests[kind] += 1
    if response.status_code >= 500:
        verdict.server_errors.append((user_id, path, response.status_code))
        return
    body = response.text.lower()
    echoed = echoes if path.startswith("/search?q=") else 0
    for word, circle_id in state.forbidden_markers(user_id).items():
        if body.count(word) > echoed:
            verdict.leaks.append((user_id, path, word, circle_id))
            if len(verdict.context) < 20:
                at = body.index(word)
                verdict.context.append(f"{user_id} {path}: …{body[max(0, at - 300) : at + 100]}…")
    for word in state.allowed_markers(user_id):
        if body.count(word) > echoed:
            verdict.allowed_seen[kind] += 1
    if item is not None and not state.may_read(user_id, item.circle_id) and response.status_code < 400:
        verdict.leaks.append((user_id, path, str(response.status_code), item.circle_id))
