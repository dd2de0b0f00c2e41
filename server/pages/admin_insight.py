"""Insight at /beheer/inzicht and /inzicht: the organisation's figures as server-drawn SVG
charts, each with its table and its CSV download (<page>/<chart>.csv).

Organisation admins see it in the console (`admin_page`); editors (communications), who have no
console, at /inzicht, a `page_route` whose service (`insight.report`) asks
`access.ensure_insight_reader`. The figures come from `services.insight`, which applies the
small-group rule, so nothing here decides what may be shown.
A suppressed figure (None) is written "too few colleagues" on the page and in the CSV.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from server.endpoints import Call, page_route
from server.pages.admin_pages import SECTIONS, admin_page
from services import insight
from services.audit import safe_cell
from services.errors import N_, NotFound

TOO_FEW = N_("too few colleagues")
_WIDTH, _HEIGHT = 640, 220  # a column chart's drawing, in SVG units
_PLOT_LEFT, _PLOT_TOP, _PLOT_BOTTOM = 44, 12, 34
_LABEL_WIDTH, _ROW = 250, 24  # a bar chart's label column and row height
# Which part of the report each chart (and its CSV) is drawn from.
PART_OF = {
    "cross-team": "sharing",
    "bridges": "sharing",
    "active-weeks": "active",
    "active-days": "active",
    "circles": "circles",
    "news": "news",
    "freshness": "freshness",
    "questions": "questions",
}


@dataclass(frozen=True)
class Bar:
    """One drawn bar: its place in the SVG and what it says."""

    label: str
    text: str  # the value as read, or "too few colleagues"
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    show_label: bool
    suppressed: bool = False  # too few colleagues: no figure


@dataclass(frozen=True)
class Chart:
    key: str  # its CSV's name
    title: str
    description: str
    horizontal: bool
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y or x, text) of the value axis
    width: int
    height: int
    columns: list[str]
    rows: list[list[str]]
    empty: bool


def _text(value: int | float | None, gettext: Callable[[str], str], percent: bool = False) -> str:
    if value is None:
        return gettext(TOO_FEW)
    return f"{value * 100:.0f}%" if percent else str(value)


def _ticks(top: float, percent: bool) -> list[float]:
    if percent:
        return [0.0, 0.25, 0.5, 0.75, 1.0]
    step = max(1, math.ceil(top / 4))
    return [float(step * n) for n in range(5)]


def columns(
    key: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, float | None]],
    gettext: Callable[[str], str],
    *,
    table: tuple[list[str], list[list[str]]],
    percent: bool = False,
    short: Callable[[str], str] = str,
) -> Chart:
    """A column chart over time (days or weeks): one column per point, the axis at the left."""
    values = [value for _, value in points if value is not None]
    ticks = _ticks(1.0 if percent else max([*values, 1.0]), percent)
    top = ticks[-1]
    plot_w, plot_h = _WIDTH - _PLOT_LEFT - 8, _HEIGHT - _PLOT_TOP - _PLOT_BOTTOM
    step = plot_w / max(len(points), 1)
    every = max(1, round(len(points) / 12))  # at most about twelve labels under the axis
    bars = []
    for n, (label, value) in enumerate(points):
        height = plot_h * (value or 0) / top
        x = _PLOT_LEFT + n * step + step * 0.15
        bars.append(
            Bar(
                short(label),
                _text(value, gettext, percent),
                round(x, 1),
                round(_PLOT_TOP + plot_h - height, 1),
                round(step * 0.7, 1),
                round(height, 1),
                round(x + step * 0.35, 1),
                _HEIGHT - _PLOT_BOTTOM + 14,
                n % every == 0,
                value is None,
            )
        )
    axis = [
        (round(_PLOT_TOP + plot_h - plot_h * t / top, 1), f"{t * 100:.0f}%" if percent else f"{t:.0f}") for t in ticks
    ]
    return Chart(key, title, description, False, bars, axis, _WIDTH, _HEIGHT, *table, not values)


def bars(
    key: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, float | None]],
    gettext: Callable[[str], str],
    *,
    table: tuple[list[str], list[list[str]]],
) -> Chart:
    """A horizontal bar chart over named things (circles, news items): the label at the left."""
    values = [value for _, value in points if value is not None]
    top = max([*values, 1.0])
    plot_w = _WIDTH - _LABEL_WIDTH - 48
    drawn = []
    for n, (label, value) in enumerate(points):
        y = 4 + n * _ROW
        width = plot_w * (value or 0) / top
        shown_label = label if len(label) <= 30 else label[:29].rstrip() + "…"
        drawn.append(
            Bar(
                shown_label,
                _text(value, gettext),
                _LABEL_WIDTH,
                y,
                round(width, 1),
                _ROW - 8,
                _LABEL_WIDTH + width + 6,
                y + _ROW - 11,
                True,
                value is None,
            )
        )
    height = 8 + max(len(points), 1) * _ROW
    return Chart(key, title, description, True, drawn, [], _WIDTH, height, *table, not values)


def _row(*cells: object) -> list[str]:
    return [str(cell) for cell in cells]


def charts(report: insight.Report, gettext: Callable[[str], str]) -> list[Chart]:
    """Every chart of the page, in its order."""
    _ = gettext

    def cell(value: int | None) -> str:
        return _text(value, gettext)

    share_rows = [
        _row(w.week, cell(w.interactions), cell(w.cross_team), _text(w.share, gettext, percent=True))
        for w in report.sharing.weeks
    ]
    bridges = [b for b in report.sharing.bridges if b.pairs is None or b.pairs]
    weekly = [_row(c.label, cell(c.colleagues)) for c in report.active_weeks]
    return [
        columns(
            "cross-team",
            _("Knowledge shared across teams"),
            _(
                "Per week, the share of interactions (comments, replies, reactions and chat replies) between "
                "colleagues of different teams."
            ),
            [(w.week, w.share) for w in report.sharing.weeks],
            gettext,
            percent=True,
            table=([_("Week"), _("Interactions"), _("Across teams"), _("Share")], share_rows),
        ),
        bars(
            "bridges",
            _("Circles that connect teams"),
            _("Per open or closed circle, how many pairs of teams met in it through interactions."),
            [(b.name, len(b.pairs) if b.pairs is not None else None) for b in bridges[:12]],
            gettext,
            table=(
                [_("Circle"), _("Team pairs"), _("Teams")],
                [
                    _row(
                        b.name,
                        cell(len(b.pairs) if b.pairs is not None else None),
                        "; ".join(f"{one} – {other}" for one, other in b.pairs) if b.pairs is not None else "",
                    )
                    for b in bridges
                ],
            ),
        ),
        columns(
            "active-weeks",
            _("Active colleagues per week"),
            _("Colleagues who posted, commented, reacted, chatted or confirmed must-read news in the week."),
            [(c.label, c.colleagues) for c in report.active_weeks],
            gettext,
            table=([_("Week"), _("Active colleagues")], weekly),
        ),
        columns(
            "active-days",
            _("Active colleagues per day"),
            _("Colleagues who posted, commented, reacted, chatted or confirmed must-read news on the day."),
            [(c.label, c.colleagues) for c in report.active_days],
            gettext,
            short=_day_month,
            table=([_("Day"), _("Active colleagues")], [_row(c.label, cell(c.colleagues)) for c in report.active_days]),
        ),
        bars(
            "circles",
            _("Activity per circle"),
            _("Posts, comments, reactions and chat messages per open or closed circle in the period."),
            [(a.name, _sum(a.posts, a.comments, a.reactions, a.messages)) for a in report.circles[:15]],
            gettext,
            table=(
                [_("Circle"), _("Posts"), _("Comments"), _("Reactions"), _("Chat messages")],
                [
                    _row(a.name, cell(a.posts), cell(a.comments), cell(a.reactions), cell(a.messages))
                    for a in report.circles
                ],
            ),
        ),
        bars(
            "news",
            _("Reach of the news"),
            _("Per news item of the period, how many colleagues opened it; for must-read news also who confirmed."),
            [(n.title, n.seen) for n in report.news],
            gettext,
            table=(
                [
                    _("News item"),
                    _("Published"),
                    _("Seen by"),
                    _("Seen within a day"),
                    _("Seen within a week"),
                    _("Confirmed"),
                    _("Confirmed within a day"),
                    _("Confirmed within a week"),
                ],
                [
                    _row(
                        n.title,
                        n.published.astimezone(report.period.zone).date().isoformat(),
                        cell(n.seen),
                        cell(n.seen_first_day),
                        cell(n.seen_first_week),
                        cell(n.confirmed) if n.must_read else "–",
                        cell(n.confirmed_first_day) if n.must_read else "–",
                        cell(n.confirmed_first_week) if n.must_read else "–",
                    )
                    for n in report.news
                ],
            ),
        ),
        bars(
            "freshness",
            _("Documents past their review date"),
            _("Per team of the colleague responsible, the documents whose review date has passed."),
            [(f.team or _("No team"), f.overdue) for f in report.freshness],
            gettext,
            table=(
                [_("Team"), _("With a review date"), _("Past it")],
                [_row(f.team or _("No team"), cell(f.with_review_date), cell(f.overdue)) for f in report.freshness],
            ),
        ),
        bars(
            "questions",
            _("Questions without an answer"),
            _(
                "Circle posts with a question mark, at least two days old, on which nobody but the asker commented; "
                "the first line counts every circle."
            ),
            [(q.name or _("All circles"), q.unanswered) for q in report.questions],
            gettext,
            table=(
                [_("Circle"), _("Questions"), _("Without an answer")],
                [_row(q.name or _("All circles"), cell(q.asked), cell(q.unanswered)) for q in report.questions],
            ),
        ),
    ]


def _day_month(iso_day: str) -> str:
    """A day's column is labelled 16-11 for 2026-11-16."""
    _, month, day = iso_day.split("-")
    return f"{int(day)}-{int(month)}"


