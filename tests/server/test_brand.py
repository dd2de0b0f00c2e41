"""The organisation's look: a colour that stays readable, an icon at /favicon.ico, times
without seconds, and a 404 page in the reader's language (issue 16)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from server.pages.brand import contrast, readable
from server.templating import _datetime_filter
from tests.support import Visitor

PAPER = "#f5f6f7"


@pytest.mark.parametrize("color", ["#0b6e4f", "#ffcc00", "#ffffff", "#7fdbff", "#000000"])
def test_the_brand_colour_carries_white_text_and_reads_on_the_page(color: str) -> None:
    shade = readable(color)
    assert contrast(shade, "#ffffff") >= 4.5
    assert contrast(shade, PAPER) >= 4.5


def test_a_dark_enough_colour_is_kept_as_configured() -> None:
    assert readable("#0b6e4f") == "#0b6e4f"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"org_color": "#ffcc00"}


async def test_theme_darkens_a_light_organisation_colour(visitor: Visitor) -> None:
    css = (await visitor.get("/theme.css")).text
    brand = re.search(r"--brand: (#[0-9a-f]{6});", css)
    assert brand is not None
    assert contrast(brand.group(1), "#ffffff") >= 4.5
    assert "--brand-configured: #ffcc00" in css


async def test_favicon_is_the_brand_icon(visitor: Visitor) -> None:
    response = await visitor.http.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")


async def test_an_unknown_page_answers_in_the_readers_language(visitor: Visitor) -> None:
    response = await visitor.get("/no-such-page")
    assert response.status_code == 404
    assert '<html lang="nl">' in response.text
    assert "Deze pagina bestaat niet" in response.text


def test_dates_with_times_have_no_seconds() -> None:
    when = _datetime_filter("nl", UTC)(datetime(2026, 12, 7, 14, 5, 33, tzinfo=UTC))
    assert "14:05" in when
    assert "33" not in when
