"""Jinja2 environments, one per language, with gettext installed (Babel catalogs)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import date as date_type
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.dates import format_date, format_time, format_timedelta, get_timezone
from babel.support import NullTranslations

from server.i18n import Catalogs
from server.notification_texts import describe
from services.direct import name_of
from services.notifications import Line

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"


class Templates:
    def __init__(self, catalogs: Catalogs, globals_: Mapping[str, Any], timezone: str) -> None:
        loader = jinja2.FileSystemLoader(TEMPLATES_DIR)
        self._envs: dict[str, jinja2.Environment] = {}
        for locale in ("nl", "en"):
            env = jinja2.Environment(
                loader=loader,
                autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
                extensions=["jinja2.ext.i18n"],
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.install_gettext_translations(catalogs.get(locale), newstyle=True)  # type: ignore[attr-defined]
            env.globals.update(globals_)
            env.globals["locale"] = locale
            env.filters["date"] = _date_filter(locale, get_timezone(timezone))
            env.filters["datetime"] = _datetime_filter(locale, get_timezone(timezone))
            env.filters["clock"] = _clock_filter(locale, get_timezone(timezone))
            env.filters["initials"] = initials
            env.filters["names_list"] = functools.partial(_names_list, locale=locale)
            env.filters["ago"] = _ago_filter(locale)
            env.filters["describe"] = functools.partial(_describe, catalogs.get(locale))
            self._envs[locale] = env

    def render(self, locale: str, name: str, context: Mapping[str, Any]) -> str:
        return self._envs[locale].get_template(name).render(context)


def _date_filter(locale: str, zone: tzinfo) -> Any:
    """The day in the organisation's time zone: a document uploaded at 00:36 on 7 December in
    Amsterdam was stored as 23:36 UTC on the 6th."""

    def date(value: datetime | date_type) -> str:
        if isinstance(value, datetime):
            value = _moment(value).astimezone(zone).date()
        return format_date(value, format="long", locale=locale)

    return date


def _datetime_filter(locale: str, zone: tzinfo) -> Any:
    """A date with the time to the minute: seconds mean nothing to a reader (Babel's "medium"
    pattern has them, so the locale's own way of joining a date and a time is used)."""
    joined = Locale.parse(locale).datetime_formats["medium"]

    def when(value: datetime | str) -> str:
        moment = _moment(value).astimezone(zone)  # the day too is the organisation's
        day = format_date(moment, format="medium", locale=locale)
        clock = format_time(moment, format="short", locale=locale)
        return str(joined).format(clock, day)

    return when


def _clock_filter(locale: str, zone: tzinfo) -> Any:
    """The time of day in the organisation's time zone: what a page shows without script (the
    browser then shows its own zone's)."""

    def clock(value: datetime | str) -> str:
        return format_time(_moment(value), format="short", locale=locale, tzinfo=zone)

    return clock


def _names_list(names: list[str], locale: str) -> str:
    return name_of(names, locale)


def _ago_filter(locale: str) -> Any:
    """ "5 min. geleden": how long ago, short, as a list of recent things says it (the full date
    goes in the element's title)."""

    def ago(value: datetime | str) -> str:
        # Never "in 0 seconds": a clock a little ahead of the database's still says "ago".
        since = min(_moment(value) - datetime.now(UTC), -timedelta(seconds=1))
        return format_timedelta(since, add_direction=True, format="short", locale=locale)

    return ago


def _moment(value: datetime | str) -> datetime:
    """A model's datetime or an event's ISO text (events carry times as text); naive is UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _describe(translations: NullTranslations, line: Line) -> str:
    return describe(line, translations)


def initials(name: str) -> str:
    """ "Anna de Vries" -> "AV": first letters of the first and last word."""
    words = name.split()
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()