def _sum(*values: int | None) -> int | None:
    return None if any(value is None for value in values) else sum(value or 0 for value in values)


def _period(call: Call) -> insight.Period:
    raw = call.request.query_params.get("weeks", "")
    weeks = int(raw) if raw.isdigit() and len(raw) < 4 else 0
    return insight.Period.ending(weeks, ZoneInfo(call.ctx.settings.timezone))


def _in_console(call: Call) -> bool:
    return call.request.url.path.startswith(CONSOLE)


async def page(call: Call) -> Response:
    period = _period(call)
    report = await insight.report(call.db, call.user, period)
    console = _in_console(call)
    return call.render(
        "admin/insight.html" if console else "insight.html",
        sections=SECTIONS,
        insight_path=CONSOLE if console else EDITORS,
        charts=charts(report, call.gettext),
        period=period,
        periods=insight.PERIODS,
        minimum=insight.MIN_COLLEAGUES,
    )


async def download(call: Call) -> Response:
    key = str(call.request.path_params["chart"])
    if key not in PART_OF:
        raise NotFound(N_("No such page."))
    period = _period(call)
    report = await insight.report(call.db, call.user, period, parts=[PART_OF[key]])
    [chart] = [chart for chart in charts(report, call.gettext) if chart.key == key]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_cell(column) for column in chart.columns)
    for row in chart.rows:
        writer.writerow(safe_cell(value) for value in row)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="kring-{key}-{period.weeks}w.csv"',
            "Cache-Control": "no-store",
        },
    )


CONSOLE, EDITORS = "/beheer/inzicht", "/inzicht"
routes: list[Route] = [
    admin_page(CONSOLE, page, name="admin_insight"),
    admin_page(CONSOLE + "/{chart:str}.csv", download, name="admin_insight_csv"),
    # Communications (editors) have no console: the same page of their own, which
    # `insight.report` (access.ensure_insight_reader) refuses to everyone else.
    page_route(EDITORS, page, name="insight"),
    page_route(EDITORS + "/{chart:str}.csv", download, name="insight_csv"),
]
