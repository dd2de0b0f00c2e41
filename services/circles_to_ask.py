"""Where a question Ids could not answer may be asked instead: the asker's own circles that are
about its words, so the asker passes the question on in one click.

Guarantees: a circle is suggested only when the asker may post in it now (a member, the circle
not archived: `access.standing(...).can_write`), never a direct conversation, never the circle
the question was asked in; and where others read the answer (`shared`), only a circle that
exists for every colleague (`access.sql_seen_by_all`), so a secret circle's name is never shown
to its non-members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Circle, CircleKind, User
from services import dutch_words
from services.access import sql_listed, sql_member, sql_seen_by_all, standing

MAX_CIRCLES = 2
NAME_SHARE = 2.0  # a question word in the circle's name says more than one in its description

Matcher = Callable[[str], bool]


async def suggest(
    db: AsyncSession,
    asker: User,
    matchers: Sequence[Matcher],
    weights: Sequence[float],
    *,
    asked_in: int | None = None,
    shared: bool = False,
) -> list[Circle]:
    """Up to `MAX_CIRCLES` circles (see the module docstring) whose name or description matches
    the question's words (`matchers`, each with its weight), best first."""
    if not matchers:
        return []
    statement = select(Circle).where(
        sql_member(asker, col(Circle.id)), sql_listed(col(Circle.id)), col(Circle.kind) != CircleKind.DIRECT
    )
    if asked_in is not None:
        statement = statement.where(col(Circle.id) != asked_in)
    if shared:
        statement = statement.where(sql_seen_by_all(col(Circle.id)))
    scored: list[tuple[float, str, Circle]] = []
    for circle in (await db.exec(statement)).all():
        score = _score(circle, matchers, weights)
        if score > 0:
            scored.append((score, circle.name.lower(), circle))
    chosen: list[Circle] = []
    for _, _, circle in sorted(scored, key=lambda found: (-found[0], found[1])):
        if len(chosen) == MAX_CIRCLES:
            break
        if (await standing(db, asker, circle.id or 0)).can_write:
            chosen.append(circle)
    return chosen


def _score(circle: Circle, matchers: Sequence[Matcher], weights: Sequence[float]) -> float:
    name = dutch_words.words(circle.name)
    description = dutch_words.words(circle.description)
    score = 0.0
    for matches, weight in zip(matchers, weights, strict=True):
        if any(matches(token) for token in name):
            score += weight * NAME_SHARE
        elif any(matches(token) for token in description):
            score += weight
    return score
