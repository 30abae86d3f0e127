"""Links for the dashboard's share panel: the embed page, the downloads and the `<iframe>` code of a chart.

Pure functions of a chart id and `Filters`; the query string is always the canonical one
(`query.to_query_string`), so one view has one URL and one cache entry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from html import escape
from urllib.parse import quote, urlencode

from uniondash.model import Filters
from uniondash.query import to_query_string

EXPORT_FORMATS = ("png", "svg", "html", "csv", "metadata.json", "zip")
EMBED_HEIGHT = 480
# The embed page around its chart: title, period line, source line and padding (px).
EMBED_CHROME = 110


def frame_height(figure_height: int | None) -> int:
    """The iframe height that shows a chart of `figure_height` px whole, with the embed page's title and source."""
    return EMBED_HEIGHT if not figure_height else int(figure_height) + EMBED_CHROME


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def dashboard_url(filters: Filters) -> str:
    """The dashboard view for `filters`: '/?years=2021-2023'."""
    return _with_query("/", to_query_string(filters))


def embed_url(chart_id: str, filters: Filters) -> str:
    """The chart-only page for iframes: '/embed/aid-funds?years=2021-2023&lang=en'."""
    return _with_query(f"/embed/{quote(chart_id, safe='')}", to_query_string(filters))


def export_url(
    chart_id: str,
    fmt: str,
    filters: Filters,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float | None = None,
) -> str:
    """A download: fmt is one of EXPORT_FORMATS; size only matters for png/svg ('/export/chart/aid-funds.png?…')."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    size = [(name, f"{value:g}") for name, value in (("width", width), ("height", height), ("scale", scale)) if value]
    query = "&".join(part for part in (to_query_string(filters), urlencode(size)) if part)
    return _with_query(f"/export/chart/{quote(chart_id, safe='')}.{fmt}", query)


def iframe_code(chart_id: str, filters: Filters, base_url: str, title: str, height: int = EMBED_HEIGHT) -> str:
    """The HTML a newsroom pastes into its page: a full-width iframe of the embed page.

    `base_url` is the dashboard's public address ('https://data.example.cn'); `title` names the frame for
    screen readers (the chart's title in the reader's language).
    """
    src = base_url.rstrip("/") + embed_url(chart_id, filters)
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="{int(height)}" '
        'style="border:0;max-width:100%" loading="lazy" referrerpolicy="strict-origin-when-cross-origin"></iframe>'
    )


ENV_PUBLISHED_URL = "UNIONDASH_PUBLISHED_URL"


def published_site(environ: Mapping[str, str] | None = None) -> str:
    """$UNIONDASH_PUBLISHED_URL: the address of the newest published static version (as given to
    `build-static --base-url`, with its v/<version>), or '' when none is configured or it is not http(s)."""
    url = (os.environ if environ is None else environ).get(ENV_PUBLISHED_URL, "").strip()
    return url.rstrip("/") if url.startswith(("https://", "http://")) else ""


def published_embed_url(chart_id: str, filters: Filters, site: str) -> str | None:
    """The chart's embed in the published static site, which never changes once cited; None without a
    site, or for a filtered view (a static site holds each chart's full view in each language only)."""
    if not site or filters != Filters(lang=filters.lang):
        return None
    prefix = "en/" if filters.lang == "en" else ""
    return f"{site}/{prefix}embed/{quote(chart_id, safe='')}/index.html"
