"""Insight over HTTP: the page draws its charts for an admin, and each chart's CSV is the table
as shown, small groups suppressed and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleVisibility, Role
from services import circles, posts
from tests.support import Visitor, make_circle, make_user


async def test_admins_and_editors_read_the_charts_and_download_each_as_a_safe_csv(
    db: AsyncSession, visitor: Visitor, new_visitor: Callable[[], Awaitable[Visitor]]
) -> None:
    admin = await make_user(db, "Ada Admin", role=Role.ADMIN, team="Staf")
    people = [await make_user(db, f"Collega {n}", team="Noord") for n in range(5)]
    busy = await make_circle(db, people[0], CircleVisibility.OPEN, name="Wijkaanpak")
    for colleague in people[1:]:
        await circles.join_circle(db, colleague, busy.id or 0)
    for colleague in people:
        await posts.create_post(db, colleague, busy.id or 0, body="Wie weet raad?")
    formula = await make_circle(db, people[0], CircleVisibility.CLOSED, name="=HYPERLINK(1)")
    await posts.create_post(db, people[0], formula.id or 0, body="Alleen ik")
    assert (await visitor.sign_in(admin)).status_code == 200

    page = await visitor.get("/beheer/inzicht", params={"weeks": "kwartaal"})  # not a period: the default
    assert page.status_code == 200
    assert '<option value="12" selected>' in page.text
    assert 'aria-current="page">Inzicht</a>' in page.text
    assert page.text.count('<section class="card insight-chart"') == 8
    assert "Geen cijfers voor deze periode." in page.text  # no news was published
    assert 'data-value="5"' in page.text  # five active colleagues this week, drawn

    export = await visitor.get("/beheer/inzicht/circles.csv", params={"weeks": "4"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert 'filename="kring-circles-4w.csv"' in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == ["Kring", "Berichten", "Reacties", "Emoji-reacties", "Chatberichten"]
    assert ["Wijkaanpak", "5", "0", "0", "0"] in rows
    # One colleague's circle: named (every colleague may know it), its figures not told; a name a
    # spreadsheet would run arrives as text.
    assert ["'=HYPERLINK(1)", *["te weinig collega's"] * 4] in rows
    for chart in ("cross-team", "bridges", "active-weeks", "active-days", "news", "freshness", "questions"):
        assert (await visitor.get(f"/beheer/inzicht/{chart}.csv")).status_code == 200, chart
    assert (await visitor.get("/beheer/inzicht/colleagues.csv")).status_code == 404

    # Communications (editors) have the same page outside the console; other colleagues do not.
    editor, member = await new_visitor(), await new_visitor()
    assert (await editor.sign_in(await make_user(db, "Eva Redactie", role=Role.EDITOR))).status_code == 200
    assert (await member.sign_in(people[1])).status_code == 200
    theirs = await editor.get("/inzicht")
    assert theirs.status_code == 200
    assert '<a href="/inzicht" aria-current="page">' in theirs.text
    assert 'href="/inzicht/circles.csv?weeks=12"' in theirs.text
    their_csv = (await editor.get("/inzicht/circles.csv")).text
    assert ["Wijkaanpak", "5", "0", "0", "0"] in list(csv.reader(io.StringIO(their_csv)))
    for path in ("/inzicht", "/inzicht/circles.csv"):
        assert (await member.get(path)).status_code == 404, path
    assert 'href="/inzicht"' not in (await member.get("/")).text
